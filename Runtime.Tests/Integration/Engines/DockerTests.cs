using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Runcs.Tests.Integration.Engines;

/// <summary>
/// What a docker user sees with `docker run --runtime runcs`, through Debian's docker.io 20.10:
/// each scenario runs with docker's default runc (Debian's runc 1.1.5) and with runcs, and what
/// it observed must be the same. After each: nothing left behind, nothing in dockerd's or
/// containerd's log that the scenario did not provoke.
/// </summary>
[Collection("docker")]
public sealed class DockerTests(DockerFixture f)
{
    private const string Img = DockerFixture.Image;

    private string Both(Func<string, string> scenario, params string[] allowedLogErrors)
    {
        f.RequireDocker();
        return EngineScenario.Compare(f.Runtimes, scenario, f.RemoveAllContainers, f.Leftovers,
            () => f.LogLength, mark => f.LogErrorsSince(mark, allowedLogErrors));
    }

    private CommandResult D(params string[] args) => f.Docker(args);

    private CommandResult Run(string rt, params string[] args) => f.Docker(["run", "--runtime", rt, .. args]);

    private static CommandResult Ok(CommandResult r)
    {
        EngineHost.Ok(r);
        return r;
    }

    private string Inspect(string name, string format) => Ok(D("inspect", "-f", format, name)).Stdout.Trim();

    /// <summary>Starts a detached container (`run -d --name NAME ...`) and returns its name.</summary>
    private string Detached(string rt, string prefix, params string[] args)
    {
        string name = f.NewName(prefix, rt);
        Ok(Run(rt, ["-d", "--name", name, .. args]));
        return name;
    }

    private void WaitForLogs(string name, string text, int count = 1) =>
        EngineHost.WaitFor(() => Regex.Matches(D("logs", name).Stdout, Regex.Escape(text)).Count >= count, 30000, $"`{text}` in the logs of {name}");

    [Fact]
    public void Run_rm_shows_output_and_exit_status_on_each_network()
    {
        string seen = Both(rt => string.Concat(new[] { "bridge", "none", "host" }.Select(net =>
        {
            var r = Run(rt, "--rm", "--network", net, Img, "sh", "-c", "echo out; echo err >&2; ip -o link | wc -l; exit 3");
            return $"{net}: exit {r.ExitCode} stdout={r.Stdout} stderr={r.Stderr}\n";
        })));
        Assert.Contains("bridge: exit 3 stdout=out\n2\n stderr=err\n", seen);
        Assert.Contains("none: exit 3 stdout=out\n1\n stderr=err\n", seen);
        Assert.Contains("host: exit 3 stdout=out\n", seen);
    }

    [Fact]
    public void Missing_and_non_executable_commands_exit_127_and_126()
    {
        string seen = Both(rt =>
        {
            var missing = Run(rt, "--rm", "--network", "none", Img, "nosuchcommand");
            var notExec = Run(rt, "--rm", "--network", "none", Img, "/etc/passwd");
            return $"missing: exit {missing.ExitCode} {missing.Stderr.Contains("executable file not found in $PATH")}\n" +
                $"not executable: exit {notExec.ExitCode} {notExec.Stderr.Contains("permission denied")}\n";
        }, "executable file not found", "permission denied");
        Assert.Equal("missing: exit 127 True\nnot executable: exit 126 True\n", seen);
    }

    [Fact]
    public void Exec_of_missing_and_non_executable_commands_shows_runc_s_message()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "xerr", "--network", "none", Img, "sleep", "600");
            var missing = D("exec", name, "nosuchcommand");
            var notExec = D("exec", name, "/etc/passwd");
            Ok(D("rm", "-f", name));
            // docker 20.10 prints the exec error on stdout, and exits 126 for both.
            return $"exit {missing.ExitCode}: {(missing.Stdout + missing.Stderr).Trim()}\nexit {notExec.ExitCode}: {(notExec.Stdout + notExec.Stderr).Trim()}\n";
        }, "executable file not found", "permission denied");
        Assert.Equal(
            "exit 126: OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchcommand\": executable file not found in $PATH: unknown\n" +
            "exit 126: OCI runtime exec failed: exec failed: unable to start container process: exec: \"/etc/passwd\": permission denied: unknown\n", seen);
    }

    /// <summary>Runs the docker CLI on a pty of the test (as from a user's terminal) and drives it.</summary>
    private (int Exit, string Transcript) OnTerminal(string[] dockerArgs, Action<HostPty> drive)
    {
        using var pty = HostPty.Open(30, 100);
        using var docker = Spawned.Start(new Stdio.Terminal(pty.SlavePath), [DockerFixture.DockerCli, .. f.CliFlags, .. dockerArgs]);
        drive(pty);
        int exit = docker.WaitForExit(30000, () => TtyMaster.Escape(pty.Transcript));
        return (exit, pty.Transcript);
    }

    /// <summary>`stty size` until it prints <paramref name="size"/> (a resize reaches the container asynchronously).</summary>
    private static void ExpectSize(HostPty pty, string size)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            pty.Write("stty size\r");
            // Until docker has set the terminal's size, busybox's stty fails ("stty: standard input").
            var m = pty.Expect(@"\r\n(\d+ \d+|stty: [^\r]*)\r\n", 10000);
            if (m.Groups[1].Value == size)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"stty size: {m.Groups[1].Value}, expected {size}");
            Thread.Sleep(100);
        }
    }

    [Fact]
    public void Run_it_under_a_pty_size_resize_ctrl_c_ctrl_d()
    {
        string seen = Both(rt =>
        {
            string name = f.NewName("tty", rt);
            string result = "";
            var (exit, transcript) = OnTerminal(["run", "-it", "--rm", "--name", name, "--network", "none", "--runtime", rt, Img, "sh"], pty =>
            {
                pty.Expect("# ", 30000);
                ExpectSize(pty, "30 100");
                pty.Resize(40, 120);
                ExpectSize(pty, "40 120");
                pty.Write("tty\r");
                result += pty.Expect(@"\r\n(/dev/\S+)\r\n").Groups[1].Value + "\n";
                pty.Write("sleep 4321\r");
                EngineHost.WaitFor(() => D("top", name).Stdout.Contains("sleep 4321"), 15000, "sleep in the container");
                pty.Write("\x03");
                pty.Write("echo rc=$?\r");
                result += pty.Expect(@"\r\n(rc=\d+)\r\n").Groups[1].Value + "\n";
                pty.Write("\x04");
            });
            return result + $"exit {exit}\n";
        });
        Assert.Equal("/dev/pts/0\nrc=130\nexit 0\n", seen);
    }

    [Fact]
    public void Run_i_with_megabytes_of_piped_stdin_until_eof()
    {
        var data = new StringBuilder();
        for (int i = 0; data.Length < 3 << 20; i++)
            data.Append("line ").Append(i).Append('\n');
        string input = data.ToString();
        string md5 = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(input)));
        string seen = Both(rt =>
        {
            var r = f.DockerWith(input, 120000, "run", "-i", "--rm", "--network", "none", "--runtime", rt, Img, "sh", "-c", "md5sum; echo eof");
            return EngineHost.Outcome(r);
        });
        Assert.Equal($"exit 0\n{md5}  -\neof\n", seen);
    }

    [Fact]
    public void Detached_logs_exec_top_stats_pause_kill_stop_restart_rm()
    {
        string seen = Both(rt =>
        {
            var o = new StringBuilder();
            string name = Detached(rt, "life", "--network", "none", Img, "sh", "-c",
                "echo started; trap 'echo got-usr1' USR1; trap 'echo got-term; exit 7' TERM; while true; do sleep 0.1; done");
            WaitForLogs(name, "started");
            o.Append("exec -u -w -e: ").Append(EngineHost.Outcome(D("exec", "-u", "1000:1000", "-w", "/tmp", "-e", "A=B", name, "sh", "-c", "id -u; id -g; pwd; echo $A")));
            o.Append("exec -i: ").Append(EngineHost.Outcome(f.DockerWith("piped\n", 30000, "exec", "-i", name, "sh", "-c", "cat; echo eof")));
            o.Append("exec status: ").Append(EngineHost.Outcome(D("exec", name, "sh", "-c", "exit 9")));
            Ok(D("exec", "-d", name, "sh", "-c", "echo flag > /tmp/flag"));
            EngineHost.WaitFor(() => D("exec", name, "cat", "/tmp/flag").Stdout == "flag\n", 15000, "exec -d's file");
            var top = Ok(D("top", name, "-o", "pid,comm"));
            o.Append("top: ").Append(Regex.Replace(top.Stdout.Split('\n')[0], " +", " ")).Append(' ').Append(Regex.IsMatch(top.Stdout, @"\n\d+ +sh\n")).Append('\n');
            o.Append("stats: ").Append(Ok(D("stats", "--no-stream", "--format", "{{.Name}}", name)).Stdout.Replace(name, "NAME"));
            Ok(D("pause", name));
            o.Append("paused: ").Append(Inspect(name, "{{.State.Status}}")).Append('\n');
            Ok(D("unpause", name));
            o.Append("unpaused: ").Append(Inspect(name, "{{.State.Status}}")).Append('\n');
            Ok(D("kill", "-s", "USR1", name));
            WaitForLogs(name, "got-usr1");
            Ok(D("stop", name));
            o.Append("stopped: ").Append(Inspect(name, "{{.State.Status}} {{.State.ExitCode}}")).Append('\n');
            WaitForLogs(name, "got-term");
            Ok(D("restart", name));
            WaitForLogs(name, "started", 2);
            o.Append("restarted: ").Append(Inspect(name, "{{.State.Status}}")).Append('\n');
            Ok(D("kill", name));
            EngineHost.WaitFor(() => Inspect(name, "{{.State.Status}}") == "exited", 15000, "exited after kill");
            o.Append("killed: ").Append(Inspect(name, "{{.State.ExitCode}}")).Append('\n');
            o.Append("logs: ").Append(D("logs", name).Stdout.Replace('\n', ' ')).Append('\n');
            Ok(D("rm", "-f", name));
            return o.ToString();
        });
        Assert.Equal("""
            exec -u -w -e: exit 0
            1000
            1000
            /tmp
            B
            exec -i: exit 0
            piped
            eof
            exec status: exit 9
            top: PID COMMAND True
            stats: NAME
            paused: paused
            unpaused: running
            stopped: exited 7
            restarted: running
            killed: 137
            logs: started got-usr1 got-term started 

            """, seen);
    }

    [Fact]
    public void Exec_it_under_a_pty()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "xtty", "--network", "none", Img, "sleep", "600");
            string result = "";
            var (exit, _) = OnTerminal(["exec", "-it", name, "sh"], pty =>
            {
                pty.Expect("# ", 30000);
                ExpectSize(pty, "30 100");
                pty.Write("tty\r");
                result += Regex.Replace(pty.Expect(@"\r\n(/dev/\S+)\r\n").Groups[1].Value, @"\d+", "N") + "\n";
                pty.Write("exit 5\r");
            });
            Ok(D("rm", "-f", name));
            return result + $"exit {exit}\n";
        });
        Assert.Equal("/dev/pts/N\nexit 5\n", seen);
    }

    [Fact]
    public void Stop_kills_after_the_timeout_when_term_is_ignored()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "stopk", "--network", "none", Img, "sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done");
            WaitForLogs(name, "ready");
            Ok(D("stop", "-t", "1", name));
            string state = Inspect(name, "{{.State.Status}} {{.State.ExitCode}}");
            Ok(D("rm", name));
            return state;
        });
        Assert.Equal("exited 137", seen);
    }

    private string CgroupFile(string id, string controller, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}{f.CgroupParent}/{id}/{file}").Trim();

    [Fact]
    public void Update_changes_memory_cpu_and_pids_in_the_cgroup()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "upd", "--network", "none", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", Img, "sleep", "600");
            string id = Inspect(name, "{{.Id}}");
            string Files() => $"{CgroupFile(id, "memory", "memory.limit_in_bytes")} {CgroupFile(id, "cpu", "cpu.cfs_quota_us")}/{CgroupFile(id, "cpu", "cpu.cfs_period_us")} {CgroupFile(id, "pids", "pids.max")}\n";
            string before = Files();
            Ok(D("update", "--memory", "32m", "--memory-swap", "64m", "--cpus", "0.25", "--pids-limit", "20", name));
            string after = Files() + CgroupFile(id, "memory", "memory.memsw.limit_in_bytes") + "\n";
            Ok(D("rm", "-f", name));
            return before + after;
        });
        Assert.Equal("67108864 50000/100000 50\n33554432 25000/100000 20\n67108864\n", seen);
    }

    [Fact]
    public void Memory_hog_is_oom_killed()
    {
        string seen = Both(rt =>
        {
            string name = f.NewName("oom", rt);
            var r = Run(rt, "--name", name, "--network", "none", "--memory", "6m", "--memory-swap", "6m", Img, "sh", "-c", "x=a; while true; do x=$x$x; done");
            string state = $"exit {r.ExitCode} " + Inspect(name, "{{.State.OOMKilled}} {{.State.ExitCode}}");
            Ok(D("rm", name));
            return state;
        });
        Assert.Equal("exit 137 true 137", seen);
    }

    [Fact]
    public void Read_only_root_with_a_tmpfs()
    {
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--read-only", "--tmpfs", "/run:size=1m", Img, "sh", "-c",
            "touch /x 2>/dev/null; echo root=$?; touch /run/y; echo tmpfs=$?; grep ' /run ' /proc/mounts | cut -d' ' -f3,4; grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1")));
        Assert.Equal("exit 0\nroot=1\ntmpfs=0\ntmpfs rw,nosuid,nodev,noexec,relatime,size=1024k\nro\n", seen);
    }

    [Fact]
    public void Volumes_read_only_directory_file_and_named_volume()
    {
        string dir = Directory.CreateTempSubdirectory("runcs-docker-vol-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a"), "from-dir\n");
            string file = Path.Combine(dir, "file");
            string seen = Both(rt =>
            {
                File.WriteAllText(file, "from-file\n");
                string vol = f.NewName("vol", rt);
                var first = Run(rt, "--rm", "--network", "none", "-v", $"{dir}:/ro:ro", "-v", $"{file}:/f", "-v", $"{vol}:/v", Img, "sh", "-c",
                    "cat /ro/a; touch /ro/b 2>/dev/null; echo ro=$?; cat /f; echo from-container > /f; echo kept > /v/d");
                var second = Run(rt, "--rm", "--network", "none", "-v", $"{vol}:/v", Img, "cat", "/v/d");
                Ok(D("volume", "rm", vol));
                return EngineHost.Outcome(first) + EngineHost.Outcome(second) + File.ReadAllText(file) + File.Exists(Path.Combine(dir, "b")) + "\n";
            });
            Assert.Equal("exit 0\nfrom-dir\nro=1\nfrom-file\nexit 0\nkept\nfrom-container\nFalse\n", seen);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void User_1000()
    {
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--user", "1000:1000", Img, "sh", "-c",
            "id -u; id -g; touch /x 2>/dev/null; echo root-write=$?; grep CapEff /proc/self/status")));
        Assert.Equal("exit 0\n1000\n1000\nroot-write=1\nCapEff:\t0000000000000000\n", seen);
    }

    [Fact]
    public void Cap_drop_all_and_cap_add()
    {
        string seen = Both(rt => string.Concat(new[] { new string[0], ["--cap-drop", "ALL"], ["--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "--cap-add", "CHOWN"] }
            .Select(caps => EngineHost.Outcome(Run(rt, ["--rm", "--network", "none", .. caps, Img, "sh", "-c", "grep -E 'Cap(Eff|Bnd|Prm|Inh|Amb)' /proc/self/status; chown 1:1 /tmp; echo chown=$?"])))));
        Assert.Contains("CapEff:\t00000000a80425fb\n", seen);
        Assert.Contains("CapEff:\t0000000000000000\n", seen);
        Assert.Contains("CapEff:\t0000000000001001\n", seen);
    }

    [Fact]
    public void Default_seccomp_profile_refuses_mount_and_unconfined_does_not_filter()
    {
        const string script = "grep Seccomp: /proc/self/status; mkdir /m; mount -t tmpfs t /m 2>/dev/null; echo mount=$?; ls / >/dev/null && echo ordinary-ok";
        string seen = Both(rt =>
            EngineHost.Outcome(Run(rt, "--rm", "--network", "none", Img, "sh", "-c", script)) +
            EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", Img, "sh", "-c", script)) +
            // docker's profile lets mount through once CAP_SYS_ADMIN is added.
            EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--cap-add", "SYS_ADMIN", Img, "sh", "-c", script)));
        Assert.Equal(
            "exit 0\nSeccomp:\t2\nmount=1\nordinary-ok\n" +
            "exit 0\nSeccomp:\t0\nmount=1\nordinary-ok\n" +
            "exit 0\nSeccomp:\t2\nmount=0\nordinary-ok\n", seen);
    }

    [Fact]
    public void Privileged_gets_every_capability_the_host_devices_and_mount()
    {
        f.RequireDocker();
        // A kernel may refuse what --privileged asks for (e.g. a capability it does not have): then
        // runc fails too, and the scenario cannot run here.
        var probe = Run("runc", "--rm", "--network", "none", "--privileged", Img, "true");
        Assert.SkipWhen(probe.ExitCode != 0, "docker run --privileged fails with runc on this machine: " + probe.Stderr.Trim());
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--privileged", Img, "sh", "-c",
            "grep -E 'Cap(Eff|Bnd)' /proc/self/status; grep Seccomp: /proc/self/status; test -e /dev/kmsg && echo host-devices; mkdir /m; mount -t tmpfs t /m && echo mounted")));
        Assert.Matches(@"^exit 0\nCapEff:\t[0-9a-f]{16}\nCapBnd:\t[0-9a-f]{16}\nSeccomp:\t0\nhost-devices\nmounted\n$", seen);
    }

    [Fact]
    public void No_new_privileges()
    {
        string seen = Both(rt =>
            EngineHost.Outcome(Run(rt, "--rm", "--network", "none", Img, "grep", "NoNewPrivs", "/proc/self/status")) +
            EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--security-opt", "no-new-privileges", Img, "grep", "NoNewPrivs", "/proc/self/status")));
        Assert.Equal("exit 0\nNoNewPrivs:\t0\nexit 0\nNoNewPrivs:\t1\n", seen);
    }

    [Fact]
    public void Pids_limit_stops_forks()
    {
        // A subshell forks sleeps until a fork fails (which ends it); the shell, 1, and 6 sleeps
        // remain. `read` is a builtin: reading the files forks nothing.
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--pids-limit", "8", Img, "sh", "-c",
            "(i=0; while [ $i -lt 20 ]; do sleep 60 & i=$((i+1)); done) 2>/dev/null; read max < /sys/fs/cgroup/pids/pids.max; read cur < /sys/fs/cgroup/pids/pids.current; echo max=$max current=$cur")));
        Assert.Equal("exit 0\nmax=8 current=7\n", seen);
    }

    [Fact]
    public void Init_is_pid_1()
    {
        // (runc's ps gets a higher pid than runcs's: its init forks more inside the namespace.)
        string seen = Both(rt => Regex.Replace(EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--init", Img, "ps", "-o", "pid,comm")), @"\n +\d+ ps\n", "\n N ps\n"));
        Assert.Equal("exit 0\nPID   COMMAND\n    1 docker-init\n N ps\n", seen);
    }

    [Fact]
    public void Device_read_only_refuses_writes()
    {
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--device", "/dev/kmsg:/dev/kmsg:r", Img, "sh", "-c",
            "echo runcs-engine-test-must-not-reach-dmesg > /dev/kmsg 2>/dev/null; echo write=$?; grep -E '^c 1:11 ' /sys/fs/cgroup/devices/devices.list")));
        Assert.Equal("exit 0\nwrite=1\nc 1:11 r\n", seen);
    }

    [Fact]
    public void Pid_host_init_exit_kills_the_rest()
    {
        int marker = 4000 + Environment.ProcessId % 1000;
        string seen = Both(rt =>
        {
            var r = Run(rt, "--rm", "--network", "none", "--pid", "host", Img, "sh", "-c", $"sleep {marker} & echo started");
            string left = "";
            try
            {
                EngineHost.WaitFor(() => EngineHost.ProcessesMentioning($"sleep {marker}").Count == 0, 10000, "the container's sleep to go");
            }
            catch (TimeoutException)
            {
                left = "left: " + string.Join(' ', EngineHost.ProcessesMentioning($"sleep {marker}").Select(p => p.Pid));
                foreach (var (pid, _) in EngineHost.ProcessesMentioning($"sleep {marker}"))
                    EngineHost.kill(pid, 9);
            }
            return EngineHost.Outcome(r) + left;
        });
        Assert.Equal("exit 0\nstarted\n", seen);
    }

    [Fact]
    public void Healthcheck_turns_healthy_then_unhealthy()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "health", "--network", "none", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s",
                "--health-retries", "1", "--health-timeout", "5s", Img, "sh", "-c", "touch /tmp/ok; sleep 600");
            EngineHost.WaitFor(() => Inspect(name, "{{.State.Health.Status}}") == "healthy", 30000, "healthy");
            Ok(D("exec", name, "rm", "/tmp/ok"));
            EngineHost.WaitFor(() => Inspect(name, "{{.State.Health.Status}}") == "unhealthy", 30000, "unhealthy");
            Ok(D("rm", "-f", name));
            return "healthy unhealthy";
        });
        Assert.Equal("healthy unhealthy", seen);
    }

    [Fact]
    public void Restart_on_failure_restarts_then_gives_up()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "restart", "--network", "none", "--restart", "on-failure:2", Img, "sh", "-c", "echo run; exit 3");
            EngineHost.WaitFor(() => Inspect(name, "{{.RestartCount}} {{.State.Status}}") == "2 exited", 30000, "two restarts");
            string state = Inspect(name, "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}") + " " + D("logs", name).Stdout.Replace('\n', ' ');
            Ok(D("rm", "-f", name));
            return state;
        });
        Assert.Equal("2 exited 3 run run run ", seen);
    }

    [Fact]
    public void Twenty_containers_at_once()
    {
        string seen = Both(rt =>
        {
            string[] names = [.. Enumerable.Range(0, 20).Select(_ => f.NewName("many", rt))];
            var runs = names.Select(n => Task.Run(() => Run(rt, "-d", "--name", n, "--network", "none", Img, "sleep", "600"))).ToArray();
            Task.WaitAll(runs);
            string failed = string.Join('\n', runs.Where(r => r.Result.ExitCode != 0).Select(r => r.Result.ToString()));
            var pids = names.Select(n => Inspect(n, "{{.State.Running}} {{.State.Pid}}")).ToList();
            Ok(D(["rm", "-f", .. names]));
            return $"failed: {failed}\nrunning: {pids.Count(p => p.StartsWith("true "))} distinct pids: {pids.Distinct().Count()}\n";
        });
        Assert.Equal("failed: \nrunning: 20 distinct pids: 20\n", seen);
    }

    [Fact]
    public void Live_restore_keeps_containers_across_a_dockerd_restart()
    {
        f.RequireDocker();
        try
        {
            f.Restart("--live-restore");
            string seen = Both(rt =>
            {
                string name = Detached(rt, "live", "--network", "none", Img, "sh", "-c", "echo up; while true; do sleep 0.1; done");
                WaitForLogs(name, "up");
                string pid = Inspect(name, "{{.State.Pid}}");
                f.Restart("--live-restore");
                string after = $"alive: {EngineHost.Alive(int.Parse(pid))} same pid: {Inspect(name, "{{.State.Pid}}") == pid} " +
                    Inspect(name, "{{.State.Status}}") + "\n" + EngineHost.Outcome(D("exec", name, "echo", "exec-after-restart"));
                Ok(D("stop", "-t", "1", name));
                after += Inspect(name, "{{.State.Status}} {{.State.ExitCode}}") + "\n";
                Ok(D("rm", name));
                return after;
            });
            Assert.Equal("alive: True same pid: True running\nexit 0\nexec-after-restart\nexited 137\n", seen);
        }
        finally
        {
            f.Restart();
        }
    }

    [Fact]
    public void Userns_remap_default()
    {
        f.RequireDocker();
        try
        {
            f.Restart("--userns-remap=default");
            f.ImportImage();
            string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", Img, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id -u; echo hi > /tmp/x && cat /tmp/x")));
            Assert.Matches(@"^exit 0\n 0 \d+ 65536\n 0 \d+ 65536\n0\nhi\n$", seen);
        }
        finally
        {
            f.Restart();
        }
    }
}
