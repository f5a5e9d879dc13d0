using System.Globalization;
using System.Text;

namespace Runcs.Text;

/// <summary>
/// JSON text exactly as Go's encoding/json writes it (Go 1.19, as runc 1.1.5 was built):
/// &lt; &gt; &amp; escaped as \u003c \u003e \u0026; control characters as \n \r \t or \u00XX
/// (lower-case hex, no \b or \f); U+2028/U+2029 escaped; invalid UTF-16 → \ufffd; the rest raw.
/// </summary>
internal static class GoJson
{
    private const string Hex = "0123456789abcdef";

    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (GoStrconv.AppendShortEscape(sb, c))
                continue;
            switch (c)
            {
                case '<' or '>' or '&':
                    sb.Append("\\u00").Append(Hex[c >> 4]).Append(Hex[c & 0xF]);
                    continue;
                case '\u2028': sb.Append("\\u2028"); continue;
                case '\u2029': sb.Append("\\u2029"); continue;
            }
            if (c < 0x20)
            {
                sb.Append("\\u00").Append(Hex[c >> 4]).Append(Hex[c & 0xF]);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                sb.Append("\\ufffd"); // lone surrogate: invalid UTF-8 in Go's eyes
            }
            else
            {
                sb.Append(c);
            }
        }
        sb.Append('"');
    }

    public static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);
}
