using System.Globalization;
using System.Text;
using Runcs.Errors;
using Tmds.DBus.Protocol;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// A D-Bus value typed as GVariant's text form, as godbus's ParseVariant (runc's parser for
/// `org.systemd.property.*` annotations) reads it: numbers (untyped: int32, or double with a
/// '.' or 'e'; a leading 0 is octal), 'strings' and "strings" with escapes, true, type
/// keywords (`uint64 5`, `boolean true`, `objectpath '/x'`, ...) and `@SIG` annotations,
/// b"byte strings" and [arrays] of these; "0x" hex and leading-0 octal numbers, as Go's
/// strconv with base 0. Its quirk is kept: `double` means the invalid signature "f".
/// Dictionaries {..} and variants &lt;..&gt; are not read (an error says so).
/// </summary>
internal sealed class GVariantText
{
    /// <summary>A parsed value: its D-Bus signature and the value (bool, integers, double, string, byte[] or a list).</summary>
    internal sealed record Value(string Signature, object Data)
    {
        public void Write(ref MessageWriter writer)
        {
            writer.WriteSignature(Signature);
            WriteData(ref writer, Signature, Data);
        }

        private static void WriteData(ref MessageWriter writer, string sig, object data)
        {
            switch (sig[0])
            {
                case 'b': writer.WriteBool((bool)data); break;
                case 'y': writer.WriteByte((byte)data); break;
                case 'n': writer.WriteInt16((short)data); break;
                case 'q': writer.WriteUInt16((ushort)data); break;
                case 'i': writer.WriteInt32((int)data); break;
                case 'u': writer.WriteUInt32((uint)data); break;
                case 'x': writer.WriteInt64((long)data); break;
                case 't': writer.WriteUInt64((ulong)data); break;
                case 'd': writer.WriteDouble((double)data); break;
                case 's': writer.WriteString((string)data); break;
                case 'o': writer.WriteObjectPath((string)data); break;
                case 'g': writer.WriteSignature((string)data); break;
                case 'a':
                    string element = sig[1..];
                    var array = writer.WriteArrayStart(ElementType(element[0]));
                    if (data is byte[] bytes)
                        foreach (byte b in bytes)
                            writer.WriteByte(b);
                    else
                        foreach (object item in (List<object>)data)
                            WriteData(ref writer, element, item);
                    writer.WriteArrayEnd(array);
                    break;
                default:
                    throw new RuntimeError($"dbus: unsupported type {sig}");
            }
        }

        private static DBusType ElementType(char c) => c switch
        {
            'b' => DBusType.Bool, 'y' => DBusType.Byte, 'n' => DBusType.Int16, 'q' => DBusType.UInt16,
            'i' => DBusType.Int32, 'u' => DBusType.UInt32, 'x' => DBusType.Int64, 't' => DBusType.UInt64,
            'd' => DBusType.Double, 's' => DBusType.String, 'o' => DBusType.ObjectPath, 'g' => DBusType.Signature,
            _ => DBusType.Array,
        };

        /// <summary>As `systemctl show` would print simple values, for --debug lines.</summary>
        public override string ToString() => Data switch
        {
            bool b => b ? "yes" : "no",
            List<object> l => string.Join(' ', l),
            byte[] bytes => Convert.ToHexString(bytes),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => Data.ToString() ?? "",
        };
    }

    private enum Tok { Eof, Number, String, Bool, ArrayStart, ArrayEnd, Comma, Type, ByteString, Unsupported }

    private static readonly Dictionary<string, string> TypeKeywords = new()
    {
        ["boolean"] = "b", ["byte"] = "y", ["int16"] = "n", ["uint16"] = "q", ["int32"] = "i", ["uint32"] = "u",
        ["int64"] = "x", ["uint64"] = "t", ["double"] = "f", ["string"] = "s", ["objectpath"] = "o", ["signature"] = "g",
    };

    private static readonly string[] Numeric = ["y", "n", "q", "i", "u", "x", "t", "d"];
    private static readonly string[] Stringy = ["s", "g", "o"];

    private readonly List<(Tok Type, string Text)> _tokens;
    private int _next;

    private GVariantText(string text) => _tokens = Lex(text);

    /// <summary>godbus's ParseVariant(text, no signature): the first value in <paramref name="text"/>, its type inferred.</summary>
    public static Value Parse(string text)
    {
        var parser = new GVariantText(text);
        var node = parser.ReadNode();
        string sig = node.Infer();
        return new Value(sig, node.ValueAs(sig));
    }

    private static List<(Tok, string)> Lex(string s)
    {
        var tokens = new List<(Tok, string)>();
        int i = 0;
        while (true)
        {
            if (i >= s.Length)
            {
                tokens.Add((Tok.Eof, ""));
                return tokens;
            }
            char c = s[i];
            int start = i;
            if (c == '[') { tokens.Add((Tok.ArrayStart, "[")); i++; }
            else if (c == ']') { tokens.Add((Tok.ArrayEnd, "]")); i++; }
            else if (c == ',') { tokens.Add((Tok.Comma, ",")); i++; }
            else if (c is '{' or '}' or '<' or '>' or ':')
            {
                tokens.Add((Tok.Unsupported, c.ToString()));
                i++;
            }
            else if (c is '\'' or '"' || (c == 'b' && i + 1 < s.Length && s[i + 1] is '\'' or '"'))
            {
                bool bytes = c == 'b';
                int q = bytes ? i + 1 : i;
                char quote = s[q];
                int j = q + 1;
                while (true)
                {
                    if (j >= s.Length || (s[j] == '\\' && j + 1 >= s.Length))
                        return Fail(tokens, bytes ? "unterminated bytestring" : "unterminated string");
                    if (s[j] == '\\')
                        j += 2;
                    else if (s[j++] == quote)
                        break;
                }
                tokens.Add((bytes ? Tok.ByteString : Tok.String, s[start..j]));
                i = j;
            }
            else if (char.IsWhiteSpace(c))
                i++;
            else if (char.IsDigit(c) || char.IsNumber(c) || c is '+' or '-')
            {
                int j = i;
                if (s[j] is '+' or '-')
                    j++;
                string digits = "0123456789";
                if (j < s.Length && s[j] == '0')
                {
                    j++;
                    if (j < s.Length && s[j] == 'x')
                    {
                        j++;
                        digits = "0123456789abcdefABCDEF";
                    }
                    else
                        digits = "01234567";
                }
                while (j < s.Length && digits.Contains(s[j]))
                    j++;
                if (j < s.Length && s[j] == '.')
                {
                    j++;
                    while (j < s.Length && digits.Contains(s[j]))
                        j++;
                }
                if (j < s.Length && s[j] is 'e' or 'E')
                {
                    j++;
                    if (j < s.Length && s[j] is '+' or '-')
                        j++;
                    while (j < s.Length && char.IsAsciiDigit(s[j]))
                        j++;
                }
                if (j < s.Length && char.IsLetter(s[j]))
                    return Fail(tokens, $"bad number syntax: {GoQuote(s[start..(j + 1)])}");
                tokens.Add((Tok.Number, s[start..j]));
                i = j;
            }
            else if (i + 4 <= s.Length && string.CompareOrdinal(s, i, "true", 0, 4) == 0)
            {
                tokens.Add((Tok.Bool, "true"));
                i += 4;
            }
            else if (i + 5 <= s.Length && string.CompareOrdinal(s, i, "false", 0, 5) == 0)
            {
                tokens.Add((Tok.Bool, "false"));
                i += 5;
            }
            else
            {
                // A type: up to the next space. (godbus never takes "false" as a boolean.)
                int j = i;
                while (j < s.Length && !char.IsWhiteSpace(s[j]))
                    j++;
                string word = s[i..j];
                if (word.StartsWith('@'))
                {
                    if (!ValidSignature(word[1..]))
                        return Fail(tokens, $"dbus: invalid signature: {GoQuote(word[1..])}");
                }
                else if (!TypeKeywords.ContainsKey(word))
                    return Fail(tokens, $"unrecognized type {GoQuote(word)}");
                tokens.Add((Tok.Type, word));
                i = j;
            }
        }

        static List<(Tok, string)> Fail(List<(Tok, string)> tokens, string error)
        {
            tokens.Add((Tok.Unsupported, "\0" + error));
            return tokens;
        }
    }

    /// <summary>The signatures of the types read here: basic types and arrays of them.</summary>
    private static bool ValidSignature(string sig) =>
        sig.Length > 0 && (sig[0] == 'a' ? ValidSignature(sig[1..]) : sig.Length == 1 && "bynqiuxtdsog".Contains(sig[0]));

    private (Tok Type, string Text) Next() => _next < _tokens.Count ? _tokens[_next++] : (Tok.Eof, "");

    private Node ReadNode()
    {
        string sig = "";
        while (true)
        {
            var (type, text) = Next();
            switch (type)
            {
                case Tok.Eof:
                    throw new RuntimeError("unexpected EOF");
                case Tok.Unsupported when text.StartsWith('\0'):
                    throw new RuntimeError(text[1..]);
                case Tok.Unsupported:
                    throw new RuntimeError($"runcs does not read GVariant dictionaries or variants: unexpected {GoQuote(text)}");
                case Tok.Number:
                    return sig.Length == 0 ? new Node(NodeKind.Number, text, "", null) : new Node(NodeKind.Number, text, sig, NumberAs(text, sig));
                case Tok.String:
                    if (sig.Length > 0 && !Stringy.Contains(sig))
                        throw new RuntimeError($"invalid type {GoQuote(sig)} for string");
                    string str = Unescape(text);
                    return new Node(NodeKind.String, str, sig, sig.Length > 0 ? str : null);
                case Tok.Bool:
                    if (sig.Length > 0 && sig != "b")
                        throw TypeError(text, sig);
                    return new Node(NodeKind.Bool, text, "", text == "true");
                case Tok.ByteString:
                    if (sig.Length > 0 && sig != "ay")
                        throw TypeError(text, sig);
                    return new Node(NodeKind.Bytes, text, "", UnescapeBytes(text));
                case Tok.ArrayStart:
                    return ArrayNode(sig);
                case Tok.Type:
                    if (sig.Length > 0)
                        throw new RuntimeError("unexpected type annotation");
                    sig = text[0] == '@' ? text[1..] : TypeKeywords[text];
                    break;
                default:
                    throw new RuntimeError($"unexpected {GoQuote(text)}");
            }
        }
    }

    private Node ArrayNode(string sig)
    {
        var set = sig.Length > 0 ? new HashSet<string> { sig } : [];
        var children = new List<Node>();
        if (_next < _tokens.Count && _tokens[_next].Type == Tok.ArrayEnd)
        {
            _next++;
            return new Node(NodeKind.Array, "[]", "", null) { Set = set, Children = children };
        }
        while (true)
        {
            var child = ReadNode();
            var childSet = child.Sigs().Select(s => "a" + s).ToHashSet();
            if (childSet.Count > 0)
            {
                if (set.Count == 0)
                    set = childSet;
                else
                {
                    set.IntersectWith(childSet);
                    if (set.Count == 0)
                        throw new RuntimeError($"can't parse {GoQuote(child.Text)} with given type information");
                }
            }
            children.Add(child);
            var (type, text) = Next();
            if (type == Tok.ArrayEnd)
                break;
            if (type == Tok.Eof)
                throw new RuntimeError("unexpected EOF");
            if (type == Tok.Unsupported && text.StartsWith('\0'))
                throw new RuntimeError(text[1..]);
            if (type != Tok.Comma)
                throw new RuntimeError($"unexpected {GoQuote(text)}");
        }
        return new Node(NodeKind.Array, "[" + string.Join(", ", children.Select(c => c.Text)) + "]", "", null) { Set = set, Children = children };
    }

    private enum NodeKind { Number, String, Bool, Bytes, Array }

    private sealed record Node(NodeKind Kind, string Text, string Sig, object? Fixed)
    {
        public HashSet<string> Set { get; init; } = [];
        public List<Node> Children { get; init; } = [];

        public IEnumerable<string> Sigs() => Kind switch
        {
            NodeKind.Number => Sig.Length > 0 ? [Sig] : Text.AsSpan().IndexOfAny('.', 'e') >= 0 ? ["d"] : Numeric,
            NodeKind.String => Sig.Length > 0 ? [Sig] : Stringy,
            NodeKind.Bool => ["b"],
            NodeKind.Bytes => ["ay"],
            _ => Set,
        };

        /// <summary>godbus's varInfer: the only possible signature, else the node's default.</summary>
        public string Infer()
        {
            var sigs = Sigs().ToList();
            if (sigs.Count == 1)
                return sigs[0];
            return Kind switch
            {
                NodeKind.Number => Text.AsSpan().IndexOfAny('.', 'e') >= 0 ? "d" : "i",
                NodeKind.String => "s",
                NodeKind.Array => Children.Count > 0 ? "a" + Children[0].Infer() : throw new RuntimeError($"can't infer type for {GoQuote(Text)}"),
                _ => sigs[0],
            };
        }

        public object ValueAs(string sig)
        {
            switch (Kind)
            {
                case NodeKind.Number:
                    if (Sig.Length > 0 && Sig != sig)
                        throw TypeError(Text, sig);
                    return Fixed ?? NumberAs(Text, sig);
                case NodeKind.String:
                    if ((Sig.Length > 0 && Sig != sig) || !Stringy.Contains(sig))
                        throw TypeError(Text, sig);
                    return Text;
                case NodeKind.Bool:
                    return sig == "b" ? Fixed! : throw TypeError(Text, sig);
                case NodeKind.Bytes:
                    return sig == "ay" ? Fixed! : throw TypeError(Text, sig);
                default:
                    if (Set.Count > 0 && !Set.Contains(sig))
                        throw TypeError(Text, sig);
                    if (sig == "ay" && Children.Count == 0)
                        return Array.Empty<byte>();
                    var items = Children.Select(c => c.ValueAs(sig[1..])).ToList();
                    return sig == "ay" ? items.Select(b => (byte)b).ToArray() : items;
            }
        }
    }

    private static RuntimeError TypeError(string value, string sig) => new($"dbus: can't parse {GoQuote(value)} as type {GoQuote(sig)}");

    /// <summary>godbus's varNumAs: Go's strconv with base 8 after a leading 0, 16 after "0x" (which strconv then refuses).</summary>
    private static object NumberAs(string s, string sig)
    {
        if (sig == "d")
        {
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && !s.Contains('_')
                ? d : throw new RuntimeError($"strconv.ParseFloat: parsing {GoQuote(s)}: invalid syntax");
        }
        (int bits, bool unsigned) = sig switch
        {
            "n" => (16, false),
            "i" => (32, false),
            "x" => (64, false),
            "y" => (8, true),
            "q" => (16, true),
            "u" => (32, true),
            "t" => (64, true),
            _ => throw TypeError(s, sig),
        };
        // strconv with base 0: a sign (signed types only), then "0x" hex or a leading 0 octal.
        string func = unsigned ? "strconv.ParseUint" : "strconv.ParseInt";
        string digits = s;
        bool negative = false;
        if (!unsigned && digits.Length > 0 && digits[0] is '+' or '-')
        {
            negative = digits[0] == '-';
            digits = digits[1..];
        }
        int numberBase = 10;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            numberBase = 16;
            digits = digits[2..];
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            numberBase = 8;
            digits = digits[1..];
        }
        if (digits.Length == 0)
            throw new RuntimeError($"{func}: parsing {GoQuote(s)}: invalid syntax");
        ulong magnitude = 0;
        bool overflow = false;
        foreach (char c in digits)
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigit(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= numberBase)
                throw new RuntimeError($"{func}: parsing {GoQuote(s)}: invalid syntax");
            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)numberBase)
                overflow = true;
            else
                magnitude = magnitude * (ulong)numberBase + (ulong)digit;
        }
        ulong limit = unsigned ? (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1) : (1UL << (bits - 1)) - (negative ? 0UL : 1UL);
        if (overflow || magnitude > limit)
            throw new RuntimeError($"{func}: parsing {GoQuote(s)}: value out of range");
        long signedValue = negative ? unchecked(-(long)magnitude) : unchecked((long)magnitude);
        return sig switch
        {
            "n" => (short)signedValue,
            "i" => (int)signedValue,
            "x" => signedValue,
            "y" => (byte)magnitude,
            "q" => (ushort)magnitude,
            "u" => (uint)magnitude,
            _ => magnitude,
        };
    }

    /// <summary>godbus's varParseString: the quotes off, C-like escapes (\n, \t, \uXXXX, ...) resolved.</summary>
    private static string Unescape(string quoted)
    {
        string s = quoted[1..^1];
        var b = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c != '\\')
            {
                b.Append(c);
                continue;
            }
            c = s[++i];
            switch (c)
            {
                case 'a': b.Append('\a'); break;
                case 'b': b.Append('\b'); break;
                case 'f': b.Append('\f'); break;
                case 'n': b.Append('\n'); break;
                case 'r': b.Append('\r'); break;
                case 't': b.Append('\t'); break;
                case '\n': break;
                case 'u' or 'U':
                    int n = c == 'u' ? 4 : 8;
                    if (s.Length - i - 1 < n)
                        throw new RuntimeError("short unicode escape");
                    if (!uint.TryParse(s.AsSpan(i + 1, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint code))
                        throw new RuntimeError($"strconv.ParseUint: parsing {GoQuote(s.Substring(i + 1, n))}: invalid syntax");
                    b.Append(code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF) ? char.ConvertFromUtf32((int)code) : "\uFFFD");
                    i += n;
                    break;
                default: b.Append(c); break;
            }
        }
        return b.ToString();
    }

    /// <summary>godbus's varParseByteString: b"..." as bytes (escapes \xHH, \0OO and C-like ones), with a trailing NUL.</summary>
    private static byte[] UnescapeBytes(string quoted)
    {
        byte[] s = Encoding.UTF8.GetBytes(quoted[2..^1]);
        var b = new List<byte>(s.Length + 1);
        for (int i = 0; i < s.Length; i++)
        {
            byte c = s[i];
            if (c != '\\')
            {
                b.Add(c);
                continue;
            }
            c = s[++i];
            switch ((char)c)
            {
                case 'a': b.Add(7); break;
                case 'b': b.Add(8); break;
                case 'f': b.Add(12); break;
                case 'n': b.Add((byte)'\n'); break;
                case 'r': b.Add((byte)'\r'); break;
                case 't': b.Add((byte)'\t'); break;
                case 'x' or '0':
                    int n = c == 'x' ? 2 : 3;
                    if (s.Length - i - 1 < n)
                        throw new RuntimeError("short escape");
                    string digits = Encoding.ASCII.GetString(s, i + 1, n);
                    try
                    {
                        int v = Convert.ToInt32(digits, c == 'x' ? 16 : 8);
                        if (v > 255)
                            throw new RuntimeError($"strconv.ParseUint: parsing {GoQuote(digits)}: value out of range");
                        b.Add((byte)v);
                    }
                    catch (FormatException)
                    {
                        throw new RuntimeError($"strconv.ParseUint: parsing {GoQuote(digits)}: invalid syntax");
                    }
                    i += n;
                    break;
                default: b.Add(c); break;
            }
        }
        b.Add(0);
        return [.. b];
    }

    /// <summary>Go's %q for the plain strings seen here.</summary>
    private static string GoQuote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
