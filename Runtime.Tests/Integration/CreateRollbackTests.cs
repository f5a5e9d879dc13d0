using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// `create` failing at each of its steps (stdio, spawn, cgroup, boot, a prestart hook, the pid
/// file) fails as runc's does (exit 1, one error line) and leaves nothing: no state directory,
/// no cgroup, no process, no mount. Each step's undo is registered next to it, so a step whose
/// undo is missing shows here.
/// </summary>
[Collection("containers")]
public sealed class CreateRollbackTests
{
    private const string Runc = "/usr/sbin/runc";

    public static TheoryData<string> Steps() => new(["stdio", "spawn", "cgroup", "boot", "prestart hook", "pid file"]);

    /// <summary>Makes create fail at <paramref name="step"/>; returns the create flags that do it, if any.</summary>
    private static string[] Break(Bundle b, string step)
    {
        var linux = b.Config["linux"]!.AsObject();
        switch (step)
        {
            case "stdio":
                b.Config["process"]!["terminal"] = true;
                b.Save();
                return ["--console-socket", "/nonexistent-runcs-rollback/sock"];
            case "spawn":
                // A file that is not a namespace: setns refuses it while the init is cloned.
                linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "uts", ["path"] = "/etc/hostname" });
                foreach (var ns in linux["namespaces"]!.AsArray().Where(n => (string?)n!["type"] == "uts" && n["path"] is null).ToList())
                    linux["namespaces"]!.AsArray().Remove(ns);
                break;
            case "cgroup":
                linux["resources"] = new JsonObject { ["cpu"] = new JsonObject { ["cpus"] = "100000-100001" } };
                break;
            case "boot":
                b.Config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/mnt", ["type"] = "bind", ["source"] = "/nonexistent-runcs-rollback", ["options"] = new JsonArray("bind"),
                });
                break;
            case "prestart hook":
                b.Config["hooks"] = new JsonObject
                {
                    ["prestart"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "exit 3") }),
                };
                break;
            case "pid file":
                return ["--pid-file", "/nonexistent-runcs-rollback/pid"];
        }
        b.Save();
        return [];
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_create_failing_at_a_step_leaves_nothing_as_runc(string step)
    {
        Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 (/usr/sbin/runc) is not installed");
        using var b = new Bundle(["sleep", "60"]);
        string[] flags = Break(b, step);
        int mounts = LeakTests.MountCount(b.Dir);

        var ours = b.Runcs(["create", "--bundle", b.Dir, .. flags, b.Id]);
        AssertNothingLeft(b, b.StateRoot, b.Id, mounts, $"runcs, {step}: {ours}");

        string runcRoot = Path.Combine(b.Dir, "runc-state");
        string runcId = b.Id + "-runc";
        var theirs = RuncsBinary.Exec(Runc, ["--root", runcRoot, "create", "--bundle", b.Dir, .. flags, runcId]);
        try
        {
            AssertNothingLeft(b, runcRoot, runcId, mounts, $"runc, {step}: {theirs}");
        }
        finally
        {
            RuncsBinary.Exec(Runc, ["--root", runcRoot, "delete", "--force", runcId]);
        }

        Assert.True(theirs.ExitCode == 1, $"runc, {step}: {theirs}");
        Assert.True(ours.ExitCode == 1, $"runcs, {step}: {ours}");
        Assert.DoesNotContain("Exception", ours.Stderr);
        Assert.DoesNotContain("   at ", ours.Stderr);
    }

    private static void AssertNothingLeft(Bundle b, string root, string id, int mounts, string what)
    {
        Assert.False(Directory.Exists(Path.Combine(root, id)), $"state directory left: {what}");
        ContainerLifecycleTests.WaitFor(() => LeakTests.ContainerProcesses(b.Rootfs) == 0);
        Assert.True(LeakTests.CgroupDirs(id).Count == 0, $"cgroups left ({string.Join(", ", LeakTests.CgroupDirs(id))}): {what}");
        Assert.True(LeakTests.MountCount(b.Dir) == mounts, $"mounts left: {what}");
    }
}
