using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runcs.Oci;

/// <summary>
/// Source-generated (reflection-free, AOT-safe) JSON metadata for the OCI documents. Use the
/// configured instances in <see cref="SpecJson"/> rather than <c>Default</c>: they add Go-like
/// escaping (only what JSON requires; UTF-8 written as is).
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    RespectNullableAnnotations = true,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(Process))]
[JsonSerializable(typeof(LinuxResources))]
[JsonSerializable(typeof(Features))]
public sealed partial class SpecJsonContext : JsonSerializerContext;

/// <summary>The configured JSON contexts.</summary>
public static class SpecJson
{
    /// <summary>runc's config.json format (`runc spec`): tab indent, as Go's json.MarshalIndent(v, "", "\t").
    /// Reading matches field names case-insensitively, as Go's encoding/json does.</summary>
    public static SpecJsonContext Tabs => s_tabs ??= new(CreateOptions('\t', 1));

    /// <summary>4-space indent (`runc features`).</summary>
    public static SpecJsonContext FourSpaces => s_fourSpaces ??= new(CreateOptions(' ', 4));

    /// <summary>Single-line output (state files, logs, ...).</summary>
    public static SpecJsonContext Compact => s_compact ??= new(CreateOptions(null, 0));

    // Created on first use (start-up time matters); a race only builds one twice.
    private static SpecJsonContext? s_tabs, s_fourSpaces, s_compact;

    private static JsonSerializerOptions CreateOptions(char? indentChar, int indentSize)
    {
        var o = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NewLine = "\n",
            // JSON null for a non-nullable property (e.g. "user": null) is an error, not a null
            // the runtime would trip over later.
            RespectNullableAnnotations = true,
        };
        if (indentChar is char c)
        {
            o.WriteIndented = true;
            o.IndentCharacter = c;
            o.IndentSize = indentSize;
        }
        return o;
    }

    /// <summary>Serializes a spec as runc writes config.json (tabs, no trailing newline).</summary>
    public static string Serialize(Spec spec) => JsonSerializer.Serialize(spec, Tabs.Spec);

    public static string Serialize(Process process) => JsonSerializer.Serialize(process, Tabs.Process);

    public static string Serialize(LinuxResources resources) => JsonSerializer.Serialize(resources, Tabs.LinuxResources);
}
