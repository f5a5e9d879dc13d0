namespace Runcs.Oci;

// What is special about a field of the model, for the code generated from it (the JSON reader
// SpecReader.g.cs, the binary codec SpecCodec.g.cs, state.json's writer SpecWriter.g.cs: see
// Runtime.Tests/Generators/SpecCodeGenerator.cs). A field without attributes needs none: its
// [JsonPropertyName] and its C# type (nullable or not) say how it is read, carried and written.

/// <summary>
/// Read by `create`'s parent alone: neither `runcs init` nor a later `exec` reads it, so it is
/// left out of the init request and config.bin.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ParentOnlyAttribute : Attribute;

/// <summary>
/// A JSON null reads as Go's zero value, as runc's encoding/json does, instead of the "must not
/// be null" error: for a value, the default; for a list of objects, a null item reads as a new object.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NullIsZeroValueAttribute : Attribute;
