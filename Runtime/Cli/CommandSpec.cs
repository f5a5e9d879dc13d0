namespace Runcs.Cli;

/// <summary>How a verb checks its positional argument count (runc's checkArgs).</summary>
public enum ArgCountRule
{
    /// <summary>No check.</summary>
    Any,
    /// <summary><c>"x" requires exactly N argument(s)</c>.</summary>
    Exact,
    /// <summary><c>"x" requires a minimum of N argument(s)</c>.</summary>
    Min,
    /// <summary>Minimum <see cref="CommandSpec.MinArgs"/>, then maximum <see cref="CommandSpec.MaxArgs"/> (kill).</summary>
    MinMax,
}

/// <summary>One verb: its help texts, flags and argument rules.</summary>
public sealed class CommandSpec
{
    public required string Name { get; init; }

    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>One-line summary (COMMANDS list and the NAME line).</summary>
    public required string Usage { get; init; }

    /// <summary>Text after the usage line's options; null shows "[arguments...]".</summary>
    public string? ArgsUsage { get; init; }

    public string? Description { get; init; }

    /// <summary>The verb's flags, in help order, built on first use: a run builds its own verb's only.</summary>
    public IReadOnlyList<FlagSpec> Flags => _flags ??= DeclaredFlags?.Invoke() ?? [];

    /// <summary>Where the flags are declared (a verb's Options.Flags), read when first needed.</summary>
    public Func<IReadOnlyList<FlagSpec>>? DeclaredFlags { private get; init; }

    private IReadOnlyList<FlagSpec>? _flags;

    /// <summary>
    /// True for exec and ps: the flags must come before the container id, everything after
    /// it is an argument. Other verbs move known flags found after positionals to the front
    /// (urfave/cli v1's argument reordering).
    /// </summary>
    public bool SkipArgReorder { get; init; }

    public ArgCountRule ArgRule { get; init; } = ArgCountRule.Any;

    /// <summary>For Exact and Min/MinMax: the count (exact or minimum).</summary>
    public int MinArgs { get; init; }

    /// <summary>For MinMax: the maximum.</summary>
    public int MaxArgs { get; init; }

    public bool HasName(string name)
    {
        if (Name == name)
            return true;
        foreach (string a in Aliases)
            if (a == name)
                return true;
        return false;
    }

    public FlagSpec? FindFlag(string name)
    {
        foreach (FlagSpec f in Flags)
            if (f.HasName(name))
                return f;
        return null;
    }

    public override string ToString() => Name;
}
