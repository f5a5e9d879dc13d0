using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Runcs.Tests.Integration.Engines;

/// <summary>
/// What a podman user sees with `podman --runtime runcs` (Debian's podman 4.3, conmon, cgroupfs):
/// each scenario runs with runc and with runcs and what it observed must be the same; after each,
/// nothing is left behind and podman printed no error the scenario did not provoke.
/// </summary>
[Collection("podman")]
public sealed class PodmanTests(PodmanFixture f)
{
    private const string Img = PodmanFixture.Image;

    private string Both(Func<string, string> scenario, params string[] allowedErrors)
    {
        f.RequirePodman();
        return EngineScenario.Compare(f.Runtimes, scenario, f.RemoveAll, f.Leftovers,
            () => f.ErrorCount, mark => f.ErrorsSince(mark, allowedErrors));
    }

    private CommandResult P(string rt, params string[] args) => f.Podman(rt, args);

    /// <summary>`podman run` in the test's cgroup parent (so what a container leaves is found).</summary>
    private CommandResult Run(string rt, params string[] args) => f.Podman(rt, ["run", "--cgroup-parent", f.CgroupParent, .. args]);

    private static CommandResult Ok(CommandResult r)
    {
        EngineHost.Ok(r);
        return r;
    }

    private string Detached(string rt, string prefix, params string[] args)
    {
        string name = f.NewName(prefix, rt);
        Ok(Run(rt, ["-d", "--name", name, .. args]));
        return name;
    }

    private string Inspect(string rt, string name, string format) => Ok(P(rt, "inspect", "-f", format, name)).Stdout.Trim();

    private void WaitForLogs(string rt, string name, string text, int count = 1) =>
        EngineHost.WaitFor(() => Regex.Matches(P(rt, "logs", name).Stdout, Regex.Escape(text)).Count >= count, 30000, $"`{text}` in the logs of {name}");

    private void Remove(string rt, string name) => Ok(P(rt, "rm", "-f", "-t", "0", name));

    [Fact]
    public void Run_rm_shows_output_and_exit_status()
    {
        string seen = Both(rt => string.Concat(new[] { "bridge", "none" }.Select(net =>
        {
            var r = Run(rt, "--rm", "--network", net, Img, "sh", "-c", "echo out; echo err >&2; ip -o link | wc -l; ulimit -n; exit 3");
            return $"{net}: exit {r.ExitCode} stdout={r.Stdout} stderr={r.Stderr}\n";
        })));
        Assert.Equal("bridge: exit 3 stdout=out\n2\n1024\n stderr=err\n\n" + "none: exit 3 stdout=out\n1\n1024\n stderr=err\n\n", seen);
    }

    [Fact]
    public void Missing_and_non_executable_commands_exit_127_and_126_with_the_runtime_error()
    {
        string seen = Both(rt =>
        {
            var missing = Run(rt, "--rm", "--network", "none", Img, "nosuchcommand");
            var notExec = Run(rt, "--rm", "--network", "none", Img, "/etc/passwd");
            // runtime_supports_json: podman reads the runtime's JSON log and shows its message, once.
            string Shown(CommandResult r) => Regex.Replace(r.Stderr, @"\b" + rt + @"\b", "RUNTIME");
            return $"exit {missing.ExitCode}: {Shown(missing)}exit {notExec.ExitCode}: {Shown(notExec)}";
        }, "executable file not found", "permission denied");
        Assert.Equal(
            "exit 127: Error: RUNTIME: RUNTIME create failed: unable to start container process: exec: \"nosuchcommand\": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n" +
            "exit 126: Error: RUNTIME: RUNTIME create failed: unable to start container process: exec: \"/etc/passwd\": permission denied: OCI permission denied\n", seen);
    }

    [Fact]
    public void Exec_of_missing_and_non_executable_commands_exit_127_and_126_with_the_runtime_error()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "xerr", "--network", "none", Img, "sleep", "600");
            var missing = P(rt, "exec", name, "nosuchcommand");
            var notExec = P(rt, "exec", name, "/etc/passwd");
            Remove(rt, name);
            string Shown(CommandResult r) => Regex.Replace(r.Stderr, @"\b" + rt + @"\b", "RUNTIME");
            return $"exit {missing.ExitCode}: {Shown(missing)}exit {notExec.ExitCode}: {Shown(notExec)}";
        }, "executable file not found", "permission denied");
        Assert.Equal(
            "exit 127: Error: RUNTIME: exec failed: unable to start container process: exec: \"nosuchcommand\": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n" +
            "exit 126: Error: RUNTIME: exec failed: unable to start container process: exec: \"/etc/passwd\": permission denied: OCI permission denied\n", seen);
    }

    [Fact]
    public void Without_runtime_supports_json_podman_shows_raw_log_lines()
    {
        // Why the README's containers.conf names runcs in runtime_supports_json: the same binary
        // under a name left out of it gets no --log-format=json, and podman prints its log as is.
        f.RequirePodman();
        var r = Run("runcs-nojson", "--rm", "--network", "none", Img, "nosuchcommand");
        f.RemoveAll();
        Assert.NotEqual(0, r.ExitCode);
        Assert.StartsWith("Error: runcs-nojson: time=\"", r.Stderr);
        Assert.Contains("level=error msg=\"runcs create failed: unable to start container process: exec: \\\"nosuchcommand\\\": executable file not found in $PATH\"", r.Stderr);
    }

    private (int Exit, string Transcript) OnTerminal(string rt, string[] podmanArgs, Action<HostPty> drive)
    {
        using var pty = HostPty.Open(30, 100);
        using var podman = Spawned.Start(new Stdio.Terminal(pty.SlavePath), [PodmanFixture.PodmanCli, .. f.GlobalFlags(rt), .. podmanArgs]);
        drive(pty);
        int exit = podman.WaitForExit(30000, () => TtyMaster.Escape(pty.Transcript));
        return (exit, pty.Transcript);
    }

    private static void ExpectSize(HostPty pty, string size)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            pty.Write("stty size\r");
            // Until the engine has set the terminal's size, busybox's stty fails ("stty: standard input").
            var m = pty.Expect(@"\r\n(\d+ \d+|stty: [^\r]*)\r\n", 10000);
            if (m.Groups[1].Value == size)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"stty size: {m.Groups[1].Value}, expected {size}");
            Thread.Sleep(100);
        }
    }

    [Fact]
    public void Run_it_and_exec_it_under_a_pty()
    {
        string seen = Both(rt =>
        {
            string result = "";
            var (exit, _) = OnTerminal(rt, ["run", "-it", "--rm", "--cgroup-parent", f.CgroupParent, "--network", "none", Img, "sh"], pty =>
            {
                pty.Expect("# ", 30000);
                ExpectSize(pty, "30 100");
                pty.Resize(40, 120);
                ExpectSize(pty, "40 120");
                pty.Write("tty\r");
                result += pty.Expect(@"\r\n(/dev/\S+)\r\n").Groups[1].Value + "\n";
                pty.Write("exit 4\r");
            });
            result += $"run exit {exit}\n";
            string name = Detached(rt, "xtty", "--network", "none", Img, "sleep", "600");
            (exit, _) = OnTerminal(rt, ["exec", "-it", name, "sh"], pty =>
            {
                pty.Expect("# ", 30000);
                ExpectSize(pty, "30 100");
                pty.Write("tty\r");
                result += Regex.Replace(pty.Expect(@"\r\n(/dev/\S+)\r\n").Groups[1].Value, @"\d+", "N") + "\n";
                pty.Write("exit 5\r");
            });
            Remove(rt, name);
            return result + $"exec exit {exit}\n";
        });
        Assert.Equal("/dev/pts/0\nrun exit 4\n/dev/pts/N\nexec exit 5\n", seen);
    }

    [Fact]
    public void Detached_logs_exec_pause_stop_kill()
    {
        string seen = Both(rt =>
        {
            var o = new StringBuilder();
            string name = Detached(rt, "life", "--network", "none", Img, "sh", "-c",
                "echo started; trap 'echo got-term; exit 7' TERM; while true; do sleep 0.1; done");
            WaitForLogs(rt, name, "started");
            o.Append("exec -u -w -e: ").Append(EngineHost.Outcome(P(rt, "exec", "-u", "1000:1000", "-w", "/tmp", "-e", "A=B", name, "sh", "-c", "id -u; id -g; pwd; echo $A")));
            o.Append("exec -i: ").Append(EngineHost.Outcome(f.PodmanWith(rt, "piped\n", 30000, "exec", "-i", name, "sh", "-c", "cat; echo eof")));
            o.Append("exec status: ").Append(EngineHost.Outcome(P(rt, "exec", name, "sh", "-c", "exit 9")));
            Ok(P(rt, "pause", name));
            o.Append("paused: ").Append(Inspect(rt, name, "{{.State.Status}}")).Append('\n');
            Ok(P(rt, "unpause", name));
            o.Append("unpaused: ").Append(Inspect(rt, name, "{{.State.Status}}")).Append('\n');
            Ok(P(rt, "stop", name));
            o.Append("stopped: ").Append(Inspect(rt, name, "{{.State.Status}} {{.State.ExitCode}}")).Append('\n');
            o.Append("logs: ").Append(P(rt, "logs", name).Stdout.Replace('\n', ' ')).Append('\n');
            Ok(P(rt, "start", name));
            WaitForLogs(rt, name, "started", 2);
            Ok(P(rt, "kill", "-s", "KILL", name));
            EngineHost.WaitFor(() => Inspect(rt, name, "{{.State.Status}}") == "exited", 15000, "exited after kill");
            o.Append("killed: ").Append(Inspect(rt, name, "{{.State.ExitCode}}")).Append('\n');
            Remove(rt, name);
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
            paused: paused
            unpaused: running
            stopped: exited 7
            logs: started got-term 
            killed: 137

            """, seen);
    }

    private string CgroupFile(string id, string controller, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}{f.CgroupParent}/libpod-{id}/{file}").Trim();

    [Fact]
    public void Memory_and_pids_limits_then_update()
    {
        string seen = Both(rt =>
        {
            string name = Detached(rt, "upd", "--network", "none", "--memory", "64m", "--pids-limit", "50", Img, "sleep", "600");
            string id = Inspect(rt, name, "{{.Id}}");
            string Files() => $"{CgroupFile(id, "memory", "memory.limit_in_bytes")} {CgroupFile(id, "pids", "pids.max")}\n";
            string before = Files();
            // podman 4.3's update has no --pids-limit: memory and cpu.
            Ok(P(rt, "update", "--memory", "32m", "--memory-swap", "64m", "--cpus", "0.25", name));
            string after = Files() + CgroupFile(id, "cpu", "cpu.cfs_quota_us") + "\n";
            Remove(rt, name);
            return before + after;
        });
        Assert.Equal("67108864 50\n33554432 50\n25000\n", seen);
    }

    [Fact]
    public void Uidmap_maps_root_to_100000()
    {
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", Img, "sh", "-c",
            "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id -u; echo hi > /tmp/x && cat /tmp/x")));
        Assert.Equal("exit 0\n 0 100000 65536\n 0 100000 65536\n0\nhi\n", seen);
    }

    [Fact]
    public void Userns_auto()
    {
        f.RequirePodman();
        // --userns=auto takes its ranges from the `containers` user's /etc/subuid and /etc/subgid entries.
        foreach (string file in new[] { "/etc/subuid", "/etc/subgid" })
        {
            string text = File.Exists(file) ? File.ReadAllText(file) : "";
            if (!Regex.IsMatch(text, "^containers:", RegexOptions.Multiline))
                File.AppendAllText(file, (text == "" || text.EndsWith('\n') ? "" : "\n") + "containers:2147483647:2147483648\n");
        }
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--userns", "auto", Img, "sh", "-c",
            "cat /proc/self/uid_map | tr -s ' ' | cut -d' ' -f2,4; id -u")));
        Assert.Matches(@"^exit 0\n0 \d+\n0\n$", seen);
    }

    [Fact]
    public void Pod_with_its_infra_container()
    {
        string seen = Both(rt =>
        {
            string pod = f.NewName("pod", rt);
            Ok(P(rt, "pod", "create", "--name", pod, "--network", "none", "--cgroup-parent", f.CgroupParent));
            var r = P(rt, "run", "--rm", "--pod", pod, Img, "sh", "-c", "for ns in ipc uts pid; do readlink /proc/self/ns/$ns; done");
            string infra = Inspect(rt, pod, "{{.InfraContainerID}}");
            string state = Inspect(rt, infra, "{{.State.Status}}");
            int infraPid = int.Parse(Inspect(rt, infra, "{{.State.Pid}}"));
            // The pod shares the infra container's ipc and uts namespaces (not its pid namespace).
            string[] ns = r.Stdout.Split('\n');
            string shared = $"ipc {ns[0] == new FileInfo($"/proc/{infraPid}/ns/ipc").LinkTarget} uts {ns[1] == new FileInfo($"/proc/{infraPid}/ns/uts").LinkTarget} " +
                $"pid {ns[2] == new FileInfo($"/proc/{infraPid}/ns/pid").LinkTarget}";
            string podId = Inspect(rt, pod, "{{.Id}}");
            Ok(P(rt, "pod", "rm", "-f", "-t", "0", pod));
            // podman 4.3 (cgroupfs, v1 hybrid) removes the pod's cgroup from the v1 controllers
            // only, with any runtime: its name=systemd and unified directories are podman's to leave.
            foreach (string h in new[] { "systemd", "unified" })
                if (Directory.Exists($"/sys/fs/cgroup/{h}{f.CgroupParent}/{podId}"))
                    Directory.Delete($"/sys/fs/cgroup/{h}{f.CgroupParent}/{podId}");
            return $"exit {r.ExitCode}\ninfra: {state}\n{shared}\n";
        });
        Assert.Equal("exit 0\ninfra: running\nipc True uts True pid False\n", seen);
    }

    [Fact]
    public void Init_is_pid_1()
    {
        // (runc's ps gets a higher pid than runcs's: its init forks more inside the namespace.)
        string seen = Both(rt => Regex.Replace(EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--init", Img, "ps", "-o", "pid,comm")), @"\n +\d+ ps\n", "\n N ps\n"));
        Assert.Equal("exit 0\nPID   COMMAND\n    1 podman-init\n N ps\n", seen);
    }

    [Fact]
    public void Device_read_only_refuses_writes()
    {
        string seen = Both(rt => EngineHost.Outcome(Run(rt, "--rm", "--network", "none", "--device", "/dev/kmsg:/dev/kmsg:r", Img, "sh", "-c",
            "echo runcs-engine-test-must-not-reach-dmesg > /dev/kmsg 2>/dev/null; echo write=$?; grep -E '^c 1:11 ' /sys/fs/cgroup/devices/devices.list")));
        Assert.Equal("exit 0\nwrite=1\nc 1:11 r\n", seen);
    }
}
