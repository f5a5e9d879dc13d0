using Runcs.Cli;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Cli;

public class CommandLineTests
{
    private static ParsedCommandLine P(params string[] argv) => CommandLine.Parse(argv);

    private static RuntimeError Err(params string[] argv)
    {
        ParseOutcome o = CommandLine.TryParse(argv);
        Assert.NotNull(o.Error);
        Assert.Null(o.CommandLine);
        return o.Error!;
    }

    // ---- global flags ----

    [Fact]
    public void Defaults()
    {
        ParsedCommandLine c = P("list");
        Assert.Equal("list", c.Verb);
        Assert.False(c.Global.Debug);
        Assert.Equal("", c.Global.Log);
        Assert.Equal("text", c.Global.LogFormat);
        Assert.Null(c.Global.Root);
        Assert.Equal("criu", c.Global.Criu);
        Assert.False(c.Global.SystemdCgroup);
        Assert.Equal("auto", c.Global.Rootless);
        Assert.False(c.Global.IsSet("root"));
        Assert.Empty(c.Positionals);
        Assert.Equal("table", c.GetString("format"));
        Assert.False(c.GetBool("quiet"));
        Assert.False(c.IsSet("format"));
    }

    [Theory]
    [InlineData("--root", "/x")]
    [InlineData("-root", "/x")]
    [InlineData("--root=/x")]
    [InlineData("-root=/x")]
    [InlineData("--root", "/x/./y/..")]
    [InlineData("--root", "//x/")]
    public void GlobalStringFlagForms(params string[] flag)
    {
        ParsedCommandLine c = P([.. flag, "list"]);
        Assert.Equal("/x", c.Global.Root);
        Assert.True(c.Global.IsSet("root"));
    }

    [Fact]
    public void RelativeRootIsMadeAbsolute()
    {
        string cwd = Directory.GetCurrentDirectory();
        Assert.Equal(CommandLine.CleanPath(cwd + "/rel/dir"), P("--root", "rel/dir", "list").Global.Root);
        Assert.Equal(CommandLine.CleanPath(cwd), P("--root=", "list").Global.Root);
    }

    [Fact]
    public void AllGlobalFlags()
    {
        ParsedCommandLine c = P("--debug", "--log", "/l.json", "--log-format", "json", "--root", "/r",
            "--criu", "/usr/sbin/criu", "--systemd-cgroup", "--rootless", "true", "state", "id1");
        Assert.True(c.Global.Debug);
        Assert.Equal("/l.json", c.Global.Log);
        Assert.Equal("json", c.Global.LogFormat);
        Assert.Equal("/r", c.Global.Root);
        Assert.Equal("/usr/sbin/criu", c.Global.Criu);
        Assert.True(c.Global.SystemdCgroup);
        Assert.Equal("true", c.Global.Rootless);
        Assert.True(c.Global.IsSet("systemd-cgroup"));
        Assert.True(c.Global.IsSet("criu"));
        Assert.Equal("state", c.Verb);
        Assert.Equal(["id1"], c.Positionals);
    }

    [Theory]
    [InlineData("--debug=true", true)]
    [InlineData("--debug=false", false)]
    [InlineData("-debug=1", true)]
    [InlineData("-debug=0", false)]
    [InlineData("--debug=t", true)]
    [InlineData("--debug=F", false)]
    [InlineData("--debug=TRUE", true)]
    [InlineData("--debug=False", false)]
    [InlineData("-debug", true)]
    public void BoolValues(string flag, bool expected)
    {
        ParsedCommandLine c = P(flag, "list");
        Assert.Equal(expected, c.Global.Debug);
        Assert.True(c.Global.IsSet("debug"));
    }

    [Fact]
    public void BoolDoesNotTakeSeparateValue()
    {
        // "false" is the verb here, not the flag's value.
        Assert.IsType<UnknownCommandError>(Err("--debug", "false", "list"));
    }

    [Fact]
    public void LastValueWins() => Assert.Equal("/b", P("--root", "/a", "--root", "/b", "list").Global.Root);

    [Fact]
    public void EmptyLogFormatIsAccepted() => Assert.Equal("", P("--log-format=", "list").Global.LogFormat);

    [Fact]
    public void InvalidLogFormat()
    {
        ParseOutcome o = CommandLine.TryParse(["--log-format", "yaml", "list"]);
        Assert.Equal("invalid log-format: yaml", o.Error!.Message);
        Assert.IsNotType<UsageError>(o.Error);
        Assert.Equal(1, o.ExitCode);
        Assert.Equal("", o.Stdout);
        Assert.NotNull(o.Global);
        // checked before the verb is looked up, after help
        Assert.Equal("invalid log-format: yaml", Err("--log-format=yaml", "nosuchverb").Message);
        Assert.True(P("--log-format=yaml", "--help").HelpShown);
    }

    [Fact]
    public void GlobalFlagAfterVerbIsAVerbFlag()
    {
        RuntimeError e = Err("list", "--root", "/x");
        Assert.IsType<UsageError>(e);
        Assert.Equal("flag provided but not defined: -root", e.Message);
    }

    [Fact]
    public void DoubleDashEndsGlobalFlags() => Assert.Equal("list", P("--", "list").Verb);

    // ---- global errors ----

    [Fact]
    public void UnknownGlobalFlag()
    {
        ParseOutcome o = CommandLine.TryParse(["--foo", "list"]);
        Assert.IsType<UsageError>(o.Error);
        Assert.Equal("flag provided but not defined: -foo", o.Error!.Message);
        Assert.Equal(1, o.ExitCode);
        Assert.StartsWith("Incorrect Usage. flag provided but not defined: -foo\n\nNAME:\n   runc - Open Container Initiative runtime", o.Stdout);
        Assert.Null(o.Global);
        Assert.Equal("flag provided but not defined: -foo", Err("-foo").Message);
    }

    [Theory]
    [InlineData("flag needs an argument: -root", "--root")]
    [InlineData("invalid boolean value \"maybe\" for -debug: parse error", "--debug=maybe", "list")]
    [InlineData("bad flag syntax: ---root", "---root", "x")]
    [InlineData("bad flag syntax: -=x", "-=x")]
    [InlineData("Cannot use two forms of the same flag: h help", "-h", "--help")]
    [InlineData("Cannot use two forms of the same flag: v version", "--version", "-v")]
    public void GlobalParseErrors(string message, params string[] argv)
    {
        RuntimeError e = Err(argv);
        Assert.IsType<UsageError>(e);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TwoFormsErrorIsPrintedWithoutIncorrectUsage()
    {
        ParseOutcome o = CommandLine.TryParse(["-h", "--help"]);
        Assert.StartsWith("Cannot use two forms of the same flag: h help\nNAME:\n", o.Stdout);
    }

    [Fact]
    public void UnknownVerb()
    {
        ParseOutcome o = CommandLine.TryParse(["--log", "/tmp/x.log", "xyz", "a"]);
        var e = Assert.IsType<UnknownCommandError>(o.Error);
        Assert.Equal("No help topic for 'xyz'", e.Message);
        Assert.Equal("xyz", e.Verb);
        Assert.Equal(3, o.ExitCode);
        Assert.Equal("", o.Stdout);
        Assert.Equal("/tmp/x.log", o.Global!.Log);
        Assert.Throws<UnknownCommandError>(() => CommandLine.Parse(["xyz"]));
    }

    // ---- help and version ----

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-help")]
    [InlineData("--h")]
    [InlineData("help")]
    [InlineData("h")]
    [InlineData("--debug")]
    [InlineData("--help", "list")]
    [InlineData("--version", "-h")]
    [InlineData("--")]
    public void GlobalHelp(params string[] argv)
    {
        ParsedCommandLine c = P(argv);
        Assert.True(c.HelpShown);
        Assert.Null(c.Verb);
        Assert.Equal(CommandLine.Help(null), c.HelpText);
        Assert.StartsWith("NAME:\n   runc - Open Container Initiative runtime\n", c.HelpText);
    }

    [Fact]
    public void HelpFalseRunsTheVerb()
    {
        ParsedCommandLine c = P("--help=false", "list");
        Assert.False(c.HelpShown);
        Assert.Equal("list", c.Verb);
        Assert.False(P("--version=false", "list").VersionRequested);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-v")]
    [InlineData("-version")]
    [InlineData("--v", "list")]
    public void Version(params string[] argv)
    {
        ParsedCommandLine c = CommandLine.Parse(argv, new CliSettings { Version = "1.2.3\ncommit: abc" });
        Assert.True(c.VersionRequested);
        Assert.False(c.HelpShown);
        Assert.Equal("runc version 1.2.3\ncommit: abc\n", c.VersionText);
    }

    public static TheoryData<string> Verbs() => new(CommandTable.Commands.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Verbs))]
    public void VerbHelp(string verb)
    {
        string expected = CommandLine.Help(verb);
        Assert.StartsWith($"NAME:\n   runc {verb} - ", expected);
        foreach (string[] argv in new[]
                 {
                     new[] { verb, "--help" }, [verb, "-h"], [verb, "-help"], [verb, "--help=true"],
                     ["help", verb], ["h", verb], ["help", verb, "extra"], ["--debug", verb, "-h"],
                 })
        {
            ParsedCommandLine c = P(argv);
            Assert.True(c.HelpShown, string.Join(' ', argv));
            Assert.Equal(expected, c.HelpText);
        }
    }

    [Theory]
    [InlineData("state", "ID", "--help")] // flags after the id are reordered
    [InlineData("delete", "ID", "-h")]
    [InlineData("kill", "ID", "--help")]
    [InlineData("kill", "--help", "a", "b", "c")] // help wins over the argument count
    [InlineData("start", "--help")]
    public void HelpAfterPositional(params string[] argv) => Assert.True(P(argv).HelpShown);

    [Fact]
    public void HelpFlagIsAnArgumentForExecAndPs()
    {
        ParsedCommandLine c = P("exec", "ID", "--help");
        Assert.False(c.HelpShown);
        Assert.Equal(["ID", "--help"], c.Positionals);
        c = P("ps", "ID", "--help");
        Assert.False(c.HelpShown);
        Assert.Equal(["ID", "--help"], c.Positionals);
    }

    [Fact]
    public void HelpOfHelp()
    {
        const string text = "NAME:\n    - Shows a list of commands or help for one command\n\nUSAGE:\n    [command]\n";
        Assert.Equal(text, P("help", "--help").HelpText);
        Assert.Equal(text, P("h", "-h").HelpText);
        Assert.Equal(text, P("help", "help").HelpText);
        ParseOutcome o = CommandLine.TryParse(["help", "-x"]);
        Assert.Equal("flag provided but not defined: -x", o.Error!.Message);
        Assert.Equal("Incorrect Usage: flag provided but not defined: -x\n\n" + text, o.Stdout);
    }

    [Fact]
    public void HelpOfUnknownVerb()
    {
        var e = Assert.IsType<UnknownCommandError>(Err("help", "xyz"));
        Assert.Equal("No help topic for 'xyz'", e.Message);
        Assert.Equal(3, e.ExitCode);
        Assert.Throws<UnknownCommandError>(() => CommandLine.Help("xyz"));
    }

    // ---- verb flags ----

    [Theory]
    [InlineData("--bundle", "/b")]
    [InlineData("--bundle=/b")]
    [InlineData("-bundle", "/b")]
    [InlineData("-bundle=/b")]
    [InlineData("-b", "/b")]
    [InlineData("-b=/b")]
    [InlineData("--b", "/b")]
    public void VerbStringFlagForms(params string[] flag)
    {
        ParsedCommandLine c = P(["create", .. flag, "ctr"]);
        Assert.Equal("/b", c.GetString("bundle"));
        Assert.Equal("/b", c.GetString("b"));
        Assert.True(c.IsSet("bundle"));
        Assert.True(c.IsSet("b"));
        Assert.Equal(["ctr"], c.Positionals);
    }

    [Fact]
    public void CreateFlags()
    {
        ParsedCommandLine c = P("create", "-b", "/bundle", "--console-socket", "/s.sock", "--pid-file=/p",
            "--no-pivot", "--no-new-keyring", "--preserve-fds", "3", "ctr");
        Assert.Equal("create", c.Verb);
        Assert.Equal("/bundle", c.GetString("bundle"));
        Assert.Equal("/s.sock", c.GetString("console-socket"));
        Assert.Equal("/p", c.GetString("pid-file"));
        Assert.True(c.GetBool("no-pivot"));
        Assert.True(c.GetBool("no-new-keyring"));
        Assert.Equal(3, c.GetInt("preserve-fds"));
        Assert.Equal(3u, c.GetUInt("preserve-fds"));
        Assert.False(c.GetBool("detach")); // not a create flag: reads as unset, as in runc
        Assert.False(c.HasFlag("detach"));
        Assert.Equal("ctr", c.FirstArg);
    }

    [Fact]
    public void RunFlags()
    {
        ParsedCommandLine c = P("run", "-d", "--keep", "-no-subreaper", "--bundle", "b", "ctr");
        Assert.True(c.GetBool("detach"));
        Assert.True(c.GetBool("d"));
        Assert.True(c.GetBool("keep"));
        Assert.True(c.GetBool("no-subreaper"));
        Assert.Equal(0, c.GetInt("preserve-fds"));
        Assert.False(c.IsSet("preserve-fds"));
    }

    [Fact]
    public void BoolFalseValue()
    {
        ParsedCommandLine c = P("run", "--detach=false", "--keep=0", "ctr");
        Assert.False(c.GetBool("detach"));
        Assert.True(c.IsSet("detach"));
        Assert.False(c.GetBool("keep"));
    }

    [Fact]
    public void ExecFlagsAndRepeats()
    {
        ParsedCommandLine c = P("exec", "-e", "A=1", "-e", "B=2", "-e=C=3", "-t", "-u", "1000:1000", "-g", "10", "-g=20",
            "--cwd", "/tmp", "-c", "CAP_SYS_ADMIN", "-c", "CAP_NET_ADMIN", "--cgroup", "cpu:a", "--cgroup", "b",
            "--process-label", "lbl", "--apparmor", "prof", "--no-new-privs", "--ignore-paused", "--preserve-fds=2",
            "--pid-file", "/p", "--console-socket", "/s", "-d", "ctr", "sh", "-c", "echo hi");
        Assert.Equal("exec", c.Verb);
        Assert.Equal(["A=1", "B=2", "C=3"], c.GetStrings("env"));
        Assert.Equal(["A=1", "B=2", "C=3"], c.GetStrings("e"));
        Assert.True(c.GetBool("tty"));
        Assert.Equal("1000:1000", c.GetString("user"));
        Assert.Equal([10L, 20L], c.GetInt64s("additional-gids"));
        Assert.Equal("/tmp", c.GetString("cwd"));
        Assert.Equal(["CAP_SYS_ADMIN", "CAP_NET_ADMIN"], c.GetStrings("cap"));
        Assert.Equal(["cpu:a", "b"], c.GetStrings("cgroup"));
        Assert.Equal("lbl", c.GetString("process-label"));
        Assert.Equal("prof", c.GetString("apparmor"));
        Assert.True(c.GetBool("no-new-privs"));
        Assert.True(c.GetBool("ignore-paused"));
        Assert.Equal(2, c.GetInt("preserve-fds"));
        Assert.True(c.GetBool("detach"));
        Assert.Equal(["ctr", "sh", "-c", "echo hi"], c.Positionals);
        Assert.Empty(P("exec", "ctr", "ls").GetStrings("env"));
        Assert.Equal(["X=1", "Y=2"], P("exec", "--env", "X=1", "-env=Y=2", "ctr", "ls").GetStrings("e"));
    }

    [Theory]
    [InlineData(new[] { "exec", "ID", "sh", "-c", "x" }, new[] { "ID", "sh", "-c", "x" })]
    [InlineData(new[] { "exec", "ID", "ls", "-la" }, new[] { "ID", "ls", "-la" })]
    [InlineData(new[] { "exec", "ID", "-t", "sh" }, new[] { "ID", "-t", "sh" })]
    [InlineData(new[] { "exec", "-t", "ID", "--", "ls" }, new[] { "ID", "--", "ls" })]
    [InlineData(new[] { "exec", "--", "ID", "ls" }, new[] { "ID", "ls" })]
    [InlineData(new[] { "exec", "-p", "p.json", "ID" }, new[] { "ID" })]
    [InlineData(new[] { "ps", "ID", "-ef" }, new[] { "ID", "-ef" })]
    [InlineData(new[] { "ps", "ID", "--format", "json" }, new[] { "ID", "--format", "json" })]
    [InlineData(new[] { "ps", "-f", "json", "ID", "aux" }, new[] { "ID", "aux" })]
    [InlineData(new[] { "kill", "ID", "KILL" }, new[] { "ID", "KILL" })]
    [InlineData(new[] { "kill", "ID", "-9" }, new[] { "ID", "-9" })]
    [InlineData(new[] { "kill", "--all", "ID", "9" }, new[] { "ID", "9" })]
    [InlineData(new[] { "kill", "-a", "ID" }, new[] { "ID" })]
    [InlineData(new[] { "kill", "ID", "9", "--all" }, new[] { "ID", "9" })]
    // urfave's reordering takes the argument after a bool flag along with it:
    [InlineData(new[] { "kill", "ID", "--all", "9" }, new[] { "9", "ID" })]
    [InlineData(new[] { "delete", "ID", "--force" }, new[] { "ID" })]
    [InlineData(new[] { "delete", "ID", "--" }, new[] { "ID" })]
    [InlineData(new[] { "delete", "--", "-x" }, new[] { "-x" })]
    [InlineData(new[] { "delete", "--force", "--", "ID" }, new[] { "ID" })]
    [InlineData(new[] { "events", "ID", "--interval", "1s" }, new[] { "ID" })]
    [InlineData(new[] { "spec", "-" }, null)]
    public void Positionals(string[] argv, string[]? expected)
    {
        ParseOutcome o = CommandLine.TryParse(argv);
        if (expected == null)
        {
            Assert.NotNull(o.Error);
            return;
        }
        Assert.Null(o.Error);
        Assert.Equal(expected, o.CommandLine!.Positionals);
    }

    [Fact]
    public void KillFlags()
    {
        Assert.True(P("kill", "--all", "ID", "9").GetBool("all"));
        Assert.True(P("kill", "ID", "9", "-a").GetBool("a"));
        Assert.False(P("kill", "ID").GetBool("all"));
    }

    [Fact]
    public void ExecFlagsAfterIdAreArguments()
    {
        ParsedCommandLine c = P("exec", "ID", "-t", "sh");
        Assert.False(c.GetBool("tty"));
    }

    [Fact]
    public void PsFormat()
    {
        Assert.Equal("json", P("ps", "-f", "json", "ID").GetString("format"));
        Assert.Equal("table", P("ps", "ID", "-f", "json").GetString("format"));
    }

    [Fact]
    public void DeleteForceAfterId()
    {
        ParsedCommandLine c = P("delete", "ID", "-f");
        Assert.True(c.GetBool("force"));
        Assert.Equal(["ID"], c.Positionals);
    }

    [Fact]
    public void ListFlags()
    {
        ParsedCommandLine c = P("list", "--format=json", "-q");
        Assert.Equal("json", c.GetString("format"));
        Assert.True(c.GetBool("quiet"));
        c = P("list", "-format", "json", "--quiet=false");
        Assert.Equal("json", c.GetString("f"));
        Assert.False(c.GetBool("q"));
    }

    [Fact]
    public void EventsFlags()
    {
        ParsedCommandLine c = P("events", "--interval", "1m30s", "--stats", "ID");
        Assert.Equal(TimeSpan.FromSeconds(90), c.GetDuration("interval"));
        Assert.True(c.GetBool("stats"));
        c = P("events", "ID");
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetDuration("interval"));
        Assert.Equal("5s", c.GetString("interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(-1500), P("events", "--interval=-1.5s", "ID").GetDuration("interval"));
    }

    [Fact]
    public void UpdateFlags()
    {
        ParsedCommandLine c = P("update", "-r", "-", "--blkio-weight", "500", "--cpu-period", "100000", "--cpu-quota", "-1",
            "--cpu-share", "512", "--cpu-rt-period", "1", "--cpu-rt-runtime", "2", "--cpuset-cpus", "0-3", "--cpuset-mems", "0",
            "--kernel-memory", "1M", "--kernel-memory-tcp", "2M", "--memory", "1G", "--memory-reservation", "512M",
            "--memory-swap", "-1", "--pids-limit", "100", "--l3-cache-schema", "L3:0=ff", "--mem-bw-schema", "MB:0=70", "ctr");
        Assert.Equal("-", c.GetString("resources"));
        Assert.Equal(500, c.GetInt("blkio-weight"));
        Assert.Equal("100000", c.GetString("cpu-period"));
        Assert.Equal(100000UL, c.GetULong("cpu-period"));
        Assert.Equal("-1", c.GetString("cpu-quota"));
        Assert.Equal(-1L, c.GetLong("cpu-quota"));
        Assert.Equal("512", c.GetString("cpu-share"));
        Assert.Equal("1", c.GetString("cpu-rt-period"));
        Assert.Equal("2", c.GetString("cpu-rt-runtime"));
        Assert.Equal("0-3", c.GetString("cpuset-cpus"));
        Assert.Equal("0", c.GetString("cpuset-mems"));
        Assert.Equal("1M", c.GetString("kernel-memory"));
        Assert.Equal("2M", c.GetString("kernel-memory-tcp"));
        Assert.Equal("1G", c.GetString("memory"));
        Assert.Equal("512M", c.GetString("memory-reservation"));
        Assert.Equal("-1", c.GetString("memory-swap"));
        Assert.Equal(100L, c.GetLong("pids-limit"));
        Assert.Equal("L3:0=ff", c.GetString("l3-cache-schema"));
        Assert.Equal("MB:0=70", c.GetString("mem-bw-schema"));
        Assert.True(c.IsSet("memory"));
        Assert.False(P("update", "ctr").IsSet("memory"));
        Assert.Equal(-1, P("update", "--pids-limit=-1", "ctr").GetInt("pids-limit"));
    }

    [Fact]
    public void SpecFlags()
    {
        ParsedCommandLine c = P("spec", "--rootless", "-b", "/bundle");
        Assert.True(c.GetBool("rootless"));
        Assert.Equal("/bundle", c.GetString("bundle"));
        Assert.Empty(c.Positionals);
    }

    [Theory]
    [InlineData("0x10", 16)]
    [InlineData("010", 8)]
    [InlineData("0o17", 15)]
    [InlineData("0b101", 5)]
    [InlineData("1_000", 1000)]
    [InlineData("-1", -1)]
    [InlineData("+7", 7)]
    public void IntFlagSyntax(string value, long expected) =>
        Assert.Equal(expected, P("create", "--preserve-fds", value, "c").GetLong("preserve-fds"));

    [Fact]
    public void NumericGetterErrors()
    {
        ParsedCommandLine c = P("update", "--memory", "1G", "--cpu-quota", "-5", "--pids-limit", "5000000000", "ctr");
        Assert.Equal("invalid value \"1G\" for flag -memory: parse error",
            Assert.Throws<UsageError>(() => c.GetLong("memory")).Message);
        Assert.Equal("invalid value \"-5\" for flag -cpu-quota: parse error",
            Assert.Throws<UsageError>(() => c.GetULong("cpu-quota")).Message);
        Assert.Equal("invalid value \"5000000000\" for flag -pids-limit: value out of range",
            Assert.Throws<UsageError>(() => c.GetInt("pids-limit")).Message);
        Assert.Equal(5000000000L, c.GetLong("pids-limit"));
    }

    // ---- verb errors ----

    [Theory]
    [InlineData("invalid value \"abc\" for flag -preserve-fds: parse error", "create", "--preserve-fds", "abc", "x")]
    [InlineData("invalid value \"99999999999999999999\" for flag -preserve-fds: value out of range", "create", "--preserve-fds", "99999999999999999999", "x")]
    [InlineData("invalid value \"abc\" for flag -interval: parse error", "events", "--interval", "abc", "x")]
    [InlineData("invalid value \"5\" for flag -interval: parse error", "events", "--interval=5", "x")]
    [InlineData("invalid value \"a/b\" for flag -interval: parse error", "events", "a/b", "--interval")]
    [InlineData("invalid value \"abc\" for flag -g: strconv.ParseInt: parsing \"abc\": invalid syntax", "exec", "-g", "abc", "x", "sh")]
    [InlineData("invalid value \"0x10\" for flag -g: strconv.ParseInt: parsing \"0x10\": invalid syntax", "exec", "-g", "0x10", "x", "sh")]
    [InlineData("invalid value \"99999999999999999999\" for flag -additional-gids: strconv.ParseInt: parsing \"99999999999999999999\": value out of range", "exec", "--additional-gids", "99999999999999999999", "x")]
    [InlineData("invalid value \"abc\" for flag -pids-limit: parse error", "update", "--pids-limit", "abc", "x")]
    [InlineData("invalid value \"abc\" for flag -blkio-weight: parse error", "update", "--blkio-weight", "abc", "x")]
    [InlineData("invalid boolean value \"maybe\" for -ignore-paused: parse error", "exec", "--ignore-paused=maybe", "x", "ls")]
    [InlineData("flag provided but not defined: -foo", "create", "--foo", "x")]
    [InlineData("flag provided but not defined: -9", "kill", "ID", "--all", "-9")]
    [InlineData("flag provided but not defined: -d", "create", "-d", "x")]
    [InlineData("flag needs an argument: -b", "create", "-b")]
    [InlineData("flag needs an argument: -kernel-memory", "update", "--kernel-memory")]
    [InlineData("Cannot use two forms of the same flag: b bundle", "create", "-b", "x", "--bundle", "y", "id")]
    [InlineData("Cannot use two forms of the same flag: b bundle", "create", "--bundle", "x", "-b", "y", "id")]
    [InlineData("Cannot use two forms of the same flag: e env", "exec", "--env", "A=1", "-e", "B=2", "id", "ls")]
    [InlineData("bad flag syntax: ---x", "create", "---x", "id")]
    [InlineData("bad flag syntax: -=x", "create", "-=x", "id")]
    public void VerbFlagErrors(string message, params string[] argv)
    {
        ParseOutcome o = CommandLine.TryParse(argv);
        Assert.IsType<UsageError>(o.Error);
        Assert.Equal(message, o.Error!.Message);
        Assert.Equal(1, o.ExitCode);
        string verb = argv[0];
        Assert.Equal("Incorrect Usage: " + message + "\n\n" + CommandLine.Help(verb), o.Stdout);
        Assert.NotNull(o.Global);
    }

    [Theory]
    [InlineData("runc: \"start\" requires exactly 1 argument(s)", "start")]
    [InlineData("runc: \"start\" requires exactly 1 argument(s)", "start", "a", "b")]
    [InlineData("runc: \"create\" requires exactly 1 argument(s)", "create")]
    [InlineData("runc: \"create\" requires exactly 1 argument(s)", "create", "-b=x", "id", "--", "y")]
    [InlineData("runc: \"create\" requires exactly 1 argument(s)", "create", "--", "-b", "x")]
    [InlineData("runc: \"run\" requires exactly 1 argument(s)", "run")]
    [InlineData("runc: \"exec\" requires a minimum of 1 argument(s)", "exec")]
    [InlineData("runc: \"exec\" requires a minimum of 1 argument(s)", "exec", "-t")]
    [InlineData("runc: \"kill\" requires a minimum of 1 argument(s)", "kill")]
    [InlineData("runc: \"kill\" requires a maximum of 2 argument(s)", "kill", "a", "b", "c")]
    [InlineData("runc: \"delete\" requires exactly 1 argument(s)", "delete")]
    [InlineData("runc: \"delete\" requires exactly 1 argument(s)", "delete", "ID", "--foo")]
    [InlineData("runc: \"state\" requires exactly 1 argument(s)", "state")]
    [InlineData("runc: \"list\" requires exactly 0 argument(s)", "list", "extra")]
    [InlineData("runc: \"list\" requires exactly 0 argument(s)", "list", "-format", "json", "extra")]
    [InlineData("runc: \"ps\" requires a minimum of 1 argument(s)", "ps")]
    [InlineData("runc: \"pause\" requires exactly 1 argument(s)", "pause")]
    [InlineData("runc: \"resume\" requires exactly 1 argument(s)", "resume")]
    [InlineData("runc: \"update\" requires exactly 1 argument(s)", "update")]
    [InlineData("runc: \"update\" requires exactly 1 argument(s)", "update", "a/b", "-r")]
    [InlineData("runc: \"events\" requires exactly 1 argument(s)", "events")]
    [InlineData("runc: \"spec\" requires exactly 0 argument(s)", "spec", "x")]
    [InlineData("runc: \"spec\" requires exactly 0 argument(s)", "spec", "--rootless", "x")]
    [InlineData("runc: \"features\" requires exactly 0 argument(s)", "features", "x")]
    [InlineData("runc: \"checkpoint\" requires exactly 1 argument(s)", "checkpoint")]
    [InlineData("runc: \"restore\" requires exactly 1 argument(s)", "restore")]
    public void ArgCountErrors(string message, params string[] argv)
    {
        ParseOutcome o = CommandLine.TryParse(argv);
        Assert.IsType<UsageError>(o.Error);
        Assert.Equal(message, o.Error!.Message);
        Assert.Equal("Incorrect Usage.\n\n" + CommandLine.Help(argv[0]), o.Stdout);
        Assert.Throws<UsageError>(() => CommandLine.Parse(argv));
    }

    [Fact]
    public void ProgramNameInArgCountError()
    {
        var s = new CliSettings { ProgramName = "/usr/bin/runcs" };
        ParseOutcome o = CommandLine.TryParse(["start"], s);
        Assert.Equal("/usr/bin/runcs: \"start\" requires exactly 1 argument(s)", o.Error!.Message);
    }

    [Fact]
    public void ArgumentCountsAccepted()
    {
        Assert.Equal(["ID"], P("kill", "ID").Positionals);
        Assert.Equal(["ID", "a", "b", "c"], P("ps", "ID", "a", "b", "c").Positionals);
        Assert.Empty(P("features").Positionals);
        Assert.Empty(P("spec").Positionals);
        Assert.Equal(["x"], P("checkpoint", "--image-path", "/i", "--status-fd", "5", "x").Positionals);
        Assert.Equal(["-"], P("start", "-").Positionals);
    }

    [Fact]
    public void CheckpointRestoreFlags()
    {
        ParsedCommandLine c = P("checkpoint", "--leave-running", "--empty-ns", "network", "--empty-ns", "ipc", "x");
        Assert.True(c.GetBool("leave-running"));
        Assert.Equal(["network", "ipc"], c.GetStrings("empty-ns"));
        Assert.Equal(-1, c.GetInt("status-fd"));
        c = P("restore", "-b", "/b", "-d", "--lsm-profile", "apparmor:x", "x");
        Assert.Equal("/b", c.GetString("bundle"));
        Assert.True(c.GetBool("detach"));
        Assert.Equal("apparmor:x", c.GetString("lsm-profile"));
    }

    [Fact]
    public void ValueMayStartWithDash()
    {
        ParsedCommandLine c = P("create", "--pid-file", "-weird", "id");
        Assert.Equal("-weird", c.GetString("pid-file"));
        Assert.Equal("--", P("create", "-b", "--", "x").GetString("bundle"));
    }

    [Fact]
    public void UsageLines()
    {
        Assert.Equal("runc [global options] command [command options] [arguments...]", CommandLine.Usage(null));
        Assert.Equal("runc ps [command options] <container-id> [ps options]", CommandLine.Usage("ps"));
        Assert.Equal("runc update [command options] <container-id>", CommandLine.Usage("update"));
        Assert.StartsWith("runc start <container-id>\n", CommandLine.Usage("start"));
        Assert.Equal("runc features [arguments...]", CommandLine.Usage("features"));
        Assert.Equal("runcs spec [command options] [arguments...]", CommandLine.Usage("spec", new CliSettings { AppName = "runcs" }));
    }

    [Fact]
    public void EveryVerbIsFound()
    {
        string[] verbs = ["checkpoint", "create", "delete", "events", "exec", "kill", "list", "pause", "ps", "restore",
            "resume", "run", "spec", "start", "state", "update", "features"];
        Assert.Equal(verbs, CommandTable.Commands.Select(c => c.Name));
        foreach (string v in verbs)
            Assert.Same(CommandTable.Find(v), CommandLine.TryParse([v, "--help"]).CommandLine!.Command);
    }
}
