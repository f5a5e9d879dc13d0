using Runcs.Errors;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// `org.systemd.property.NAME` annotations: extra properties of the container's unit, as runc's
/// initSystemdProps reads them (read with --systemd-cgroup only, before anything is made). NAME
/// is latin letters (3 at least); the value is GVariant text (<see cref="GVariantText"/>); a NAME
/// ending in a lowercase letter + "Sec" is systemd's "USec" property, the number converted
/// from seconds. They go last in StartTransientUnit, so they win over runcs's own.
/// </summary>
internal static class UnitAnnotations
{
    private const string Prefix = "org.systemd.property.";

    public static List<UnitProperty> Parse(IReadOnlyDictionary<string, string>? annotations)
    {
        var props = new List<UnitProperty>();
        if (annotations is null)
            return props;
        // Go walks its map in random order; a fixed one here.
        foreach (var (key, value) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            string name = key[Prefix.Length..];
            if (NameError(name) is { } problem)
                throw new RuntimeError($"annotation {key} name incorrect: {problem}");
            GVariantText.Value parsed;
            try
            {
                parsed = GVariantText.Parse(value);
                if (name.Length > 3 && name.EndsWith("Sec", StringComparison.Ordinal) && char.IsAsciiLetterLower(name[^4]))
                {
                    name = name[..^3] + "USec";
                    parsed = SecondsToMicroseconds(parsed);
                }
            }
            catch (RuntimeError e)
            {
                throw new RuntimeError($"annotation {key}={value} value parse error: {e.Message}");
            }
            props.Add(UnitProperty.Variant(name, parsed));
        }
        return props;
    }

    /// <summary>runc's checkPropertyName.</summary>
    private static string? NameError(string name)
    {
        if (name.Length < 3)
            return "too short";
        foreach (char c in name)
            if (!char.IsAsciiLetter(c))
                return "contains non-alphabetic character";
        return null;
    }

    /// <summary>runc's convertSecToUSec: any number, as Go converts it to uint64 (negatives wrap), times a million.</summary>
    private static GVariantText.Value SecondsToMicroseconds(GVariantText.Value v)
    {
        const ulong m = 1000000;
        ulong usec = v.Data switch
        {
            byte b => b * m,
            short n => unchecked((ulong)n * m),
            ushort q => q * m,
            int i => unchecked((ulong)i * m),
            uint u => u * m,
            long x => unchecked((ulong)x * m),
            ulong t => unchecked(t * m),
            double d => DoubleToUInt64(d * m),
            _ => throw new RuntimeError("not a number"),
        };
        return new GVariantText.Value("t", usec);
    }

    /// <summary>Go's uint64(float64) for the values that make sense (amd64 gives 2^63 for what does not fit).</summary>
    private static ulong DoubleToUInt64(double d) =>
        d >= 0 && d < 18446744073709551616.0 ? (ulong)d : d < 0 && d > -9223372036854775808.0 ? unchecked((ulong)(long)d) : 9223372036854775808UL;
}
