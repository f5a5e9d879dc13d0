using System.Buffers.Binary;
using System.Text;
using Runcs.Errors;

namespace Runcs.Text;

/// <summary>
/// A minimal length-prefixed binary encoding (little-endian integers, UTF-8 strings, -1 for
/// null) for messages between two copies of this binary, where JSON's metadata cold start is
/// pure cost: no schema evolution, both ends are the same build (config.bin, which a later
/// runcs may read, starts with a header naming its layout: see SpecCodec).
/// </summary>
public sealed class CompactWriter
{
    private byte[] _buffer = new byte[4096];
    private int _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    private Span<byte> Reserve(int n)
    {
        if (_length + n > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }

    public void Int(int v) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v);
    public void Long(long v) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v);
    public void UInt(uint v) => Int((int)v);
    public void ULong(ulong v) => Long((long)v);
    public void Bool(bool v) => Reserve(1)[0] = v ? (byte)1 : (byte)0;

    /// <summary>Whether an optional value follows; returns hasValue for `if (w.Present(x)) ...`.</summary>
    public bool Present(bool hasValue)
    {
        Bool(hasValue);
        return hasValue;
    }

    public void String(string? s)
    {
        if (s is null)
        {
            Int(-1);
            return;
        }
        int n = Encoding.UTF8.GetByteCount(s);
        Int(n);
        Encoding.UTF8.GetBytes(s, Reserve(n));
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    // Concrete collection types: their enumerators are structs (no allocation per list).
    public void Strings(List<string>? list)
    {
        Int(list?.Count ?? -1);
        if (list is null)
            return;
        foreach (string s in list)
            String(s);
    }

    public void List<T>(List<T>? list, Action<CompactWriter, T> item)
    {
        Int(list?.Count ?? -1);
        if (list is null)
            return;
        foreach (var x in list)
            item(this, x);
    }

    public void Map(Dictionary<string, string>? map) => Map(map, static (w, v) => w.String(v));

    public void Map<T>(Dictionary<string, T>? map, Action<CompactWriter, T> value)
    {
        Int(map?.Count ?? -1);
        if (map is null)
            return;
        foreach (var (k, v) in map)
        {
            String(k);
            value(this, v);
        }
    }
}

/// <summary>
/// Reads what <see cref="CompactWriter"/> wrote; a short buffer is an error, never a guess, and
/// so is a count larger than the bytes left (damaged data never makes a huge allocation).
/// </summary>
public sealed class CompactReader(byte[] data, int start = 0)
{
    private int _at = start;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > data.Length - _at)
            throw new RuntimeError("compact binary data: truncated");
        var span = data.AsSpan(_at, n);
        _at += n;
        return span;
    }

    public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public uint UInt() => (uint)Int();
    public ulong ULong() => (ulong)Long();
    public bool Bool() => Take(1)[0] != 0;
    public bool Present() => Bool();

    public string? NullableString()
    {
        int n = Int();
        return n < 0 ? null : Encoding.UTF8.GetString(Take(n));
    }

    public string String() => NullableString() ?? "";

    public List<string>? Strings() => List(static r => r.String());

    public List<T>? List<T>(Func<CompactReader, T> item)
    {
        int n = Count();
        if (n < 0)
            return null;
        var list = new List<T>(n);
        for (int i = 0; i < n; i++)
            list.Add(item(this));
        return list;
    }

    public Dictionary<string, string>? Map() => Map(static r => r.String());

    public Dictionary<string, T>? Map<T>(Func<CompactReader, T> value)
    {
        int n = Count();
        if (n < 0)
            return null;
        var map = new Dictionary<string, T>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string key = String();
            map[key] = value(this);
        }
        return map;
    }

    /// <summary>A list's or map's count (-1: null); each item takes at least one byte.</summary>
    private int Count()
    {
        int n = Int();
        if (n < -1 || n > data.Length - _at)
            throw new RuntimeError("compact binary data: truncated");
        return n;
    }

    /// <summary>Everything was consumed: the two ends agree on the layout.</summary>
    public void End()
    {
        if (_at != data.Length)
            throw new RuntimeError("compact binary data: trailing bytes");
    }
}
