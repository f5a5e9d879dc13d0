using System.Text.Json.Serialization;

namespace Runcs.Oci;

/// <summary>Linux-specific configuration (config.json "linux").</summary>
public sealed class Linux
{
    [JsonPropertyName("uidMappings")] public List<LinuxIdMapping>? UidMappings { get; set; }
    [JsonPropertyName("gidMappings")] public List<LinuxIdMapping>? GidMappings { get; set; }
    [JsonPropertyName("sysctl")] public Dictionary<string, string>? Sysctl { get; set; }
    [JsonPropertyName("resources"), ParentOnly] public LinuxResources? Resources { get; set; }
    /// <summary>Travels in config.bin: `delete` of a container whose create was killed names its cgroups by it.</summary>
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; set; }
    [JsonPropertyName("namespaces")] public List<LinuxNamespace>? Namespaces { get; set; }
    [JsonPropertyName("devices")] public List<LinuxDevice>? Devices { get; set; }
    [JsonPropertyName("seccomp")] public LinuxSeccomp? Seccomp { get; set; }
    [JsonPropertyName("rootfsPropagation")] public string? RootfsPropagation { get; set; }
    [JsonPropertyName("maskedPaths")] public List<string>? MaskedPaths { get; set; }
    [JsonPropertyName("readonlyPaths")] public List<string>? ReadonlyPaths { get; set; }
    [JsonPropertyName("mountLabel")] public string? MountLabel { get; set; }
    [JsonPropertyName("intelRdt"), ParentOnly] public LinuxIntelRdt? IntelRdt { get; set; }
    /// <summary>runtime-spec 1.3; runc 1.1.5 ignores it.</summary>
    [JsonPropertyName("memoryPolicy")] public LinuxMemoryPolicy? MemoryPolicy { get; set; }
    [JsonPropertyName("personality")] public LinuxPersonality? Personality { get; set; }
    /// <summary>Clock name ("monotonic", "boottime") → offset; needs a time namespace.</summary>
    [JsonPropertyName("timeOffsets"), ParentOnly] public Dictionary<string, LinuxTimeOffset>? TimeOffsets { get; set; }
    /// <summary>Host interface name → how it appears in the container's network namespace.</summary>
    [JsonPropertyName("netDevices"), ParentOnly] public Dictionary<string, LinuxNetDevice>? NetDevices { get; set; }

    /// <summary>The namespace entry of the given type, or null.</summary>
    public LinuxNamespace? FindNamespace(string type)
    {
        if (Namespaces is null) return null;
        foreach (var ns in Namespaces)
            if (ns.Type == type) return ns;
        return null;
    }
}

/// <summary>A namespace the container creates (no path) or joins (path).</summary>
public sealed class LinuxNamespace
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("path")] public string? Path { get; set; }
}

/// <summary>A uid/gid mapping range.</summary>
public sealed class LinuxIdMapping
{
    [JsonPropertyName("containerID")] public uint ContainerId { get; set; }
    [JsonPropertyName("hostID")] public uint HostId { get; set; }
    [JsonPropertyName("size")] public uint Size { get; set; }
}

/// <summary>A time namespace clock offset.</summary>
public sealed class LinuxTimeOffset
{
    [JsonPropertyName("secs")] public long? Secs { get; set; }
    [JsonPropertyName("nanosecs")] public uint? Nanosecs { get; set; }
}

/// <summary>A network device moved into the container.</summary>
public sealed class LinuxNetDevice
{
    [JsonPropertyName("name")] public string? Name { get; set; }
}

/// <summary>A device node created in the container.</summary>
public sealed class LinuxDevice
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    /// <summary>"c", "b", "u" or "p".</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("major")] public long Major { get; set; }
    [JsonPropertyName("minor")] public long Minor { get; set; }
    /// <summary>Permission bits, as a JSON number (Go's os.FileMode).</summary>
    [JsonPropertyName("fileMode")] public uint? FileMode { get; set; }
    [JsonPropertyName("uid")] public uint? Uid { get; set; }
    [JsonPropertyName("gid")] public uint? Gid { get; set; }
}

/// <summary>Syscall filtering.</summary>
public sealed class LinuxSeccomp
{
    [JsonPropertyName("defaultAction")] public string DefaultAction { get; set; } = "";
    [JsonPropertyName("defaultErrnoRet")] public uint? DefaultErrnoRet { get; set; }
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; set; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }
    [JsonPropertyName("listenerPath")] public string? ListenerPath { get; set; }
    [JsonPropertyName("listenerMetadata")] public string? ListenerMetadata { get; set; }
    [JsonPropertyName("syscalls")] public List<LinuxSyscall>? Syscalls { get; set; }
}

/// <summary>A seccomp rule: syscalls and the action taken when they match.</summary>
public sealed class LinuxSyscall
{
    [JsonPropertyName("names")] public List<string> Names { get; set; } = [];
    [JsonPropertyName("action")] public string Action { get; set; } = "";
    [JsonPropertyName("errnoRet")] public uint? ErrnoRet { get; set; }
    [JsonPropertyName("args")] public List<LinuxSeccompArg>? Args { get; set; }
}

/// <summary>A condition on one syscall argument.</summary>
public sealed class LinuxSeccompArg
{
    [JsonPropertyName("index")] public uint Index { get; set; }
    [JsonPropertyName("value")] public ulong Value { get; set; }
    [JsonPropertyName("valueTwo")] public ulong? ValueTwo { get; set; }
    [JsonPropertyName("op")] public string Op { get; set; } = "";
}

/// <summary>Intel RDT (resctrl) settings.</summary>
public sealed class LinuxIntelRdt
{
    [JsonPropertyName("closID")] public string? ClosId { get; set; }
    [JsonPropertyName("schemata")] public string? Schemata { get; set; }
    [JsonPropertyName("l3CacheSchema")] public string? L3CacheSchema { get; set; }
    [JsonPropertyName("memBwSchema")] public string? MemBwSchema { get; set; }
    [JsonPropertyName("enableCMT")] public bool? EnableCmt { get; set; }
    [JsonPropertyName("enableMBM")] public bool? EnableMbm { get; set; }
}

/// <summary>set_mempolicy(2): the NUMA memory policy of the container's processes.</summary>
public sealed class LinuxMemoryPolicy
{
    [JsonPropertyName("mode")] public string Mode { get; set; } = "";
    /// <summary>NUMA nodes, in the kernel's list syntax ("0-3,6").</summary>
    [JsonPropertyName("nodes")] public string? Nodes { get; set; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }

    /// <summary>The modes, index = the kernel's number (MPOL_DEFAULT = 0 ... MPOL_WEIGHTED_INTERLEAVE = 6).</summary>
    public static readonly IReadOnlyList<string> Modes =
        ["MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"];

    /// <summary>The mode flags, index i = bit 13 + i (MPOL_F_NUMA_BALANCING = 1 &lt;&lt; 13).</summary>
    public static readonly IReadOnlyList<string> KnownFlags = ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"];
}

/// <summary>personality(2) settings.</summary>
public sealed class LinuxPersonality
{
    /// <summary>"LINUX" or "LINUX32".</summary>
    [JsonPropertyName("domain")] public string Domain { get; set; } = "";
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }

    public static readonly IReadOnlyList<string> Domains = ["LINUX", "LINUX32"];
}
