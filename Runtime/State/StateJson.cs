using System.Text.Json;
using System.Text.Json.Serialization;
using Runcs.Text;

namespace Runcs.State;

/// <summary>Source-generated (reflection-free) serializer for state.json.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerState))]
internal sealed partial class StateJsonContext : JsonSerializerContext
{
}

/// <summary>Reads and writes <see cref="ContainerState.Created"/> as Go's time.RFC3339Nano.</summary>
internal sealed class Rfc3339JsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException("created: expected an RFC 3339 string");
        var s = reader.GetString()!;
        if (!Rfc3339.TryParse(s, out var value))
            throw new JsonException($"created: invalid RFC 3339 time {s}");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteStringValue(Rfc3339.FormatNano(value));
}
