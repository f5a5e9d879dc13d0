using System.Text;
using System.Text.Json;
using Runcs.Errors;

namespace Runcs.Oci;

/// <summary>
/// A forward-only walk over one JSON document for <see cref="SpecReader"/>: typed reads of the
/// current value, with the JSON path of that value kept so that every error is a
/// <see cref="ConfigError"/> naming the file, the path, and the line and column. Property names
/// match case-insensitively (as Go's encoding/json does): <see cref="NextProperty"/> gives them
/// lower-cased. Methods read the current token; <see cref="NextProperty"/> and the list and map
/// readers move to the next value.
/// </summary>
internal ref struct JsonCursor
{
    public delegate T Item<T>(ref JsonCursor c);

    private Utf8JsonReader _reader;
    private readonly ReadOnlySpan<byte> _json;
    private readonly string _file;
    // One entry per enclosing object (its current property name) or array (its current index).
    private readonly List<(string? Name, int Index)> _path = [];
    // The entry of an object whose next name is being decoded: errors then name the object.
    private const int NameNotRead = -1;

    private JsonCursor(string file, ReadOnlySpan<byte> json)
    {
        _file = file;
        _json = json;
        _reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
    }

    /// <summary>Reads a whole document that must be one JSON object.</summary>
    public static T ReadDocument<T>(string file, ReadOnlySpan<byte> utf8Json, Item<T> readFields) where T : class
    {
        var c = new JsonCursor(file, utf8Json);
        try
        {
            if (!c._reader.Read())
                throw new ConfigError(file, "", "invalid JSON at line 1, column 1: the input contains no JSON value");
            if (c.IsNull)
                throw new ConfigError(file, "", "invalid JSON: expected an object, found null");
            T value = c.Object(readFields);
            // Anything after the object but white space is a syntax error of the reader.
            c._reader.Read();
            return value;
        }
        catch (JsonException e)
        {
            throw new ConfigError(file, "", $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {JsonReaderMessages.Reason(e.Message)}");
        }
    }

    public readonly bool IsNull => _reader.TokenType == JsonTokenType.Null;

    /// <summary>Moves to the next property of the current object and to its value; false at its end.</summary>
    public bool NextProperty(out string lowerCaseName)
    {
        _reader.Read();
        if (_reader.TokenType == JsonTokenType.EndObject)
        {
            lowerCaseName = "";
            return false;
        }
        _path[^1] = (null, NameNotRead);
        string name = Text();
        _path[^1] = (name, 0);
        _reader.Read();
        lowerCaseName = name.ToLowerInvariant();
        return true;
    }

    /// <summary>Skips the current value (an unknown field).</summary>
    public void Skip() => _reader.Skip();

    /// <summary>The current value's JSON text, to be parsed later; null for JSON null.</summary>
    public byte[]? OptRawValue()
    {
        if (IsNull) return null;
        int start = (int)_reader.TokenStartIndex;
        _reader.Skip();
        return _json[start..(int)_reader.BytesConsumed].ToArray();
    }

    public T Object<T>(Item<T> readFields) where T : class => OptObject(readFields) ?? throw NotNull();

    public T? OptObject<T>(Item<T> readFields) where T : class
    {
        if (IsNull) return null;
        Expect(JsonTokenType.StartObject, "an object");
        _path.Add((null, 0));
        T value = readFields(ref this);
        _path.RemoveAt(_path.Count - 1);
        return value;
    }

    public List<T>? OptList<T>(Item<T> readItem)
    {
        if (IsNull) return null;
        Expect(JsonTokenType.StartArray, "an array");
        var list = new List<T>();
        _path.Add((null, 0));
        while (_reader.Read() && _reader.TokenType != JsonTokenType.EndArray)
        {
            _path[^1] = (null, list.Count);
            list.Add(readItem(ref this));
        }
        _path.RemoveAt(_path.Count - 1);
        return list;
    }

    /// <summary>A list of objects; a null entry is an error here (`uidMappings: [null]`), so no
    /// reader of the model meets one.</summary>
    public List<T>? OptObjects<T>(Item<T> readFields) where T : class =>
        OptList((ref JsonCursor c) => c.Object(readFields));

    public List<string>? OptStrings() => OptList(static (ref JsonCursor c) => c.String());

    public List<uint>? OptUInts() => OptList(static (ref JsonCursor c) => c.UInt());

    public Dictionary<string, T>? OptMap<T>(Item<T> readValue)
    {
        if (IsNull) return null;
        Expect(JsonTokenType.StartObject, "an object");
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        _path.Add((null, 0));
        while (_reader.Read() && _reader.TokenType != JsonTokenType.EndObject)
        {
            _path[^1] = (null, NameNotRead);
            string key = Text();
            _path[^1] = (key, 0);
            _reader.Read();
            map[key] = readValue(ref this);
        }
        _path.RemoveAt(_path.Count - 1);
        return map;
    }

    /// <summary>A map of objects; a null value is an error, as in <see cref="OptObjects"/>.</summary>
    public Dictionary<string, T>? OptObjectMap<T>(Item<T> readFields) where T : class =>
        OptMap((ref JsonCursor c) => c.Object(readFields));

    public Dictionary<string, string>? OptStringMap() => OptMap(static (ref JsonCursor c) => c.String());

    public string String() => OptString() ?? throw NotNull();

    public string? OptString() =>
        IsNull ? null
        : _reader.TokenType == JsonTokenType.String ? Text()
        : throw Invalid("a string");

    public bool Bool() => _reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Invalid("a boolean"),
    };

    public bool? OptBool() => IsNull ? null : Bool();

    // Numbers: only a JSON number whose text is an integer in range (no fraction, exponent or quotes), as Go.
    private readonly bool IsNumber => _reader.TokenType == JsonTokenType.Number;

    public ushort UShort() => IsNumber && _reader.TryGetUInt16(out ushort v) ? v : throw Invalid("a uint16 number");
    public ushort? OptUShort() => IsNull ? null : UShort();
    public int Int() => IsNumber && _reader.TryGetInt32(out int v) ? v : throw Invalid("an int32 number");
    public int? OptInt() => IsNull ? null : Int();
    public uint UInt() => IsNumber && _reader.TryGetUInt32(out uint v) ? v : throw Invalid("a uint32 number");
    public uint? OptUInt() => IsNull ? null : UInt();
    public long Long() => IsNumber && _reader.TryGetInt64(out long v) ? v : throw Invalid("an int64 number");
    public long? OptLong() => IsNull ? null : Long();
    public ulong ULong() => IsNumber && _reader.TryGetUInt64(out ulong v) ? v : throw Invalid("a uint64 number");
    public ulong? OptULong() => IsNull ? null : ULong();

    /// <summary>
    /// The bound on one string or name, in the document's bytes (escapes counted as written): a
    /// MiB, eight times the kernel's limit on one argument or environment string.
    /// </summary>
    public const int MaxStringBytes = 1 << 20;

    /// <summary>
    /// The current string or property name; the reader only checks its UTF-8 when it is decoded.
    /// A NUL cannot reach a path, argument or name the kernel takes: refused here, for every field.
    /// </summary>
    private readonly string Text()
    {
        if (_reader.ValueSpan.Length > MaxStringBytes)
            throw new ConfigError(_file, Path(), $"the string is {_reader.ValueSpan.Length} bytes long, more than the limit of {MaxStringBytes >> 20} MiB ({Position()})");
        string text;
        try
        {
            text = _reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid("valid UTF-8 text (no lone surrogate escapes)");
        }
        if (text.Contains('\0'))
            throw new ConfigError(_file, Path(), $"must not contain a NUL character ({Position()})");
        return text;
    }

    private readonly void Expect(JsonTokenType type, string what)
    {
        if (_reader.TokenType != type) throw Invalid(what);
    }

    private readonly ConfigError Invalid(string expected) =>
        new(_file, Path(), $"invalid value, expected {expected} ({Position()})");

    /// <summary>The error for a null where the model has no null.</summary>
    public readonly ConfigError NotNull() => new(_file, Path(), $"must not be null ({Position()})");

    /// <summary>"line L, column C" just after the current token, where the reader stands.</summary>
    private readonly string Position()
    {
        var before = _json[..(int)_reader.BytesConsumed];
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return $"line {before.Count((byte)'\n') + 1}, column {before.Length - lineStart + 1}";
    }

    /// <summary>The JSON path of the current value: "process.args[2]", "linux.sysctl['net.ipv4.ip_forward']".</summary>
    private readonly string Path()
    {
        var sb = new StringBuilder();
        foreach (var (name, index) in _path)
        {
            if (index == NameNotRead)
                continue;
            if (name is null)
                sb.Append('[').Append(index).Append(']');
            else if (name.AsSpan().ContainsAnyExcept(PlainNameChars))
                sb.Append("['").Append(name).Append("']");
            else
                sb.Append(sb.Length == 0 ? "" : ".").Append(name);
        }
        return sb.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> PlainNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}
