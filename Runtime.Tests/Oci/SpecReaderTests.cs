using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Tests.Oci;

/// <summary>
/// The hand-written reader (and state.json's writer) against the model: every field of every
/// model type is set to a value unlike its default, written by the source-generated serializer,
/// read back by hand and written again. A field a reader forgets shows up as a difference.
/// </summary>
public class SpecReaderTests
{
    [Fact]
    public void ReadsEveryFieldOfTheSpec()
    {
        var spec = Populate<Spec>();
        string json = SpecJson.Serialize(spec);
        Assert.Equal(json, SpecJson.Serialize(SpecReader.ReadSpec("config.json", System.Text.Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void ReadsEveryFieldOfAProcessAndOfResources()
    {
        string process = JsonSerializer.Serialize(Populate<Process>(), SpecJson.Tabs.Process);
        Assert.Equal(process, JsonSerializer.Serialize(SpecLoader.ParseProcess("process.json", process), SpecJson.Tabs.Process));
        string resources = Serialize(Populate<LinuxResources>());
        Assert.Equal(resources, Serialize(SpecLoader.ParseResources("-", resources)));
    }

    [Fact]
    public void StateWriterWritesEveryFieldOfResourcesAndHooks()
    {
        var resources = Populate<LinuxResources>();
        var readBack = SpecReader.ReadResources("state.json", SpecWriter.Write(resources));
        Assert.Equal(Serialize(resources), Serialize(readBack));

        var hooks = Populate<Hooks>();
        var hooksBack = SpecReader.ReadHooks("state.json", SpecWriter.Write(hooks));
        Assert.Equal(JsonSerializer.Serialize(hooks, SpecJson.Tabs.Hooks), JsonSerializer.Serialize(hooksBack, SpecJson.Tabs.Hooks));
    }

    [Fact]
    public void NullInsideAStringListIsAnError()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"process": {"args": ["sh", null]}}"""));
        Assert.Equal("config.json: process.args[1]: must not be null (line 1, column 33)", e.Message);
        Assert.Equal("process.args[1]", e.JsonPath);
    }

    [Fact]
    public void TextThatIsNotUtf8IsAConfigError()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"ociVersion": "1.2.0", "hostname": "\udc00"}"""));
        Assert.StartsWith("config.json: hostname: invalid value, expected valid UTF-8 text", e.Message);
        byte[] rawFF = [.. "{\"process\": {\"env\": [\""u8, 0xFF, .. "\"]}}"u8];
        var e2 = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", rawFF));
        Assert.StartsWith("config.json: ", e2.Message);
        var e3 = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"linux": {"sysctl": {"\ud800": "1"}}}"""));
        Assert.StartsWith("config.json: linux.sysctl: invalid value, expected valid UTF-8 text", e3.Message);
    }

    [Fact]
    public void MapKeysWithDotsAreQuotedInThePath()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}"""));
        Assert.StartsWith("config.json: linux.sysctl['net.ipv4.ip_forward']: invalid value, expected a string", e.Message);
        var e2 = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"linux": {"timeOffsets": {"boottime": {"secs": "x"}}}}"""));
        Assert.StartsWith("config.json: linux.timeOffsets.boottime.secs: invalid value, expected an int64 number", e2.Message);
    }

    [Theory]
    [InlineData("""{"process": {"user": {"uid": 1.0}}}""", "process.user.uid: invalid value, expected a uint32 number")]
    [InlineData("""{"process": {"user": {"uid": 1e3}}}""", "process.user.uid: invalid value, expected a uint32 number")]
    [InlineData("""{"process": {"user": {"uid": "0"}}}""", "process.user.uid: invalid value, expected a uint32 number")]
    [InlineData("""{"process": {"user": {"uid": 4294967296}}}""", "process.user.uid: invalid value, expected a uint32 number")]
    [InlineData("""{"process": {"oomScoreAdj": -1000, "user": {"uid": null}}}""", "process.user.uid: invalid value, expected a uint32 number")]
    [InlineData("""{"linux": {"resources": {"blockIO": {"weight": 65536}}}}""", "linux.resources.blockIO.weight: invalid value, expected a uint16 number")]
    [InlineData("""{"linux": {"resources": {"devices": [{"allow": 1}]}}}""", "linux.resources.devices[0].allow: invalid value, expected a boolean")]
    [InlineData("""{"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": null}]}}}""", "linux.seccomp.syscalls[0].names: must not be null")]
    [InlineData("""{"hooks": {"poststop": [{"path": "/bin/true", "timeout": "5"}]}}""", "hooks.poststop[0].timeout: invalid value, expected an int32 number")]
    [InlineData("""{"annotations": {"a": null}}""", "annotations.a: must not be null")]
    [InlineData("""{"process": []}""", "process: invalid value, expected an object")]
    [InlineData("""{"linux": {"uidMappings": [null]}}""", "linux.uidMappings[0]: must not be null")]
    [InlineData("""{"linux": {"resources": {"hugepageLimits": [null]}}}""", "linux.resources.hugepageLimits[0]: must not be null")]
    [InlineData("""{"linux": {"timeOffsets": {"boottime": null}}}""", "linux.timeOffsets.boottime: must not be null")]
    [InlineData("""{"root": {"path": "root\u0000fs"}}""", "root.path: must not contain a NUL character")]
    [InlineData("""{"mounts": [{"destination": "/a"}, {"destination": "/tmp\u0000/x"}]}""", "mounts[1].destination: must not contain a NUL character")]
    [InlineData("""{"annotations": {"a\u0000b": "c"}}""", "annotations: must not contain a NUL character")]
    public void TypeErrorsNameTheJsonPath(string json, string expected)
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: " + expected, e.Message);
    }

    [Fact]
    public void Too_long_a_string_is_an_error_naming_the_field()
    {
        string json = "{\"process\": {\"env\": [\"A=1\", \"B=" + new string('x', 16_000_000) + "\"]}}";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: the document is 16000035 bytes, more than the limit of 8 MiB", e.Message);
        json = "{\"process\": {\"env\": [\"A=1\", \"B=" + new string('x', 2_000_000) + "\"]}}";
        e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: process.env[1]: the string is 2000002 bytes long, more than the limit of 1 MiB", e.Message);
        var p = Assert.Throws<ConfigError>(() => SpecLoader.ParseProcess("process.json", "{\"cwd\": \"" + new string('/', 9 << 20) + "\"}"));
        Assert.StartsWith("process.json: the document is", p.Message);
    }

    [Theory]
    [InlineData("""{"ociVersion": "1.2.0"} {}""")]
    [InlineData("""{"ociVersion": "1.2.0",}""")]
    [InlineData("""{"ociVersion": "1.2.0" /* c */}""")]
    [InlineData("""{"ociVersion": "1.2.0", "process": {"args": ["a" "b"]}}""")]
    [InlineData("""{"x": [1, 2""")]
    public void SyntaxErrorsGiveLineAndColumn(string json)
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: invalid JSON at line 1, column ", e.Message);
    }

    [Fact]
    public void UnknownFieldsAreSkippedWhateverTheirShape()
    {
        var spec = SpecLoader.ParseSpec("config.json", """
            {"x": {"y": [1, {"z": null}], "w": "v"}, "ociVersion": "1.2.0", "process": {"q": [[]], "cwd": "/"}, "t": true}
            """);
        Assert.Equal("1.2.0", spec.OciVersion);
        Assert.Equal("/", spec.Process!.Cwd);
    }

    [Fact]
    public void LastDuplicateWins()
    {
        var spec = SpecLoader.ParseSpec("config.json", """{"hostname": "a", "HOSTNAME": "b"}""");
        Assert.Equal("b", spec.Hostname);
    }

    private static string Serialize(LinuxResources r) => JsonSerializer.Serialize(r, SpecJson.Tabs.LinuxResources);

    private static int s_counter;

    /// <summary>An instance with every [JsonPropertyName] property set to a non-default value.</summary>
    private static T Populate<T>() => (T)Populate(typeof(T));

    private static object Populate(Type type)
    {
        int n = ++s_counter;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return $"s{n}";
        if (type == typeof(bool)) return true;
        if (type == typeof(int)) return -n;
        if (type == typeof(long)) return -(long)n * 1_000_000_000_000;
        if (type == typeof(uint)) return (uint)n;
        if (type == typeof(ulong)) return (ulong)n * 1_000_000_000_000;
        if (type == typeof(ushort)) return (ushort)n;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(type)!;
            list.Add(Populate(type.GetGenericArguments()[0]));
            list.Add(Populate(type.GetGenericArguments()[0]));
            return list;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var map = (IDictionary)Activator.CreateInstance(type)!;
            map[$"k{n}"] = Populate(type.GetGenericArguments()[1]);
            return map;
        }
        object o = Activator.CreateInstance(type)!;
        foreach (var p in type.GetProperties())
            if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null && p.CanWrite)
                p.SetValue(o, Populate(p.PropertyType));
        return o;
    }
}
