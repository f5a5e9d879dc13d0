using Runcs.Errors;
using Runcs.Text;

namespace Runcs.Cli;

/// <summary>
/// A verb's flag bound to the property of <typeparamref name="TOptions"/> that holds its value
/// (urfave/cli's Destination): names, usage, default and property are declared in one entry
/// of the verb's Options, and the verb reads the property, so a misspelt flag does not compile
/// (a name read by string silently gave ""/false).
/// </summary>
/// <remarks>
/// The value is Go's type for the urfave/cli flag kind (string, bool, a 64-bit <see cref="GoInt"/>,
/// a duration, a list). Every flag was checked while the command line was parsed, so binding
/// never fails: a verb that narrows a value (an int to 32 bits) does it where it uses it, and
/// reports it in Go flag's words, as the by-name getters did.
/// </remarks>
public abstract class OptionFlag<TOptions>(string names, FlagKind kind, string usage, string? defaultValue)
    : FlagSpec(names, kind, usage, defaultValue)
{
    /// <summary>
    /// Sets the property from the value given on the command line, or else from the default. A
    /// flag neither given nor defaulted leaves the property at its zero value ("", false, empty,
    /// or null where the verb needs to know that the flag was not given).
    /// </summary>
    internal void Bind(TOptions options, FlagEntry entry)
    {
        if (entry.IsSet || Default is not null)
            Set(options, entry);
    }

    private protected abstract void Set(TOptions options, FlagEntry entry);

    /// <summary>A scalar flag's text: the last value given, else the default, else "".</summary>
    private protected string Text(FlagEntry entry) => entry.Value ?? Default ?? "";
}

/// <summary>cli.StringFlag.</summary>
public sealed class StringFlag<TOptions>(string names, string usage, Action<TOptions, string>? set, string? defaultValue = null)
    : OptionFlag<TOptions>(names, FlagKind.String, usage, defaultValue)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set?.Invoke(options, Text(entry));
}

/// <summary>
/// cli.StringFlag whose text the verb converts later, in its own words ("invalid value for
/// cpu-period: ..."): the value keeps the flag's name.
/// </summary>
public sealed class TextFlag<TOptions>(string names, string usage, Action<TOptions, FlagText> set)
    : OptionFlag<TOptions>(names, FlagKind.String, usage, null)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set(options, new FlagText(Name, Text(entry)));
}

/// <summary>cli.BoolFlag.</summary>
public sealed class BoolFlag<TOptions>(string names, string usage, Action<TOptions, bool>? set)
    : OptionFlag<TOptions>(names, FlagKind.Bool, usage, null)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set?.Invoke(options, entry.Value == "true");
}

/// <summary>cli.IntFlag: Go's int, 64 bits.</summary>
public sealed class IntFlag<TOptions>(string names, string usage, Action<TOptions, GoInt>? set, string defaultValue)
    : OptionFlag<TOptions>(names, FlagKind.Int, usage, defaultValue)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set?.Invoke(options, new GoInt(Name, Text(entry)));
}

/// <summary>cli.DurationFlag.</summary>
public sealed class DurationFlag<TOptions>(string names, string usage, Action<TOptions, TimeSpan> set, string defaultValue)
    : OptionFlag<TOptions>(names, FlagKind.Duration, usage, defaultValue)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set(options, FlagValues.Duration(Name, Text(entry)));
}

/// <summary>cli.StringSliceFlag: every occurrence appends.</summary>
public sealed class StringSliceFlag<TOptions>(string names, string usage, Action<TOptions, IReadOnlyList<string>>? set)
    : OptionFlag<TOptions>(names, FlagKind.StringSlice, usage, null)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set?.Invoke(options, entry.Values.ToArray());
}

/// <summary>cli.Int64SliceFlag: every occurrence appends a base-10 int64.</summary>
public sealed class Int64SliceFlag<TOptions>(string names, string usage, Action<TOptions, IReadOnlyList<long>> set)
    : OptionFlag<TOptions>(names, FlagKind.Int64Slice, usage, null)
{
    private protected override void Set(TOptions options, FlagEntry entry) => set(options, FlagValues.Int64s(Name, entry.Values));
}

/// <summary>
/// A cli.IntFlag's value: Go's int (64 bits), kept with the text given and the flag's name, so
/// that a verb needing fewer bits reports the value as it was typed, in Go flag's words.
/// </summary>
public readonly struct GoInt(string flag, string text)
{
    /// <summary>The text given (or the default); "" reads as 0.</summary>
    public string Text => text ?? "";

    /// <summary>As Go's int (checked when the command line was parsed).</summary>
    public long Value => Signed(64);

    /// <summary>As a 32-bit int; out of range is Go flag's error for the flag.</summary>
    public int ToInt32() => (int)Signed(32);

    /// <summary>As a 32-bit unsigned int: a minus sign is a parse error, as Go's ParseUint says.</summary>
    public uint ToUInt32() => (uint)Unsigned(32);

    /// <summary>As a 64-bit unsigned int.</summary>
    public ulong ToUInt64() => Unsigned(64);

    private long Signed(int bits)
    {
        if (Text.Length == 0)
            return 0;
        NumParseError err = GoStrconv.ParseInt(Text, 0, bits, out long n);
        return err == NumParseError.None ? n : throw FlagValues.Invalid(flag, Text, FlagValues.Why(err));
    }

    private ulong Unsigned(int bits)
    {
        if (Text.Length == 0)
            return 0;
        NumParseError err = GoStrconv.ParseUint(Text, 0, bits, out ulong n);
        return err == NumParseError.None ? n : throw FlagValues.Invalid(flag, Text, FlagValues.Why(err));
    }

    public override string ToString() => Text;
}

/// <summary>A string flag's text with the flag's long name, for a verb that converts it in its own words.</summary>
public readonly record struct FlagText(string Flag, string Text)
{
    public bool IsEmpty => string.IsNullOrEmpty(Text);

    public override string ToString() => Text;
}

/// <summary>Go flag's conversions and error words, shared by the typed flags and the by-name getters.</summary>
internal static class FlagValues
{
    public static TimeSpan Duration(string flag, string text)
    {
        if (text.Length == 0)
            return TimeSpan.Zero;
        if (!GoStrconv.TryParseDuration(text, out long ns))
            throw Invalid(flag, text, "parse error");
        return TimeSpan.FromTicks(ns / 100);
    }

    public static long[] Int64s(string flag, IReadOnlyList<string> texts)
    {
        var result = new long[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            NumParseError err = GoStrconv.ParseInt(texts[i], 10, 64, out result[i]);
            if (err != NumParseError.None)
                throw Invalid(flag, texts[i], GoStrconv.NumErrorText("ParseInt", texts[i], err));
        }
        return result;
    }

    public static string Why(NumParseError err) => err == NumParseError.Range ? "value out of range" : "parse error";

    public static UsageError Invalid(string flag, string value, string why) =>
        new($"invalid value {GoStrconv.Quote(value)} for flag -{flag}: {why}");
}
