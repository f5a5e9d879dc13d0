using System.Text.Json.Nodes;
using System.Text.Json;
using Runcs.Oci;
using Runcs.Protocol;
using Runcs.Seccomp;
using Xunit;

namespace Runcs.Tests.Protocol;

/// <summary>The init request's binary form carries everything the init reads, unchanged.</summary>
public sealed class InitRequestTests
{
    /// <summary>Every field of the model set, with values that differ from the defaults.</summary>
    private const string FullConfig = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": true, "consoleSize": {"height": 24, "width": 80},
        "user": {"uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 6], "username": "u"},
        "args": ["sh", "-c", "ünïcode ✓"], "commandLine": "cmd", "env": ["A=1", "B="], "cwd": "/work",
        "capabilities": {"bounding": ["CAP_KILL"], "effective": [], "inheritable": ["CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"], "ambient": ["CAP_KILL"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024}],
        "noNewPrivileges": false, "apparmorProfile": "prof", "oomScoreAdj": -500,
        "scheduler": {"policy": "SCHED_DEADLINE", "nice": -3, "priority": 2, "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 1, "deadline": 2, "period": 3},
        "selinuxLabel": "system_u:system_r:container_t:s0", "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
        "execCPUAffinity": {"initial": "0", "final": "0-1"}
      },
      "root": {"path": "rootfs", "readonly": true},
      "hostname": "h", "domainname": "d",
      "mounts": [{"destination": "/b", "type": "bind", "source": "/s", "options": ["rbind", "ro"]}, {"destination": "/proc", "type": "proc", "source": "proc"}],
      "hooks": {
        "prestart": [{"path": "/p", "args": ["p", "1"], "env": ["E=1"], "timeout": 5}],
        "createRuntime": [{"path": "/cr", "args": ["cr"], "env": [], "timeout": 1}],
        "createContainer": [{"path": "/cc", "args": ["cc"], "env": ["X=y"], "timeout": 2}],
        "startContainer": [{"path": "/sc", "args": ["sc"], "env": ["X=z"], "timeout": 3}],
        "poststart": [{"path": "/ps", "args": [], "env": [], "timeout": 4}], "poststop": [{"path": "/pst", "args": ["a"], "env": ["b=c"], "timeout": 6}]
      },
      "annotations": {"a": "1", "b": ""},
      "linux": {
        "sysctl": {"net.ipv4.ip_forward": "1"},
        "namespaces": [{"type": "network", "path": "/proc/1/ns/net"}, {"type": "pid"}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
        "rootfsPropagation": "rslave", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
        "mountLabel": "system_u:object_r:container_file_t:s0",
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 1000}],
        "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"],
          "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/agent.sock", "listenerMetadata": "m",
          "syscalls": [{"names": ["clone"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1,
                        "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]},
        "personality": {"domain": "LINUX32", "flags": []}
      }
    }
    """;

    [Fact]
    public void The_config_the_init_reads_survives_the_round_trip()
    {
        var spec = SpecLoader.ParseSpec("config.json", FullConfig);
        var request = new InitRequest
        {
            IsExec = true, ContainerId = "c1", Rootfs = "/r", Bundle = "/b", NoPivot = true, FifoFd = 7,
            ConsoleFd = 8, PreserveFds = 2, InUserNamespace = true, DebugFd = 9, JsonLog = true, Origin = long.MaxValue,
            Spec = spec,
        };
        var back = InitRequest.Decode(request.Encode());
        Assert.Equal(SpecJson.Serialize(spec), SpecJson.Serialize(back.Spec));
        Assert.Equal((true, "c1", "/r", "/b", true, 7, 8, 2, true, 9, true, long.MaxValue),
            (back.IsExec, back.ContainerId, back.Rootfs, back.Bundle, back.NoPivot, back.FifoFd, back.ConsoleFd,
             back.PreserveFds, back.InUserNamespace, back.DebugFd, back.JsonLog, back.Origin));
        Assert.Null(back.Seccomp);
    }

    /// <summary>The parent's alone: neither the init nor `exec` reads them.</summary>
    private static readonly string[] ParentOnly =
    [
        "linux.resources", "linux.cgroupsPath", "linux.timeOffsets", "linux.intelRdt", "linux.netDevices",
        "mounts.uidMappings", "mounts.gidMappings",
    ];

    /// <summary>
    /// A field added to the config model must either travel (and so appear in FullConfig, whose
    /// round trip is checked) or be listed as the parent's alone.
    /// </summary>
    [Fact]
    public void Every_model_field_is_either_in_the_round_trip_or_parent_only()
    {
        var missing = new List<string>();
        void Walk(Type type, JsonNode? node, string path)
        {
            foreach (var prop in type.GetProperties())
            {
                var name = prop.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false)
                    .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().FirstOrDefault()?.Name;
                if (name is null)
                    continue;
                string at = path.Length == 0 ? name : $"{path}.{name}";
                if (ParentOnly.Contains(at))
                    continue;
                JsonNode? value = node?[name];
                if (value is null)
                {
                    missing.Add(at);
                    continue;
                }
                var t = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
                    (t, value) = (t.GetGenericArguments()[0], value is JsonArray { Count: > 0 } a ? a[0] : null);
                if (t.Namespace == "Runcs.Oci" && t.IsClass)
                    Walk(t, value, at);
            }
        }
        Walk(typeof(Spec), JsonNode.Parse(FullConfig), "");
        Assert.Empty(missing);
    }

    [Fact]
    public void What_the_init_does_not_read_stays_with_the_parent()
    {
        var json = JsonNode.Parse(FullConfig)!;
        json["linux"]!["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = 5 } };
        json["linux"]!["cgroupsPath"] = "/x";
        var spec = SpecLoader.ParseSpec("config.json", json.ToJsonString());
        var back = InitRequest.Decode(new InitRequest { Spec = spec }.Encode()).Spec;
        Assert.Null(back.Linux!.Resources);
        Assert.Null(back.Linux.CgroupsPath);
    }

    [Fact]
    public void The_compiled_seccomp_filter_travels_with_the_request()
    {
        var profile = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Flags = ["SECCOMP_FILTER_FLAG_LOG"],
            ListenerPath = "/agent.sock",
            Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_NOTIFY" }],
        };
        var filter = SeccompLoader.Prepare(profile);
        var back = InitRequest.Decode(new InitRequest { Seccomp = filter }.Encode()).Seccomp!;
        Assert.Equal(filter.Program, back.Program);
        Assert.Equal(filter.Flags, back.Flags);
        Assert.Equal(filter.FlagNames, back.FlagNames);
        Assert.True(back.WantsListener);
    }

    [Fact]
    public void A_truncated_request_is_an_error()
    {
        byte[] data = new InitRequest { ContainerId = "c" }.Encode();
        Assert.Throws<Runcs.Errors.RuntimeError>(() => InitRequest.Decode(data[..^1]));
        Assert.Throws<Runcs.Errors.RuntimeError>(() => InitRequest.Decode([.. data, 0]));
    }
}
