namespace Runcs.Oci;

/// <summary>
/// config.json (and exec's process.json, update's resources) into the model, by hand over
/// <see cref="JsonCursor"/>. System.Text.Json's serializer builds metadata for each type it meets
/// (about 80 µs a type, and its attribute lookups start the reflection runtime): for the ~40
/// types of a spec that cost every `create` and `run` 2 to 4 ms and 2 MB of RSS. Names are
/// matched case-insensitively and unknown fields skipped, as Go's encoding/json does. The reader
/// of each model type (Parse&lt;Type&gt;, in SpecReader.g.cs) is generated from the model's
/// declarations by Runtime.Tests/Generators/SpecCodeGenerator.cs: a new field needs only its
/// declaration (SpecReaderTests checks that a spec with every field set reads back whole).
/// </summary>
internal static partial class SpecReader
{
    public static Spec ReadSpec(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, ParseSpec);

    public static Process ReadProcess(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, ParseProcess);

    public static LinuxResources ReadResources(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, ParseLinuxResources);

    public static Hooks ReadHooks(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, ParseHooks);
}
