using Xunit;

namespace Runcs.Tests.Integration.Containerd;

/// <summary>
/// What a containerd user sees through `ctr` when containerd's `runc` is the runtime under test
/// (out/runcs; CONTAINERD_TEST_RUNTIME=/usr/bin/runc runs the same scenarios with runc).
/// Each scenario also checks that containerd logged no error it did not provoke.
/// </summary>
[Collection("containerd")]
public sealed class CtrTests(ContainerdFixture f) : IDisposable
{
    private const string Img = ContainerdFixture.Image;
    private readonly long _logMark = f.LogLength;
    private readonly List<string> _ids = [];
    private readonly List<string> _allowedErrors = [];

    private string Id(string prefix)
    {
        string id = f.NewId(prefix);
        _ids.Add(id);
        return id;
    }

    private static void Ok(CommandResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private string TaskStatus(string id) => TaskColumn(id, 2);

    /// <summary>`ctr task ls`'s row for the task: TASK PID STATUS.</summary>
    private string TaskColumn(string id, int column)
    {
        foreach (string line in f.Ctr("task", "ls").Stdout.Split('\n'))
        {
            string[] cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length == 3 && cols[0] == id)
                return cols[column];
        }
        return "";
    }

    /// <summary>Whether the task's process has a handler for the signal (SigCgt in /proc/PID/status).</summary>
    private bool Catches(string id, int signal)
    {
        if (!int.TryParse(TaskColumn(id, 1), out int pid))
            return false;
        string? caught = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:"));
        return caught is not null && (Convert.ToUInt64(caught[7..].Trim(), 16) & (1UL << (signal - 1))) != 0;
    }

    private static void WaitFor(Func<bool> condition, int timeoutMs = 10000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met");
            Thread.Sleep(50);
        }
    }

    /// <summary>After delete: no runtime state, no cgroup, no mount that names the container.</summary>
    private void AssertGone(string id, string? runtimeRoot = null)
    {
        Assert.False(Directory.Exists(Path.Combine(runtimeRoot ?? f.RuntimeRoot, id)), "runtime state left for " + id);
        foreach (string controller in new[] { "memory", "pids", "cpu", "freezer", "devices" })
            Assert.False(Directory.Exists($"/sys/fs/cgroup/{controller}/{f.Namespace}/{id}"), $"{controller} cgroup left for {id}");
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(id));
    }

    private void StartDetached(string id, params string[] extra)
    {
        Ok(f.Ctr(["run", "-d", .. extra, Img, id, "sleep", "600"]));
        Assert.Equal("RUNNING", TaskStatus(id));
    }

    private void KillAndDelete(string id)
    {
        Ok(f.Ctr("task", "kill", "-s", "SIGKILL", id));
        WaitFor(() => TaskStatus(id) == "STOPPED");
        Ok(f.Ctr("task", "delete", id));
        Ok(f.Ctr("container", "delete", id));
        AssertGone(id);
    }

    [Fact]
    public void Run_shows_the_output_and_exits_with_the_status()
    {
        string id = Id("plain");
        var r = f.Ctr("run", "--rm", Img, id, "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal("out\n", r.Stdout);
        Assert.Equal("err\n", r.Stderr);
        AssertGone(id);
    }

    [Fact]
    public void Run_passes_stdin()
    {
        // ctr 1.6 only closes the task's stdin when it reads EOF after the task exists
        // (`echo hi | ctr run ... cat` hangs with runc too), so the EOF comes a little later.
        string id = Id("stdin");
        var r = f.Shell($"(sleep 0.5; echo hi) | $CTR run --rm {Img} {id} cat");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi\n", r.Stdout);
        AssertGone(id);
    }

    [Fact]
    public void Detached_task_ls_ps_exec_pause_resume_metrics_kill_delete()
    {
        string id = Id("det");
        StartDetached(id);

        var ps = f.Ctr("task", "ps", id);
        Ok(ps);
        Assert.Contains("PID", ps.Stdout);
        Assert.Equal(2, ps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var exec = f.Ctr("task", "exec", "--exec-id", "ex1", id, "sh", "-c", "echo exec-ok; exit 5");
        Assert.True(exec.ExitCode == 5, exec.ToString());
        Assert.Equal("exec-ok\n", exec.Stdout);
        var user = f.Ctr("task", "exec", "--exec-id", "ex2", "--user", "65534", "--cwd", "/tmp", id, "sh", "-c", "id -u; pwd");
        Ok(user);
        Assert.Equal("65534\n/tmp\n", user.Stdout); // ctr 1.6 `run` has no --user: exec has

        Ok(f.Ctr("task", "pause", id));
        Assert.Equal("PAUSED", TaskStatus(id));
        Ok(f.Ctr("task", "resume", id));
        Assert.Equal("RUNNING", TaskStatus(id));

        var metrics = f.Ctr("task", "metrics", id);
        Ok(metrics);
        Assert.Contains("memory.usage_in_bytes", metrics.Stdout);

        // sleep is pid 1 without a handler: SIGTERM is ignored, SIGKILL is not.
        Ok(f.Ctr("task", "kill", "-s", "SIGTERM", id));
        Thread.Sleep(300);
        Assert.Equal("RUNNING", TaskStatus(id));
        KillAndDelete(id);
    }

    [Fact]
    public void Sigterm_reaches_a_process_that_handles_it()
    {
        string id = Id("term");
        Ok(f.Ctr("run", "-d", Img, id, "sh", "-c", "trap 'exit 7' TERM; while true; do sleep 0.1; done"));
        WaitFor(() => TaskStatus(id) == "RUNNING");
        WaitFor(() => Catches(id, 15)); // the trap is set
        Ok(f.Ctr("task", "kill", "-s", "SIGTERM", id));
        WaitFor(() => TaskStatus(id) == "STOPPED");
        var del = f.Ctr("task", "delete", id);
        Ok(del);
        Ok(f.Ctr("container", "delete", id));
        AssertGone(id);
    }

    [Fact]
    public void Env_and_cwd()
    {
        string id = Id("env");
        var r = f.Ctr("run", "--rm", "--env", "A=B", "--cwd", "/tmp", Img, id, "sh", "-c", "echo $A; pwd");
        Ok(r);
        Assert.Equal("B\n/tmp\n", r.Stdout);
    }

    [Fact]
    public void Read_only_bind_mount()
    {
        string id = Id("bind");
        string src = Directory.CreateTempSubdirectory("runcs-ctd-bind-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(src, "f"), "from-host\n");
            var r = f.Ctr("run", "--rm", "--mount", $"type=bind,src={src},dst=/m,options=rbind:ro", Img, id,
                "sh", "-c", "cat /m/f; touch /m/x 2>&1; echo rc=$?");
            Ok(r);
            Assert.StartsWith("from-host\n", r.Stdout);
            Assert.Contains("Read-only file system", r.Stdout);
            Assert.EndsWith("rc=1\n", r.Stdout);
            Assert.False(File.Exists(Path.Combine(src, "x")));
        }
        finally
        {
            Directory.Delete(src, recursive: true);
        }
    }

    [Fact]
    public void Privileged_gets_every_capability_and_host_devices()
    {
        const string script = "grep CapEff /proc/self/status; ls /dev | wc -l";
        var plain = f.Ctr("run", "--rm", Img, Id("unpriv"), "sh", "-c", script);
        var priv = f.Ctr("run", "--rm", "--privileged", Img, Id("priv"), "sh", "-c", script);
        Ok(plain);
        Ok(priv);
        string[] p = plain.Stdout.Split('\n'), q = priv.Stdout.Split('\n');
        Assert.Equal("CapEff:\t00000000a80425fb", p[0]);
        Assert.NotEqual(p[0], q[0]);
        Assert.True(int.Parse(q[1].Trim()) > int.Parse(p[1].Trim()), plain.Stdout + priv.Stdout);
    }

    [Fact]
    public void Net_host_shares_the_network_namespace()
    {
        string host = new FileInfo("/proc/self/ns/net").LinkTarget!;
        var shared = f.Ctr("run", "--rm", "--net-host", Img, Id("net"), "readlink", "/proc/self/ns/net");
        var own = f.Ctr("run", "--rm", Img, Id("nonet"), "readlink", "/proc/self/ns/net");
        Ok(shared);
        Ok(own);
        Assert.Equal(host + "\n", shared.Stdout);
        Assert.NotEqual(host + "\n", own.Stdout);
    }

    [Fact]
    public void Memory_and_cpu_limits_are_in_the_cgroup()
    {
        string id = Id("mem");
        StartDetached(id, "--memory-limit", "67108864", "--cpu-shares", "512", "--cpus", "0.5");
        string Read(string controller, string file) => File.ReadAllText($"/sys/fs/cgroup/{controller}/{f.Namespace}/{id}/{file}").Trim();
        string limit = Read("memory", "memory.limit_in_bytes"), shares = Read("cpu", "cpu.shares"),
            quota = Read("cpu", "cpu.cfs_quota_us"), period = Read("cpu", "cpu.cfs_period_us");
        KillAndDelete(id);
        // (ctr's default spec mounts no cgroupfs inside the container: the host's view is the check.)
        Assert.Equal("67108864", limit);
        Assert.Equal("512", shares);
        Assert.Equal(long.Parse(period) / 2, long.Parse(quota));
    }

    [Fact]
    public void Cgroup_flag_places_the_container()
    {
        string id = Id("cg");
        string path = $"/runcs-ctr-test/{id}";
        StartDetached(id, "--cgroup", path);
        string procs = File.ReadAllText($"/sys/fs/cgroup/pids{path}/cgroup.procs").Trim();
        string pid = f.Ctr("task", "ps", id).Stdout.Split('\n')[1].Split(' ')[0];
        KillAndDelete(id);
        Assert.Equal(pid, procs);
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids{path}"), "delete removes the cgroup");
        // The parent directories are the caller's, as with runc.
        foreach (string parent in Directory.GetDirectories("/sys/fs/cgroup", "runcs-ctr-test", SearchOption.AllDirectories))
            Directory.Delete(parent);
    }

    [Fact]
    public void Containerd_default_seccomp_profile_runs_busybox()
    {
        string id = Id("sec");
        var r = f.Ctr("run", "--rm", "--seccomp", Img, id, "sh", "-c", "grep Seccomp: /proc/self/status; ls / > /dev/null && echo ok");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Seccomp:\t2", r.Stdout);
        Assert.Contains("ok", r.Stdout);
        AssertGone(id);
    }

    [Fact]
    public void Create_then_start()
    {
        string id = Id("cs");
        Ok(f.Ctr("container", "create", Img, id, "sleep", "600"));
        Assert.Equal("", TaskStatus(id));
        Ok(f.Ctr("task", "start", "-d", id));
        Assert.Equal("RUNNING", TaskStatus(id));
        KillAndDelete(id);
    }

    [Fact]
    public void Several_containers_at_once()
    {
        string[] ids = [Id("par"), Id("par"), Id("par"), Id("par")];
        var runs = ids.Select(id => Task.Run(() => f.Ctr("run", "-d", Img, id, "sleep", "600"))).ToArray();
        Task.WaitAll(runs);
        foreach (var r in runs)
            Ok(r.Result);
        foreach (string id in ids)
            Assert.Equal("RUNNING", TaskStatus(id));
        var pids = ids.Select(id => f.Ctr("task", "ps", id).Stdout.Split('\n')[1].Split(' ')[0]).ToHashSet();
        Assert.Equal(ids.Length, pids.Count);
        Task.WaitAll(ids.Select(id => Task.Run(() => KillAndDelete(id))).ToArray());
    }

    [Fact]
    public void Missing_executable_reaches_the_ctr_user()
    {
        string id = Id("err");
        var r = f.Ctr("run", "--rm", Img, id, "nosuchbinary");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("executable file not found in $PATH", r.Stderr);
        Assert.Contains((f.IsRuncs ? "runcs" : "runc") + " create failed: unable to start container process: exec: \"nosuchbinary\"", r.Stderr);
        f.Ctr("container", "delete", id);
        AssertGone(id);
        _allowedErrors.Add("executable file not found");
    }

    [Fact]
    public void Exec_with_a_terminal()
    {
        string id = Id("xtty");
        StartDetached(id);
        // containerd's form: exec --process FILE --console-socket S --detach; the pty master goes to the shim.
        var r = f.Shell(
            $"(sleep 1; printf 'typed\\n'; sleep 1.5) | script -qec \"$CTR task exec -t --exec-id xt {id} sh -c 'tty; read x; echo got:\\$x; exit 6'\" /dev/null");
        KillAndDelete(id);
        Assert.True(r.ExitCode == 6, r.ToString());
        Assert.Matches("/dev/pts/[0-9]+", r.Stdout);
        Assert.Contains("got:typed", r.Stdout);
    }

    [Fact]
    public void Run_with_a_terminal()
    {
        string id = Id("tty");
        // script(1) gives ctr a real pty; the input arrives once the shell is reading.
        var r = f.Shell(
            $"(sleep 1; printf 'hello\\n'; sleep 1.5) | script -qec \"$CTR run -t --rm {Img} {id} sh -c 'tty; read x; echo got:\\$x; exit 4'\" /dev/null");
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("/dev/pts/0", r.Stdout);
        Assert.Contains("got:hello", r.Stdout);
        AssertGone(id);
    }

    [Fact]
    public void Runc_binary_flag_selects_the_runtime_when_PATH_has_real_runc()
    {
        using var other = ContainerdFixture.WithPathRuntime("/usr/bin/runc");
        string root = Directory.CreateTempSubdirectory("runcs-ctd-root-").FullName;
        try
        {
            string id = other.NewId("flag");
            var ok = other.Ctr("run", "--rm", "--runc-binary", other.RuntimeBinary, "--runc-root", root, ContainerdFixture.Image, id, "sh", "-c", "echo via-flag");
            Assert.True(ok.ExitCode == 0, ok.ToString());
            Assert.Equal("via-flag\n", ok.Stdout);

            StartIn(other, root, id);
            Assert.True(File.Exists(Path.Combine(root, other.Namespace, id, "state.json")), "state under --runc-root");
            Ok(other.Ctr("task", "kill", "-s", "SIGKILL", id));
            WaitFor(() => other.Ctr("task", "ls").Stdout.Contains("STOPPED"));
            Ok(other.Ctr("task", "delete", id));
            Ok(other.Ctr("container", "delete", id));
            Assert.False(Directory.Exists(Path.Combine(root, other.Namespace, id)));

            // The runtime's own error text proves which binary ran.
            var err = other.Ctr("run", "--rm", "--runc-binary", other.RuntimeBinary, "--runc-root", root, ContainerdFixture.Image, other.NewId("flagerr"), "nosuchbinary");
            Assert.Contains((f.IsRuncs ? "runcs" : "runc") + " create failed", err.Stderr);
            var viaPath = other.Ctr("run", "--rm", ContainerdFixture.Image, other.NewId("pathrunc"), "nosuchbinary");
            Assert.Contains("runc create failed", viaPath.Stderr);
            Assert.Empty(other.LogErrorsSince(0, "executable file not found"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        static void StartIn(ContainerdFixture c, string root, string id) =>
            Ok(c.Ctr("run", "-d", "--runc-binary", c.RuntimeBinary, "--runc-root", root, ContainerdFixture.Image, id, "sleep", "600"));
    }

    public void Dispose()
    {
        foreach (string id in _ids)
        {
            if (TaskStatus(id) != "")
            {
                f.Ctr("task", "kill", "-s", "SIGKILL", id);
                f.Ctr("task", "delete", "-f", id);
            }
            f.Ctr("container", "delete", id);
        }
        string[] errors = f.LogErrorsSince(_logMark, [.. _allowedErrors]);
        Assert.True(errors.Length == 0, $"containerd logged errors ({f.LogPath}):\n" + string.Join('\n', errors));
    }
}
