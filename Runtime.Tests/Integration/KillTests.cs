using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>`kill`: which containers and signals it takes, compared with runc 1.1.5 on the same bundle.</summary>
[Collection("containers")]
public sealed class KillTests
{
    private const string Runc = "/usr/sbin/runc";

    private static void RequireRunc() => Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 (/usr/sbin/runc) is not installed");

    /// <summary>runcs, or runc with its own --root and id, on the same bundle.</summary>
    private static CommandResult With(string runtime, Bundle b, params string[] args) =>
        runtime == "runcs" ? b.Runcs(args) : RuncsBinary.Exec(Runc, ["--root", b.StateRoot + "-runc", .. args]);

    private static string IdFor(string runtime, Bundle b) => b.Id + (runtime == "runcs" ? "" : "-runc");

    /// <summary>The error as logged, without the timestamp: what follows `msg=`.</summary>
    private static string Message(CommandResult r)
    {
        int at = r.Stderr.IndexOf("msg=", StringComparison.Ordinal);
        return at < 0 ? r.Stderr.Trim() : r.Stderr[(at + 4)..].Trim();
    }

    private static bool IsAlive(int pid) => ContainerLifecycleTests.IsAlive(pid);

    /// <summary>
    /// `docker run --pid host`: the init exits, a process it started stays in the container's
    /// cgroup, and the shim runs `kill --all ID 9`. As runc: plain `kill` says the container is
    /// not running, `kill --all ID 0` exits 0 and harms nothing, `kill --all ID 9` ends the rest.
    /// </summary>
    [Theory]
    [InlineData("runcs")]
    [InlineData("runc")]
    public void Kill_all_of_a_stopped_container_signals_what_is_left_in_its_cgroup(string runtime)
    {
        if (runtime == "runc")
            RequireRunc();
        using var b = new Bundle();
        string id = IdFor(runtime, b);
        string outDir = Path.Combine(b.Dir, "out");
        Directory.CreateDirectory(outDir);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "out"));
        b.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/out", ["type"] = "bind", ["source"] = outDir, ["options"] = new JsonArray("rbind") });
        var ns = b.Config["linux"]!["namespaces"]!.AsArray();
        ns.Remove(ns.First(n => (string?)n!["type"] == "pid"));
        // Without a pid namespace $! is the host's pid of the process left behind.
        b.Args = ["sh", "-c", "sleep 300 & echo $! > /out/pid.tmp && mv /out/pid.tmp /out/pid"];
        try
        {
            var run = With(runtime, b, "run", "-d", "--bundle", b.Dir, id);
            Assert.True(run.ExitCode == 0, run.ToString());
            string pidFile = Path.Combine(outDir, "pid");
            ContainerLifecycleTests.WaitFor(() => File.Exists(pidFile));
            int left = int.Parse(File.ReadAllText(pidFile).Trim());
            ContainerLifecycleTests.WaitFor(() => With(runtime, b, "state", id).Stdout.Contains("\"stopped\""));

            var plain = With(runtime, b, "kill", id, "9");
            Assert.Equal(1, plain.ExitCode);
            Assert.Equal("\"container not running\"", Message(plain));

            var probe = With(runtime, b, "kill", "--all", id, "0");
            Assert.True(probe.ExitCode == 0, probe.ToString());
            Assert.True(IsAlive(left), "signal 0 must not harm the process left in the cgroup");

            var all = With(runtime, b, "kill", "--all", id, "9");
            Assert.True(all.ExitCode == 0, all.ToString());
            ContainerLifecycleTests.WaitFor(() => !IsAlive(left));
            Assert.Equal(0, With(runtime, b, "delete", id).ExitCode);
        }
        finally
        {
            With(runtime, b, "delete", "--force", id);
        }
    }

    /// <summary>Signal 0 (is it there?) is a signal like any other for a running container.</summary>
    [Fact]
    public void Signal_0_is_accepted_for_a_running_container()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = b.Runcs("kill", b.Id, "0");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, b.Runcs("kill", "--all", b.Id, "0").ExitCode);
        Assert.Equal("running", ContainerLifecycleTests.Status(b));
    }

    /// <summary>
    /// Signal arguments runc 1.1.5 judges: same exit code and message (numbers go to the kernel
    /// as they are, names are signals 1-31). Real-time names are runcs's own addition, but only
    /// within 34-64: malformed ones are runc's "unknown signal", never an abort.
    /// </summary>
    [Fact]
    public void Signal_arguments_are_judged_as_runc_judges_them()
    {
        RequireRunc();
        string[] asRunc = ["0", "USR1", "sigusr1", "+10", "010", "99", "65", "-5", "99999999999", "99999999999999999999",
            " 10", "", "POLL", "CLD", "FOO", "RTMINX", "RTMIN+", "RTMIN+99999999999", "RTMIN-5", "RTMAX+1", "RTMIN+31", "SIGRTMIN+2x"];
        using var b = new Bundle(["sh", "-c", "trap '' USR1 USR2 URG 34 35 36 63 64; while true; do sleep 0.1; done"]);
        try
        {
            foreach (string runtime in new[] { "runcs", "runc" })
                Assert.Equal(0, With(runtime, b, "run", "-d", "--bundle", b.Dir, IdFor(runtime, b)).ExitCode);
            foreach (string signal in asRunc)
            {
                var ours = With("runcs", b, "kill", IdFor("runcs", b), signal);
                var theirs = With("runc", b, "kill", IdFor("runc", b), signal);
                Assert.True(ours.ExitCode == theirs.ExitCode, $"[{signal}] runcs {ours}\nrunc {theirs}");
                Assert.Equal(Message(theirs), Message(ours));
            }
            foreach (string signal in new[] { "RTMIN", "RTMIN+1", "rtmin+2", "SIGRTMAX", "RTMAX-1", "RTMAX-30" })
            {
                var r = b.Runcs("kill", b.Id, signal);
                Assert.True(r.ExitCode == 0, $"[{signal}] {r}");
            }
            Assert.Equal("running", ContainerLifecycleTests.Status(b));
        }
        finally
        {
            With("runc", b, "delete", "--force", IdFor("runc", b));
        }
    }
}
