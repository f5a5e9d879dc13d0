using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// cgroup v2 with real containers. This host is hybrid v1, so every runcs command runs in a
/// private mount namespace (unshare -m) where /sys/fs/cgroup is the cgroup2 hierarchy; that
/// hierarchy is the kernel-wide one also mounted at /sys/fs/cgroup/unified, where the test
/// checks the files. Controllers bound to v1 here are not available: limits are asserted only
/// for controllers cgroup2's root offers.
/// </summary>
[Collection("containers")]
public sealed class CgroupV2Tests
{
    private const string Unified = "/sys/fs/cgroup/unified";

    /// <summary>The host's cgroup2 view: /sys/fs/cgroup itself on a v2 host, /sys/fs/cgroup/unified on a hybrid one.</summary>
    private static string? HostRoot =>
        File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup"
        : File.Exists(Path.Combine(Unified, "cgroup.controllers")) ? Unified : null;

    private static bool Available => RuncsBinary.IsRoot && HostRoot is not null;

    private static string[] RootControllers =>
        File.ReadAllText(Path.Combine(HostRoot!, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private const string Script = "mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && exec \"$0\" \"$@\"";

    /// <summary>runcs with the bundle's --root, in a new mount namespace with cgroup2 on /sys/fs/cgroup.</summary>
    private static CommandResult V2(Bundle b, params string[] args) =>
        RuncsBinary.Exec("unshare", ["-m", "sh", "-c", Script, RuncsBinary.Path, "--root", b.StateRoot, .. args]);

    private static Bundle WithCgroup(string[] args, JsonObject? resources = null)
    {
        var b = new Bundle(args);
        b.Config["linux"]!["cgroupsPath"] = "/runcs-v2-" + b.Id;
        b.Config["root"]!["readonly"] = false;
        if (resources is not null)
            b.Config["linux"]!["resources"] = resources;
        b.Save();
        return b;
    }

    private static string Dir(Bundle b) => Path.Combine(HostRoot!, "runcs-v2-" + b.Id);

    private static int StartDetached(Bundle b)
    {
        var r = V2(b, "run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        return (int)JsonNode.Parse(V2(b, "state", b.Id).Stdout)!["pid"]!;
    }

    private static string Status(Bundle b) => (string)JsonNode.Parse(V2(b, "state", b.Id).Stdout)!["status"]!;

    /// <summary>The counter the looping shell writes; retried while caught between truncate and write.</summary>
    private static string ReadCount(string file)
    {
        for (int i = 0; ; i++)
        {
            string s = File.ReadAllText(file).Trim();
            if (s.Length > 0 || i > 100)
                return s;
            Thread.Sleep(5);
        }
    }

    private static void Cleanup(Bundle b)
    {
        V2(b, "delete", "--force", b.Id);
        if (Directory.Exists(Dir(b)))
            Directory.Delete(Dir(b));
    }

    [Fact]
    public void Absolute_cgroups_path_holds_the_init_and_is_removed_by_delete()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        using var b = WithCgroup(["sleep", "60"]);
        try
        {
            int pid = StartDetached(b);
            Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Combine(Dir(b), "cgroup.procs")));
            Assert.Contains($"0::/runcs-v2-{b.Id}", File.ReadAllLines($"/proc/{pid}/cgroup"));
            var d = V2(b, "delete", "--force", b.Id);
            Assert.True(d.ExitCode == 0, d.ToString());
            Assert.False(Directory.Exists(Dir(b)));
        }
        finally
        {
            Cleanup(b);
        }
    }

    [Fact]
    public void Pause_freezes_through_cgroup_freeze_and_resume_thaws()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        using var b = WithCgroup(["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; done"]);
        try
        {
            int pid = StartDetached(b);
            string count = Path.Combine($"/proc/{pid}/root", "tmp/count");
            Thread.Sleep(200);
            var p = V2(b, "pause", b.Id);
            Assert.True(p.ExitCode == 0, p.ToString());
            Assert.Equal("1", File.ReadAllText(Path.Combine(Dir(b), "cgroup.freeze")).Trim());
            Assert.Contains("frozen 1", File.ReadAllText(Path.Combine(Dir(b), "cgroup.events")));
            Assert.Equal("paused", Status(b));
            string before = ReadCount(count);
            Assert.NotEqual("", before);
            Thread.Sleep(300);
            Assert.Equal(before, ReadCount(count));
            var r = V2(b, "resume", b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("0", File.ReadAllText(Path.Combine(Dir(b), "cgroup.freeze")).Trim());
            Assert.Equal("running", Status(b));
            Thread.Sleep(300);
            Assert.NotEqual(before, ReadCount(count));
        }
        finally
        {
            Cleanup(b);
        }
    }

    [Fact]
    public void Kill_all_empties_the_cgroup()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        using var b = WithCgroup(["sh", "-c", "sleep 100 & sleep 100 & wait"]);
        try
        {
            StartDetached(b);
            string procs = Path.Combine(Dir(b), "cgroup.procs");
            for (int i = 0; i < 100 && File.ReadAllLines(procs).Length < 3; i++)
                Thread.Sleep(20);
            Assert.Equal(3, File.ReadAllLines(procs).Length);
            var k = V2(b, "kill", "--all", b.Id, "KILL");
            Assert.True(k.ExitCode == 0, k.ToString());
            for (int i = 0; i < 200 && File.ReadAllLines(procs).Length > 0; i++)
                Thread.Sleep(20);
            Assert.Empty(File.ReadAllLines(procs));
            Assert.Equal("stopped", Status(b));
        }
        finally
        {
            Cleanup(b);
        }
    }

    [Fact]
    public void Limits_are_written_for_the_controllers_cgroup2_offers()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        var controllers = RootControllers;
        using var b = WithCgroup(["sleep", "60"], new JsonObject
        {
            ["pids"] = controllers.Contains("pids") ? new JsonObject { ["limit"] = 42 } : null,
            ["memory"] = controllers.Contains("memory") ? new JsonObject { ["limit"] = 64 << 20 } : null,
        });
        try
        {
            StartDetached(b);
            string[] enabled = File.ReadAllText(Path.Combine(Dir(b), "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Every controller of the root is delegated down to the container's cgroup.
            Assert.Equal(controllers.Order(), enabled.Order());
            if (controllers.Contains("pids"))
                Assert.Equal("42", File.ReadAllText(Path.Combine(Dir(b), "pids.max")).Trim());
            if (controllers.Contains("memory"))
                Assert.Equal((64 << 20).ToString(), File.ReadAllText(Path.Combine(Dir(b), "memory.max")).Trim());
            // Without the pids controller, a pids limit is an error naming the missing file.
            if (!controllers.Contains("pids"))
            {
                using var c = WithCgroup(["true"], new JsonObject { ["pids"] = new JsonObject { ["limit"] = 42 } });
                try
                {
                    var r = V2(c, "run", "--bundle", c.Dir, c.Id);
                    Assert.NotEqual(0, r.ExitCode);
                    Assert.Contains("pids.max", r.Stderr);
                    Assert.False(Directory.Exists(Dir(c)));
                }
                finally
                {
                    Cleanup(c);
                }
            }
        }
        finally
        {
            Cleanup(b);
        }
    }

    /// <summary>A container with the host's /dev/kmsg (c 1:11, in no default allow list) bind-mounted, and extra device rules.</summary>
    private static Bundle WithKmsg(string script, JsonArray? rules = null)
    {
        var b = WithCgroup(["sh", "-c", script]);
        b.Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/dev/kmsg", ["type"] = "bind", ["source"] = "/dev/kmsg", ["options"] = new JsonArray("bind"),
        });
        if (rules is not null)
            foreach (var rule in rules.ToList())
            {
                rules.Remove(rule);
                b.Config["linux"]!["resources"]!["devices"]!.AsArray().Add(rule);
            }
        b.Save();
        return b;
    }

    private const string KmsgScript =
        "echo x > /dev/null && echo null-ok; head -c1 /dev/urandom > /dev/null && echo urandom-ok; echo runcs-v2-test > /dev/kmsg && echo kmsg-ok; true";

    [Fact]
    public void Device_rules_are_an_ebpf_program_that_denies_unlisted_devices()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        using var b = WithKmsg(KmsgScript);
        try
        {
            var r = V2(b, "run", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("null-ok", r.Stdout);
            Assert.Contains("urandom-ok", r.Stdout);
            Assert.DoesNotContain("kmsg-ok", r.Stdout);
            Assert.Contains("Operation not permitted", r.Stderr);
        }
        finally
        {
            Cleanup(b);
        }
    }

    [Fact]
    public void Device_rules_allow_a_listed_device_for_the_listed_access_only()
    {
        Assert.SkipUnless(Available, "needs root and a cgroup2 hierarchy (none mounted on this host)");
        var writeOnly = new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 11, ["access"] = "w" };
        using var b = WithKmsg(KmsgScript + "; cat /dev/kmsg > /dev/null || echo read-denied", new JsonArray(writeOnly));
        try
        {
            var r = V2(b, "run", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("null-ok", r.Stdout);
            Assert.Contains("kmsg-ok", r.Stdout);
            Assert.Contains("read-denied", r.Stdout);
        }
        finally
        {
            Cleanup(b);
        }
    }
}
