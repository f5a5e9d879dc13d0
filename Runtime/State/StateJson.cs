using System.Text.Json;
using Runcs.Errors;
using Runcs.Text;

namespace Runcs.State;

/// <summary>
/// state.json, read and written with Utf8JsonReader/Utf8JsonWriter directly. Every command
/// reads the state, and most are short-lived: the serializer's metadata for ContainerState
/// (built by reflection over its attributes on first use) cost each of them about 0.5 ms.
/// The format is runcs's own (camelCase, null members left out); unknown members are skipped,
/// so a newer runcs reads an older one's files.
/// </summary>
internal static class StateJson
{
    public static byte[] Write(ContainerState s)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", s.OciVersion);
            w.WriteString("id", s.Id);
            w.WriteNumber("initPid", s.InitPid);
            w.WriteNumber("initStartTime", s.InitStartTime);
            w.WriteString("bundle", s.Bundle);
            w.WriteString("rootfs", s.Rootfs);
            w.WriteString("created", Rfc3339.FormatNano(s.Created));
            w.WriteString("owner", s.Owner);
            WriteMap(w, "annotations", s.Annotations);
            WriteMap(w, "cgroupPaths", s.CgroupPaths);
            WriteRaw(w, "resources", s.ResourcesJson);
            WriteMap(w, "namespacePaths", s.NamespacePaths);
            w.WriteBoolean("rootless", s.Rootless);
            w.WriteBoolean("useSystemdCgroup", s.UseSystemdCgroup);
            WriteRaw(w, "hooks", s.HooksJson);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, Dictionary<string, string>? map)
    {
        if (map is null)
            return;
        w.WriteStartObject(name);
        foreach (var (k, v) in map)
            w.WriteString(k, v);
        w.WriteEndObject();
    }

    private static void WriteRaw(Utf8JsonWriter w, string name, byte[]? json)
    {
        if (json is null)
            return;
        w.WritePropertyName(name);
        w.WriteRawValue(json, skipInputValidation: true);
    }

    /// <summary>Parses a state file; a malformed one is a RuntimeError saying what is wrong.</summary>
    public static ContainerState Read(ReadOnlySpan<byte> data)
    {
        var r = new Utf8JsonReader(data);
        var s = new ContainerState();
        try
        {
            Expect(ref r, JsonTokenType.StartObject);
            while (Next(ref r) == JsonTokenType.PropertyName)
            {
                string name = r.GetString()!;
                Next(ref r);
                switch (name)
                {
                    case "ociVersion": s.OciVersion = Str(ref r); break;
                    case "id": s.Id = Str(ref r); break;
                    case "initPid": s.InitPid = r.GetInt32(); break;
                    case "initStartTime": s.InitStartTime = r.GetUInt64(); break;
                    case "bundle": s.Bundle = Str(ref r); break;
                    case "rootfs": s.Rootfs = Str(ref r); break;
                    case "created":
                        string created = Str(ref r);
                        s.Created = Rfc3339.TryParse(created, out var t) ? t : throw new JsonException($"created: invalid RFC 3339 time {created}");
                        break;
                    case "owner": s.Owner = Str(ref r); break;
                    case "annotations": s.Annotations = Map(ref r); break;
                    case "cgroupPaths": s.CgroupPaths = Map(ref r); break;
                    case "resources": s.ResourcesJson = Raw(ref r, data); break;
                    case "namespacePaths": s.NamespacePaths = Map(ref r); break;
                    case "rootless": s.Rootless = r.GetBoolean(); break;
                    case "useSystemdCgroup": s.UseSystemdCgroup = r.GetBoolean(); break;
                    case "hooks": s.HooksJson = Raw(ref r, data); break;
                    default: r.Skip(); break;
                }
            }
            if (r.TokenType != JsonTokenType.EndObject)
                throw new JsonException("expected a member name or '}'");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RuntimeError(e.Message, e);
        }
        return s;
    }

    private static JsonTokenType Next(ref Utf8JsonReader r) =>
        r.Read() ? r.TokenType : throw new JsonException("unexpected end of data");

    private static void Expect(ref Utf8JsonReader r, JsonTokenType type)
    {
        if (Next(ref r) != type)
            throw new JsonException($"expected {type}, found {r.TokenType}");
    }

    private static string Str(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetString()! : throw new JsonException($"expected a string, found {r.TokenType}");

    private static Dictionary<string, string>? Map(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null)
            return null;
        if (r.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"expected an object, found {r.TokenType}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            string key = r.GetString()!;
            Next(ref r);
            map[key] = Str(ref r);
        }
        return map;
    }

    /// <summary>The current value's JSON text, parsed only when a command needs it.</summary>
    private static byte[]? Raw(ref Utf8JsonReader r, ReadOnlySpan<byte> data)
    {
        if (r.TokenType == JsonTokenType.Null)
            return null;
        int start = (int)r.TokenStartIndex;
        r.Skip();
        return data[start..(int)r.BytesConsumed].ToArray();
    }
}
