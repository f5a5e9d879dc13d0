using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Runcs.Text;

/// <summary>Single-line UTF-8 JSON written by hand (state.json and the parts of a spec it keeps):
/// only what JSON requires is escaped, UTF-8 is written as is, as Go does.</summary>
internal static class CompactJson
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A string map as an object member; nothing when null.</summary>
    public static void StringMap(Utf8JsonWriter w, string name, Dictionary<string, string>? map)
    {
        if (map is null)
            return;
        w.WriteStartObject(name);
        foreach (var (key, value) in map)
            w.WriteString(key, value);
        w.WriteEndObject();
    }
}
