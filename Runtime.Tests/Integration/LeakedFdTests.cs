using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// CVE-2024-21626 class: a directory fd of the host leaked by runcs's caller (fd 7 here) must not
/// give the container's process a working directory on the host, through `exec --cwd
/// /proc/self/fd/7` or `process.cwd`, nor be open in the process. Runtime-agnostic (runc's fix).
/// </summary>
[Collection("containers")]
public sealed class LeakedFdTests
{
    /// <summary>The runtime with the host's / open as fd 7 (not close-on-exec), as a careless caller leaks it.</summary>
    private static CommandResult WithLeakedFd(Bundle b, params string[] args) =>
        RuncsBinary.Exec("/bin/sh", ["-c", "exec 7</ && exec \"$0\" \"$@\"", RuncsBinary.Path, "--root", b.StateRoot, .. args]);

    /// <summary>
    /// runcs (runc's fix): the getcwd check; Debian's runc 1.1.5 (patched) closes the fd first and
    /// fails the chdir, or the mkdir of the cwd during create.
    /// </summary>
    private const string Breakout = "current working directory is outside of container mount namespace root -- possible container breakout detected|chdir to cwd|mkdir /proc/self/fd/7";

    [Fact]
    public void Exec_with_cwd_through_a_leaked_fd_fails()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = WithLeakedFd(b, "exec", "--cwd", "/proc/self/fd/7", b.Id, "sh", "-c", "ls; pwd");
        Assert.True(r.ExitCode == 255, r.ToString());
        Assert.Matches(Breakout, r.Stderr);
        Assert.DoesNotContain("usr", r.Stdout); // the host's root was never listed
        // and an ordinary exec from the same caller does not get the fd
        var fds = WithLeakedFd(b, "exec", b.Id, "ls", "/proc/self/fd");
        Assert.True(fds.ExitCode == 0, fds.ToString());
        Assert.DoesNotContain("7", fds.Stdout.Split('\n'));
    }

    [Fact]
    public void Process_cwd_through_a_leaked_fd_fails_run()
    {
        using var b = new Bundle(["sh", "-c", "ls; pwd"]);
        b.Config["process"]!["cwd"] = "/proc/self/fd/7";
        b.Save();
        var r = WithLeakedFd(b, "run", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Matches(Breakout, r.Stderr);
        Assert.DoesNotContain("usr", r.Stdout);
        Assert.Equal("", b.Runcs("list", "-q").Stdout);
    }

    [Fact]
    public void The_container_process_does_not_inherit_the_leaked_fd()
    {
        using var b = new Bundle(["ls", "/proc/self/fd"]);
        var r = WithLeakedFd(b, "run", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("7", r.Stdout.Split('\n'));
    }
}
