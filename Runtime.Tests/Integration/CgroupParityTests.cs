using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Cgroup behaviour compared with runc 1.1.5 on this host (v1 hybrid): the same bundle runs
/// under runcs and under runc, each with its own --root and its own cgroupsPath, and what
/// matters (cgroup files, output, exit codes, error texts) must be the same.
/// </summary>
[Collection("containers")]
public sealed class CgroupParityTests
{
    private const string RuncPath = "/usr/sbin/runc";

    private static bool IsV1 => Directory.Exists("/sys/fs/cgroup/devices") && !File.Exists("/sys/fs/cgroup/cgroup.controllers");

    /// <summary>The runtimes compared: runcs always, runc when installed.</summary>
    public static TheoryData<string> Runtimes() => ["runcs", "runc"];

    /// <summary>A runtime's command with its own state root, or a skip when runc is not installed.</summary>
    internal sealed class Runtime(string name, Bundle b)
    {
        public string Name => name;
        public string StateRoot => name == "runcs" ? b.StateRoot : b.StateRoot + "-runc";

        /// <summary>The cgroup the container gets (absolute cgroupsPath, below the hierarchy roots).</summary>
        public string Cgroup => $"/runcs-par-{b.Id}-{name}";

        public CommandResult Cmd(params string[] args) => CmdWithInput(null, args);

        public CommandResult CmdWithInput(string? stdin, params string[] args) =>
            RuncsBinary.Exec(name == "runcs" ? RuncsBinary.Path : RuncPath, ["--root", StateRoot, .. args], stdin);

        /// <summary>Points the bundle at this runtime's cgroup.</summary>
        public void UseCgroup()
        {
            b.Config["linux"]!["cgroupsPath"] = Cgroup;
            b.Save();
        }

        public void Cleanup()
        {
            Cmd("delete", "--force", b.Id);
            foreach (string dir in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
                RemoveCgroupTree(dir + Cgroup);
        }
    }

    internal static Runtime For(string name, Bundle b)
    {
        if (name == "runc")
            Assert.SkipUnless(File.Exists(RuncPath), "runc 1.1.5 is not installed at " + RuncPath);
        return new Runtime(name, b);
    }

    internal static void RemoveCgroupTree(string dir)
    {
        if (!Directory.Exists(dir))
            return;
        foreach (string sub in Directory.GetDirectories(dir))
            RemoveCgroupTree(sub);
        try
        {
            Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_device_node_gets_only_the_access_the_resources_rules_give(string runtime)
    {
        Assert.SkipUnless(IsV1, "needs the v1 devices hierarchy at /sys/fs/cgroup/devices");
        // docker --device /dev/kmsg:/dev/kmsg:r: the node in linux.devices, "c 1:11 r" in the rules.
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        b.Config["linux"]!["devices"] = JsonNode.Parse("""[{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420, "uid": 0, "gid": 0}]""");
        b.Config["linux"]!["resources"] = JsonNode.Parse("""{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"}]}""");
        rt.UseCgroup();
        try
        {
            var r = rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            // What runc 1.1.5 writes for this config: its default list and the rule, sorted, nothing more for /dev/kmsg.
            string[] expected =
            [
                "b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 1:11 r",
                "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm",
            ];
            Assert.Equal(expected, File.ReadAllLines($"/sys/fs/cgroup/devices{rt.Cgroup}/devices.list"));
            var write = rt.Cmd("exec", b.Id, "sh", "-c", "echo runcs-parity-test-must-not-reach-dmesg > /dev/kmsg && echo written");
            Assert.Equal("", write.Stdout);
            Assert.Contains("can't create /dev/kmsg: Operation not permitted", write.Stderr);
            var mknod = rt.Cmd("exec", b.Id, "sh", "-c", "echo ok > /dev/null && echo null-ok");
            Assert.Equal("null-ok\n", mknod.Stdout);
        }
        finally
        {
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Ps_of_a_stopped_container_prints_the_header_and_no_rows(string runtime)
    {
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        try
        {
            Assert.Equal(0, rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id).ExitCode);
            Assert.Equal(0, rt.Cmd("kill", b.Id, "KILL").ExitCode);
            ContainerLifecycleTests.WaitFor(() => State(rt, b.Id) == "stopped");
            var table = rt.Cmd("ps", b.Id);
            Assert.True(table.ExitCode == 0, table.ToString());
            Assert.Equal(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], table.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var options = rt.Cmd("ps", b.Id, "-o", "pid,comm");
            Assert.True(options.ExitCode == 0, options.ToString());
            Assert.Equal("  PID COMMAND\n", options.Stdout);
            var json = rt.Cmd("ps", "--format", "json", b.Id);
            Assert.True(json.ExitCode == 0, json.ToString());
            // Go encodes runc's empty pid list as null.
            Assert.Equal("null\n", json.Stdout);
        }
        finally
        {
            rt.Cleanup();
        }
    }

    internal static string State(Runtime rt, string id) => (string?)JsonNode.Parse(rt.Cmd("state", id).Stdout)?["status"] ?? "";

    private static bool IsHybrid => IsV1 && File.Exists("/sys/fs/cgroup/unified/cgroup.procs");

    /// <summary>The v1 hierarchies' mount points (not the unified one).</summary>
    internal static string[] V1Hierarchies =>
        [.. Directory.GetDirectories("/sys/fs/cgroup").Where(d => !d.EndsWith("/unified") && File.Exists(Path.Combine(d, "cgroup.procs")))];

    /// <summary>Makes a cgroup in every v1 hierarchy, as another tool would; cpuset gets cpus and mems unless <paramref name="emptyCpuset"/>.</summary>
    internal static void MakeV1Cgroup(string cgroup, bool emptyCpuset = false)
    {
        foreach (string h in V1Hierarchies)
        {
            Directory.CreateDirectory(h + cgroup);
            if (h.EndsWith("/cpuset") && !emptyCpuset)
                foreach (string f in new[] { "cpuset.cpus", "cpuset.mems" })
                    File.WriteAllText(Path.Combine(h + cgroup, f), File.ReadAllText(Path.Combine(h, f)).Trim());
        }
    }

    /// <summary>A host process (not a container's) placed in a cgroup of the devices and freezer hierarchies.</summary>
    private static System.Diagnostics.Process SleeperIn(string cgroup)
    {
        var p = RuncsBinary.Start(new System.Diagnostics.ProcessStartInfo("sleep", "120"));
        foreach (string h in new[] { "devices", "freezer" })
            File.WriteAllText($"/sys/fs/cgroup/{h}{cgroup}/cgroup.procs", p.Id.ToString());
        return p;
    }

    private static void StopSleeper(System.Diagnostics.Process p, string cgroup)
    {
        if (File.Exists($"/sys/fs/cgroup/freezer{cgroup}/freezer.state"))
            File.WriteAllText($"/sys/fs/cgroup/freezer{cgroup}/freezer.state", "THAWED");
        p.Kill();
        p.WaitForExit();
    }

    private static string[] LogMessages(string logFile, string level) =>
        [.. File.ReadAllLines(logFile).Select(l => JsonNode.Parse(l)!).Where(j => (string?)j["level"] == level).Select(j => (string)j["msg"]!)];

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Hybrid_host_the_init_and_exec_join_the_unified_hierarchy_and_delete_removes_it(string runtime)
    {
        Assert.SkipUnless(IsHybrid, "needs a hybrid cgroup host (cgroup2 at /sys/fs/cgroup/unified)");
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        try
        {
            var r = rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            int pid = (int)JsonNode.Parse(rt.Cmd("state", b.Id).Stdout)!["pid"]!;
            Assert.Contains("0::" + rt.Cgroup, File.ReadAllLines($"/proc/{pid}/cgroup"));
            Assert.Contains(pid.ToString(), File.ReadAllLines($"/sys/fs/cgroup/unified{rt.Cgroup}/cgroup.procs"));
            var exec = rt.Cmd("exec", b.Id, "cat", "/proc/self/cgroup");
            Assert.True(exec.ExitCode == 0, exec.ToString());
            Assert.Contains("0::" + rt.Cgroup, exec.Stdout.Split('\n'));
            Assert.Equal(0, rt.Cmd("delete", "--force", b.Id).ExitCode);
            Assert.False(Directory.Exists("/sys/fs/cgroup/unified" + rt.Cgroup));
        }
        finally
        {
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Hybrid_host_with_a_cgroup_namespace_the_unified_line_is_relative_to_it(string runtime)
    {
        Assert.SkipUnless(IsHybrid, "needs a hybrid cgroup host (cgroup2 at /sys/fs/cgroup/unified)");
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        b.Config["linux"]!["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "cgroup" });
        rt.UseCgroup();
        try
        {
            Assert.Equal(0, rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id).ExitCode);
            foreach (string file in new[] { "/proc/1/cgroup", "/proc/self/cgroup" })
            {
                var r = rt.Cmd("exec", b.Id, "cat", file);
                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.Contains("0::/", r.Stdout.Split('\n'));
            }
        }
        finally
        {
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Hybrid_host_a_unified_cgroup_that_cannot_take_processes_is_left_out(string runtime)
    {
        Assert.SkipUnless(IsHybrid, "needs a hybrid cgroup host (cgroup2 at /sys/fs/cgroup/unified)");
        string[] controllers = File.ReadAllText("/sys/fs/cgroup/unified/cgroup.controllers").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.SkipUnless(controllers.Length > 0, "needs a controller on the unified hierarchy to delegate");
        using var b = new Bundle(["true"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        // Another tool's unified cgroup that delegates a controller to a child: no process may join it (EBUSY).
        string unified = "/sys/fs/cgroup/unified" + rt.Cgroup;
        Directory.CreateDirectory(Path.Combine(unified, "child"));
        File.WriteAllText(Path.Combine(unified, "cgroup.subtree_control"), "+" + controllers[0]);
        try
        {
            var r = rt.Cmd("run", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        finally
        {
            rt.Cleanup();
            RemoveCgroupTree(unified);
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_non_empty_pre_existing_cgroup_is_joined_with_runcs_warning(string runtime)
    {
        Assert.SkipUnless(IsV1, "needs the v1 hierarchies at /sys/fs/cgroup");
        using var b = new Bundle(["true"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        MakeV1Cgroup(rt.Cgroup);
        var sleeper = SleeperIn(rt.Cgroup);
        string log = Path.Combine(b.Dir, "log.json");
        try
        {
            var r = rt.Cmd("--log", log, "--log-format", "json", "run", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(
            [
                "container's cgroup is not empty: 1 process(es) found",
                "DEPRECATED: running container in a non-empty cgroup won't be supported in runc 1.2; https://github.com/opencontainers/runc/issues/3132",
            ], LogMessages(log, "warning").Take(2));
        }
        finally
        {
            StopSleeper(sleeper, rt.Cgroup);
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_frozen_pre_existing_cgroup_is_refused_and_nothing_is_left(string runtime)
    {
        Assert.SkipUnless(IsV1, "needs the v1 hierarchies at /sys/fs/cgroup");
        using var b = new Bundle(["true"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        MakeV1Cgroup(rt.Cgroup);
        var sleeper = SleeperIn(rt.Cgroup);
        File.WriteAllText($"/sys/fs/cgroup/freezer{rt.Cgroup}/freezer.state", "FROZEN");
        try
        {
            var r = rt.Cmd("run", "--bundle", b.Dir, b.Id);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"{runtime} run failed: container's cgroup unexpectedly frozen", r.Stderr);
            Assert.False(Directory.Exists(Path.Combine(rt.StateRoot, b.Id)));
            // The other tool's cgroups are as they were, and none was made in the unified hierarchy.
            Assert.All(V1Hierarchies, h => Assert.True(Directory.Exists(h + rt.Cgroup), h));
            Assert.False(Directory.Exists("/sys/fs/cgroup/unified" + rt.Cgroup));
            Assert.Equal([sleeper.Id.ToString()], File.ReadAllLines($"/sys/fs/cgroup/freezer{rt.Cgroup}/cgroup.procs"));
        }
        finally
        {
            StopSleeper(sleeper, rt.Cgroup);
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Empty_cpuset_ancestors_are_filled_from_their_parents_and_update_works_within_a_pod_limit(string runtime)
    {
        Assert.SkipUnless(IsV1, "needs the v1 hierarchies at /sys/fs/cgroup");
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        // A pod cgroup made by another tool: empty cpuset, a cpu quota and a memory limit.
        string pod = rt.Cgroup + "-pod";
        MakeV1Cgroup(pod, emptyCpuset: true);
        MakeV1Cgroup(pod + "/mid", emptyCpuset: true);
        File.WriteAllText($"/sys/fs/cgroup/cpu{pod}/cpu.cfs_period_us", "100000");
        File.WriteAllText($"/sys/fs/cgroup/cpu{pod}/cpu.cfs_quota_us", "50000");
        File.WriteAllText($"/sys/fs/cgroup/memory{pod}/memory.limit_in_bytes", (256 << 20).ToString());
        b.Config["linux"]!["cgroupsPath"] = pod + "/mid/ctr";
        b.Save();
        try
        {
            var r = rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            string cpus = File.ReadAllText("/sys/fs/cgroup/cpuset/cpuset.cpus").Trim(), mems = File.ReadAllText("/sys/fs/cgroup/cpuset/cpuset.mems").Trim();
            foreach (string dir in new[] { pod, pod + "/mid", pod + "/mid/ctr" })
            {
                Assert.Equal(cpus, File.ReadAllText($"/sys/fs/cgroup/cpuset{dir}/cpuset.cpus").Trim());
                Assert.Equal(mems, File.ReadAllText($"/sys/fs/cgroup/cpuset{dir}/cpuset.mems").Trim());
            }
            var u = rt.Cmd("update", "--cpu-quota", "20000", "--cpu-period", "100000", "--memory", "64m", b.Id);
            Assert.True(u.ExitCode == 0, u.ToString());
            Assert.Equal("20000", File.ReadAllText($"/sys/fs/cgroup/cpu{pod}/mid/ctr/cpu.cfs_quota_us").Trim());
            Assert.Equal((64 << 20).ToString(), File.ReadAllText($"/sys/fs/cgroup/memory{pod}/mid/ctr/memory.limit_in_bytes").Trim());
        }
        finally
        {
            rt.Cleanup();
            RemoveCgroupTreeEverywhere(pod);
        }
    }

    internal static void RemoveCgroupTreeEverywhere(string cgroup)
    {
        foreach (string h in Directory.GetDirectories("/sys/fs/cgroup"))
            RemoveCgroupTree(h + cgroup);
    }

    /// <summary>exec --cgroup's outcome with the runtime's own cgroup path replaced by CG and pids by PID, for comparing.</summary>
    private static string ExecCgroups(Runtime rt, string id, params string[] flags)
    {
        var r = rt.Cmd(["exec", .. flags, id, "cat", "/proc/self/cgroup"]);
        string stderr = System.Text.RegularExpressions.Regex.Replace(r.Stderr, "pid [0-9]+ ", "pid ");
        string text = $"exit {r.ExitCode}\n{r.Stdout}{(r.ExitCode == 0 ? "" : stderr[(stderr.IndexOf("exec failed: ") + "exec failed: ".Length)..])}";
        return text.Replace(rt.Cgroup, "CG");
    }

    [Fact]
    public void Exec_cgroup_joins_sub_cgroups_as_runc_does()
    {
        Assert.SkipUnless(IsV1, "needs the v1 hierarchies at /sys/fs/cgroup");
        Assert.SkipUnless(File.Exists(RuncPath), "runc 1.1.5 is not installed at " + RuncPath);
        using var b = new Bundle(["sleep", "60"]);
        var runtimes = new[] { For("runcs", b), For("runc", b) };
        var outcomes = new List<string[]>();
        try
        {
            foreach (var rt in runtimes)
            {
                rt.UseCgroup();
                Assert.Equal(0, rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id).ExitCode);
                MakeV1Cgroup(rt.Cgroup + "/sub");
                if (IsHybrid)
                    Directory.CreateDirectory("/sys/fs/cgroup/unified" + rt.Cgroup + "/sub");
                outcomes.Add(
                [
                    ExecCgroups(rt, b.Id, "--cgroup", "sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", "/sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", "cpu,memory:sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", "pids:sub", "--cgroup", "freezer:sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", ":sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", "a:b:c"),
                    ExecCgroups(rt, b.Id, "--cgroup", "cpu:sub", "--cgroup", "sub"),
                    ExecCgroups(rt, b.Id, "--cgroup", "../x"),
                    ExecCgroups(rt, b.Id, "--cgroup", "foo:sub"),
                ]);
                // A sub-cgroup that does not exist is refused; the texts differ in the detail runc gets from its map order.
                var missing = rt.Cmd("exec", "--cgroup", "nosuch", b.Id, "true");
                Assert.Equal(255, missing.ExitCode);
                Assert.Contains("/nosuch/cgroup.procs: no such file or directory", missing.Stderr);
            }
            Assert.Equal(outcomes[1], outcomes[0]);
            Assert.Contains("1:cpu:CG/sub", outcomes[0][2]);
            Assert.Contains("0::CG\n", outcomes[0][2]);
            Assert.Contains("0::CG/sub\n", outcomes[0][0]);
        }
        finally
        {
            foreach (var rt in runtimes)
                rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void Update_takes_device_rules_as_runc_does_and_leaves_the_device_cgroup_alone(string runtime)
    {
        Assert.SkipUnless(IsV1, "needs the v1 devices hierarchy at /sys/fs/cgroup/devices");
        using var b = new Bundle(["sleep", "60"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        try
        {
            Assert.Equal(0, rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id).ExitCode);
            string list = $"/sys/fs/cgroup/devices{rt.Cgroup}/devices.list";
            string[] before = File.ReadAllLines(list);
            // runc 1.1.5 decodes them (any access letters, null for allow) and applies none: containerd
            // sends the spec's rules without runc's default list, which would take /dev/null away.
            foreach (string json in new[]
            {
                """{"memory": {"limit": 67108864}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 12, "access": "rwa"}]}""",
                """{"devices": [null, {"allow": null, "type": "x", "major": null, "minor": -5, "access": ""}]}""",
            })
            {
                var r = rt.CmdWithInput(json, "update", "--resources", "-", b.Id);
                Assert.True(r.ExitCode == 0, r.ToString());
            }
            Assert.Equal(before, File.ReadAllLines(list));
            Assert.Equal((64 << 20).ToString(), File.ReadAllText($"/sys/fs/cgroup/memory{rt.Cgroup}/memory.limit_in_bytes").Trim());
            var bad = rt.CmdWithInput("""{"devices": [{"allow": "x"}]}""", "update", "--resources", "-", b.Id);
            Assert.Equal(1, bad.ExitCode);
        }
        finally
        {
            rt.Cleanup();
        }
    }
}
