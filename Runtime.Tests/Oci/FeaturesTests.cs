using Xunit;
using System.Text.Json.Nodes;
using Runcs.Oci;
using static Runcs.Tests.Oci.OciTestUtil;

namespace Runcs.Tests.Oci;

public class FeaturesTests
{
    [Fact]
    public void JsonShape()
    {
        string json = Features.Build().ToJson();
        Assert.EndsWith("}\n", json);
        Assert.StartsWith("{\n    \"ociVersionMin\": \"1.0.0\",\n    \"ociVersionMax\": \"1.2.0\",\n    \"hooks\": [\n        \"prestart\",", json);
        Assert.Contains("\n    \"mountOptions\": [\n        \"acl\",", json);
        Assert.DoesNotContain("\t", json);

        var doc = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux"], doc.Select(p => p.Key).ToArray());
        var linux = doc["linux"]!.AsObject();
        Assert.Equal(["namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt", "mountExtensions"],
            linux.Select(p => p.Key).ToArray());
        Assert.Equal(["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"],
            linux["namespaces"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());
        Assert.Equal(41, linux["capabilities"]!.AsArray().Count);
        Assert.Equal("CAP_CHOWN", linux["capabilities"]![0]!.GetValue<string>());
        Assert.Equal("CAP_CHECKPOINT_RESTORE", linux["capabilities"]![40]!.GetValue<string>());
        AssertJsonEqual("""{"v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": true}""", linux["cgroup"]!.ToJsonString());
        AssertJsonEqual("""
            {"enabled": true,
             "actions": ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                         "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
             "operators": ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
             "archs": ["SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"],
             "knownFlags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}
            """, RemoveSupportedFlags(linux["seccomp"]!.DeepClone().AsObject()).ToJsonString());
        // supportedFlags: what this kernel accepts (probed), a subset of knownFlags; TSYNC is ancient.
        var supported = linux["seccomp"]!["supportedFlags"]!.AsArray().Select(f => f!.GetValue<string>()).ToArray();
        Assert.Contains("SECCOMP_FILTER_FLAG_TSYNC", supported);
        Assert.Subset(new HashSet<string>(linux["seccomp"]!["knownFlags"]!.AsArray().Select(f => f!.GetValue<string>())), new HashSet<string>(supported));
        AssertJsonEqual("""{"enabled": true}""", linux["apparmor"]!.ToJsonString());
        AssertJsonEqual("""{"enabled": true}""", linux["selinux"]!.ToJsonString());
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            doc["hooks"]!.AsArray().Select(h => h!.GetValue<string>()).ToArray());
        AssertJsonEqual("""{"idmap": {"enabled": false}}""", linux["mountExtensions"]!.ToJsonString());
    }

    private static JsonObject RemoveSupportedFlags(JsonObject seccomp)
    {
        seccomp.Remove("supportedFlags");
        return seccomp;
    }

    [Fact]
    public void CapabilitiesAndMountOptionsMatchRunc()
    {
        // runc 1.1.5's own features document: same capability list (same order), same mount options.
        var runc = JsonNode.Parse(Fixture("runc-features.json"))!;
        var ours = JsonNode.Parse(Features.Build().ToJson())!;
        Assert.True(JsonNode.DeepEquals(runc["linux"]!["capabilities"], ours["linux"]!["capabilities"]));
        Assert.True(JsonNode.DeepEquals(runc["mountOptions"], ours["mountOptions"]));
    }

    [Fact]
    public void RoundTrips()
    {
        string json = Features.Build().ToJson();
        var parsed = System.Text.Json.JsonSerializer.Deserialize(json, SpecJson.FourSpaces.Features)!;
        Assert.Equal(json, parsed.ToJson());
        // runc's document parses into the model too.
        var runc = System.Text.Json.JsonSerializer.Deserialize(Fixture("runc-features.json"), SpecJson.FourSpaces.Features)!;
        Assert.Equal(Fixture("runc-features.json"), runc.ToJson());
    }

    [Fact]
    public void CapabilityAndRlimitTables()
    {
        Assert.True(Capabilities.TryGetNumber("CAP_CHOWN", out int n) && n == 0);
        Assert.True(Capabilities.TryGetNumber("CAP_SYS_ADMIN", out n) && n == 21);
        Assert.True(Capabilities.TryGetNumber("CAP_CHECKPOINT_RESTORE", out n) && n == 40);
        Assert.False(Capabilities.TryGetNumber("CAP_FOO", out _));
        Assert.False(Capabilities.TryGetNumber("cap_chown", out _));
        Assert.Equal(40, Capabilities.Last);
        Assert.Equal((1UL << 5) | (1UL << 21), Capabilities.ToMask(["CAP_KILL", "CAP_SYS_ADMIN"]));

        Assert.True(Rlimits.TryGetNumber("RLIMIT_CPU", out n) && n == 0);
        Assert.True(Rlimits.TryGetNumber("RLIMIT_NOFILE", out n) && n == 7);
        Assert.True(Rlimits.TryGetNumber("RLIMIT_RTTIME", out n) && n == 15);
        Assert.False(Rlimits.TryGetNumber("RLIMIT_FOO", out _));
    }

    [Theory]
    [InlineData("pid", 0x20000000UL)]
    [InlineData("network", 0x40000000UL)]
    [InlineData("mount", 0x00020000UL)]
    [InlineData("ipc", 0x08000000UL)]
    [InlineData("uts", 0x04000000UL)]
    [InlineData("user", 0x10000000UL)]
    [InlineData("cgroup", 0x02000000UL)]
    [InlineData("time", 0x00000080UL)]
    public void NamespaceCloneFlags(string type, ulong flag)
    {
        Assert.Equal(flag, Namespaces.ToCloneFlag(type));
        Assert.True(Namespaces.IsKnown(type));
    }

    [Fact]
    public void UnknownNamespaceCloneFlag()
    {
        Assert.Throws<ArgumentException>(() => Namespaces.ToCloneFlag("pidd"));
        Assert.False(Namespaces.TryGetCloneFlag("", out _));
        Assert.Equal("net", Namespaces.ProcName("network"));
        Assert.Equal("mnt", Namespaces.ProcName("mount"));
        Assert.Equal("pid", Namespaces.ProcName("pid"));
    }
}
