using Runcs.Errors;

namespace Runcs.Cli;

/// <summary>
/// The result of <see cref="CommandLine.TryParse"/>: either a command line, or an error plus
/// whatever runc prints to stdout before failing (e.g. "Incorrect Usage: ...\n\n" and the
/// verb's help).
/// </summary>
public sealed class ParseOutcome
{
    internal ParseOutcome(ParsedCommandLine? commandLine, RuntimeError? error, string stdout, GlobalOptions? global)
    {
        CommandLine = commandLine;
        Error = error;
        Stdout = stdout;
        Global = global ?? commandLine?.Global;
    }

    /// <summary>Null when <see cref="Error"/> is set.</summary>
    public ParsedCommandLine? CommandLine { get; }

    /// <summary>
    /// <see cref="UsageError"/> (exit 1) for flag and argument-count errors,
    /// <see cref="UnknownCommandError"/> (exit 3) for an unknown verb, a plain
    /// <see cref="RuntimeError"/> (exit 1) for an invalid --log-format.
    /// </summary>
    public RuntimeError? Error { get; }

    /// <summary>Text runc writes to stdout before reporting <see cref="Error"/> ("" if none).</summary>
    public string Stdout { get; }

    /// <summary>The global options, whenever they parsed (so an error can be logged per --log/--log-format).</summary>
    public GlobalOptions? Global { get; }

    public int ExitCode => Error?.ExitCode ?? 0;
}

/// <summary>
/// runc 1.1's command line (urfave/cli v1 over Go's flag package): global flags before the
/// verb, then the verb's flags and arguments; help, version and the same error texts.
/// </summary>
public static class CommandLine
{
    /// <summary>Parses argv (without the program name); throws the outcome's error.</summary>
    public static ParsedCommandLine Parse(string[] argv, CliSettings? settings = null)
    {
        ParseOutcome o = TryParse(argv, settings);
        if (o.Error != null)
            throw o.Error;
        return o.CommandLine!;
    }

    /// <summary>Parses argv (without the program name); never throws for bad input.</summary>
    public static ParseOutcome TryParse(IReadOnlyList<string> argv, CliSettings? settings = null)
    {
        settings ??= CliSettings.Default;
        IReadOnlyList<FlagSpec> globalFlags = CommandTable.GlobalFlags(settings.DefaultRoot);
        var gset = new FlagSet(globalFlags);
        string? err = gset.Parse(argv);
        string? aliasErr = gset.CheckAliases();
        if (aliasErr != null)
            return Fail(new UsageError(aliasErr), aliasErr + "\n" + HelpText.App(settings), null);
        if (err != null)
            return Fail(new UsageError(err), "Incorrect Usage. " + err + "\n\n" + HelpText.App(settings), null);

        GlobalOptions global = BuildGlobal(gset);
        if (IsTrue(gset, "help"))
            return Ok(new ParsedCommandLine(global, null, [], []) { HelpShown = true, HelpText = HelpText.App(settings) });
        if (IsTrue(gset, "version"))
            return Ok(new ParsedCommandLine(global, null, [], [])
            {
                VersionRequested = true,
                VersionText = $"{settings.AppName} version {settings.Version}\n",
            });

        // runc's Before hook runs here, ahead of the verb.
        if (global.LogFormat is not ("" or "text" or "json"))
            return Fail(new RuntimeError("invalid log-format: " + global.LogFormat), "", global);

        List<string> args = gset.Args;
        if (args.Count == 0)
            return Ok(new ParsedCommandLine(global, null, [], []) { HelpShown = true, HelpText = HelpText.App(settings) });

        string verb = args[0];
        List<string> rest = args.GetRange(1, args.Count - 1);
        if (verb is "help" or "h")
            return HelpVerb(global, rest, settings);

        CommandSpec? cmd = CommandTable.Find(verb);
        if (cmd == null)
            return Fail(new UnknownCommandError(verb), "", global);

        var parseFlags = new List<FlagSpec>(cmd.Flags) { CommandTable.HelpFlag };
        IReadOnlyList<string> cmdArgs = cmd.SkipArgReorder ? rest : FlagSet.Reorder(parseFlags, rest);
        var set = new FlagSet(parseFlags);
        err = set.Parse(cmdArgs) ?? set.CheckAliases();
        if (err != null)
            return Fail(new UsageError(err), "Incorrect Usage: " + err + "\n\n" + HelpText.Command(cmd, settings, set), global);
        if (IsTrue(set, "help"))
            return Ok(new ParsedCommandLine(global, cmd, set.Args, set.Entries)
            {
                HelpShown = true,
                HelpText = HelpText.Command(cmd, settings, set),
            });

        string? countErr = CheckArgs(cmd, set.Args.Count, settings.ProgramName);
        if (countErr != null)
            return Fail(new UsageError(countErr), "Incorrect Usage.\n\n" + HelpText.Command(cmd, settings, set), global);

        return Ok(new ParsedCommandLine(global, cmd, set.Args, set.Entries));
    }

    /// <summary>The help text for a verb (or aliases "help"/"h"), or the global help for null.</summary>
    public static string Help(string? verb, CliSettings? settings = null)
    {
        settings ??= CliSettings.Default;
        if (verb == null)
            return HelpText.App(settings);
        if (verb is "help" or "h")
            return HelpText.HelpCommandHelp;
        CommandSpec cmd = CommandTable.Find(verb) ?? throw new UnknownCommandError(verb);
        return HelpText.Command(cmd, settings);
    }

    /// <summary>The usage line: "runc create [command options] &lt;container-id&gt;..." (the global one for null).</summary>
    public static string Usage(string? verb, CliSettings? settings = null)
    {
        settings ??= CliSettings.Default;
        if (verb == null)
            return HelpText.AppUsageLine(settings);
        if (verb is "help" or "h")
            return "[command]";
        CommandSpec cmd = CommandTable.Find(verb) ?? throw new UnknownCommandError(verb);
        return HelpText.CommandUsageLine(cmd, settings);
    }

    /// <summary>The version text printed for --version.</summary>
    public static string VersionText(CliSettings? settings = null)
    {
        settings ??= CliSettings.Default;
        return $"{settings.AppName} version {settings.Version}\n";
    }

    private static ParseOutcome HelpVerb(GlobalOptions global, List<string> rest, CliSettings settings)
    {
        var flags = new List<FlagSpec> { CommandTable.HelpFlag };
        var set = new FlagSet(flags);
        string? err = set.Parse(FlagSet.Reorder(flags, rest)) ?? set.CheckAliases();
        if (err != null)
            return Fail(new UsageError(err), "Incorrect Usage: " + err + "\n\n" + HelpText.HelpCommandHelp, global);
        if (IsTrue(set, "help"))
            return Ok(new ParsedCommandLine(global, null, set.Args, []) { HelpShown = true, HelpText = HelpText.HelpCommandHelp });
        if (set.Args.Count == 0)
            return Ok(new ParsedCommandLine(global, null, [], []) { HelpShown = true, HelpText = HelpText.App(settings) });
        string topic = set.Args[0];
        string text;
        if (topic is "help" or "h")
            text = HelpText.HelpCommandHelp;
        else
        {
            CommandSpec? cmd = CommandTable.Find(topic);
            if (cmd == null)
                return Fail(new UnknownCommandError(topic), "", global);
            text = HelpText.Command(cmd, settings);
        }
        return Ok(new ParsedCommandLine(global, null, set.Args, []) { HelpShown = true, HelpText = text });
    }

    /// <summary>runc's checkArgs wording.</summary>
    internal static string? CheckArgs(CommandSpec cmd, int count, string programName)
    {
        switch (cmd.ArgRule)
        {
            case ArgCountRule.Exact when count != cmd.MinArgs:
                return $"{programName}: \"{cmd.Name}\" requires exactly {cmd.MinArgs} argument(s)";
            case ArgCountRule.Min or ArgCountRule.MinMax when count < cmd.MinArgs:
                return $"{programName}: \"{cmd.Name}\" requires a minimum of {cmd.MinArgs} argument(s)";
            case ArgCountRule.MinMax when count > cmd.MaxArgs:
                return $"{programName}: \"{cmd.Name}\" requires a maximum of {cmd.MaxArgs} argument(s)";
            default:
                return null;
        }
    }

    private static bool IsTrue(FlagSet set, string name) => set.Lookup(name)?.Value == "true";

    private static GlobalOptions BuildGlobal(FlagSet set)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (FlagEntry e in set.Entries)
            if (e.IsSet)
                foreach (string n in e.Spec.Names)
                    names.Add(n);
        string? root = null;
        FlagEntry rootEntry = set.Lookup("root")!;
        if (rootEntry.IsSet)
            root = AbsPath(rootEntry.Value ?? "");
        return new GlobalOptions(names)
        {
            Debug = set.Lookup("debug")!.Value == "true",
            Log = set.Lookup("log")!.Value ?? "",
            LogFormat = set.Lookup("log-format")!.Value ?? "text",
            Root = root,
            Criu = set.Lookup("criu")!.Value ?? "criu",
            SystemdCgroup = set.Lookup("systemd-cgroup")!.Value == "true",
            Rootless = set.Lookup("rootless")!.Value ?? "auto",
        };
    }

    /// <summary>Go's filepath.Abs: join with the working directory if relative, then Clean.</summary>
    internal static string AbsPath(string path)
    {
        if (!path.StartsWith('/'))
            path = Directory.GetCurrentDirectory() + "/" + path;
        return CleanPath(path);
    }

    /// <summary>Go's path.Clean for absolute paths.</summary>
    internal static string CleanPath(string path)
    {
        var parts = new List<string>();
        foreach (string p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".")
                continue;
            if (p == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    private static ParseOutcome Ok(ParsedCommandLine cl) => new(cl, null, "", null);

    private static ParseOutcome Fail(RuntimeError e, string stdout, GlobalOptions? global) => new(null, e, stdout, global);
}
