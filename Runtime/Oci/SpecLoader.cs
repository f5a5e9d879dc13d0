using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.Oci;

/// <summary>Reads config.json, exec --process and update --resources JSON into the model. Every
/// failure is a <see cref="ConfigError"/> naming the file, and the JSON path or line and column.</summary>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Reads and parses bundleDir/config.json (it is not validated: see <see cref="SpecValidator"/>).</summary>
    public static Spec Load(string bundleDir)
    {
        string path = Path.Combine(bundleDir, ConfigFileName);
        byte[] bytes;
        try
        {
            bytes = SmallFile.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // runc: "JSON specification file config.json not found"
            throw new ConfigError(ConfigFileName, "", "JSON specification file config.json not found");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigError(ConfigFileName, "", $"cannot read {path}: permission denied");
        }
        catch (IOException e)
        {
            throw new ConfigError(ConfigFileName, "", $"cannot read {path}: {e.Message}");
        }
        return ParseSpec(ConfigFileName, bytes);
    }

    /// <summary>Parses a whole config.json document; <paramref name="file"/> names it in errors.</summary>
    public static Spec ParseSpec(string file, ReadOnlySpan<byte> utf8Json) =>
        Parse(file, utf8Json, SpecJson.Tabs.Spec);

    public static Spec ParseSpec(string file, string json) =>
        Parse(file, System.Text.Encoding.UTF8.GetBytes(json), SpecJson.Tabs.Spec);

    /// <summary>Parses a bare process object (exec --process FILE).</summary>
    public static Process ParseProcess(string file, string json) =>
        Parse(file, System.Text.Encoding.UTF8.GetBytes(json), SpecJson.Tabs.Process);

    /// <summary>Parses a bare resources object (update --resources FILE, or "-" for stdin).</summary>
    public static LinuxResources ParseResources(string source, string json) =>
        Parse(source, System.Text.Encoding.UTF8.GetBytes(json), SpecJson.Tabs.LinuxResources);

    private static T Parse<T>(string file, ReadOnlySpan<byte> utf8Json, JsonTypeInfo<T> typeInfo) where T : class
    {
        // A UTF-8 byte order mark is skipped, as a courtesy (Go would reject it).
        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8Json = utf8Json[3..];
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(utf8Json, typeInfo);
        }
        catch (JsonException e)
        {
            throw Describe(file, e);
        }
        return value ?? throw new ConfigError(file, "", "invalid JSON: expected an object, found null");
    }

    /// <summary>Turns a System.Text.Json exception into a ConfigError: syntax errors give the line
    /// and column, type errors the JSON path of the field.</summary>
    internal static ConfigError Describe(string file, JsonException e)
    {
        long line = (e.LineNumber ?? 0) + 1;
        long column = (e.BytePositionInLine ?? 0) + 1;
        string path = TrimPath(e.Path);
        // Syntax errors come from the reader, wrapped as the inner exception.
        if (e.InnerException is JsonException reader)
        {
            return new ConfigError(file, "", $"invalid JSON at line {line}, column {column}: {Reason(reader.Message)}");
        }
        if (IsSyntaxMessage(e.Message))
        {
            return new ConfigError(file, "", $"invalid JSON at line {line}, column {column}: {Reason(e.Message)}");
        }
        if (e.Message.Contains("DisallowNull", StringComparison.Ordinal) ||
            e.Message.Contains("allow setting null", StringComparison.Ordinal))
        {
            return new ConfigError(file, path, $"must not be null (line {line}, column {column})");
        }
        string expected = ExpectedType(e.Message);
        string problem = expected.Length > 0
            ? $"invalid value, expected {expected} (line {line}, column {column})"
            : $"invalid value: {Reason(e.Message)} (line {line}, column {column})";
        return new ConfigError(file, path, problem);
    }

    private static bool IsSyntaxMessage(string message) =>
        message.Contains("does not contain any JSON tokens", StringComparison.Ordinal) ||
        message.Contains("ExpectedJsonTokens", StringComparison.Ordinal) ||
        message.Contains("incomplete", StringComparison.OrdinalIgnoreCase);

    private static string TrimPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "";
        if (path.StartsWith("$.", StringComparison.Ordinal)) return path[2..];
        if (path.StartsWith('$')) return path[1..];
        return path;
    }

    /// <summary>The exception text without System.Text.Json's " Path: ... | LineNumber: ..." suffix.</summary>
    private static string Reason(string message)
    {
        int cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        return FromResourceKey(message.TrimEnd()).TrimEnd('.');
    }

    /// <summary>
    /// In the NativeAOT build (UseSystemResourceKeys) System.Text.Json's reader messages are bare
    /// resource keys ("ExpectedStartOfValueNotFound, }"): give the common ones readable wording.
    /// </summary>
    private static string FromResourceKey(string message)
    {
        int comma = message.IndexOf(',');
        string key = comma < 0 ? message : message[..comma];
        foreach (char c in key)
            if (!char.IsAsciiLetterOrDigit(c)) return message; // a real sentence, not a key
        string arg = comma < 0 ? "" : message[(comma + 1)..].Trim();
        return key switch
        {
            "ExpectedStartOfValueNotFound" => $"'{arg}' is an invalid start of a value",
            "ExpectedEndAfterSingleJson" => $"'{arg}' is invalid after a single JSON value, expected end of data",
            "ExpectedSeparatorAfterPropertyNameNotFound" => $"'{arg}' is invalid after a property name, expected a ':'",
            "ExpectedStartOfPropertyNotFound" => $"'{arg}' is an invalid start of a property name, expected a '\"'",
            "ExpectedStartOfPropertyOrValueNotFound" => "expected start of a property name or value, but reached end of data",
            "ExpectedValueAfterPropertyNameNotFound" => "expected a value, but reached end of data",
            "FoundInvalidCharacter" => $"'{arg}' is invalid after a value, expected ',', '}}' or ']'",
            "InvalidCharacterWithinString" => $"'{arg}' is invalid within a JSON string (it must be escaped)",
            "InvalidCharacterAfterEscapeWithinString" => $"'{arg}' is an invalid escape within a JSON string",
            "InvalidHexCharacterWithinString" => $"'{arg}' is not a hex digit of a \\u escape",
            "EndOfStringNotFound" => "unterminated string: reached end of data",
            "ZeroDepthAtEnd" => "unexpected end of data: an object or array is not closed",
            "MismatchedObjectArray" => $"'{arg}' has no matching open bracket",
            "ExpectedJsonTokens" => "the input contains no JSON value",
            "ExpectedTrue" => $"'{arg}' is an invalid literal, expected 'true'",
            "ExpectedFalse" => $"'{arg}' is an invalid literal, expected 'false'",
            "ExpectedNull" => $"'{arg}' is an invalid literal, expected 'null'",
            "TrailingCommaNotAllowedBeforeArrayEnd" => "trailing comma before ']'",
            "TrailingCommaNotAllowedBeforeObjectEnd" => "trailing comma before '}'",
            "RequiredDigitNotFoundAfterSign" or "RequiredDigitNotFoundAfterDecimal" or "RequiredDigitNotFoundEndOfData"
                or "ExpectedEndOfDigitNotFound" or "ExpectedNextDigitEValueNotFound" => $"invalid number{(arg.Length > 0 ? $" near '{arg}'" : "")}",
            "ObjectDepthTooLarge" or "ArrayDepthTooLarge" or "DepthTooLarge" => "nesting is too deep",
            "CannotReadInvalidUTF8" or "CannotReadInvalidUTF16" or "CannotTranscodeInvalidUtf8" => "invalid UTF-8",
            _ => message,
        };
    }

    /// <summary>The Go-like name of the type a conversion error expected, from the exception text
    /// ("could not be converted to System.UInt32" → "uint32").</summary>
    private static string ExpectedType(string message)
    {
        int i = message.IndexOf("System.", StringComparison.Ordinal);
        int j = message.IndexOf("Runcs.Oci.", StringComparison.Ordinal);
        if (j >= 0 && (i < 0 || j < i)) return "an object";
        if (i < 0) return "";
        int end = i + "System.".Length;
        while (end < message.Length && (char.IsLetterOrDigit(message[end]) || message[end] == '.' || message[end] == '`')) end++;
        string type = message[(i + "System.".Length)..end].TrimEnd('.');
        if (type.StartsWith("Collections.Generic.List", StringComparison.Ordinal)) return "an array";
        if (type.StartsWith("Collections.Generic.Dictionary", StringComparison.Ordinal)) return "an object";
        if (type.StartsWith("Nullable", StringComparison.Ordinal))
        {
            // "System.Nullable`1[System.UInt32]"
            int k = message.IndexOf("[System.", end, StringComparison.Ordinal);
            if (k < 0) return "";
            int s = k + "[System.".Length;
            int e2 = message.IndexOf(']', s);
            if (e2 < 0) return "";
            type = message[s..e2];
        }
        return type switch
        {
            "String" => "a string",
            "Boolean" => "a boolean",
            "Byte" => "a uint8 number",
            "UInt16" => "a uint16 number",
            "UInt32" => "a uint32 number",
            "UInt64" => "a uint64 number",
            "Int16" => "an int16 number",
            "Int32" => "an int32 number",
            "Int64" => "an int64 number",
            _ => "",
        };
    }
}
