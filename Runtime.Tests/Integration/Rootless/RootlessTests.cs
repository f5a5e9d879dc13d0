using Xunit;
using System.Text.Json.Nodes;

namespace Runcs.Tests.Integration.Rootless;

/// <summary>
/// runcs run by an ordinary user (issue 19), side by side with runc 1.1.5 run by the same user
/// on the same bundle (`spec --rootless`): the user owns no cgroup on this host, so these are the
/// "without cgroup permission" cases. Each runtime has its own state root in the bundle.
/// </summary>
public sealed class RootlessTests(RootlessUser user) : IClassFixture<RootlessUser>
{
    private string Runcs => user.RuncsPath;
    private const string Runc = RootlessUser.Runc;

    private void Ready() => Assert.SkipWhen(user.SkipReason is not null, user.SkipReason ?? "");

    private string[] Both => [Runc, Runcs];

    /// <summary>The error line of a failed command without the runtime's name ("runc run failed: " → "run failed: ").</summary>
    private static string ErrorOf(CommandResult r, string runtime)
    {
        string line = r.Stderr.Split('\n').LastOrDefault(l => l.Contains("level=error")) ?? r.Stderr;
        return line[(line.IndexOf("msg=", StringComparison.Ordinal) + 4)..].Replace(Path.GetFileName(runtime) + " ", "");
    }

    private static string Squeeze(string s) => System.Text.RegularExpressions.Regex.Replace(s, "[ \t]+", " ");

    private static void WaitFor(Func<bool> condition, string what, int timeoutMs = 10000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }

    private static void AssertNothingLeft(UserBundle b, string runtime)
    {
        string root = b.StateRoot(runtime);
        Assert.False(Directory.Exists(Path.Combine(root, b.Id)), $"{runtime} left its state directory");
    }

    [Fact]
    public void Run_maps_the_caller_to_root_as_runc_does()
    {
        Ready();
        using var b = user.NewBundle(["sh", "-c",
            "id; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; ls -ln /dev/null | cut -c1-10; " +
            "mount | grep -E ' on /(sys|dev) ' | cut -d' ' -f1-5; cat /proc/self/oom_score_adj"]);
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.True(results[0].ExitCode == 0, "runc: " + results[0]);
        Assert.True(results[1].ExitCode == 0, "runcs: " + results[1]);
        Assert.Contains("uid=0(root) gid=0", results[1].Stdout);
        Assert.Contains($"0 {user.Uid} 1", Squeeze(results[1].Stdout));
        Assert.Equal(results[0].Stdout, results[1].Stdout);
        Assert.Equal("", results[1].Stderr);
        AssertNothingLeft(b, Runcs);
    }

    [Fact]
    public void Default_state_root_is_under_XDG_RUNTIME_DIR_also_for_root_in_a_user_namespace()
    {
        Ready();
        foreach (string rt in Both)
        {
            var r = user.Run([rt, "list"]);
            Assert.True(r.ExitCode == 0, $"{rt}: {r}");
            string root = Path.Combine(user.RuntimeDir, Path.GetFileName(rt));
            Assert.True(Directory.Exists(root), "no " + root);
            // 0700 and sticky (the XDG spec's "do not prune"), as runc makes its own.
            Assert.Equal((UnixFileMode)0x3c0, File.GetUnixFileMode(root) & (UnixFileMode)0xfff);
        }

        // uid 0 in a user namespace an ordinary user made (as rootless podman runs the runtime):
        // runc honours XDG_RUNTIME_DIR there (unless USER=root), and so does runcs.
        foreach (string rt in Both)
        {
            string xdg = Path.Combine(user.RuntimeDir, "userns-" + Path.GetFileName(rt));
            Assert.Equal(0, user.Run(["/bin/mkdir", "-p", xdg]).ExitCode);
            var inNs = user.Run(["/usr/bin/env", $"XDG_RUNTIME_DIR={xdg}", "/usr/bin/unshare", "--user", "--map-root-user", rt, "list"]);
            Assert.True(inNs.ExitCode == 0, $"{rt} as uid 0 in a user namespace: {inNs}");
            Assert.True(Directory.Exists(Path.Combine(xdg, Path.GetFileName(rt))), $"{rt} did not use {xdg}");
        }
    }

    [Fact]
    public void Detached_run_exec_kill_delete_as_runc()
    {
        Ready();
        using var b = user.NewBundle(["sleep", "300"]);
        var execOutputs = new List<string>();
        foreach (string rt in Both)
        {
            var run = b.Run(rt, ["run", "-d", "--bundle", b.Dir, b.Id]);
            Assert.True(run.ExitCode == 0, $"{rt} run -d: {run}");
            Assert.Equal("running", b.Status(rt));
            var exec = b.Run(rt, ["exec", b.Id, "sh", "-c", "id; cat /proc/self/uid_map; echo $HOME"]);
            Assert.True(exec.ExitCode == 0, $"{rt} exec: {exec}");
            execOutputs.Add(exec.Stdout);
            var piped = b.Run(rt, ["exec", b.Id, "cat"], stdin: "through a pipe\n");
            Assert.Equal("through a pipe\n", piped.Stdout);
            Assert.Equal(0, b.Run(rt, ["kill", b.Id, "KILL"]).ExitCode);
            WaitFor(() => b.Status(rt) == "stopped", $"{rt}'s container to stop");
            var delete = b.Run(rt, ["delete", b.Id]);
            Assert.True(delete.ExitCode == 0, $"{rt} delete: {delete}");
            var state = b.Run(rt, ["state", b.Id]);
            Assert.Equal(1, state.ExitCode);
            Assert.Contains("does not exist", state.Stderr);
        }
        Assert.Equal(execOutputs[0], execOutputs[1]);
    }

    [Fact]
    public void Create_then_start_as_runc()
    {
        Ready();
        using var b = user.NewBundle(["sleep", "300"]);
        foreach (string rt in Both)
        {
            var create = b.Run(rt, ["create", "--bundle", b.Dir, b.Id]);
            Assert.True(create.ExitCode == 0, $"{rt} create: {create}");
            Assert.Equal("created", b.Status(rt));
            Assert.Equal(0, b.Run(rt, ["start", b.Id]).ExitCode);
            Assert.Equal("running", b.Status(rt));
            var list = b.Run(rt, ["list", "-q"]);
            Assert.Equal(b.Id + "\n", list.Stdout);
            Assert.Equal(0, b.Run(rt, ["delete", "--force", b.Id]).ExitCode);
            AssertNothingLeft(b, rt);
        }
    }

    [Fact]
    public void Without_a_cgroup_ps_and_kill_all_use_the_pid_namespace_and_pause_is_runcs_error()
    {
        Ready();
        using var b = user.NewBundle(["sh", "-c", "sleep 300 & exec sleep 301"]);
        foreach (string rt in Both)
            Assert.Equal(0, b.Run(rt, ["run", "-d", "--bundle", b.Dir, b.Id]).ExitCode);

        // pause needs a freezer cgroup: runc's error and warning, from both.
        var pauses = Both.Select(rt => b.Run(rt, ["pause", b.Id])).ToArray();
        Assert.All(pauses, p => Assert.Equal(1, p.ExitCode));
        Assert.Equal(ErrorOf(pauses[0], Runc), ErrorOf(pauses[1], Runcs));
        Assert.Contains("may fail if you don't have the full access to cgroups", pauses[1].Stderr);

        // runc 1.1.5 cannot list the processes of a container without a cgroup; runcs lists its pid namespace.
        Assert.Equal(1, b.Run(Runc, ["ps", b.Id]).ExitCode);
        List<int> Pids() => JsonNode.Parse(b.Run(Runcs, ["ps", "--format", "json", b.Id]).Stdout) is JsonArray a
            ? a.Select(n => (int)n!).ToList() : [];
        WaitFor(() => Pids().Count == 2, "runcs ps to list both sleeps");
        int init = (int)JsonNode.Parse(b.Run(Runcs, ["state", b.Id]).Stdout)!["pid"]!;
        Assert.Contains(init, Pids());
        var table = b.Run(Runcs, ["ps", b.Id]);
        Assert.Contains("sleep 300", table.Stdout);
        Assert.Contains("sleep 301", table.Stdout);

        Assert.Equal(0, b.Run(Runcs, ["kill", "--all", b.Id, "KILL"]).ExitCode);
        WaitFor(() => b.Status(Runcs) == "stopped", "runcs's container to stop");
        Assert.Equal(0, b.Run(Runcs, ["delete", b.Id]).ExitCode);
        Assert.Equal(0, b.Run(Runc, ["delete", "--force", b.Id]).ExitCode);
    }

    [Theory]
    [InlineData("""{"memory": {"limit": 104857600}}""")]
    [InlineData("""{"pids": {"limit": 100}}""")]
    public void Limits_without_cgroup_permission_are_runcs_error(string resources)
    {
        Ready();
        using var b = user.NewBundle(["true"]);
        b.Config["linux"]!["resources"] = JsonNode.Parse(resources);
        b.Save();
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.All(results, r => Assert.Equal(1, r.ExitCode));
        Assert.Contains("container could not join or create cgroup", ErrorOf(results[1], Runcs));
        Assert.Equal(ErrorOf(results[0], Runc), ErrorOf(results[1], Runcs));
        AssertNothingLeft(b, Runcs);
    }

    [Fact]
    public void A_cgroupsPath_without_permission_is_an_error_as_in_runc()
    {
        Ready();
        using var b = user.NewBundle(["true"]);
        b.Config["linux"]!["cgroupsPath"] = "/" + b.Id;
        b.Save();
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.All(results, r => Assert.Equal(1, r.ExitCode));
        // runc meets cpuset first, runcs the first hierarchy in mountinfo: the same error otherwise.
        foreach (var (r, rt) in results.Zip(Both))
        {
            Assert.Matches(@"run failed: unable to start container process: unable to apply cgroup configuration: mkdir /sys/fs/cgroup/[\w,=]+/" + b.Id + ": permission denied", ErrorOf(r, rt));
        }
        AssertNothingLeft(b, Runcs);
    }

    [Fact]
    public void Additional_gids_are_runcs_error()
    {
        Ready();
        using var b = user.NewBundle(["true"]);
        b.Config["process"]!["user"]!["additionalGids"] = new JsonArray(5);
        b.Save();
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.All(results, r => Assert.Equal(1, r.ExitCode));
        Assert.Contains("cannot set any additional groups in a rootless container", ErrorOf(results[1], Runcs));
        Assert.Equal(ErrorOf(results[0], Runc), ErrorOf(results[1], Runcs));
        AssertNothingLeft(b, Runcs);
    }

    [Fact]
    public void Several_id_ranges_go_through_newuidmap_and_newgidmap()
    {
        Ready();
        using var b = user.NewBundle(["sh", "-c",
            "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g; touch /dev/shm/f; " +
            "stat -c %u:%g /dev/shm/f"]);
        // A user of the subordinate range: setuid to it works only if newuidmap mapped it.
        b.Config["process"]!["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        var maps = new JsonArray(
            new JsonObject { ["containerID"] = 0, ["hostID"] = user.Uid, ["size"] = 1 },
            new JsonObject { ["containerID"] = 1, ["hostID"] = user.SubId, ["size"] = 65536 });
        b.Config["linux"]!["uidMappings"] = maps.DeepClone();
        b.Config["linux"]!["gidMappings"] = maps.DeepClone();
        b.Save();
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.True(results[0].ExitCode == 0, "runc: " + results[0]);
        Assert.True(results[1].ExitCode == 0, "runcs: " + results[1]);
        Assert.Contains($"1 {user.SubId} 65536", Squeeze(results[1].Stdout));
        Assert.Contains("1000:1000", results[1].Stdout);
        Assert.Equal(results[0].Stdout, results[1].Stdout);
    }

    [Fact]
    public void Another_user_can_neither_see_nor_change_the_containers()
    {
        Ready();
        using var b = user.NewBundle(["sleep", "300"]);
        foreach (string rt in Both)
        {
            Assert.Equal(0, b.Run(rt, ["run", "-d", "--bundle", b.Dir, b.Id]).ExitCode);
            string root = b.StateRoot(rt);
            foreach (string[] verb in new[] { new[] { "list" }, ["state", b.Id], ["kill", b.Id, "KILL"], ["delete", "--force", b.Id],
                         ["exec", b.Id, "true"], ["ps", b.Id] })
            {
                var r = RootlessUser.AsNobody([rt, "--root", root, .. verb]);
                Assert.True(r.ExitCode != 0, $"{rt} {string.Join(' ', verb)} as nobody succeeded: {r}");
                Assert.Contains("permission denied", r.Stderr);
            }
            Assert.Equal("running", b.Status(rt));
            Assert.Equal(0, b.Run(rt, ["delete", "--force", b.Id]).ExitCode);
        }
    }

    [Fact]
    public void Lowering_oom_score_adj_is_refused_as_in_runc()
    {
        Ready();
        using var b = user.NewBundle(["true"]);
        b.Config["process"]!["oomScoreAdj"] = -100;
        b.Save();
        var results = Both.Select(rt => b.Run(rt, ["run", "--bundle", b.Dir, b.Id])).ToArray();
        Assert.All(results, r => Assert.Equal(1, r.ExitCode));
        // runc's nsexec words it "failed to update /proc/self/oom_score_adj: Permission denied"
        // then "can't get final child's PID from pipe: EOF"; runcs names the file and the errno.
        Assert.Contains("oom_score_adj", results[0].Stderr);
        Assert.Contains("run failed: unable to start container process: write /proc/self/oom_score_adj: permission denied", ErrorOf(results[1], Runcs));
        AssertNothingLeft(b, Runcs);
    }

    /// <summary>
    /// A cgroup delegated to the user (its directories chowned to it in every hierarchy, as an
    /// administrator or systemd's Delegate=yes does): limits, pause and delete work there, as in runc.
    /// </summary>
    [Fact]
    public void A_delegated_cgroup_takes_limits_and_pauses_as_in_runc()
    {
        Ready();
        string parent = $"rl-delegated-{Environment.ProcessId}";
        var hierarchies = Directory.GetDirectories("/sys/fs/cgroup").Where(d => File.Exists(Path.Combine(d, "cgroup.procs"))).ToList();
        Assert.SkipWhen(!hierarchies.Any(h => h.EndsWith("/memory")), "needs the v1 memory hierarchy at /sys/fs/cgroup/memory");
        try
        {
            foreach (string h in hierarchies)
            {
                string dir = Path.Combine(h, parent);
                Directory.CreateDirectory(dir);
                if (h.EndsWith("/cpuset"))
                    foreach (string f in new[] { "cpuset.cpus", "cpuset.mems" })
                        File.WriteAllText(Path.Combine(dir, f), File.ReadAllText(Path.Combine(h, f)));
                Assert.Equal(0, RuncsBinary.Exec("/usr/bin/chown", ["-R", $"{user.Name}:{user.Name}", dir]).ExitCode);
            }
            using var b = user.NewBundle(["sleep", "300"]);
            b.Config["linux"]!["resources"] = JsonNode.Parse("""{"memory": {"limit": 104857600}, "pids": {"limit": 50}}""");
            foreach (string rt in Both)
            {
                string cgroup = $"/{parent}/{Path.GetFileName(rt)}";
                b.Config["linux"]!["cgroupsPath"] = cgroup;
                b.Save();
                var run = b.Run(rt, ["run", "-d", "--bundle", b.Dir, b.Id]);
                Assert.True(run.ExitCode == 0, $"{rt}: {run}");
                Assert.Equal("104857600", File.ReadAllText($"/sys/fs/cgroup/memory{cgroup}/memory.limit_in_bytes").Trim());
                Assert.Equal("50", File.ReadAllText($"/sys/fs/cgroup/pids{cgroup}/pids.max").Trim());
                int init = (int)JsonNode.Parse(b.Run(rt, ["state", b.Id]).Stdout)!["pid"]!;
                Assert.Contains(init.ToString(), File.ReadAllText($"/sys/fs/cgroup/memory{cgroup}/cgroup.procs"));
                Assert.Equal(0, b.Run(rt, ["pause", b.Id]).ExitCode);
                Assert.Equal("paused", b.Status(rt));
                Assert.Equal(0, b.Run(rt, ["resume", b.Id]).ExitCode);
                Assert.Equal("running", b.Status(rt));
                Assert.Equal(0, b.Run(rt, ["delete", "--force", b.Id]).ExitCode);
                Assert.False(Directory.Exists($"/sys/fs/cgroup/memory{cgroup}"), $"{rt} left its cgroup");
            }
        }
        finally
        {
            foreach (string h in hierarchies)
                foreach (string dir in new[] { Path.Combine(h, parent, "runc"), Path.Combine(h, parent, "runcs"), Path.Combine(h, parent) })
                    try
                    {
                        Directory.Delete(dir);
                    }
                    catch (IOException)
                    {
                    }
        }
    }

    // ---- the four stdio modes, and exec -t, as the user ----

    private const string Interactive = "tty; id -u; echo ready; read x; echo got:$x; exit 7";

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_as_runc(string verb)
    {
        Ready();
        foreach (string rt in Both)
        {
            using var b = user.NewBundle(["sleep", "300"]);
            string[] argv;
            if (verb == "run")
            {
                b.Config["process"]!["terminal"] = true;
                b.Args = ["sh", "-c", Interactive];
                argv = b.Argv(rt, "run", "--bundle", b.Dir, b.Id);
            }
            else
            {
                Assert.Equal(0, b.Run(rt, ["run", "-d", "--bundle", b.Dir, b.Id]).ExitCode);
                argv = b.Argv(rt, "exec", "-t", b.Id, "sh", "-c", Interactive);
            }
            using var pty = HostPty.Open(30, 100);
            using var p = Spawned.Start(new Stdio.Terminal(pty.SlavePath), argv);
            pty.Expect(@"/dev/pts/\d+\r\n");
            pty.Expect("0\r\n");
            pty.Expect("ready\r\n");
            pty.Write("hello\r");
            pty.Expect("got:hello\r\n");
            Assert.Equal(7, p.WaitForExit(context: () => $"{rt}: " + TtyMaster.Escape(pty.Transcript)));
        }
    }

    [Fact]
    public void Terminal_detached_sends_the_master_to_the_console_socket_as_runc()
    {
        Ready();
        foreach (string rt in Both)
        {
            using var b = user.NewBundle(["sh", "-c", "echo ready; read x; echo got:$x"]);
            b.Config["process"]!["terminal"] = true;
            b.Save();
            using var receiver = new ConsoleSocketReceiver(b.Dir);
            File.SetUnixFileMode(receiver.Path, (UnixFileMode)0x1ff); // the user connects to root's socket
            using var p = Spawned.Start(new Stdio.DevNull(), b.Argv(rt, "run", "-d", "--console-socket", receiver.Path, "--bundle", b.Dir, b.Id));
            Assert.Equal(0, p.WaitForExit());
            using var console = receiver.Receive();
            console.Expect("ready\r\n");
            console.Write("hi\r");
            console.Expect("got:hi\r\n");
            WaitFor(() => b.Status(rt) == "stopped", $"{rt}'s container to stop");
        }
    }

    [Fact]
    public void Passthrough_detached_hands_the_users_stdio_to_the_process_as_runc()
    {
        Ready();
        var outputs = new List<string>();
        foreach (string rt in Both)
        {
            using var b = user.NewBundle(["sh", "-c", "echo out; echo err >&2"]);
            using var stdin = new Pipe();
            using var stdout = new Pipe();
            using var stderr = new Pipe();
            stdout.StartReading();
            stderr.StartReading();
            using (var p = Spawned.Start(new Stdio.Fds(stdin.ReadEnd, stdout.WriteEnd, stderr.WriteEnd), b.Argv(rt, "run", "-d", "--bundle", b.Dir, b.Id)))
            {
                stdin.CloseRead();
                stdout.CloseWrite();
                stderr.CloseWrite();
                Assert.Equal(0, p.WaitForExit());
            }
            Assert.True(stdout.WaitForEof(10000) && stderr.WaitForEof(10000), $"{rt}: the process kept its stdio open");
            outputs.Add(stdout.Text + "|" + stderr.Text);
        }
        Assert.Equal("out\n|err\n", outputs[1]);
        Assert.Equal(outputs[0], outputs[1]);
    }

    [Fact]
    public void Passthrough_foreground_relays_stdio_as_runc()
    {
        Ready();
        var outputs = new List<string>();
        foreach (string rt in Both)
        {
            using var b = user.NewBundle(["sh", "-c", "cat; echo err >&2; exit 3"]);
            var r = b.Run(rt, ["run", "--bundle", b.Dir, b.Id], stdin: "typed\n");
            Assert.Equal(3, r.ExitCode);
            outputs.Add(r.Stdout + "|" + r.Stderr);
        }
        Assert.Equal("typed\n|err\n", outputs[1]);
        Assert.Equal(outputs[0], outputs[1]);
    }
}
