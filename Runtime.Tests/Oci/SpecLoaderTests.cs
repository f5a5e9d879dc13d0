using Xunit;
using Runcs.Errors;
using Runcs.Oci;
using static Runcs.Tests.Oci.OciTestUtil;

namespace Runcs.Tests.Oci;

public class SpecLoaderTests
{
    [Fact]
    public void LoadsConfigJsonFromBundle()
    {
        using var b = new TempBundle();
        File.WriteAllText(Path.Combine(b.Dir, "config.json"), Fixture("runc-spec.json"));
        var spec = SpecLoader.Load(b.Dir);
        Assert.Equal("runc", spec.Hostname);
        Assert.Equal("rootfs", spec.Root!.Path);
    }

    [Fact]
    public void MissingConfigJson()
    {
        using var b = new TempBundle();
        var e = Assert.Throws<ConfigError>(() => SpecLoader.Load(b.Dir));
        Assert.Equal("config.json: JSON specification file config.json not found", e.Message);
        Assert.Equal("", e.JsonPath);
    }

    [Fact]
    public void MissingBundleDirectory()
    {
        // runc chdirs to the bundle first
        var e = Assert.Throws<RuntimeError>(() => SpecLoader.Load("/nonexistent/runcs/bundle"));
        Assert.Equal("chdir /nonexistent/runcs/bundle: no such file or directory", e.Message);
    }

    [Fact]
    public void SyntaxErrorGivesLineAndColumn()
    {
        const string json = "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": }\n";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: invalid JSON at line 3, column 14: ", e.Message);
        Assert.Equal("", e.JsonPath);
    }

    [Fact]
    public void TruncatedDocument()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", "{\n\t\"ociVersion\": \"1.2.0\",\n"));
        Assert.StartsWith("config.json: invalid JSON at line ", e.Message);
    }

    [Fact]
    public void EmptyDocument()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", ""));
        Assert.StartsWith("config.json: invalid JSON at line 1, column 1: ", e.Message);
    }

    [Fact]
    public void NullDocument()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", "null"));
        Assert.Equal("config.json: invalid JSON: expected an object, found null", e.Message);
    }

    [Fact]
    public void WrongTypeNamesTheJsonPath()
    {
        const string json = "{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\"user\": {\"uid\": \"root\"}}\n}";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.Equal("process.user.uid", e.JsonPath);
        Assert.Equal("config.json: process.user.uid: invalid value, expected a uint32 number (line 3, column 36)", e.Message);
    }

    [Fact]
    public void NegativeNumberForUnsignedField()
    {
        const string json = """{"ociVersion": "1.2.0", "linux": {"resources": {"cpu": {"shares": -1}}}}""";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: linux.resources.cpu.shares: invalid value, expected a uint64 number", e.Message);
    }

    [Fact]
    public void WrongTypeInsideArray()
    {
        const string json = """{"ociVersion": "1.2.0", "mounts": [{"destination": "/a"}, {"destination": 5}]}""";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.Equal("mounts[1].destination", e.JsonPath);
        Assert.StartsWith("config.json: mounts[1].destination: invalid value, expected a string", e.Message);
    }

    [Fact]
    public void ObjectWhereArrayExpected()
    {
        const string json = """{"ociVersion": "1.2.0", "mounts": {}}""";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: mounts: invalid value, expected an array", e.Message);
    }

    [Fact]
    public void StringWhereObjectExpected()
    {
        const string json = """{"ociVersion": "1.2.0", "root": "rootfs"}""";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: root: invalid value, expected an object", e.Message);
    }

    [Fact]
    public void BooleanField()
    {
        const string json = """{"ociVersion": "1.2.0", "process": {"terminal": "yes"}}""";
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", json));
        Assert.StartsWith("config.json: process.terminal: invalid value, expected a boolean", e.Message);
    }

    [Fact]
    public void ProcessJsonErrorsNameTheirFile()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseProcess("process.json", """{"args": "sh"}"""));
        Assert.StartsWith("process.json: args: invalid value, expected an array", e.Message);
        var e2 = Assert.Throws<ConfigError>(() => SpecLoader.ParseProcess("process.json", "{\"args\": [}"));
        Assert.StartsWith("process.json: invalid JSON at line 1, column 11: ", e2.Message);
    }

    [Fact]
    public void ResourcesJsonErrorsNameTheirSource()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseResources("-", """{"memory": {"limit": 1.5}}"""));
        Assert.StartsWith("-: memory.limit: invalid value, expected an int64 number", e.Message);
    }

    [Fact]
    public void NullForNonNullableField()
    {
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"process": {"user": null}}"""));
        Assert.Equal("config.json: process.user: must not be null (line 1, column 26)", e.Message);
        var e2 = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"process": {"cwd": null}}"""));
        Assert.StartsWith("config.json: process.cwd: must not be null", e2.Message);
    }

    [Fact]
    public void NullForOptionalFieldIsAbsent()
    {
        var spec = SpecLoader.ParseSpec("config.json", """{"ociVersion": "1.2.0", "process": {"args": null, "terminal": null}, "linux": null}""");
        Assert.Null(spec.Process!.Args);
        Assert.Null(spec.Process.Terminal);
        Assert.Null(spec.Linux);
    }
}
