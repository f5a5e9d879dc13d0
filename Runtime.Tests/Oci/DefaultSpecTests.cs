using Xunit;
using System.Diagnostics;
using Runcs.Oci;
using static Runcs.Tests.Oci.OciTestUtil;

namespace Runcs.Tests.Oci;

public class DefaultSpecTests
{
    private const string RuncOciVersion = "\"ociVersion\": \"1.0.2-dev\"";
    private const string OurOciVersion = "\"ociVersion\": \"1.2.0\"";

    [Fact]
    public void MatchesRuncSpecFixtureByteForByte()
    {
        // runc 1.1.5 `runc spec`, except for the ociVersion runcs implements.
        string expected = Fixture("runc-spec.json").Replace(RuncOciVersion, OurOciVersion);
        Assert.Equal(expected, DefaultSpec.ToJson(DefaultSpec.Create(rootless: false)));
    }

    [Fact]
    public void MatchesRuncRootlessSpecFixtureByteForByte()
    {
        // The fixture was generated as root: host ids 0.
        string expected = Fixture("runc-spec-rootless.json").Replace(RuncOciVersion, OurOciVersion);
        Assert.Equal(expected, DefaultSpec.ToJson(DefaultSpec.Create(rootless: true, 0, 0)));
    }

    [Fact]
    public void RootlessMapsTheCaller()
    {
        var s = DefaultSpec.Create(true, 1234, 5678);
        Assert.Equal(1234u, s.Linux!.UidMappings![0].HostId);
        Assert.Equal(5678u, s.Linux.GidMappings![0].HostId);
        Assert.Equal(1u, s.Linux.UidMappings[0].Size);
        Assert.Null(s.Linux.Resources);
        Assert.Null(s.Linux.FindNamespace("network"));
        Assert.Equal("user", s.Linux.Namespaces![^1].Type);
        Assert.DoesNotContain("gid=5", s.Mounts!.Single(m => m.Destination == "/dev/pts").Options!);
        Assert.Null(s.Mounts!.Single(m => m.Destination == "/proc").Options);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesInstalledRunc(bool rootless)
    {
        const string runc = "/usr/bin/runc";
        Assert.SkipUnless(File.Exists(runc), $"{runc} is not installed (the fixtures above still check the output)");
        using var b = new TempBundle(withRootfs: false);
        var psi = new ProcessStartInfo(runc) { WorkingDirectory = b.Dir, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("spec");
        if (rootless) psi.ArgumentList.Add("--rootless");
        using var p = Runcs.Tests.Integration.RuncsBinary.Start(psi);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        string theirs = File.ReadAllText(Path.Combine(b.Dir, "config.json"));
        var ourSpec = DefaultSpec.Create(rootless);
        ourSpec.OciVersion = SpecLoader.ParseSpec("config.json", theirs).OciVersion;
        string ours = DefaultSpec.ToJson(ourSpec);
        AssertJsonEqual(theirs, ours);
        Assert.Equal(theirs, ours);
    }
}
