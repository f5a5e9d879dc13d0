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
}
