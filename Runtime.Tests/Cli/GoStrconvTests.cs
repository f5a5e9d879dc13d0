using Runcs.Text;
using Xunit;

namespace Runcs.Tests.Cli;

public class GoStrconvTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("-42", -42L)]
    [InlineData("+42", 42L)]
    [InlineData("0x1F", 31L)]
    [InlineData("0X1f", 31L)]
    [InlineData("017", 15L)]
    [InlineData("0o17", 15L)]
    [InlineData("0b11", 3L)]
    [InlineData("1_000_000", 1000000L)]
    [InlineData("0x_1f", 31L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void ParseIntBase0(string s, long expected)
    {
        Assert.Equal(NumParseError.None, GoStrconv.ParseInt(s, 0, 64, out long v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("", NumParseError.Syntax)]
    [InlineData("-", NumParseError.Syntax)]
    [InlineData("abc", NumParseError.Syntax)]
    [InlineData("1.5", NumParseError.Syntax)]
    [InlineData("0x", NumParseError.Syntax)]
    [InlineData("08", NumParseError.Syntax)]
    [InlineData("_1", NumParseError.Syntax)]
    [InlineData("1__0", NumParseError.Syntax)]
    [InlineData("10_", NumParseError.Syntax)]
    [InlineData(" 1", NumParseError.Syntax)]
    [InlineData("9223372036854775808", NumParseError.Range)]
    [InlineData("-9223372036854775809", NumParseError.Range)]
    [InlineData("99999999999999999999", NumParseError.Range)]
    public void ParseIntErrors(string s, NumParseError expected) =>
        Assert.Equal(expected, GoStrconv.ParseInt(s, 0, 64, out _));

    [Fact]
    public void Base10RejectsPrefixesAndUnderscores()
    {
        Assert.Equal(NumParseError.Syntax, GoStrconv.ParseInt("0x10", 10, 64, out _));
        Assert.Equal(NumParseError.Syntax, GoStrconv.ParseInt("1_0", 10, 64, out _));
        Assert.Equal(NumParseError.None, GoStrconv.ParseInt("010", 10, 64, out long v));
        Assert.Equal(10, v);
    }

    [Fact]
    public void ParseUint()
    {
        Assert.Equal(NumParseError.None, GoStrconv.ParseUint("18446744073709551615", 0, 64, out ulong v));
        Assert.Equal(ulong.MaxValue, v);
        Assert.Equal(NumParseError.Range, GoStrconv.ParseUint("18446744073709551616", 0, 64, out _));
        Assert.Equal(NumParseError.Syntax, GoStrconv.ParseUint("-1", 0, 64, out _));
        Assert.Equal(NumParseError.Range, GoStrconv.ParseUint("4294967296", 0, 32, out _));
        Assert.Equal(NumParseError.Range, GoStrconv.ParseInt("2147483648", 0, 32, out _));
        Assert.Equal(NumParseError.None, GoStrconv.ParseInt("-2147483648", 0, 32, out long m));
        Assert.Equal(int.MinValue, m);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("TRUE", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("FALSE", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    public void ParseBool(string s, bool expected)
    {
        Assert.True(GoStrconv.TryParseBool(s, out bool v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("tRUE")]
    [InlineData("")]
    [InlineData("2")]
    public void ParseBoolErrors(string s) => Assert.False(GoStrconv.TryParseBool(s, out _));

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("5s", 5_000_000_000L)]
    [InlineData("1m30s", 90_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("-1.5s", -1_500_000_000L)]
    [InlineData("+2us", 2_000L)]
    [InlineData("2\u00b5s", 2_000L)]
    [InlineData("2\u03bcs", 2_000L)]
    [InlineData("7ns", 7L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("1.s", 1_000_000_000L)]
    [InlineData("2h45m", 9_900_000_000_000L)]
    public void ParseDuration(string s, long ns)
    {
        Assert.True(GoStrconv.TryParseDuration(s, out long v));
        Assert.Equal(ns, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData(".s")]
    [InlineData("5x")]
    [InlineData("-")]
    [InlineData("1e3s")]
    [InlineData("3000000h")]
    [InlineData("5 s")]
    public void ParseDurationErrors(string s) => Assert.False(GoStrconv.TryParseDuration(s, out _));

    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("\t\n", "\"\\t\\n\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    [InlineData("é", "\"é\"")]
    public void Quote(string s, string expected) => Assert.Equal(expected, GoStrconv.Quote(s));

    [Fact]
    public void NumErrorText() =>
        Assert.Equal("strconv.ParseInt: parsing \"x\": invalid syntax", GoStrconv.NumErrorText("ParseInt", "x", NumParseError.Syntax));
}
