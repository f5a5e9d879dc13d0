using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>process.* as the container's process sees it: capabilities, user, umask, rlimits, NoNewPrivs, oom, nice.</summary>
[Collection("containers")]
public sealed class ProcessSecurityTests
{
    private static ulong Mask(params int[] caps) => caps.Aggregate(0UL, (m, c) => m | (1UL << c));

    private static Dictionary<string, string> Status(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());

    /// <summary>The Cap* lines of /proc/self/status for the bundle run by the given runtime.</summary>
    private static string[] CapLines(Bundle b, string? runtime = null)
    {
        var r = runtime is null ? b.Run() : RuncsBinary.Exec(runtime, ["--root", b.StateRoot + "-peer", "run", "--bundle", b.Dir, b.Id + "p"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n').Where(l => l.StartsWith("Cap")).ToArray();
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(65534u)]
    public void Capability_sets_are_the_configured_ones_as_runc_sets_them(uint uid)
    {
        using var b = new Bundle(["cat", "/proc/self/status"]);
        b.Config["process"]!["user"]!["uid"] = uid;
        b.Config["process"]!["capabilities"] = new JsonObject
        {
            ["bounding"] = new JsonArray("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"),
            ["effective"] = new JsonArray("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
            ["permitted"] = new JsonArray("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
            ["inheritable"] = new JsonArray("CAP_NET_BIND_SERVICE"),
            ["ambient"] = new JsonArray("CAP_NET_BIND_SERVICE"),
        };
        b.Save();
        var ours = CapLines(b);
        var s = Status(string.Join('\n', ours));
        // CAP_CHOWN 0, CAP_KILL 5, CAP_SETUID 7, CAP_NET_BIND_SERVICE 10.
        Assert.Equal(Mask(0, 5, 7, 10).ToString("x16"), s["CapBnd"]);
        Assert.Equal(Mask(10).ToString("x16"), s["CapInh"]);
        Assert.Equal(Mask(10).ToString("x16"), s["CapAmb"]);
        // What exec makes of the sets depends on uid and the ambient set (capabilities(7)): the reference is runc.
        if (File.Exists("/usr/bin/runc"))
            Assert.Equal(CapLines(b, "/usr/bin/runc"), ours);
    }

    [Fact]
    public void The_environment_is_exactly_the_configured_one_for_run_and_exec()
    {
        // Nothing of runcs's own (its sync fd variable, the init runtime's GC settings) reaches the
        // process; HOME is added from the user's entry when the config has none, as runc does.
        using var b = new Bundle(["sleep", "40"]);
        b.Config["process"]!["env"] = new JsonArray("PATH=/bin", "ONLY=this");
        b.Config["process"]!["terminal"] = false;
        b.Save();
        var r = b.Runcs("run", "--bundle", b.Dir, "-d", b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            foreach (string environ in (string[])["/proc/self/environ", "/proc/1/environ"])
            {
                var x = b.Runcs("exec", b.Id, "cat", environ);
                Assert.True(x.ExitCode == 0, x.ToString());
                Assert.Equal(["PATH=/bin", "ONLY=this", "HOME=/root"], x.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        finally
        {
            b.Runcs("delete", "-f", b.Id);
        }
    }

    [Fact]
    public void Root_keeps_the_configured_permitted_and_effective_sets()
    {
        using var b = new Bundle(["cat", "/proc/self/status"]);
        var r = b.Run();
        var s = Status(r.Stdout);
        // runc's default config: AUDIT_WRITE 29, KILL 5, NET_BIND_SERVICE 10.
        string expected = Mask(5, 10, 29).ToString("x16");
        Assert.Equal(expected, s["CapBnd"]);
        Assert.Equal(expected, s["CapEff"]);
        Assert.Equal(expected, s["CapPrm"]);
        Assert.Equal("1", s["NoNewPrivs"]);
    }

    [Fact]
    public void Without_cap_net_raw_a_raw_socket_is_refused()
    {
        using var b = new Bundle(["ping", "-c", "1", "-W", "1", "127.0.0.1"]);
        var r = b.Run();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("permission denied", r.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void User_groups_and_umask_are_applied()
    {
        using var b = new Bundle(["sh", "-c", "id; umask; echo $HOME"]);
        var user = b.Config["process"]!["user"]!.AsObject();
        user["uid"] = 65534;
        user["gid"] = 65534;
        user["additionalGids"] = new JsonArray(10, 20);
        user["umask"] = 63; // 077
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("uid=65534(nobody) gid=65534 groups=10,20", lines[0]);
        Assert.Equal("0077", lines[1]);
        Assert.Equal("/nonexistent", lines[2]);
    }

    [Fact]
    public void Rlimits_are_applied()
    {
        using var b = new Bundle(["sh", "-c", "ulimit -n; ulimit -Hn; grep 'Max processes' /proc/self/limits"]);
        b.Config["process"]!["rlimits"] = new JsonArray(
            new JsonObject { ["type"] = "RLIMIT_NOFILE", ["soft"] = 321, ["hard"] = 654 },
            new JsonObject { ["type"] = "RLIMIT_NPROC", ["soft"] = 111, ["hard"] = 222 });
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("321", lines[0]);
        Assert.Equal("654", lines[1]);
        Assert.Matches(@"^Max processes\s+111\s+222\s+processes", lines[2]);
    }

    [Fact]
    public void Oom_score_adj_and_nice_are_applied()
    {
        using var b = new Bundle(["sh", "-c", "cat /proc/self/oom_score_adj; cut -d' ' -f19 /proc/self/stat"]);
        b.Config["process"]!["oomScoreAdj"] = 345;
        b.Config["process"]!["scheduler"] = new JsonObject { ["policy"] = "SCHED_OTHER", ["nice"] = 7 };
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["345", "7"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// linux.memoryPolicy (runtime-spec 1.3) is set for the process and for `exec` (which reads it
    /// from config.bin); runc 1.1.5 does not know the field and leaves the default policy.
    /// </summary>
    [Fact]
    public void The_memory_policy_is_applied_to_the_process_and_to_exec()
    {
        Assert.SkipUnless(Directory.Exists("/sys/devices/system/node/node0"), "a kernel without NUMA");
        using var b = new Bundle(["probe", "mempolicy"]);
        SyscallProbe.Install(b);
        b.Config["linux"]!["memoryPolicy"] = new JsonObject
        {
            ["mode"] = "MPOL_BIND", ["nodes"] = "0", ["flags"] = new JsonArray("MPOL_F_STATIC_NODES"),
        };
        b.Save();
        const string bound = "mode 32770 nodes 1\n"; // MPOL_BIND (2) | MPOL_F_STATIC_NODES (1 << 15), node 0
        var run = b.Run();
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(bound, run.Stdout);
        if (File.Exists("/usr/sbin/runc"))
        {
            var runc = RuncsBinary.Exec("/usr/sbin/runc", ["--root", Path.Combine(b.Dir, "runc-state"), "run", "--bundle", b.Dir, b.Id]);
            Assert.True(runc.ExitCode == 0, runc.ToString());
            Assert.Equal("mode 0 nodes 0\n", runc.Stdout);
        }

        b.Args = ["sleep", "60"];
        b.Save();
        Assert.Equal(0, b.Run("-d").ExitCode);
        var exec = b.Runcs("exec", b.Id, "probe", "mempolicy");
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal(bound, exec.Stdout);
    }

    [Fact]
    public void A_memory_policy_the_kernel_refuses_is_a_start_error()
    {
        Assert.SkipUnless(Directory.Exists("/sys/devices/system/node/node0") && !Directory.Exists("/sys/devices/system/node/node7"), "a kernel without NUMA, or with a node 7");
        using var b = new Bundle(["true"]);
        b.Config["linux"]!["memoryPolicy"] = new JsonObject { ["mode"] = "MPOL_BIND", ["nodes"] = "7" };
        b.Save();
        var r = b.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("set_mempolicy MPOL_BIND: invalid argument", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Exec_gets_its_own_capabilities_and_user()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = b.Runcs("exec", "--cap", "CAP_SYS_ADMIN", b.Id, "grep", "CapEff", "/proc/self/status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("CapEff:\t" + Mask(5, 10, 21, 29).ToString("x16") + "\n", r.Stdout);
        var user = b.Runcs("exec", "--user", "65534:65534", "-g", "7", b.Id, "id");
        Assert.Equal("uid=65534(nobody) gid=65534 groups=7\n", user.Stdout);
    }

    [Theory]
    [InlineData("capabilities", "{\"bounding\":[\"CAP_BOGUS\"]}", "unknown capability \\\"CAP_BOGUS\\\"")]
    [InlineData("rlimits", "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]", "soft limit 10 is greater than hard limit 5")]
    public void Bad_process_settings_are_clear_errors_leaving_nothing(string field, string json, string message)
    {
        using var b = new Bundle(["true"]);
        b.Config["process"]![field] = JsonNode.Parse(json);
        b.Save();
        var r = b.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }
}
