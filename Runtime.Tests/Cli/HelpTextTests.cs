using System.Diagnostics;
using Runcs.Cli;
using Xunit;

namespace Runcs.Tests.Cli;

public class HelpTextTests
{
    [Fact]
    public void CreateHelpLayout()
    {
        string h = CommandLine.Help("create");
        Assert.StartsWith("NAME:\n   runc create - create a container\n\nUSAGE:\n   runc create [command options] <container-id>\n\nWhere \"<container-id>\"", h);
        Assert.Contains("\n\nDESCRIPTION:\n   The create command creates an instance", h);
        Assert.Contains("\nOPTIONS:\n   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory\n", h);
        Assert.Contains("\n   --no-pivot                do not use pivot root", h);
        Assert.EndsWith("(stdio + $LISTEN_FDS + N in total) (default: 0)\n   \n", h);
    }

    [Fact]
    public void StartHelpHasNoOptions()
    {
        string h = CommandLine.Help("start");
        Assert.Contains("USAGE:\n   runc start <container-id>\n", h);
        Assert.EndsWith("DESCRIPTION:\n   The start command executes the user defined process in a created container.\n", h);
        Assert.DoesNotContain("OPTIONS", h);
    }

    [Fact]
    public void UpdateResourcesUsageBreaksTheAlignment()
    {
        string h = CommandLine.Help("update");
        Assert.Contains("   --resources value, -r value  path to the file containing", h);
        Assert.Contains("other options are ignored.\n   --blkio-weight value        Specifies per cgroup weight, range is from 10 to 1000 (default: 0)\n", h);
        Assert.DoesNotContain("kernel-memory", h);
    }

    [Fact]
    public void DefaultsShown()
    {
        Assert.Contains("--format value, -f value  select one of: table or json (default: \"table\")", CommandLine.Help("list"));
        Assert.Contains("--interval value  set the stats collection interval (default: 5s)", CommandLine.Help("events"));
        Assert.Contains("(default: -1)", CommandLine.Help("checkpoint"));
    }

    [Fact]
    public void GlobalHelp()
    {
        string h = CommandLine.Help(null, new CliSettings { Version = "9.9\ncommit: x", DefaultRoot = "/run/user/1000/runcs" });
        Assert.StartsWith("NAME:\n   runc - Open Container Initiative runtime\n\nrunc is a command line client", h);
        Assert.Contains("\nUSAGE:\n   runc [global options] command [command options] [arguments...]\n\nVERSION:\n   9.9\ncommit: x\n\nCOMMANDS:\n   checkpoint  checkpoint a running container\n", h);
        Assert.Contains("\n   help, h     Shows a list of commands or help for one command\n\nGLOBAL OPTIONS:\n   --debug             enable debug logging\n", h);
        Assert.Contains("(default: \"/run/user/1000/runcs\")", h);
        Assert.EndsWith("   --version, -v       print the version\n", h);
    }

    [Fact]
    public void AlignEmulatesTabwriter()
    {
        Assert.Equal("a     x\nlong  y\n\nb  z\n", HelpText.Align("a\tx\nlong\ty\n\nb\tz\n"));
        Assert.Equal("no tabs", HelpText.Align("no tabs"));
    }

    // ---- byte-for-byte comparison with the reference runc, when it is installed ----

    private static string? Runc(params string[] args) => RuncFull(args)?.Stdout;

    private static (string Stdout, string Stderr, int Exit)? RuncFull(params string[] args)
    {
        if (!File.Exists("/usr/bin/runc"))
            return null;
        var psi = new ProcessStartInfo("/usr/bin/runc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using Process p = Runcs.Tests.Integration.RuncsBinary.Start(psi);
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (stdout, stderr.Result, p.ExitCode);
    }

    private static CliSettings? RuncSettings()
    {
        string? v = Runc("--version");
        if (v == null)
            return null;
        const string prefix = "runc version ";
        Assert.StartsWith(prefix, v);
        string root = Environment.UserName == "root" || Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is null or ""
            ? "/run/runc"
            : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") + "/runc";
        return new CliSettings { Version = v[prefix.Length..].TrimEnd('\n'), DefaultRoot = root, ProgramName = "/usr/bin/runc" };
    }

    public static TheoryData<string> HelpTopics() =>
        new(CommandTable.Commands.Select(c => c.Name).Append("help").Append(""));

    [Theory]
    [MemberData(nameof(HelpTopics))]
    public void HelpMatchesReferenceRunc(string verb)
    {
        CliSettings? s = RuncSettings();
        Assert.SkipWhen(s == null, "runc is not installed: no reference to compare with");
        string[] argv = verb == "" ? ["--help"] : [verb, "--help"];
        Assert.Equal(Runc(argv), CommandLine.TryParse(argv, s).CommandLine!.HelpText);
    }

    public static TheoryData<string[]> FailingCommandLines() => new()
    {
        new[] { "--foo" },
        new[] { "-h", "--help" },
        new[] { "--debug=maybe", "list" },
        new[] { "--root" },
        new[] { "create", "--foo", "x" },
        new[] { "create", "-b", "x", "--bundle", "y", "id" },
        new[] { "create", "--preserve-fds", "abc", "x" },
        new[] { "exec", "-g", "0x10", "x", "sh" },
        new[] { "events", "--interval", "abc", "x" },
        new[] { "update", "--kernel-memory" },
        new[] { "kill", "a/b", "--all", "-9" },
        new[] { "kill", "a", "b", "c" },
        new[] { "start" },
        new[] { "exec" },
        new[] { "ps" },
        new[] { "list", "x" },
        new[] { "spec", "x" },
        new[] { "features", "x" },
        new[] { "help", "-x" },
        new[] { "pause" },
        new[] { "update" },
        new[] { "restore" },
        new[] { "exec", "--ignore-paused=maybe", "a/b", "ls" },
        new[] { "--debug", "--debug=maybe", "--foo" },
        new[] { "create", "---x", "id" },
        new[] { "create", "-=x", "id" },
        new[] { "update", "--pids-limit", "abc", "x" },
        new[] { "update", "--blkio-weight=0x", "x" },
        new[] { "delete", "ID", "--foo" },
        new[] { "list", "-format", "json", "extra" },
        new[] { "run", "-d=x", "id" },
        new[] { "exec", "--cap", "A", "-c", "B", "x", "ls" },
        new[] { "spec", "--bundle" },
        new[] { "ps", "-f" },
        new[] { "events", "--interval=1e3s", "x" },
        new[] { "create", "--preserve-fds", "1__0", "x" },
        new[] { "create", "--preserve-fds=", "x" },
        new[] { "kill", "--all=yes", "x" },
        new[] { "exec", "-g", "99999999999999999999", "x" },
        new[] { "create", "-b", "x", "y", "z" },
        new[] { "--version=2" },
        new[] { "-v", "--version" },
        new[] { "--log" },
        new[] { "exec", "-c", "B", "--ignore-paused=x" },
        new[] { "exec", "-c", "B" },
        new[] { "exec", "-e", "A", "-c", "B", "--cap", "C", "x" },
    };

    [Theory]
    [InlineData("exec", "-c", "B", "-c=C", "--help")]
    [InlineData("exec", "--cap", "B", "--help", "x")]
    [InlineData("exec", "-e", "A", "-g", "1", "--help")]
    [InlineData("kill", "x", "--help")]
    [InlineData("--debug", "-h", "list")]
    [InlineData("help", "create", "extra")]
    [InlineData("h")]
    [InlineData("help", "help")]
    [InlineData]
    public void HelpWithArgumentsMatchesReferenceRunc(params string[] argv)
    {
        CliSettings? s = RuncSettings();
        Assert.SkipWhen(s == null, "runc is not installed: no reference to compare with");
        ParsedCommandLine c = CommandLine.Parse(argv, s);
        Assert.True(c.HelpShown);
        Assert.Equal(Runc(argv), c.HelpText);
    }

    [Theory]
    [MemberData(nameof(FailingCommandLines))]
    public void UsageOutputMatchesReferenceRunc(string[] argv)
    {
        CliSettings? s = RuncSettings();
        Assert.SkipWhen(s == null, "runc is not installed: no reference to compare with");
        ParseOutcome o = CommandLine.TryParse(argv, s);
        Assert.NotNull(o.Error);
        var (stdout, stderr, exit) = RuncFull(argv)!.Value;
        Assert.Equal(stdout, o.Stdout);
        Assert.Equal(exit, o.ExitCode);
        Assert.Equal(LogMessage(stderr), o.Error!.Message);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("help", "xyz")]
    [InlineData("--log-format=foo", "xyz")]
    [InlineData("--log-format", "yaml", "list")]
    public void ErrorsWithoutUsageMatchReferenceRunc(params string[] argv)
    {
        CliSettings? s = RuncSettings();
        Assert.SkipWhen(s == null, "runc is not installed: no reference to compare with");
        ParseOutcome o = CommandLine.TryParse(argv, s);
        var (stdout, stderr, exit) = RuncFull(argv)!.Value;
        Assert.Equal(stdout, o.Stdout);
        Assert.Equal(exit, o.ExitCode);
        // runc writes the unknown-verb message with a trailing newline through its error writer.
        Assert.Equal(LogMessage(stderr).TrimEnd('\n'), o.Error!.Message);
    }

    // The msg="..." of runc's logrus text line, unescaped.
    private static string LogMessage(string stderr)
    {
        int start = stderr.IndexOf("msg=\"", StringComparison.Ordinal);
        Assert.True(start >= 0, stderr);
        var sb = new System.Text.StringBuilder();
        for (int i = start + 5; i < stderr.Length && stderr[i] != '"'; i++)
        {
            if (stderr[i] == '\\')
            {
                i++;
                sb.Append(stderr[i] == 'n' ? '\n' : stderr[i]);
            }
            else
                sb.Append(stderr[i]);
        }
        return sb.ToString();
    }
}
