using System.Globalization;
using Runcs.Errors;
using Runcs.Text;

namespace Runcs.Cli;

/// <summary>
/// A parsed command line: the global options, the verb, its flags and positional arguments.
/// A verb reads its flags through its typed options (<see cref="Bind{TOptions}"/>). The by-name
/// accessors serve the parser's own tests: they take any of a flag's names ("bundle" or "b"),
/// and a name the verb does not define reads as unset (false, "", 0, empty), as urfave/cli does.
/// </summary>
public sealed class ParsedCommandLine
{
    private readonly Dictionary<string, FlagEntry> _flags;

    internal ParsedCommandLine(GlobalOptions global, CommandSpec? command, IReadOnlyList<string> positionals,
        IEnumerable<FlagEntry> flags)
    {
        Global = global;
        Command = command;
        Positionals = positionals;
        _flags = new Dictionary<string, FlagEntry>(StringComparer.Ordinal);
        foreach (FlagEntry e in flags)
            foreach (string n in e.Spec.Names)
                _flags[n] = e;
    }

    public GlobalOptions Global { get; }

    /// <summary>The verb's canonical name ("create"...); null when only help or the version is shown.</summary>
    public string? Verb => Command?.Name;

    public CommandSpec? Command { get; }

    /// <summary>The arguments after the flags (the container id first, for most verbs).</summary>
    public IReadOnlyList<string> Positionals { get; }

    /// <summary>The first positional, or "" (context.Args().First()).</summary>
    public string FirstArg => Positionals.Count > 0 ? Positionals[0] : "";

    /// <summary>Help was asked for (-h, --help, "help [verb]", or no verb): print <see cref="HelpText"/> to stdout, exit 0.</summary>
    public bool HelpShown { get; init; }

    /// <summary>The help to print when <see cref="HelpShown"/>.</summary>
    public string HelpText { get; init; } = "";

    /// <summary>--version / -v: print <see cref="VersionText"/> to stdout, exit 0.</summary>
    public bool VersionRequested { get; init; }

    /// <summary>"runc version 1.1.5\ncommit: ...\n".</summary>
    public string VersionText { get; init; } = "";

    private FlagEntry? Entry(string name) => _flags.GetValueOrDefault(name);

    /// <summary>Whether the flag (under any of its names) was on the command line.</summary>
    public bool IsSet(string name) => Entry(name)?.IsSet ?? false;

    /// <summary>Whether the verb defines this flag.</summary>
    public bool HasFlag(string name) => _flags.ContainsKey(name);

    /// <summary>The value of a string flag (or any scalar flag's text): last one given, else its default, else "".</summary>
    public string GetString(string name)
    {
        FlagEntry? e = Entry(name);
        if (e == null)
            return "";
        if (e.Spec.Kind is FlagKind.StringSlice or FlagKind.Int64Slice)
            return e.Values.Count > 0 ? e.Values[^1] : "";
        return e.Value ?? e.Spec.Default ?? "";
    }

    public bool GetBool(string name)
    {
        FlagEntry? e = Entry(name);
        return e?.Value == "true";
    }

    /// <summary>Every value of a slice flag, in order (a scalar flag gives its value if set).</summary>
    public IReadOnlyList<string> GetStrings(string name)
    {
        FlagEntry? e = Entry(name);
        if (e == null)
            return [];
        if (e.Spec.Kind is FlagKind.StringSlice or FlagKind.Int64Slice)
            return e.Values.ToArray();
        return e.IsSet && e.Value != null ? [e.Value] : [];
    }

    /// <summary>An Int64Slice flag's values (--additional-gids).</summary>
    public IReadOnlyList<long> GetInt64s(string name) => FlagValues.Int64s(name, GetStrings(name));

    /// <summary>The value as a Go int64 (base prefixes 0x/0o/0b/0 and underscores allowed).</summary>
    public long GetLong(string name) => new GoInt(name, GetString(name)).Value;

    /// <summary>The value as an int; out of range is an error like Go's.</summary>
    public int GetInt(string name) => new GoInt(name, GetString(name)).ToInt32();

    /// <summary>The value as a Go uint64 (a minus sign is a parse error).</summary>
    public ulong GetULong(string name) => new GoInt(name, GetString(name)).ToUInt64();

    public uint GetUInt(string name) => new GoInt(name, GetString(name)).ToUInt32();

    /// <summary>A duration flag (--interval), Go syntax.</summary>
    public TimeSpan GetDuration(string name) => FlagValues.Duration(name, GetString(name));

    /// <summary>
    /// The verb's typed options: each of <paramref name="flags"/> (the verb's declarations)
    /// sets its property in <paramref name="options"/> from this command line.
    /// </summary>
    public TOptions Bind<TOptions>(TOptions options, IReadOnlyList<OptionFlag<TOptions>> flags)
    {
        foreach (OptionFlag<TOptions> flag in flags)
        {
            FlagEntry? e = Entry(flag.Name);
            if (e is null || !ReferenceEquals(e.Spec, flag))
                throw new InvalidOperationException($"--{flag.Name} is not a flag of this command line's verb ({Verb})");
            flag.Bind(options, e);
        }
        return options;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Verb ?? "(none)"} [{string.Join(", ", Positionals)}]");
}
