using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>Namespaces made new, joined by path, and the time namespace's offsets.</summary>
[Collection("containers")]
public sealed class NamespaceTests
{
    private static void AddNamespace(Bundle b, string type, string? path = null)
    {
        var ns = b.Config["linux"]!["namespaces"]!.AsArray();
        var existing = ns.FirstOrDefault(n => (string?)n!["type"] == type);
        if (existing is not null)
            ns.Remove(existing);
        var entry = new JsonObject { ["type"] = type };
        if (path is not null)
            entry["path"] = path;
        ns.Add(entry);
        b.Save();
    }

    [Fact]
    public void Every_namespace_is_new_by_default()
    {
        using var b = new Bundle(["sh", "-c", "for n in pid mnt uts ipc net cgroup; do readlink /proc/self/ns/$n; done"]);
        AddNamespace(b, "cgroup");
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] inside = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] names = ["pid", "mnt", "uts", "ipc", "net", "cgroup"];
        for (int i = 0; i < names.Length; i++)
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{names[i]}").LinkTarget, inside[i]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the two-stage path (a new time namespace)
    public void A_new_cgroup_namespace_is_rooted_at_the_containers_cgroup(bool twoStage)
    {
        using var b = new Bundle(["cat", "/proc/self/cgroup"]);
        AddNamespace(b, "cgroup");
        if (twoStage)
            AddNamespace(b, "time");
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        // Every hierarchy's path is the namespace's root: made after the init joined its cgroup.
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.EndsWith(":/", l));
    }

    [Fact]
    public void An_exec_into_a_cgroup_namespace_sees_its_root()
    {
        using var b = new Bundle(["sleep", "60"]);
        AddNamespace(b, "cgroup");
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = b.Runcs("exec", b.Id, "cat", "/proc/self/cgroup");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.All(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.EndsWith(":/", l));
    }

    [Fact]
    public void A_namespace_given_by_path_is_joined()
    {
        using var first = new Bundle(["sleep", "60"]);
        Assert.Equal(0, first.Run("-d").ExitCode);
        int pid = (int)JsonNode.Parse(first.Runcs("state", first.Id).Stdout)!["pid"]!;
        string net = new FileInfo($"/proc/{pid}/ns/net").LinkTarget!;
        string ipc = new FileInfo($"/proc/{pid}/ns/ipc").LinkTarget!;

        using var second = new Bundle(["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; echo $$"]);
        AddNamespace(second, "network", $"/proc/{pid}/ns/net");
        AddNamespace(second, "ipc", $"/proc/{pid}/ns/ipc");
        var r = second.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal([net, ipc, "1"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Time_namespace_applies_the_offsets()
    {
        using var b = new Bundle(["cat", "/proc/uptime"]);
        AddNamespace(b, "time");
        b.Config["linux"]!["timeOffsets"] = new JsonObject
        {
            ["boottime"] = new JsonObject { ["secs"] = 1000000, ["nanosecs"] = 0 },
            ["monotonic"] = new JsonObject { ["secs"] = 500000, ["nanosecs"] = 0 },
        };
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        double hostUptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        double inside = double.Parse(r.Stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(inside - hostUptime, 999990, 1000010);
    }

    [Fact]
    public void Socket_activation_passes_listen_fds()
    {
        using var b = new Bundle(["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; ls /proc/self/fd | wc -l"]);
        var r = RuncsBinary.Exec("/bin/bash", ["-c", $"exec 3</dev/null 4</dev/null; LISTEN_FDS=2 exec {RuncsBinary.Path} --root {b.StateRoot} run --bundle {b.Dir} {b.Id}"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        // 0-2, the two listening fds, and ls's own directory fd.
        Assert.Equal(["2 1", "6"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
