using Runcs.Text;

namespace Runcs.Cli;

/// <summary>The values one flag received on the command line (shared by all its names).</summary>
internal sealed class FlagEntry(FlagSpec spec)
{
    public FlagSpec Spec { get; } = spec;

    /// <summary>Set on the command line under any of its names.</summary>
    public bool IsSet { get; set; }

    /// <summary>Last value given (scalar flags); for Bool "true"/"false".</summary>
    public string? Value { get; set; }

    /// <summary>Every value given, in order (slice flags).</summary>
    public List<string> Values { get; } = [];
}

/// <summary>
/// Go's flag.FlagSet as urfave/cli v1 sets it up: parses flags until the first non-flag
/// argument or "--", with Go's syntax and error texts.
/// </summary>
internal sealed class FlagSet
{
    private readonly Dictionary<string, FlagEntry> _byName = new(StringComparer.Ordinal);
    private readonly List<FlagEntry> _entries = [];
    private readonly HashSet<string> _visited = new(StringComparer.Ordinal);

    public FlagSet(IEnumerable<FlagSpec> flags)
    {
        foreach (FlagSpec f in flags)
        {
            var e = new FlagEntry(f);
            _entries.Add(e);
            foreach (string n in f.Names)
                _byName[n] = e;
        }
    }

    public IReadOnlyList<FlagEntry> Entries => _entries;

    /// <summary>The arguments left after the flags.</summary>
    public List<string> Args { get; private set; } = [];

    public FlagEntry? Lookup(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Parses <paramref name="args"/>; returns Go's error text, or null.</summary>
    public string? Parse(IReadOnlyList<string> args)
    {
        var rest = new List<string>(args);
        Args = rest;
        while (true)
        {
            if (rest.Count == 0)
                return null;
            string s = rest[0];
            if (s.Length < 2 || s[0] != '-')
                return null;
            int minuses = 1;
            if (s[1] == '-')
            {
                minuses = 2;
                if (s.Length == 2)
                {
                    rest.RemoveAt(0);
                    return null;
                }
            }
            string name = s[minuses..];
            if (name.Length == 0 || name[0] == '-' || name[0] == '=')
                return $"bad flag syntax: {s}";
            rest.RemoveAt(0);
            bool hasValue = false;
            string value = "";
            int eq = name.IndexOf('=', 1);
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                hasValue = true;
                name = name[..eq];
            }
            if (!_byName.TryGetValue(name, out FlagEntry? entry))
                return $"flag provided but not defined: -{name}";

            if (entry.Spec.Kind == FlagKind.Bool)
            {
                bool b = true;
                if (hasValue && !GoStrconv.TryParseBool(value, out b))
                    return $"invalid boolean value {GoStrconv.Quote(value)} for -{name}: parse error";
                entry.Value = b ? "true" : "false";
            }
            else
            {
                if (!hasValue && rest.Count > 0)
                {
                    hasValue = true;
                    value = rest[0];
                    rest.RemoveAt(0);
                }
                if (!hasValue)
                    return $"flag needs an argument: -{name}";
                string? err = Set(entry, value);
                if (err != null)
                    return $"invalid value {GoStrconv.Quote(value)} for flag -{name}: {err}";
            }
            entry.IsSet = true;
            _visited.Add(name);
        }
    }

    private static string? Set(FlagEntry entry, string value)
    {
        switch (entry.Spec.Kind)
        {
            case FlagKind.String:
                entry.Value = value;
                return null;
            case FlagKind.Int:
            {
                NumParseError e = GoStrconv.ParseInt(value, 0, 64, out _);
                if (e != NumParseError.None)
                    return e == NumParseError.Range ? "value out of range" : "parse error";
                entry.Value = value;
                return null;
            }
            case FlagKind.Duration:
                if (!GoStrconv.TryParseDuration(value, out _))
                    return "parse error";
                entry.Value = value;
                return null;
            case FlagKind.StringSlice:
                entry.Values.Add(value);
                return null;
            case FlagKind.Int64Slice:
            {
                NumParseError e = GoStrconv.ParseInt(value, 10, 64, out _);
                if (e != NumParseError.None)
                    return GoStrconv.NumErrorText("ParseInt", value, e);
                entry.Values.Add(value);
                return null;
            }
            default:
                throw new InvalidOperationException("unknown flag kind");
        }
    }

    /// <summary>
    /// urfave/cli's normalizeFlags: a flag given under two of its names is an error
    /// ("Cannot use two forms of the same flag: b bundle").
    /// </summary>
    public string? CheckAliases()
    {
        foreach (FlagEntry e in _entries)
        {
            if (e.Spec.Names.Count < 2)
                continue;
            string? first = null;
            foreach (string n in e.Spec.Names)
            {
                if (!_visited.Contains(n))
                    continue;
                if (first != null)
                    return $"Cannot use two forms of the same flag: {n} {first}";
                first = n;
            }
        }
        return null;
    }

    /// <summary>
    /// urfave/cli v1's reorderArgs: known flags (and the argument right after a flag given
    /// without "=", unless it is itself a known flag) move before the other arguments; "--"
    /// and everything after it go last, with "--" first among the positionals.
    /// </summary>
    public static List<string> Reorder(IReadOnlyList<FlagSpec> flags, IReadOnlyList<string> args)
    {
        var reordered = new List<string>();
        var remaining = new List<string>();
        bool nextMayBeValue = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (nextMayBeValue && !ArgIsFlag(flags, arg))
            {
                nextMayBeValue = false;
                reordered.Add(arg);
            }
            else if (arg == "--")
            {
                remaining.Insert(0, "--");
                for (int j = i + 1; j < args.Count; j++)
                    remaining.Add(args[j]);
                break;
            }
            else if (ArgIsFlag(flags, arg))
            {
                reordered.Add(arg);
                if (!arg.Contains('='))
                    nextMayBeValue = true;
            }
            else
            {
                remaining.Add(arg);
            }
        }
        reordered.AddRange(remaining);
        return reordered;
    }

    private static bool ArgIsFlag(IReadOnlyList<FlagSpec> flags, string arg)
    {
        if (arg == "-" || !arg.StartsWith('-'))
            return false;
        if (arg.StartsWith("--", StringComparison.Ordinal))
            arg = RemoveDashes(arg, 2);
        if (arg.StartsWith('-'))
            arg = RemoveDashes(arg, 1);
        int eq = arg.IndexOf('=');
        if (eq >= 0)
            arg = arg[..eq];
        foreach (FlagSpec f in flags)
            if (f.HasName(arg))
                return true;
        return false;
    }

    // strings.Replace(s, "-", "", n): drops the first n dashes wherever they are.
    private static string RemoveDashes(string s, int n)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c == '-' && n > 0)
            {
                n--;
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
