using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Issue 16: what a hostile container, a hostile state directory and a kill -9 of runcs can do.
/// Where runc can run the same case, it is the reference.
/// </summary>
[Collection("containers")]
public sealed class HardeningTests
{
    private const string Runc = "/usr/sbin/runc";

    private static void WaitFor(Func<bool> condition, int timeoutMs = 20000, string what = "condition")
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(10);
        }
    }

    private static void AddCapability(Bundle b, string cap)
    {
        var caps = b.Config["process"]!["capabilities"]!.AsObject();
        foreach (string set in (string[])["bounding", "effective", "permitted"])
            caps[set]!.AsArray().Add(cap);
        b.Save();
    }

    /// <summary>Compiles a hostile helper into the bundle's /bin, statically (busybox has no libc).</summary>
    private static string BuildHelper(Bundle b, string source, string name)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/gcc"), "gcc is needed to build the hostile helper");
        string src = Path.Combine(AppContext.BaseDirectory, "Integration", "Hostile", source);
        string target = Path.Combine(b.Rootfs, "bin", name);
        var r = RuncsBinary.Exec("/usr/bin/gcc", ["-static", "-O2", "-pthread", "-o", target, src]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return "/bin/" + name;
    }

    private static string Sha256(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>
    /// Item 1 (CVE-2019-5736): a container with CAP_SYS_PTRACE takes an O_PATH handle on
    /// /proc/PID/exe of every new process in its pid namespace during 50 `exec`s, then tries
    /// to reopen each for writing once runcs is gone. The binary under test is a copy of
    /// out/runcs; its hash must not change, and every runcs process the container saw must
    /// have been the sealed binary.
    /// </summary>
    [Fact]
    public void A_ptrace_capable_container_cannot_reach_a_writable_runcs_during_exec()
    {
        using var b = new Bundle();
        string watcher = BuildHelper(b, "exe_watcher.c", "exe_watcher");
        b.Args = [watcher];
        b.Config["root"]!["readonly"] = false; // the watcher reports in /tmp
        AddCapability(b, "CAP_SYS_PTRACE");
        string binary = Path.Combine(b.Dir, "runcs-under-test");
        File.Copy(RuncsBinary.Path, binary);
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string before = Sha256(binary);
        CommandResult Runcs(params string[] args) => RuncsBinary.Exec(binary, ["--root", b.StateRoot, .. args]);

        var create = Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(create.ExitCode == 0, create.ToString());
        try
        {
            int execs = int.TryParse(Environment.GetEnvironmentVariable("HARDENING_EXECS"), out int n) ? n : 50;
            for (int i = 0; i < execs; i++)
            {
                var x = Runcs("exec", b.Id, "/bin/true");
                Assert.True(x.ExitCode == 0, x.ToString());
            }
            var stop = Runcs("exec", b.Id, "touch", "/tmp/stop");
            Assert.True(stop.ExitCode == 0, stop.ToString());
            string result = Path.Combine(b.Rootfs, "tmp", "result");
            WaitFor(() => File.Exists(result), what: "the watcher's report");
            string[] lines = File.ReadAllLines(result);
            Assert.DoesNotContain(lines, l => l.StartsWith("wrote "));
            // The watcher did see runcs's processes in the container: each was refused.
            Assert.Contains(lines, l => l.StartsWith("refused "));
            Assert.Equal(before, Sha256(binary));
        }
        finally
        {
            Runcs("delete", "--force", b.Id);
        }
    }

    /// <summary>
    /// Item 6 (CVE-2016-9962 class): the init is not dumpable while it waits for `start` (root in
    /// the container's namespaces, holding runcs's fds). A root process without CAP_SYS_PTRACE
    /// can PTRACE_ATTACH to a dumpable root process with no more capabilities than its own, not
    /// to a non-dumpable one. (runc 1.1.5 leaves a create's init dumpable: runcs is stricter.)
    /// </summary>
    [Fact]
    public void The_init_waiting_for_start_is_not_dumpable()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "setpriv (util-linux) is needed");
        using var b = new Bundle(["true"]);
        string probe = Path.Combine(b.Rootfs, "bin", "ptrace_probe");
        BuildHelper(b, "ptrace_probe.c", "ptrace_probe");
        CommandResult Probe(int pid) => RuncsBinary.Exec("/usr/bin/setpriv", ["--bounding-set=-sys_ptrace", "--", probe, pid.ToString()]);

        // The probe works: it attaches to a dumpable root process with the same capabilities.
        var sleeper = RuncsBinary.Start(new ProcessStartInfo("/usr/bin/setpriv", ["--bounding-set=-sys_ptrace", "--", "/bin/sleep", "30"]));
        try
        {
            WaitFor(() => File.ReadAllText($"/proc/{sleeper.Id}/cmdline").StartsWith("/bin/sleep"), what: "the control process");
            var control = Probe(sleeper.Id);
            Assert.True(control.ExitCode == 0, control.ToString());
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }

        var create = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.True(create.ExitCode == 0, create.ToString());
        try
        {
            int pid = (int)JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!["pid"]!;
            var attach = Probe(pid);
            Assert.True(attach.ExitCode == 1 && attach.Stdout.StartsWith("refused"), attach.ToString());
        }
        finally
        {
            b.Runcs("delete", "--force", b.Id);
        }
    }

    /// <summary>
    /// Item 6: every container process leads its own session (runc's nsexec calls setsid,
    /// terminal or not), and starts with no signal blocked, ignored or caught, as runc's.
    /// </summary>
    [Fact]
    public void Run_and_exec_processes_lead_their_own_session_with_default_signals_as_runc()
    {
        Assert.SkipUnless(File.Exists(Runc), "runc is the reference");
        const string Probe = "set -- $(cat /proc/$$/stat); echo pid=$1 sid=$6; grep -E '^Sig(Blk|Ign|Cgt)' /proc/$$/status";
        using var b = new Bundle(["sleep", "30"]);
        string Observe(string runtime, string root, string id)
        {
            var run = RuncsBinary.Exec(runtime, ["--root", root, "run", "-d", "--bundle", b.Dir, id]);
            Assert.True(run.ExitCode == 0, run.ToString());
            try
            {
                var x = RuncsBinary.Exec(runtime, ["--root", root, "exec", id, "sh", "-c", Probe]);
                Assert.True(x.ExitCode == 0, x.ToString());
                var init = RuncsBinary.Exec(runtime, ["--root", root, "exec", id, "sh", "-c", "set -- $(cat /proc/1/stat); echo pid=$1 sid=$6; grep -E '^Sig(Blk|Ign|Cgt)' /proc/1/status"]);
                return x.Stdout + init.Stdout;
            }
            finally
            {
                RuncsBinary.Exec(runtime, ["--root", root, "delete", "--force", id]);
            }
        }
        string ours = Observe(RuncsBinary.Path, b.StateRoot, b.Id);
        string theirs = Observe(Runc, b.StateRoot + "-runc", b.Id + "r");
        foreach (string line in ours.Split('\n').Where(l => l.StartsWith("pid=")))
        {
            var parts = line.Split(' ');
            Assert.Equal(parts[0][4..], parts[1][4..]);
        }
        // pids differ between runs; the rest (who leads a session, signal state) must not.
        static string Shape(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"pid=\d+ sid=\d+", "pid=sid");
        Assert.Equal(Shape(theirs), Shape(ours));
    }

    /// <summary>
    /// Item 1's consequence: `exec`'s init is exec'd before it joins the container's user
    /// namespace, so it cannot write its own /proc files there; oom_score_adj is written by
    /// runcs, as runc's nsexec writes it from outside. The same value as runc's, in run and exec.
    /// </summary>
    [Fact]
    public void Exec_into_a_user_namespace_container_gets_its_oom_score_adj_as_runc()
    {
        using var b = new Bundle(["sleep", "30"]);
        b.Config["process"]!["oomScoreAdj"] = 123;
        b.Config["linux"]!["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "user" });
        b.Config["linux"]!["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 });
        b.Config["linux"]!["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 });
        b.Save();
        RuncsBinary.Exec("/bin/chown", ["-R", "-h", "200000:200000", b.Rootfs]);
        File.SetUnixFileMode(b.Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var (runtime, root, id) in new[] { (RuncsBinary.Path, b.StateRoot, b.Id), (Runc, b.StateRoot + "-runc", b.Id + "r") })
        {
            if (runtime == Runc && !File.Exists(Runc))
                continue;
            var run = RuncsBinary.Exec(runtime, ["--root", root, "run", "-d", "--bundle", b.Dir, id]);
            Assert.True(run.ExitCode == 0, run.ToString());
            try
            {
                var x = RuncsBinary.Exec(runtime, ["--root", root, "exec", id, "cat", "/proc/self/oom_score_adj", "/proc/1/oom_score_adj"]);
                Assert.True(x.ExitCode == 0, $"{runtime}: {x}");
                Assert.Equal("123\n123\n", x.Stdout);
            }
            finally
            {
                RuncsBinary.Exec(runtime, ["--root", root, "delete", "--force", id]);
            }
        }
    }

    /// <summary>Makes a v1 cgroup (pids hierarchy) holding a process that is not the container's.</summary>
    private static (Process Stranger, string Dir) StrangerCgroup(string name)
    {
        string dir = Path.Combine("/sys/fs/cgroup/pids", name);
        Directory.CreateDirectory(dir);
        var stranger = Process.Start("/bin/sleep", "60");
        File.WriteAllText(Path.Combine(dir, "cgroup.procs"), stranger.Id.ToString());
        return (stranger, dir);
    }

    private static bool Alive(Process p)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{p.Id}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Item 2: `delete --force` of a container with its own pid namespace, whose cgroupsPath names
    /// a cgroup that already held another process, leaves that process alive, as runc does.
    /// </summary>
    [Fact]
    public void Delete_force_leaves_a_preexisting_cgroups_other_processes_alive_as_runc()
    {
        Assert.SkipUnless(Directory.Exists("/sys/fs/cgroup/pids"), "a cgroup v1 pids hierarchy is needed");
        using var b = new Bundle(["sleep", "60"]);
        foreach (var (runtime, root, id) in new[] { (RuncsBinary.Path, b.StateRoot, b.Id), (Runc, b.StateRoot + "-runc", b.Id + "r") })
        {
            if (runtime == Runc && !File.Exists(Runc))
                continue;
            string name = "runcs-stranger-" + id;
            b.Config["linux"]!["cgroupsPath"] = "/" + name;
            b.Save();
            var (stranger, dir) = StrangerCgroup(name);
            try
            {
                var run = RuncsBinary.Exec(runtime, ["--root", root, "run", "-d", "--bundle", b.Dir, id]);
                Assert.True(run.ExitCode == 0, run.ToString());
                RuncsBinary.Exec(runtime, ["--root", root, "delete", "--force", id]);
                Assert.True(Alive(stranger), $"{runtime} delete --force killed a process that was not the container's");
                Assert.False(Directory.Exists(Path.Combine(root, id)), $"{runtime} left its state");
            }
            finally
            {
                stranger.Kill();
                stranger.WaitForExit();
                foreach (string h in Directory.EnumerateDirectories("/sys/fs/cgroup"))
                {
                    string d = Path.Combine(h, name);
                    WaitFor(() => !Directory.Exists(d) || TryRmdir(d), 5000, "cgroup removal");
                }
                _ = dir;
            }
        }
    }

    private static bool TryRmdir(string dir)
    {
        try
        {
            Directory.Delete(dir);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Item 2: a cgroupsPath naming the root cgroup or runcs's own is refused, leaving nothing.</summary>
    [Theory]
    [InlineData("/")]
    [InlineData("/a/..")]
    [InlineData(".")]
    [InlineData("x/../..")]
    public void A_cgroups_path_naming_the_root_or_runcs_own_cgroup_is_refused(string path)
    {
        using var b = new Bundle(["true"]);
        b.Config["linux"]!["cgroupsPath"] = path;
        b.Save();
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("config.json: linux.cgroupsPath:", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    /// <summary>
    /// Item 8: a state.json that is a symlink to /dev/zero (or a FIFO) makes no verb read without
    /// end: each finishes at once with an error naming the file, and `list` still lists the rest.
    /// </summary>
    [Theory]
    [InlineData("symlink")]
    [InlineData("fifo")]
    public void A_hostile_state_json_is_refused_without_reading_it(string kind)
    {
        using var b = new Bundle(["true"]);
        string dir = Path.Combine(b.StateRoot, b.Id);
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "state.json");
        if (kind == "symlink")
            File.CreateSymbolicLink(file, "/dev/zero");
        else
            Assert.Equal(0, RuncsBinary.Exec("/usr/bin/mkfifo", [file]).ExitCode);
        foreach (string[] args in new[] { new[] { "state", b.Id }, ["list"], ["kill", b.Id, "KILL"], ["delete", "--force", b.Id] })
        {
            var r = RuncsBinary.Run(["--root", b.StateRoot, .. args], timeoutMs: 10000);
            Assert.DoesNotContain("   at ", r.Stderr);
            if (args[0] != "list")
            {
                Assert.True(r.ExitCode == 1, r.ToString());
                Assert.Contains("state.json", r.Stderr);
            }
        }
        // Unreadable, so kept (item 9).
        Assert.True(Directory.Exists(dir));
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Item 8: a container whose /etc/passwd is /dev/zero: the HOME lookup of run and exec ends at once.</summary>
    [Fact]
    public void A_container_passwd_that_is_dev_zero_does_not_hang_run_or_exec()
    {
        using var b = new Bundle(["sleep", "30"]);
        b.Config["process"]!["env"] = new JsonArray("PATH=/bin");
        b.Save();
        string passwd = Path.Combine(b.Rootfs, "etc", "passwd");
        File.Delete(passwd);
        File.CreateSymbolicLink(passwd, "/dev/zero");
        var run = RuncsBinary.Run(["--root", b.StateRoot, "run", "-d", "--bundle", b.Dir, b.Id], timeoutMs: 15000);
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var x = RuncsBinary.Run(["--root", b.StateRoot, "exec", b.Id, "sh", "-c", "echo $HOME"], timeoutMs: 15000);
            Assert.True(x.ExitCode == 0, x.ToString());
            Assert.Equal("/\n", x.Stdout);
        }
        finally
        {
            b.Runcs("delete", "--force", b.Id);
        }
    }

    /// <summary>
    /// Item 9: `delete --force` with a state.json that cannot be parsed fails and keeps the state
    /// (its init may be alive), as runc does; the init is still running afterwards.
    /// </summary>
    [Fact]
    public void Delete_force_with_an_unreadable_state_fails_and_keeps_it_as_runc()
    {
        using var b = new Bundle(["sleep", "60"]);
        foreach (var (runtime, root, id) in new[] { (RuncsBinary.Path, b.StateRoot, b.Id), (Runc, b.StateRoot + "-runc", b.Id + "r") })
        {
            if (runtime == Runc && !File.Exists(Runc))
                continue;
            var run = RuncsBinary.Exec(runtime, ["--root", root, "run", "-d", "--bundle", b.Dir, id]);
            Assert.True(run.ExitCode == 0, run.ToString());
            string stateFile = Path.Combine(root, id, "state.json");
            byte[] saved = File.ReadAllBytes(stateFile);
            int pid = (int)JsonNode.Parse(RuncsBinary.Exec(runtime, ["--root", root, "state", id]).Stdout)!["pid"]!;
            try
            {
                File.WriteAllText(stateFile, "{ not json");
                var del = RuncsBinary.Exec(runtime, ["--root", root, "delete", "--force", id]);
                Assert.True(del.ExitCode == 1, $"{runtime}: {del}");
                Assert.True(File.Exists(stateFile), $"{runtime} removed an unreadable state");
                Assert.True(File.Exists($"/proc/{pid}/stat"), $"{runtime}: the init is gone");
            }
            finally
            {
                File.WriteAllBytes(stateFile, saved);
                var del = RuncsBinary.Exec(runtime, ["--root", root, "delete", "--force", id]);
                Assert.True(del.ExitCode == 0, del.ToString());
            }
        }
    }

    private static List<string> CgroupDirsNamed(string fragment) =>
        Directory.EnumerateDirectories("/sys/fs/cgroup").SelectMany(h =>
        {
            try
            {
                return Directory.EnumerateDirectories(h, "*" + fragment + "*", SearchOption.AllDirectories).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }).ToList();

    /// <summary>Processes whose cgroup path names <paramref name="fragment"/> (the containers' inits).</summary>
    private static List<int> ProcessesInCgroupsNamed(string fragment) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0).Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cgroup").Contains(fragment);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToList();

    /// <summary>
    /// Item 5: `create` and `run -d` killed with SIGKILL at random moments (HARDENING_KILL_RUNS times, 30 by
    /// default; the issue's run is 100), then `delete --force`: it always finishes, and nothing
    /// is left (state, cgroup, process). A container killed before its state.json existed is
    /// listed by `list` until deleted.
    /// </summary>
    [Fact]
    public void Kill_9_of_create_at_random_moments_leaves_nothing_after_delete_force()
    {
        using var b = new Bundle(["sleep", "60"]);
        int runs = int.TryParse(Environment.GetEnvironmentVariable("HARDENING_KILL_RUNS"), out int n) ? n : 30;
        var random = new Random(16);
        string baseId = b.Id + "k";
        // How long a create takes here: the kills land anywhere in it.
        var timer = Stopwatch.StartNew();
        var probe = b.Runcs("create", "--bundle", b.Dir, baseId + "probe");
        Assert.True(probe.ExitCode == 0, probe.ToString());
        double createMs = Math.Max(5, timer.Elapsed.TotalMilliseconds);
        Assert.Equal(0, b.Runcs("delete", "--force", baseId + "probe").ExitCode);
        for (int i = 0; i < runs; i++)
        {
            string id = $"{baseId}{i}";
            var info = new ProcessStartInfo(RuncsBinary.Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            string[] verb = i % 2 == 0 ? ["create"] : ["run", "-d"];
            foreach (string a in (string[])["--root", b.StateRoot, .. verb, "--bundle", b.Dir, id])
                info.ArgumentList.Add(a);
            using var create = RuncsBinary.Start(info);
            // A kill at a random moment of the create (a fixed point would test one phase only).
            double delay = random.NextDouble() * createMs * 1.2;
            var until = Stopwatch.StartNew();
            while (until.Elapsed.TotalMilliseconds < delay && !create.HasExited)
                Thread.SpinWait(1000);
            try
            {
                create.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            create.WaitForExit();
            if (Directory.Exists(Path.Combine(b.StateRoot, id)))
            {
                var list = b.Runcs("list", "-q");
                Assert.Contains(id, list.Stdout.Split('\n'));
            }
            var del = b.Runcs("delete", "--force", id); // throws TimeoutException on a hang
            Assert.True(del.ExitCode == 0, $"run {i}: {del}");
        }
        WaitFor(() => ProcessesInCgroupsNamed(baseId).Count == 0, 10000, "the killed creates' processes to go");
        Assert.DoesNotContain(Directory.GetDirectories(b.StateRoot), d => Path.GetFileName(d).StartsWith(baseId));
        WaitFor(() => CgroupDirsNamed(baseId).Count == 0, 5000, "no cgroup left: " + string.Join(' ', CgroupDirsNamed(baseId)));
    }
}
