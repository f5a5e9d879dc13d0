using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runcs.Oci;

/// <summary>
/// Source-generated (reflection-free, AOT-safe) JSON metadata for the OCI documents runcs
/// prints: `runcs spec` and `runcs features`. Documents are read by hand (<see cref="SpecReader"/>):
/// this metadata costs milliseconds to build, which those two commands can afford and
/// `create` cannot. Use the configured instances in <see cref="SpecJson"/> rather than
/// <c>Default</c>: they add Go-like escaping (only what JSON requires; UTF-8 written as is).
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(Features))]
public sealed partial class SpecJsonContext : JsonSerializerContext;

/// <summary>The configured JSON contexts.</summary>
public static class SpecJson
{
    /// <summary>runc's config.json format (`runc spec`): tab indent, as Go's json.MarshalIndent(v, "", "\t").</summary>
    public static SpecJsonContext Tabs => s_tabs ??= new(CreateOptions('\t', 1));

    /// <summary>4-space indent (`runc features`).</summary>
    public static SpecJsonContext FourSpaces => s_fourSpaces ??= new(CreateOptions(' ', 4));

    // Created on first use (start-up time matters); a race only builds one twice.
    private static SpecJsonContext? s_tabs, s_fourSpaces;

    private static JsonSerializerOptions CreateOptions(char indentChar, int indentSize) => new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
        WriteIndented = true,
        IndentCharacter = indentChar,
        IndentSize = indentSize,
    };

    /// <summary>Serializes a spec as runc writes config.json (tabs, no trailing newline).</summary>
    public static string Serialize(Spec spec) => JsonSerializer.Serialize(spec, Tabs.Spec);
}
