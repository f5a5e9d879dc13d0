using System.Text.Json.Nodes;
using Xunit;
using static Runcs.Tests.Integration.ContainerLifecycleTests;

namespace Runcs.Tests.Integration;

/// <summary>
/// Cgroup placement, limits, update and events with real containers, checked from outside in
/// /sys/fs/cgroup. This host is cgroup v1 (hybrid); the v2 checks run in a private mount namespace.
/// </summary>
[Collection("containers")]
public sealed class CgroupTests
{
    private static readonly string[] Controllers = ["cpu", "memory", "pids", "devices", "blkio", "freezer"];

    /// <summary>These tests read v1 files; on a v2 host they pass without checking (xunit 2 has no dynamic skip).</summary>
    private static bool IsV1 => !File.Exists("/sys/fs/cgroup/cgroup.controllers");

    /// <summary>A bundle whose container lives at the absolute cgroupsPath /runcs-test-ID.</summary>
    private static Bundle WithCgroup(string[] args, JsonObject? resources = null)
    {
        var b = new Bundle(args);
        b.Config["linux"]!["cgroupsPath"] = "/runcs-test-" + b.Id;
        if (resources is not null)
            b.Config["linux"]!["resources"] = resources;
        b.Save();
        return b;
    }

    private static string Dir(Bundle b, string controller) => $"/sys/fs/cgroup/{controller}/runcs-test-{b.Id}";

    private static string Read(Bundle b, string controller, string file) => File.ReadAllText(Path.Combine(Dir(b, controller), file)).Trim();

    private static int StartDetached(Bundle b)
    {
        var r = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        return (int)JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!["pid"]!;
    }

    [Fact]
    public void Delete_removes_cgroups_made_below_the_containers_too()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sleep", "60"]);
        int pid = StartDetached(b);
        // A sub-cgroup, as a process manager inside the container would make, holding the init.
        string sub = Path.Combine(Dir(b, "pids"), "inner", "deeper");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "cgroup.procs"), pid.ToString());
        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
        Assert.False(Directory.Exists(Dir(b, "pids")));
        Assert.False(Directory.Exists(Dir(b, "memory")));
    }

    [Fact]
    public void Absolute_cgroups_path_holds_the_processes_and_is_removed_by_delete()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sleep", "60"]);
        int pid = StartDetached(b);
        foreach (string c in Controllers)
            Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Combine(Dir(b, c), "cgroup.procs")));
        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
        foreach (string c in Controllers)
            Assert.False(Directory.Exists(Dir(b, c)), c);
    }

    [Fact]
    public void Relative_cgroups_path_is_below_the_runtimes_own_cgroup()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = new Bundle(["sleep", "60"]);
        string name = "runcs-rel-" + b.Id;
        b.Config["linux"]!["cgroupsPath"] = name;
        b.Save();
        int pid = StartDetached(b);
        var lines = File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).ToDictionary(f => f[1], f => f[2]);
        var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).ToDictionary(f => f[1], f => f[2]);
        foreach (string c in new[] { "memory", "pids", "cpu" })
            Assert.Equal(own[c].TrimEnd('/') + "/" + name, lines[c]);
        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids{own["pids"].TrimEnd('/')}/{name}"));
    }

    [Fact]
    public void Memory_limit_oom_kills_the_process()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}"],
            new JsonObject { ["memory"] = new JsonObject { ["limit"] = 16 << 20 } });
        var r = b.Run();
        Assert.True(r.ExitCode == 137, r.ToString());
    }

    [Fact]
    public void Too_low_a_memory_limit_fails_create_naming_the_oom_kill_and_leaves_nothing()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        // What the init charges before the process runs (about 0.7 MB) does not fit in 256 KiB.
        using var b = WithCgroup(["true"], new JsonObject { ["memory"] = new JsonObject { ["limit"] = 256 << 10, ["swap"] = 256 << 10 } });
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the OOM killer killed it: linux.resources.memory.limit (262144) is too low to start the container", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
        Assert.False(Directory.Exists(Dir(b, "memory")));
    }

    [Fact]
    public void Events_report_an_oom_kill_and_stats()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sh", "-c", "sleep 2; (x=$(head -c 67108864 /dev/zero | tr '\\0' a)); sleep 60"],
            new JsonObject { ["memory"] = new JsonObject { ["limit"] = 16 << 20 } });
        StartDetached(b);
        // A thread of its own: the pool may be starved by blocking tests, and events must start before the OOM.
        CommandResult? events = null;
        var reader = new Thread(() => events = b.Runcs("events", "--interval", "500ms", b.Id));
        reader.Start();
        // At least one kill: under load the kernel may need two (the subshell, then tr or head).
        WaitFor(() => OomKills(Read(b, "memory", "memory.oom_control")) >= 1);
        Thread.Sleep(500);
        // The kill may find the container stopped: the OOM killer can take its pid 1 too.
        var kill = b.Runcs("kill", b.Id, "KILL");
        Assert.True(kill.ExitCode == 0 || ContainerLifecycleTests.Status(b) == "stopped", kill.ToString());
        Assert.True(reader.Join(10000), "events ends when the container stops");
        Assert.True(events!.ExitCode == 0, events.ToString());
        var lines = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Contains(lines, e => (string?)e["type"] == "oom" && (string?)e["id"] == b.Id && e["data"] is null);
        var stats = lines.First(e => (string?)e["type"] == "stats");
        Assert.Equal(16 << 20, (long)stats["data"]!["memory"]!["usage"]!["limit"]!);
    }

    private static int OomKills(string oomControl) =>
        oomControl.Split('\n').Where(l => l.StartsWith("oom_kill ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["oom_kill ".Length..])).FirstOrDefault();

    [Fact]
    public void Pids_limit_stops_a_fork_bomb()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sh", "-c", "for i in $(seq 20); do sleep 30 & done; echo done"],
            new JsonObject { ["pids"] = new JsonObject { ["limit"] = 10 } });
        var r = b.Run();
        Assert.Contains("can't fork", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Cpu_and_blkio_limits_land_in_the_cgroup_files()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        string dev = File.ReadAllText($"/sys/block/{Directory.GetDirectories("/sys/block").Select(Path.GetFileName).First()}/dev").Trim();
        string[] mm = dev.Split(':');
        using var b = WithCgroup(["sleep", "60"], JsonNode.Parse($$"""
            {"devices": [{"allow": false, "access": "rwm"}],
             "cpu": {"shares": 512, "quota": 50000, "period": 200000},
             "blockIO": {"throttleReadBpsDevice": [{"major": {{mm[0]}}, "minor": {{mm[1]}}, "rate": 1048576} ]},
             "memory": {"limit": 67108864, "reservation": 33554432} }
            """)!.AsObject());
        StartDetached(b);
        Assert.Equal("512", Read(b, "cpu", "cpu.shares"));
        Assert.Equal("50000", Read(b, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal("200000", Read(b, "cpu", "cpu.cfs_period_us"));
        Assert.Equal($"{dev} 1048576", Read(b, "blkio", "blkio.throttle.read_bps_device"));
        Assert.Equal("67108864", Read(b, "memory", "memory.limit_in_bytes"));
        Assert.Equal("33554432", Read(b, "memory", "memory.soft_limit_in_bytes"));
        // runc's default device rules after the spec's "deny all".
        string[] devices = File.ReadAllLines(Path.Combine(Dir(b, "devices"), "devices.list"));
        Assert.Contains("c 1:3 rwm", devices);
        Assert.Contains("c 136:* rwm", devices);
        Assert.DoesNotContain("a *:* rwm", devices);
    }

    [Fact]
    public void A_device_outside_the_allow_list_cannot_be_opened_inside()
    {
        // The host's /dev/kmsg (c 1:11) is bind-mounted in, but no rule allows it.
        using var b = WithCgroup(["sh", "-c", "echo x > /dev/null && echo null-ok; echo runcs-v1-test > /dev/kmsg && echo kmsg-ok; true"],
            JsonNode.Parse("""{"devices": [{"allow": false, "access": "rwm"}]}""")!.AsObject());
        b.Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/dev/kmsg", ["type"] = "bind", ["source"] = "/dev/kmsg", ["options"] = new JsonArray("bind"),
        });
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("null-ok", r.Stdout);
        Assert.DoesNotContain("kmsg-ok", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    [Fact]
    public void Update_changes_live_values_from_stdin_json_and_from_flags()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sleep", "60"], new JsonObject { ["memory"] = new JsonObject { ["limit"] = 32 << 20 } });
        StartDetached(b);
        var r = b.RuncsWithInput("""{"memory":{"limit":67108864},"cpu":{"shares":512}}""", "update", "--resources", "-", b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("67108864", Read(b, "memory", "memory.limit_in_bytes"));
        Assert.Equal("512", Read(b, "cpu", "cpu.shares"));

        r = b.Runcs("update", "--memory", "48m", "--cpu-share", "256", "--cpu-quota", "30000", "--pids-limit", "42", b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal((48 << 20).ToString(), Read(b, "memory", "memory.limit_in_bytes"));
        Assert.Equal("256", Read(b, "cpu", "cpu.shares"));
        Assert.Equal("30000", Read(b, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal("42", Read(b, "pids", "pids.max"));

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(b.StateRoot, b.Id, "state.json")))!;
        Assert.Equal(48 << 20, (long)state["resources"]!["memory"]!["limit"]!);

        r = b.Runcs("update", "--memory", "lots", b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("invalid value for memory: invalid size: 'lots'", r.Stderr);
        r = b.Runcs("update", "--cpu-share", "1", b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the minimum allowed cpu-shares is 2", r.Stderr);
    }

    [Fact]
    public void Events_stats_match_the_cgroup_files()
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["sh", "-c", "sleep 60 & sleep 60 & wait"], new JsonObject { ["pids"] = new JsonObject { ["limit"] = 30 } });
        StartDetached(b);
        WaitFor(() => Read(b, "pids", "pids.current") == "3");
        var r = b.Runcs("events", "--stats", b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("\n", r.Stdout);
        var e = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("stats", (string?)e["type"]);
        var data = e["data"]!;
        Assert.Equal(3, (int)data["pids"]!["current"]!);
        Assert.Equal(30, (int)data["pids"]!["limit"]!);
        long usage = (long)data["memory"]!["usage"]!["usage"]!;
        Assert.InRange(usage, 4096, long.Parse(Read(b, "memory", "memory.max_usage_in_bytes")));
        Assert.True((long)data["cpu"]!["usage"]!["total"]! > 0);
        Assert.Null(data["network_interfaces"]);

        Assert.Equal(0, b.Runcs("kill", b.Id, "KILL").ExitCode);
        WaitFor(() => Status(b) == "stopped");
        r = b.Runcs("events", "--stats", b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"container with id {b.Id} is not running", r.Stderr);
    }

    [Theory]
    [InlineData("""{"memory": {"limit": -5}}""", "memory.limit_in_bytes")]
    [InlineData("""{"cpu": {"cpus": "abc"}}""", "failed to write abc to cpuset.cpus")]
    [InlineData("""{"unified": {"memory.high": "1G"}}""", "linux.resources.unified: cannot use unified on cgroup v1")]
    [InlineData("""{"memory": {"swappiness": 200}}""", "invalid memory swappiness value: 200")]
    // This host mounts no rdma hierarchy: a limit for it is refused, as runc refuses it.
    [InlineData("""{"rdma": {"mlx4_0": {"hcaHandles": 2}}}""", "cannot set rdma limit: container could not join or create cgroup")]
    public void Bad_resources_fail_create_and_leave_nothing(string resources, string message)
    {
        Assert.SkipUnless(IsV1, "needs cgroup v1 controllers at /sys/fs/cgroup (this host is not v1)");
        using var b = WithCgroup(["true"], JsonNode.Parse(resources)!.AsObject());
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)), "no state left");
        foreach (string c in Controllers.Append("cpuset"))
            Assert.False(Directory.Exists(Dir(b, c)), c);
    }
}
