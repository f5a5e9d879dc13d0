using Runcs.Errors;
using Runcs.Oci;
using Runcs.Text;

namespace Runcs.Protocol;

/// <summary>
/// The config in <see cref="CompactWriter"/> form, limited to what `runcs init` and `exec` read
/// (the fields not marked [ParentOnly] in the model): in the init request, and in config.bin.
/// Write&lt;Type&gt; and Read&lt;Type&gt; (SpecCodec.g.cs) are generated from the model, so both
/// halves list the same fields in the same order. config.bin is read by later commands, maybe of
/// another runcs build: it starts with a header (magic, then the hash of the generated layout),
/// and a file without this build's header is never decoded.
/// </summary>
internal static partial class SpecCodec
{
    private static ReadOnlySpan<byte> Magic => "runcscfg"u8;
    private const int HeaderBytes = 8 + 4;

    /// <summary>config.bin's bytes: the header, then the config.</summary>
    public static byte[] Encode(Spec spec)
    {
        var w = new CompactWriter();
        w.Bytes(Magic);
        w.UInt(Layout);
        WriteSpec(w, spec);
        return w.Written.ToArray();
    }

    /// <summary>
    /// Reads config.bin. Null, with the reason, when this build did not write it (no runcs header:
    /// a runcs from before the header, or not a runcs file at all; or another layout): the caller
    /// falls back to the bundle's config. A file with this build's header that does not decode is
    /// damaged: a <see cref="RuntimeError"/>.
    /// </summary>
    public static Spec? Decode(byte[] data, out string? otherFormat)
    {
        otherFormat = null;
        if (data.Length < HeaderBytes || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            otherFormat = "it has no runcs config header";
            return null;
        }
        var r = new CompactReader(data, Magic.Length);
        uint layout = r.UInt();
        if (layout != Layout)
        {
            otherFormat = $"it was written by another version of runcs (layout {layout:x8}, this runcs reads {Layout:x8})";
            return null;
        }
        try
        {
            var spec = ReadSpec(r);
            r.End();
            return spec;
        }
        catch (RuntimeError e)
        {
            throw new RuntimeError($"damaged ({e.Message})", e);
        }
    }

    /// <summary>The config inside the init request (both ends are this build: no header).</summary>
    public static void Write(CompactWriter w, Spec spec) => WriteSpec(w, spec);

    public static Spec Read(CompactReader r) => ReadSpec(r);
}
