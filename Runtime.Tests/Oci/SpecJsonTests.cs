using System.Text.Json;
using Xunit;
using System.Text.Json.Nodes;
using Runcs.Oci;
using static Runcs.Tests.Oci.OciTestUtil;

namespace Runcs.Tests.Oci;

public class SpecJsonTests
{
    [Theory]
    [InlineData("runc-spec.json")]
    [InlineData("runc-spec-rootless.json")]
    [InlineData("containerd-spec-sample.json")]
    [InlineData("config-all-fields.json")]
    public void RoundTripReproducesInput(string fixture)
    {
        string original = Fixture(fixture);
        var spec = SpecLoader.ParseSpec(fixture, original);
        string serialized = SpecJson.Serialize(spec);
        AssertJsonEqual(original, serialized);

        // And again: parse → serialize is stable.
        var again = SpecLoader.ParseSpec(fixture, serialized);
        Assert.Equal(serialized, SpecJson.Serialize(again));
    }

    [Theory]
    [InlineData("runc-spec.json")]
    [InlineData("config-all-fields.json")]
    public void SerializationIsByteIdenticalToRuncFormatting(string fixture)
    {
        // These fixtures are written in runc's format (tabs, specs-go field order, no trailing newline).
        string original = Fixture(fixture);
        var spec = SpecLoader.ParseSpec(fixture, original);
        Assert.Equal(original, SpecJson.Serialize(spec));
    }

    [Fact]
    public void AllFieldsFixtureIsFullyModelled()
    {
        var spec = SpecLoader.ParseSpec("config.json", Fixture("config-all-fields.json"));
        var p = spec.Process!;
        Assert.False(p.Terminal);
        Assert.Equal(25u, p.ConsoleSize!.Height);
        Assert.Equal(18u, p.User.Umask);
        Assert.Equal([5u, 6u], p.User.AdditionalGids!);
        Assert.Equal("alice", p.User.Username);
        Assert.Equal(ulong.MaxValue, p.Rlimits![0].Hard);
        Assert.Equal(-500, p.OomScoreAdj);
        Assert.Equal("SCHED_DEADLINE", p.Scheduler!.Policy);
        Assert.Equal(30000000UL, p.Scheduler.Period);
        Assert.Equal(4, p.IOPriority!.Priority);
        Assert.Equal("0-3,7", p.ExecCpuAffinity!.Initial);
        Assert.Equal("CAP_CHECKPOINT_RESTORE", p.Capabilities!.Ambient![0]);
        Assert.Equal(5, spec.Hooks!.Prestart![0].Timeout);
        Assert.Equal("/usr/bin/poststop", spec.Hooks.Poststop![0].Path);
        Assert.Equal(100000u, spec.Mounts![1].UidMappings![0].HostId);
        var l = spec.Linux!;
        Assert.Equal("1", l.Sysctl!["net.ipv4.ip_forward"]);
        Assert.Equal(536870912L, l.Resources!.Memory!.Limit);
        Assert.Equal(-1L, l.Resources.Memory.Swap);
        Assert.Equal(1024UL, l.Resources.Cpu!.Shares);
        Assert.Equal(32768L, l.Resources.Pids!.Limit);
        Assert.Equal((ushort)500, l.Resources.BlockIO!.WeightDevice![0].Weight);
        Assert.Equal(50UL, l.Resources.BlockIO.ThrottleWriteIopsDevice![0].Rate);
        Assert.Equal("2MB", l.Resources.HugepageLimits![0].PageSize);
        Assert.Equal(1048577u, l.Resources.Network!.ClassId);
        Assert.Equal(3u, l.Resources.Rdma!["mlx5_1"].HcaHandles);
        Assert.Equal("default 100", l.Resources.Unified!["io.weight"]);
        Assert.Equal("/var/run/netns/neta", l.FindNamespace("network")!.Path);
        Assert.Equal(438u, l.Devices![0].FileMode);
        Assert.Equal(1u, l.Seccomp!.DefaultErrnoRet);
        Assert.Equal(0UL, l.Seccomp.Syscalls![1].Args![0].ValueTwo);
        Assert.Null(l.Seccomp.Syscalls[1].Args![1].ValueTwo);
        Assert.Equal("SCMP_CMP_MASKED_EQ", l.Seccomp.Syscalls[1].Args![1].Op);
        Assert.Equal("rslave", l.RootfsPropagation);
        Assert.True(l.IntelRdt!.EnableCmt);
        Assert.Equal("LINUX32", l.Personality!.Domain);
        Assert.Equal(-3600L, l.TimeOffsets!["boottime"].Secs);
        Assert.Equal("ctr1", l.NetDevices!["eth1"].Name);
    }

    [Fact]
    public void UnknownFieldsAreIgnored()
    {
        const string json = """
            {
              "ociVersion": "1.2.0",
              "futureTopLevel": {"a": [1, 2, {"b": null}]},
              "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0, "sid": "S-1"}, "newThing": true},
              "root": {"path": "rootfs", "extra": 1},
              "linux": {
                "memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0-1"},
                "namespaces": [{"type": "pid", "flags": 3}],
                "resources": {"memory": {"limit": 10, "future": "x"}, "misc": {"x": 1}}
              },
              "solaris": {"milestone": "x"},
              "windows": {"layerFolders": ["C:\\a"]},
              "vm": {"kernel": {"path": "/k"}},
              "zos": {}
            }
            """;
        var spec = SpecLoader.ParseSpec("config.json", json);
        Assert.Equal("1.2.0", spec.OciVersion);
        Assert.Equal("pid", spec.Linux!.Namespaces![0].Type);
        Assert.Equal(10L, spec.Linux.Resources!.Memory!.Limit);
        var written = JsonNode.Parse(SpecJson.Serialize(spec))!.AsObject();
        Assert.False(written.ContainsKey("windows"));
        Assert.False(written.ContainsKey("futureTopLevel"));
    }

    [Fact]
    public void FieldNamesMatchCaseInsensitivelyLikeGo()
    {
        var spec = SpecLoader.ParseSpec("config.json", """{"OCIVersion": "1.0.0", "Root": {"Path": "r"}}""");
        Assert.Equal("1.0.0", spec.OciVersion);
        Assert.Equal("r", spec.Root!.Path);
    }

    [Fact]
    public void NullsAreOmittedAndRequiredFieldsWritten()
    {
        var spec = new Spec { OciVersion = "1.2.0", Process = new Process { Cwd = "/" } };
        string json = SpecJson.Serialize(spec);
        Assert.Equal("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n\t\t\"cwd\": \"/\"\n\t}\n}", json);
    }

    [Fact]
    public void BareProcessAndResourcesRoundTrip()
    {
        const string process = """{"terminal":true,"user":{"uid":1,"gid":2},"args":["ls","-l"],"env":["A=b"],"cwd":"/tmp","capabilities":{"bounding":["CAP_KILL"]},"noNewPrivileges":true}""";
        var p = SpecLoader.ParseProcess("process.json", process);
        Assert.Equal(["ls", "-l"], p.Args!);
        AssertJsonEqual(process, JsonSerializer.Serialize(p, SpecJson.Tabs.Process));

        const string resources = """{"memory":{"limit":1048576,"swap":2097152},"cpu":{"quota":50000,"period":100000,"cpus":"0"},"pids":{"limit":10},"unified":{"memory.max":"max"}}""";
        var r = SpecLoader.ParseResources("-", resources);
        Assert.Equal(1048576L, r.Memory!.Limit);
        Assert.Equal(10L, r.Pids!.Limit);
        AssertJsonEqual(resources, JsonSerializer.Serialize(r, SpecJson.Tabs.LinuxResources));
    }
}
