namespace Runcs.Oci;

/// <summary>Readable wording for System.Text.Json's reader (syntax) errors.</summary>
internal static class JsonReaderMessages
{
    /// <summary>The exception text without System.Text.Json's " Path: ... | LineNumber: ..." suffix.</summary>
    public static string Reason(string message)
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
}
