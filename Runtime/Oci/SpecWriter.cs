using System.Text.Json;
using Runcs.Text;

namespace Runcs.Oci;

/// <summary>
/// The parts of a spec that state.json keeps (linux.resources, hooks), written as compact JSON
/// by hand for the reason <see cref="SpecReader"/> reads by hand: the serializer's metadata would
/// cost every `create` milliseconds. Nulls are left out, as config.json writes them; `runcs spec`
/// still writes whole specs with the source-generated serializer (<see cref="SpecJson"/>). The
/// writer of each type (Write&lt;Type&gt;Fields, SpecWriter.g.cs) is generated from the model.
/// </summary>
internal static partial class SpecWriter
{
    public static byte[] Write(LinuxResources resources) => CompactJson.Write(w => Document(w, resources, WriteLinuxResourcesFields));

    public static byte[] Write(Hooks hooks) => CompactJson.Write(w => Document(w, hooks, WriteHooksFields));

    private static void Document<T>(Utf8JsonWriter w, T value, Action<Utf8JsonWriter, T> writeFields)
    {
        w.WriteStartObject();
        writeFields(w, value);
        w.WriteEndObject();
    }

    // The helpers of the generated Write<Type>Fields (SpecWriter.g.cs): each writes nothing for null.

    private static void Object<T>(Utf8JsonWriter w, string name, T? value, Action<Utf8JsonWriter, T> writeFields) where T : class
    {
        if (value is null) return;
        w.WriteStartObject(name);
        writeFields(w, value);
        w.WriteEndObject();
    }

    private static void List<T>(Utf8JsonWriter w, string name, List<T>? items, Action<Utf8JsonWriter, T> writeFields)
    {
        if (items is null) return;
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            writeFields(w, item);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void ObjectMap<T>(Utf8JsonWriter w, string name, Dictionary<string, T>? map, Action<Utf8JsonWriter, T> writeFields) where T : class
    {
        if (map is null) return;
        w.WriteStartObject(name);
        foreach (var (key, value) in map)
            Object(w, key, value, writeFields);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, List<string>? items)
    {
        if (items is null) return;
        w.WriteStartArray(name);
        foreach (var s in items) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    private static void String(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is bool b) w.WriteBoolean(name, b);
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v);
    }

    private static void Number(Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is ulong v) w.WriteNumber(name, v);
    }
}
