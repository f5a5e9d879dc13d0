using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Every verb with a pid file, log file, console socket, process file, resources file and bundle
/// in a directory that does not exist: runc's error line and exit code (255 for exec's own
/// failures, 1 otherwise), never a .NET exception, and nothing left behind (no directory made,
/// no container, no process). Runtime-agnostic: RUNCS_BINARY=/usr/sbin/runc gives the same.
/// </summary>
[Collection("containers")]
public sealed class MissingDirectoryTests
{
    private static void AssertOneCleanError(CommandResult r, int exitCode, string message)
    {
        Assert.True(r.ExitCode == exitCode, r.ToString());
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    private static string MissingDir() => Path.Combine(Path.GetTempPath(), "runcs-missing-" + Guid.NewGuid().ToString("N"), "sub");

    [Fact]
    public void Create_and_run_fail_cleanly_and_leave_nothing()
    {
        using var b = new Bundle(["sleep", "60"]);
        string n = MissingDir();
        string[][] cases =
        [
            ["create", "--bundle", b.Dir, "--pid-file", $"{n}/pid"],
            ["run", "-d", "--bundle", b.Dir, "--pid-file", $"{n}/pid"],
        ];
        foreach (string[] args in cases)
        {
            var r = b.Runcs([.. args, b.Id]);
            AssertOneCleanError(r, 1, $"open {n}/.pid: no such file or directory");
            Assert.Equal("", b.Runcs("list", "-q").Stdout); // the container is gone, its init too
        }
        AssertOneCleanError(b.Runcs("create", "--bundle", n, b.Id), 1, $"chdir {n}: no such file or directory");
        AssertOneCleanError(b.Runcs("spec", "--bundle", n), 1, $"chdir {n}: no such file or directory");
        AssertOneCleanError(b.Runcs("create", "--bundle", b.Dir, "--console-socket", $"{n}/sock", b.Id), 1, "console socket");
        Assert.Equal("", b.Runcs("list", "-q").Stdout);
        Assert.False(Directory.Exists(Path.GetDirectoryName(n)), "a missing directory was created");
    }

    [Fact]
    public void Exec_fails_with_255_and_its_process_does_not_stay()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        string n = MissingDir();
        AssertOneCleanError(b.Runcs("exec", "--pid-file", $"{n}/pid", b.Id, "sleep", "71"), 255, $"open {n}/.pid: no such file or directory");
        AssertOneCleanError(b.Runcs("exec", "-d", "--pid-file", $"{n}/pid", b.Id, "sleep", "72"), 255, $"open {n}/.pid: no such file or directory");
        AssertOneCleanError(b.Runcs("exec", "--process", $"{n}/p.json", b.Id), 255, $"open {n}/p.json: no such file or directory");
        AssertOneCleanError(b.Runcs("exec", "-t", "-d", "--console-socket", $"{n}/sock", b.Id, "true"), 255, "no such file or directory");
        AssertOneCleanError(b.Runcs("update", "--resources", $"{n}/r.json", b.Id), 1, $"open {n}/r.json: no such file or directory");
        // the exec'd processes whose pid file failed were killed
        ContainerLifecycleTests.WaitFor(() => !b.Runcs("exec", b.Id, "ps", "-o", "args").Stdout.Contains("sleep 7"));
        Assert.False(Directory.Exists(Path.GetDirectoryName(n)), "a missing directory was created");
    }

    [Fact]
    public void A_log_file_in_a_missing_directory_fails_every_verb_with_one_line_in_the_log_format()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        string n = MissingDir();
        string[][] verbs =
        [
            ["state", b.Id], ["list"], ["ps", b.Id], ["exec", b.Id, "true"], ["kill", b.Id, "0"], ["pause", b.Id], ["resume", b.Id],
            ["update", "--pids-limit", "100", b.Id], ["events", "--stats", b.Id], ["start", b.Id], ["delete", b.Id],
            ["create", "--bundle", b.Dir, b.Id + "x"], ["run", "--bundle", b.Dir, b.Id + "y"], ["spec", "--bundle", b.Dir],
        ];
        foreach (string[] verb in verbs)
        {
            var r = b.Runcs(["--log", $"{n}/log", "--log-format", "json", .. verb]);
            AssertOneCleanError(r, 1, $"{{\"level\":\"error\",\"msg\":\"open {n}/log: no such file or directory\"");
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Equal(b.Id + "\n", b.Runcs("list", "-q").Stdout);
        Assert.Equal("running", System.Text.Json.Nodes.JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!["status"]!.ToString());
        Assert.False(Directory.Exists(Path.GetDirectoryName(n)), "a missing directory was created");
    }
}
