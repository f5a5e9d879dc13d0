using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>The built binary's command line: stdout, stderr and exit codes.</summary>
public sealed class CliTests
{
    [Fact]
    public void Binary_is_static_and_runs_alone_in_an_empty_root()
    {
        string empty = Directory.CreateTempSubdirectory("runcs-empty-").FullName;
        try
        {
            File.Copy(RuncsBinary.Path, Path.Combine(empty, "runcs"));
            File.SetUnixFileMode(Path.Combine(empty, "runcs"), (UnixFileMode)0x1ed);
            var r = RuncsBinary.Exec("/usr/bin/env", ["-i", "/usr/sbin/chroot", empty, "/runcs", "--version"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.Matches(@"^runcs version \d+\.\d+\.\d+$", lines[0]);
            Assert.Matches(@"^commit: [0-9a-f]{40}|unknown$", lines[1]);
            Assert.Equal("spec: 1.2.0", lines[2]);
            var file = RuncsBinary.Exec("/usr/bin/file", [RuncsBinary.Path]);
            Assert.Contains("statically linked", file.Stdout);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }

    [Fact]
    public void Unknown_verb_is_named_with_usage_on_stderr()
    {
        var r = RuncsBinary.Run(["frobnicate"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("No help topic for 'frobnicate'", r.Stderr);
    }

    [Fact]
    public void Unknown_flag_is_named_with_usage_on_stderr()
    {
        var r = RuncsBinary.Run(["state", "--frob", "x"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("flag provided but not defined: -frob", r.Stderr);
        Assert.Contains("USAGE", r.Stderr);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("run")]
    [InlineData("exec")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("state")]
    [InlineData("list")]
    [InlineData("spec")]
    [InlineData("features")]
    public void Every_verb_has_help(string verb)
    {
        var r = RuncsBinary.Run([verb, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("USAGE", r.Stdout);
        Assert.Equal(r.Stdout, RuncsBinary.Run([verb, "-h"]).Stdout);
    }

    [Fact]
    public void Log_file_is_created_even_when_the_command_fails_early()
    {
        string dir = Directory.CreateTempSubdirectory("runcs-log-").FullName;
        string log = Path.Combine(dir, "log.json");
        var r = RuncsBinary.Run(["--root", dir, "--log", log, "--log-format", "json", "state", "nope"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("container does not exist\n", r.Stderr);
        var entry = JsonNode.Parse(File.ReadAllText(log))!;
        Assert.Equal("error", (string?)entry["level"]);
        Assert.Equal("container does not exist", (string?)entry["msg"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", (string?)entry["time"]);
        Assert.Equal(Convert.ToInt32("644", 8), (int)File.GetUnixFileMode(log));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Text_log_goes_to_stderr_without_log_file()
    {
        var r = RuncsBinary.Run(["--root", "/tmp/runcs-nonexistent-root", "state", "nope"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Matches("^time=\"[^\"]+\" level=error msg=\"container does not exist\"\n$", r.Stderr);
    }

    [Fact]
    public void Spec_writes_config_and_refuses_to_overwrite()
    {
        string dir = Directory.CreateTempSubdirectory("runcs-spec-").FullName;
        Assert.Equal(0, RuncsBinary.Run(["spec", "--bundle", dir]).ExitCode);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.Equal("sh", (string?)spec["process"]!["args"]![0]);
        var again = RuncsBinary.Run(["spec", "-b", dir]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("File config.json exists. Remove it first", again.Stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Systemd_cgroup_flag_is_accepted_by_verbs_that_make_no_cgroup()
    {
        // As runc: only creating a container needs systemd (see Systemd/*Tests).
        string dir = Directory.CreateTempSubdirectory("runcs-sd-").FullName;
        var r = RuncsBinary.Run(["--root", dir, "--systemd-cgroup", "list"]);
        Directory.Delete(dir, true);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void Invalid_id_is_refused_before_anything_is_made()
    {
        string dir = Directory.CreateTempSubdirectory("runcs-id-").FullName;
        var r = RuncsBinary.Run(["--root", dir, "create", "--bundle", dir, "a/b"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("invalid container ID format", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void List_is_empty_table_and_null_json()
    {
        string dir = Directory.CreateTempSubdirectory("runcs-list-").FullName;
        Assert.Equal("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", RuncsBinary.Run(["--root", dir, "list"]).Stdout);
        Assert.Equal("null\n", RuncsBinary.Run(["--root", dir, "list", "--format", "json"]).Stdout);
        Assert.Equal("", RuncsBinary.Run(["--root", dir, "list", "-q"]).Stdout);
        Directory.Delete(dir, true);
    }
}
