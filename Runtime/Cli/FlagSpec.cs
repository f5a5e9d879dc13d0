using Runcs.Text;

namespace Runcs.Cli;

/// <summary>The value type of a flag, as urfave/cli v1 declares it (it decides how a value is parsed and shown).</summary>
public enum FlagKind
{
    /// <summary>cli.BoolFlag: takes no separate value; <c>--x=false</c> is accepted (strconv.ParseBool).</summary>
    Bool,
    /// <summary>cli.StringFlag: the last occurrence wins.</summary>
    String,
    /// <summary>cli.IntFlag: Go int (64-bit), base prefixes and underscores allowed (strconv.ParseInt base 0).</summary>
    Int,
    /// <summary>cli.DurationFlag: Go time.ParseDuration syntax ("5s", "1m30s", "250ms").</summary>
    Duration,
    /// <summary>cli.StringSliceFlag: every occurrence appends.</summary>
    StringSlice,
    /// <summary>cli.Int64SliceFlag: every occurrence appends a base-10 int64.</summary>
    Int64Slice,
}

/// <summary>
/// One flag of the global table or of a verb: its names (the first is the long name, the
/// others aliases, each shown with "-" if one letter long and "--" otherwise), type, usage and default.
/// A verb that runcs implements declares its flags as <see cref="OptionFlag{TOptions}"/>s, each
/// bound to the property of the verb's options that holds its value.
/// </summary>
public class FlagSpec
{
    public FlagSpec(string names, FlagKind kind, string usage, string? defaultValue = null)
    {
        Names = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Kind = kind;
        Usage = usage;
        Default = defaultValue;
    }

    /// <summary>All names, declaration order ("bundle", "b").</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The long (first) name.</summary>
    public string Name => Names[0];

    public FlagKind Kind { get; }

    public string Usage { get; }

    /// <summary>Default value as text (null: none). Shown as <c>(default: ...)</c> in help.</summary>
    public string? Default { get; }

    public bool TakesValue => Kind != FlagKind.Bool;

    /// <summary>Parsed but not listed in help (urfave/cli's Hidden: runc 1.1 hides update's kernel-memory*).</summary>
    public bool Hidden { get; init; }

    /// <summary>
    /// runc declares exec's --cap with a shared value object, so the values given on the
    /// command line show up as "(default: ...)" when the same run prints the help.
    /// </summary>
    internal bool HelpShowsGivenValues { get; init; }

    public bool HasName(string name)
    {
        foreach (string n in Names)
            if (n == name)
                return true;
        return false;
    }

    /// <summary>The left cell of the help line: "--bundle value, -b value".</summary>
    internal string HelpNames()
    {
        var parts = new string[Names.Count];
        for (int i = 0; i < Names.Count; i++)
        {
            string prefix = Names[i].Length == 1 ? "-" : "--";
            parts[i] = TakesValue ? prefix + Names[i] + " value" : prefix + Names[i];
        }
        return string.Join(", ", parts);
    }

    /// <summary>The right cell of the help line: usage plus " (default: ...)" when there is one.</summary>
    internal string HelpUsage(IReadOnlyList<string>? givenValues = null)
    {
        string def = "";
        if (HelpShowsGivenValues && givenValues is { Count: > 0 })
        {
            def = " (default: " + string.Join(", ", givenValues.Select(v => Kind == FlagKind.StringSlice ? GoStrconv.Quote(v) : v)) + ")";
        }
        else if (!string.IsNullOrEmpty(Default))
        {
            def = Kind == FlagKind.String ? $" (default: \"{Default}\")" : $" (default: {Default})";
        }
        return (Usage + def).Trim();
    }

    public override string ToString() => HelpNames();
}
