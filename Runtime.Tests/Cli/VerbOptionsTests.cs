using Runcs.Cli;
using Runcs.Commands;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Cli;

/// <summary>Each verb's typed options, bound from a parsed command line (no root, no container).</summary>
public class VerbOptionsTests
{
    private static ParsedCommandLine P(params string[] argv) => CommandLine.Parse(argv);

    [Theory]
    [InlineData("create")]
    [InlineData("delete")]
    [InlineData("events")]
    [InlineData("exec")]
    [InlineData("kill")]
    [InlineData("list")]
    [InlineData("ps")]
    [InlineData("run")]
    [InlineData("spec")]
    [InlineData("update")]
    public void TheVerbParsesTheFlagsItsOptionsDeclare(string verb)
    {
        object flags = verb switch
        {
            "create" => CreateCommand.Options.Flags,
            "delete" => DeleteCommand.Options.Flags,
            "events" => EventsCommand.Options.Flags,
            "exec" => ExecCommand.Options.Flags,
            "kill" => KillCommand.Options.Flags,
            "list" => ListCommand.Options.Flags,
            "ps" => PsCommand.Options.Flags,
            "run" => RunCommand.Options.Flags,
            "spec" => SpecCommand.Options.Flags,
            _ => UpdateCommand.Options.Flags,
        };
        Assert.Same(flags, CommandTable.Find(verb)!.Flags);
    }

    [Fact]
    public void VerbsWithoutFlagsOrRefusedOnesHaveNoOptions()
    {
        foreach (string verb in new[] { "pause", "resume", "start", "state", "features" })
            Assert.Empty(CommandTable.Find(verb)!.Flags);
        // checkpoint and restore are parsed (same usage errors as runc) and refused before any flag is read.
        Assert.NotEmpty(CommandTable.Find("restore")!.Flags);
    }

    [Fact]
    public void CreateDefaults()
    {
        var o = CreateCommand.Options.Parse(P("create", "ctr"));
        Assert.Equal("", o.Bundle);
        Assert.Equal("", o.ConsoleSocket);
        Assert.Equal("", o.PidFile);
        Assert.False(o.NoPivot);
        Assert.False(o.NoNewKeyring);
        Assert.Equal("0", o.PreserveFds.Text);
        Assert.Equal(0L, o.PreserveFds.Value);
    }

    [Fact]
    public void CreateFlags()
    {
        var o = CreateCommand.Options.Parse(P("create", "-b", "/bundle", "--console-socket", "/s.sock", "--pid-file=/p",
            "--no-pivot", "--no-new-keyring", "--preserve-fds", "0x3", "ctr"));
        Assert.Equal("/bundle", o.Bundle);
        Assert.Equal("/s.sock", o.ConsoleSocket);
        Assert.Equal("/p", o.PidFile);
        Assert.True(o.NoPivot);
        Assert.True(o.NoNewKeyring);
        Assert.Equal(3u, o.PreserveFds.ToUInt32());
    }

    [Theory]
    [InlineData("-1", "invalid value \"-1\" for flag -preserve-fds: parse error")]
    [InlineData("+7", "invalid value \"+7\" for flag -preserve-fds: parse error")]
    [InlineData("0x100000000", "invalid value \"0x100000000\" for flag -preserve-fds: value out of range")]
    public void PreserveFdsNarrowedWhereUsedInGoFlagWords(string value, string message)
    {
        var o = CreateCommand.Options.Parse(P("create", "--preserve-fds", value, "ctr"));
        Assert.Equal(message, Assert.Throws<UsageError>(() => o.PreserveFds.ToUInt32()).Message);
        // the by-name getter says the same
        Assert.Equal(message, Assert.Throws<UsageError>(() => P("create", "--preserve-fds", value, "ctr").GetUInt("preserve-fds")).Message);
    }

    [Fact]
    public void RunExtendsCreate()
    {
        var o = RunCommand.Options.Parse(P("run", "-d", "--keep", "-no-subreaper", "--bundle", "b", "--pid-file", "p", "ctr"));
        Assert.True(o.Detach);
        Assert.True(o.Keep);
        Assert.True(o.NoSubreaper);
        Assert.Equal("b", o.Bundle);
        Assert.Equal("p", o.PidFile);
        Assert.Equal(0L, o.PreserveFds.Value);
        CreateCommand.Options asCreate = o;
        Assert.Equal("b", asCreate.Bundle);

        o = RunCommand.Options.Parse(P("run", "--detach=false", "--keep=0", "ctr"));
        Assert.False(o.Detach);
        Assert.False(o.Keep);
        Assert.False(o.NoSubreaper);
    }

    [Fact]
    public void ExecFlags()
    {
        var o = ExecCommand.Options.Parse(P("exec", "-e", "A=1", "-e", "B=2", "-e=C=3", "-t", "-u", "1000:1000", "-g", "10",
            "-g=20", "--cwd", "/tmp", "-c", "CAP_SYS_ADMIN", "-c", "CAP_NET_ADMIN", "--cgroup", "cpu:a", "--cgroup", "b",
            "--process-label", "lbl", "--apparmor", "prof", "--no-new-privs", "--ignore-paused", "--preserve-fds=2",
            "--pid-file", "/p", "--console-socket", "/s", "-d", "-p", "proc.json", "ctr", "sh", "-c", "echo hi"));
        Assert.Equal(["A=1", "B=2", "C=3"], o.Env);
        Assert.True(o.Tty);
        Assert.Equal("1000:1000", o.User);
        Assert.Equal([10L, 20L], o.AdditionalGids);
        Assert.Equal("/tmp", o.Cwd);
        Assert.Equal(["CAP_SYS_ADMIN", "CAP_NET_ADMIN"], o.Cap);
        Assert.Equal(["cpu:a", "b"], o.Cgroup);
        Assert.Equal("lbl", o.ProcessLabel);
        Assert.Equal("prof", o.Apparmor);
        Assert.True(o.NoNewPrivs);
        Assert.True(o.IgnorePaused);
        Assert.Equal(2u, o.PreserveFds.ToUInt32());
        Assert.Equal("/p", o.PidFile);
        Assert.Equal("/s", o.ConsoleSocket);
        Assert.True(o.Detach);
        Assert.Equal("proc.json", o.Process);
    }

    [Fact]
    public void ExecFlagsNotGivenAreTellable()
    {
        var o = ExecCommand.Options.Parse(P("exec", "ctr", "ls", "-t"));
        Assert.Null(o.NoNewPrivs); // the config's value stands
        Assert.Null(o.AdditionalGids); // the config's gids stand
        Assert.Empty(o.Env);
        Assert.Empty(o.Cap);
        Assert.Empty(o.Cgroup);
        Assert.False(o.Tty); // after the id: the command's argument
        Assert.Equal("", o.User);
        Assert.Equal("", o.Process);

        o = ExecCommand.Options.Parse(P("exec", "--no-new-privs=false", "-g", "0", "ctr", "ls"));
        Assert.False(o.NoNewPrivs);
        Assert.Equal([0L], o.AdditionalGids);
    }

    [Fact]
    public void DeleteKillSpec()
    {
        Assert.True(DeleteCommand.Options.Parse(P("delete", "ID", "-f")).Force);
        Assert.False(DeleteCommand.Options.Parse(P("delete", "ID")).Force);
        Assert.True(KillCommand.Options.Parse(P("kill", "ID", "9", "-a")).All);
        Assert.False(KillCommand.Options.Parse(P("kill", "ID")).All);
        var spec = SpecCommand.Options.Parse(P("spec", "--rootless", "-b", "/bundle"));
        Assert.True(spec.Rootless);
        Assert.Equal("/bundle", spec.Bundle);
        spec = SpecCommand.Options.Parse(P("spec"));
        Assert.False(spec.Rootless);
        Assert.Equal("", spec.Bundle);
    }

    [Fact]
    public void ListAndPsFormat()
    {
        var l = ListCommand.Options.Parse(P("list"));
        Assert.Equal("table", l.Format);
        Assert.False(l.Quiet);
        l = ListCommand.Options.Parse(P("list", "-format", "json", "--quiet"));
        Assert.Equal("json", l.Format);
        Assert.True(l.Quiet);
        Assert.Equal("table", PsCommand.Options.Parse(P("ps", "ID")).Format);
        Assert.Equal("json", PsCommand.Options.Parse(P("ps", "-f", "json", "ID")).Format);
        Assert.Equal("table", PsCommand.Options.Parse(P("ps", "ID", "-f", "json")).Format); // ps options after the id
    }

    [Fact]
    public void EventsInterval()
    {
        var o = EventsCommand.Options.Parse(P("events", "ID"));
        Assert.Equal(TimeSpan.FromSeconds(5), o.Interval);
        Assert.False(o.Stats);
        o = EventsCommand.Options.Parse(P("events", "--interval", "1m30s", "--stats", "ID"));
        Assert.Equal(TimeSpan.FromSeconds(90), o.Interval);
        Assert.True(o.Stats);
        Assert.Equal(TimeSpan.FromMilliseconds(-1500), EventsCommand.Options.Parse(P("events", "--interval=-1.5s", "ID")).Interval);
    }

    [Fact]
    public void UpdateFlagsKeepTheirTextAndName()
    {
        var o = UpdateCommand.Options.Parse(P("update", "-r", "-", "--blkio-weight", "500", "--cpu-period", "100000",
            "--cpu-quota", "-1", "--cpu-share", "512", "--cpu-rt-period", "1", "--cpu-rt-runtime", "2", "--cpuset-cpus", "0-3",
            "--cpuset-mems", "0", "--kernel-memory", "1M", "--kernel-memory-tcp", "2M", "--memory", "1G",
            "--memory-reservation", "512M", "--memory-swap", "-1", "--pids-limit", "100", "--l3-cache-schema", "L3:0=ff",
            "--mem-bw-schema", "MB:0=70", "ctr"));
        Assert.Equal("-", o.Resources);
        Assert.Equal(500, o.BlkioWeight.ToInt32());
        Assert.Equal(new FlagText("cpu-period", "100000"), o.CpuPeriod);
        Assert.Equal(new FlagText("cpu-quota", "-1"), o.CpuQuota);
        Assert.Equal(new FlagText("cpu-share", "512"), o.CpuShare);
        Assert.Equal(new FlagText("cpu-rt-period", "1"), o.CpuRtPeriod);
        Assert.Equal(new FlagText("cpu-rt-runtime", "2"), o.CpuRtRuntime);
        Assert.Equal("0-3", o.CpusetCpus);
        Assert.Equal("0", o.CpusetMems);
        Assert.Equal(new FlagText("kernel-memory", "1M"), o.KernelMemory);
        Assert.Equal(new FlagText("kernel-memory-tcp", "2M"), o.KernelMemoryTcp);
        Assert.Equal(new FlagText("memory", "1G"), o.Memory);
        Assert.Equal(new FlagText("memory-reservation", "512M"), o.MemoryReservation);
        Assert.Equal(new FlagText("memory-swap", "-1"), o.MemorySwap);
        Assert.Equal(100, o.PidsLimit.ToInt32());
        Assert.Equal("L3:0=ff", o.L3CacheSchema);
        Assert.Equal("MB:0=70", o.MemBwSchema);
    }

    [Fact]
    public void UpdateDefaultsAndLateNarrowing()
    {
        var o = UpdateCommand.Options.Parse(P("update", "ctr"));
        Assert.Equal("", o.Resources);
        Assert.True(o.Memory.IsEmpty);
        Assert.True(o.CpuQuota.IsEmpty);
        Assert.Equal(0, o.PidsLimit.ToInt32());
        Assert.Equal(0, o.BlkioWeight.ToInt32());

        // Go's int holds it; only the use that needs 32 bits refuses it (runc ignores the flags with --resources).
        o = UpdateCommand.Options.Parse(P("update", "--pids-limit", "5000000000", "ctr"));
        Assert.Equal(5000000000L, o.PidsLimit.Value);
        Assert.Equal("invalid value \"5000000000\" for flag -pids-limit: value out of range",
            Assert.Throws<UsageError>(() => o.PidsLimit.ToInt32()).Message);
    }

    [Fact]
    public void HiddenFlagsAreParsedNotShown()
    {
        var hidden = CommandTable.Commands.SelectMany(c => c.Flags.Where(f => f.Hidden).Select(f => c.Name + " " + f.Name));
        Assert.Equal(["update kernel-memory", "update kernel-memory-tcp"], hidden);
    }

    [Fact]
    public void OptionsOfAnotherVerbAreRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CreateCommand.Options.Parse(P("exec", "ctr", "ls")));
        Assert.Contains("--bundle", e.Message);
        // run's flags are create's and more: create's options from run's line would miss run's own
        Assert.Throws<InvalidOperationException>(() => RunCommand.Options.Parse(P("create", "ctr")));
    }

    [Fact]
    public void ZeroGoIntReadsAsZero()
    {
        GoInt zero = default;
        Assert.Equal("", zero.Text);
        Assert.Equal(0L, zero.Value);
        Assert.Equal(0u, zero.ToUInt32());
    }
}
