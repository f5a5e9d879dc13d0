using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// runcs started with one of its stdio fds closed (a careless caller, a daemon that closed
/// stdin): the first fds it opens (sync socket, hook pipes, exec fifo) then land on 0-2, and
/// copying the container's stdio onto 0-2 must not clobber them. Each case runs the same
/// bundle, with a prestart hook (its pipes too), with runc 1.1.5 and with runcs.
/// </summary>
[Collection("containers")]
public sealed class ClosedStdioTests
{
    private const string Runc = "/usr/sbin/runc";

    public static TheoryData<int> ClosedFds => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(ClosedFds))]
    public void Run_with_a_closed_stdio_fd_behaves_as_runc(int closedFd)
    {
        Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 is not installed at " + Runc);
        var results = new Dictionary<string, CommandResult>();
        foreach (string runtime in new[] { Runc, RuncsBinary.Path })
        {
            using var b = new Bundle(["sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
            b.Config["hooks"] = new JsonObject
            {
                ["prestart"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "cat >/dev/null") }),
            };
            b.Save();
            var r = RuncsBinary.Exec("/bin/sh", ["-c", $"exec {closedFd}<&- && exec \"$0\" \"$@\"", runtime, "--root", b.StateRoot, "run", "--bundle", b.Dir, b.Id]);
            results[runtime] = r;
            var left = RuncsBinary.Exec(runtime, ["--root", b.StateRoot, "list", "-q"]);
            Assert.Equal("", left.Stdout);
        }
        // What reached the caller's open fds is the same with both runtimes. With fd 0 closed
        // everything matches; with an output closed runc 1.1.5's pipes happen to reuse the
        // closed number (the container's writes there fail with EPIPE), runcs's copy of that
        // output stops at its first failed write: only the other output is compared.
        var (runc, runcs) = (results[Runc], results[RuncsBinary.Path]);
        Assert.True(runcs.ExitCode == 0 || closedFd != 0, runcs.ToString());
        if (closedFd == 0)
        {
            Assert.Equal(runc.ExitCode, runcs.ExitCode);
            Assert.Equal(runc.Stdout, runcs.Stdout);
            Assert.Equal(runc.Stderr, runcs.Stderr);
        }
        Assert.Equal(closedFd != 1, runcs.Stdout.Contains("to-stdout"));
        Assert.Equal(closedFd != 1, runc.Stdout.Contains("to-stdout"));
        Assert.Equal(closedFd != 2, runcs.Stderr.Contains("to-stderr"));
        Assert.Equal(closedFd != 2, runc.Stderr.Contains("to-stderr"));
        Assert.DoesNotContain("runcs", runcs.Stderr);
    }
}
