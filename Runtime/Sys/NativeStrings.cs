using System.Runtime.InteropServices;
using System.Text;

namespace Runcs.Sys;

/// <summary>NUL-terminated UTF-8 strings and string arrays in native memory, freed together.</summary>
public sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<nint> _blocks = [];

    public byte* String(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)Alloc(n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    public byte** Array(IReadOnlyList<string> items)
    {
        byte** arr = (byte**)Alloc((items.Count + 1) * sizeof(nint));
        for (int i = 0; i < items.Count; i++)
            arr[i] = String(items[i]);
        arr[items.Count] = null;
        return arr;
    }

    private nint Alloc(int size)
    {
        nint p = (nint)NativeMemory.Alloc((nuint)size);
        _blocks.Add(p);
        return p;
    }

    public void Dispose()
    {
        foreach (nint p in _blocks)
            NativeMemory.Free((void*)p);
        _blocks.Clear();
    }
}
