using System.Text;

namespace Runcs.Text;

/// <summary>Why a Go-style number parse failed (strconv.ErrSyntax / strconv.ErrRange).</summary>
public enum NumParseError
{
    None,
    Syntax,
    Range,
}

/// <summary>
/// Go's strconv.ParseBool/ParseInt/ParseUint, time.ParseDuration and strconv.Quote, with the
/// same accepted syntax (base prefixes, underscores, units), so flag values are accepted or
/// refused exactly as runc's flag package does.
/// </summary>
public static class GoStrconv
{
    /// <summary>strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.</summary>
    public static bool TryParseBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static char Lower(char c) => (char)(c | 0x20);

    /// <summary>strconv.ParseUint(s, base, bitSize). Base 0 selects by prefix and allows underscores.</summary>
    public static NumParseError ParseUint(string s, int numBase, int bitSize, out ulong value)
    {
        value = 0;
        if (s.Length == 0)
            return NumParseError.Syntax;
        bool base0 = numBase == 0;
        string s0 = s;
        int start = 0;
        if (numBase == 0)
        {
            numBase = 10;
            if (s[0] == '0')
            {
                if (s.Length >= 3 && Lower(s[1]) == 'b') { numBase = 2; start = 2; }
                else if (s.Length >= 3 && Lower(s[1]) == 'o') { numBase = 8; start = 2; }
                else if (s.Length >= 3 && Lower(s[1]) == 'x') { numBase = 16; start = 2; }
                else { numBase = 8; start = 1; }
            }
        }
        else if (numBase < 2 || numBase > 36)
        {
            return NumParseError.Syntax;
        }

        ulong maxVal = bitSize >= 64 ? ulong.MaxValue : (1UL << bitSize) - 1;
        ulong cutoff = ulong.MaxValue / (ulong)numBase + 1;
        bool underscores = false;
        ulong n = 0;
        for (int i = start; i < s.Length; i++)
        {
            char c = s[i];
            int d;
            if (c == '_' && base0)
            {
                underscores = true;
                continue;
            }
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (Lower(c) >= 'a' && Lower(c) <= 'z')
                d = Lower(c) - 'a' + 10;
            else
                return NumParseError.Syntax;
            if (d >= numBase)
                return NumParseError.Syntax;
            if (n >= cutoff)
            {
                value = maxVal;
                return NumParseError.Range;
            }
            n *= (ulong)numBase;
            ulong n1 = n + (ulong)d;
            if (n1 < n || n1 > maxVal)
            {
                value = maxVal;
                return NumParseError.Range;
            }
            n = n1;
        }
        if (underscores && !UnderscoreOk(s0))
            return NumParseError.Syntax;
        value = n;
        return NumParseError.None;
    }

    /// <summary>strconv.ParseInt(s, base, bitSize).</summary>
    public static NumParseError ParseInt(string s, int numBase, int bitSize, out long value)
    {
        value = 0;
        if (s.Length == 0)
            return NumParseError.Syntax;
        bool neg = false;
        string rest = s;
        if (s[0] == '+')
            rest = s[1..];
        else if (s[0] == '-')
        {
            neg = true;
            rest = s[1..];
        }
        NumParseError err = ParseUint(rest, numBase, bitSize, out ulong un);
        if (err == NumParseError.Syntax)
            return err;
        ulong cutoff = 1UL << (bitSize - 1);
        if (!neg && un >= cutoff)
        {
            value = (long)(cutoff - 1);
            return NumParseError.Range;
        }
        if (neg && un > cutoff)
        {
            value = -(long)(cutoff - 1) - 1;
            return NumParseError.Range;
        }
        if (err != NumParseError.None)
            return err;
        value = neg ? (long)(0UL - un) : (long)un;
        return NumParseError.None;
    }

    // Go's underscoreOK: underscores only between digits (or right after a base prefix).
    private static bool UnderscoreOk(string s)
    {
        char saw = '^';
        int i = 0;
        if (s.Length >= 1 && (s[0] == '-' || s[0] == '+'))
            s = s[1..];
        bool hex = false;
        if (s.Length >= 2 && s[0] == '0' && (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x'))
        {
            i = 2;
            saw = '0';
            hex = Lower(s[1]) == 'x';
        }
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f'))
            {
                saw = '0';
                continue;
            }
            if (c == '_')
            {
                if (saw != '0')
                    return false;
                saw = '_';
                continue;
            }
            if (saw == '_')
                return false;
            saw = '!';
        }
        return saw != '_';
    }

    /// <summary>The text of a strconv.NumError: <c>strconv.ParseInt: parsing "x": invalid syntax</c>.</summary>
    public static string NumErrorText(string func, string input, NumParseError err) =>
        $"strconv.{func}: parsing {Quote(input)}: {(err == NumParseError.Range ? "value out of range" : "invalid syntax")}";

    private const ulong Int64Limit = 1UL << 63;

    /// <summary>time.ParseDuration: "300ms", "-1.5h", "2h45m"; units ns us µs μs ms s m h. Result in nanoseconds.</summary>
    public static bool TryParseDuration(string s, out long nanoseconds)
    {
        nanoseconds = 0;
        ulong d = 0;
        bool neg = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            neg = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
            return true;
        if (s.Length == 0)
            return false;
        while (s.Length > 0)
        {
            ulong v, f = 0;
            double scale = 1;
            if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
                return false;
            int pl = s.Length;
            if (!LeadingInt(ref s, out v))
                return false;
            bool pre = pl != s.Length;
            bool post = false;
            if (s.Length > 0 && s[0] == '.')
            {
                s = s[1..];
                pl = s.Length;
                LeadingFraction(ref s, out f, out scale);
                post = pl != s.Length;
            }
            if (!pre && !post)
                return false;
            int i = 0;
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '.' || (c >= '0' && c <= '9'))
                    break;
            }
            if (i == 0)
                return false;
            string u = s[..i];
            s = s[i..];
            ulong unit;
            switch (u)
            {
                case "ns": unit = 1; break;
                case "us" or "\u00b5s" or "\u03bcs": unit = 1_000; break;
                case "ms": unit = 1_000_000; break;
                case "s": unit = 1_000_000_000; break;
                case "m": unit = 60_000_000_000; break;
                case "h": unit = 3_600_000_000_000; break;
                default: return false;
            }
            if (v > Int64Limit / unit)
                return false;
            v *= unit;
            if (f > 0)
            {
                v += (ulong)(f * (unit / scale));
                if (v > Int64Limit)
                    return false;
            }
            d += v;
            if (d > Int64Limit)
                return false;
        }
        if (neg)
        {
            nanoseconds = (long)(0UL - d);
            return true;
        }
        if (d > Int64Limit - 1)
            return false;
        nanoseconds = (long)d;
        return true;
    }

    private static bool LeadingInt(ref string s, out ulong x)
    {
        x = 0;
        int i = 0;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c < '0' || c > '9')
                break;
            if (x > Int64Limit / 10)
                return false;
            x = x * 10 + (ulong)(c - '0');
            if (x > Int64Limit)
                return false;
        }
        s = s[i..];
        return true;
    }

    private static void LeadingFraction(ref string s, out ulong x, out double scale)
    {
        x = 0;
        scale = 1;
        bool overflow = false;
        int i = 0;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c < '0' || c > '9')
                break;
            if (overflow)
                continue;
            if (x > (Int64Limit - 1) / 10)
            {
                overflow = true;
                continue;
            }
            ulong y = x * 10 + (ulong)(c - '0');
            if (y > Int64Limit)
            {
                overflow = true;
                continue;
            }
            x = y;
            scale *= 10;
        }
        s = s[i..];
    }

    /// <summary>The escapes strconv.Quote and encoding/json spell alike: \" \\ \n \r \t.</summary>
    internal static bool AppendShortEscape(StringBuilder sb, char c)
    {
        string? escape = c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => null,
        };
        if (escape is null)
            return false;
        sb.Append(escape);
        return true;
    }

    /// <summary>strconv.Quote / fmt's %q for the strings a command line can hold.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (AppendShortEscape(sb, c))
                continue;
            switch (c)
            {
                case '\a': sb.Append("\\a"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\v': sb.Append("\\v"); continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[i + 1]);
                i++;
                continue;
            }
            if (c < 0x20 || c == 0x7f)
                sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else if (char.IsSurrogate(c) || char.IsControl(c) || c == '\u00ad')
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        sb.Append('"');
        return sb.ToString();
    }
}
