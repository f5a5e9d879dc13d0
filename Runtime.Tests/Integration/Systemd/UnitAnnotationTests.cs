using Runcs.Cgroups.Systemd;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>
/// org.systemd.property.* annotations and the /proc/devices groups, without a systemd (the
/// same cases against runc under a real systemd: SystemdCgroupTests).
/// </summary>
public sealed class UnitAnnotationTests
{
    [Theory]
    [InlineData("uint64 5", "t", "5")]
    [InlineData("5", "i", "5")]
    [InlineData("-5", "i", "-5")]
    [InlineData("1.5", "d", "1.5")]
    [InlineData("010", "i", "8")]
    [InlineData("0x1F", "i", "31")]
    [InlineData("'a b'", "s", "a b")]
    [InlineData("\"a\\tb\"", "s", "a\tb")]
    [InlineData("true", "b", "yes")]
    [InlineData("false", "b", "no")]
    [InlineData("objectpath '/x'", "o", "/x")]
    [InlineData("@as ['a', \"b\"]", "as", "a b")]
    [InlineData("[uint64 1, 2]", "at", "1 2")]
    [InlineData("[1, 2]", "ai", "1 2")]
    [InlineData("int64 -9223372036854775808", "x", "-9223372036854775808")]
    [InlineData("uint64 18446744073709551615", "t", "18446744073709551615")]
    [InlineData("int16 -0x10", "n", "-16")]
    public void Reads_gvariant_text_as_godbus(string text, string signature, string shown)
    {
        var v = GVariantText.Parse(text);
        Assert.Equal(signature, v.Signature);
        Assert.Equal(shown, v.ToString());
    }

    [Theory]
    [InlineData("\"open", "unterminated string")]
    [InlineData("uint64 -1", "strconv.ParseUint: parsing \"-1\": invalid syntax")]
    [InlineData("int16 40000", "strconv.ParseInt: parsing \"40000\": value out of range")]
    [InlineData("12ab", "bad number syntax: \"12a\"")]
    [InlineData("uint64 18446744073709551616", "strconv.ParseUint: parsing \"18446744073709551616\": value out of range")]
    [InlineData("int16 -32769", "strconv.ParseInt: parsing \"-32769\": value out of range")]
    [InlineData("int32 0x", "strconv.ParseInt: parsing \"0x\": invalid syntax")]
    [InlineData("unit64 5", "unrecognized type \"unit64\"")]
    [InlineData("[]", "can't infer type for \"[]\"")]
    [InlineData("uint64 'x'", "invalid type \"t\" for string")]
    [InlineData("", "unexpected EOF")]
    public void Refuses_bad_gvariant_text_with_godbus_words(string text, string error) =>
        Assert.Equal(error, Assert.Throws<RuntimeError>(() => GVariantText.Parse(text)).Message);

    [Fact]
    public void Sec_properties_become_USec_in_microseconds_and_others_are_ignored()
    {
        var props = UnitAnnotations.Parse(new Dictionary<string, string>
        {
            ["org.systemd.property.TimeoutStopSec"] = "2",
            ["org.systemd.property.CollectMode"] = "'inactive-or-failed'",
            ["org.systemd.property.CPUSec"] = "uint64 1", // "USec" only after a lowercase letter
            ["com.example.other"] = "anything",
        });
        Assert.Equal(["CPUSec=1", "CollectMode=inactive-or-failed", "TimeoutStopUSec=2000000"], props.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("org.systemd.property.AB", "true", "annotation org.systemd.property.AB name incorrect: too short")]
    [InlineData("org.systemd.property.Tasks_Max", "true", "annotation org.systemd.property.Tasks_Max name incorrect: contains non-alphabetic character")]
    [InlineData("org.systemd.property.TimeoutStopSec", "'5'", "annotation org.systemd.property.TimeoutStopSec='5' value parse error: not a number")]
    public void Bad_annotations_are_runcs_errors(string key, string value, string error) =>
        Assert.Equal(error, Assert.Throws<RuntimeError>(() => UnitAnnotations.Parse(new Dictionary<string, string> { [key] = value })).Message);

    [Fact]
    public void Device_groups_come_from_proc_devices()
    {
        const string devices = "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  7 loop\n259 blkext\n";
        Assert.Equal("char-pts", DeviceProperties.FindGroup(devices, 'c', 136));
        Assert.Equal("block-loop", DeviceProperties.FindGroup(devices, 'b', 7));
        Assert.Null(DeviceProperties.FindGroup(devices, 'c', 7));
    }
}
