using System.Text.Json.Serialization;

namespace Runcs.Oci;

/// <summary>The container process (config.json "process", or exec --process).</summary>
public sealed class Process
{
    [JsonPropertyName("terminal")] public bool? Terminal { get; set; }
    [JsonPropertyName("consoleSize")] public Box? ConsoleSize { get; set; }
    [JsonPropertyName("user")] public User User { get; set; } = new();
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    /// <summary>Windows only; ignored on Linux.</summary>
    [JsonPropertyName("commandLine")] public string? CommandLine { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    [JsonPropertyName("cwd")] public string Cwd { get; set; } = "";
    [JsonPropertyName("capabilities")] public LinuxCapabilities? Capabilities { get; set; }
    [JsonPropertyName("rlimits")] public List<PosixRlimit>? Rlimits { get; set; }
    [JsonPropertyName("noNewPrivileges")] public bool? NoNewPrivileges { get; set; }
    [JsonPropertyName("apparmorProfile")] public string? ApparmorProfile { get; set; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; set; }
    [JsonPropertyName("scheduler")] public Scheduler? Scheduler { get; set; }
    [JsonPropertyName("selinuxLabel")] public string? SelinuxLabel { get; set; }
    [JsonPropertyName("ioPriority")] public LinuxIOPriority? IOPriority { get; set; }
    [JsonPropertyName("execCPUAffinity")] public CpuAffinity? ExecCpuAffinity { get; set; }
}

/// <summary>The size of a console.</summary>
public sealed class Box
{
    [JsonPropertyName("height")] public uint Height { get; set; }
    [JsonPropertyName("width")] public uint Width { get; set; }
}

/// <summary>The user (and groups) the process runs as.</summary>
public sealed class User
{
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("gid")] public uint Gid { get; set; }
    [JsonPropertyName("umask")] public uint? Umask { get; set; }
    [JsonPropertyName("additionalGids")] public List<uint>? AdditionalGids { get; set; }
    /// <summary>Windows only; ignored on Linux.</summary>
    [JsonPropertyName("username")] public string? Username { get; set; }
}

/// <summary>The capability sets kept for the process.</summary>
public sealed class LinuxCapabilities
{
    [JsonPropertyName("bounding")] public List<string>? Bounding { get; set; }
    [JsonPropertyName("effective")] public List<string>? Effective { get; set; }
    [JsonPropertyName("inheritable")] public List<string>? Inheritable { get; set; }
    [JsonPropertyName("permitted")] public List<string>? Permitted { get; set; }
    [JsonPropertyName("ambient")] public List<string>? Ambient { get; set; }

    /// <summary>The five sets with their JSON names.</summary>
    public IEnumerable<(string Name, List<string>? Caps)> All()
    {
        yield return ("bounding", Bounding);
        yield return ("effective", Effective);
        yield return ("inheritable", Inheritable);
        yield return ("permitted", Permitted);
        yield return ("ambient", Ambient);
    }
}

/// <summary>One setrlimit(2) limit.</summary>
public sealed class PosixRlimit
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("hard")] public ulong Hard { get; set; }
    [JsonPropertyName("soft")] public ulong Soft { get; set; }
}

/// <summary>sched_setattr(2) attributes.</summary>
public sealed class Scheduler
{
    [JsonPropertyName("policy")] public string Policy { get; set; } = "";
    [JsonPropertyName("nice")] public int? Nice { get; set; }
    [JsonPropertyName("priority")] public int? Priority { get; set; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }
    [JsonPropertyName("runtime")] public ulong? Runtime { get; set; }
    [JsonPropertyName("deadline")] public ulong? Deadline { get; set; }
    [JsonPropertyName("period")] public ulong? Period { get; set; }

    public static readonly IReadOnlyList<string> Policies =
        ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"];

    public static readonly IReadOnlyList<string> KnownFlags =
    [
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
    ];
}

/// <summary>ioprio_set(2) settings.</summary>
public sealed class LinuxIOPriority
{
    [JsonPropertyName("class")] public string Class { get; set; } = "";
    [JsonPropertyName("priority")] public int Priority { get; set; }

    public static readonly IReadOnlyList<string> Classes = ["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"];
}

/// <summary>CPU affinity of exec'd processes: before and after joining the container.</summary>
public sealed class CpuAffinity
{
    [JsonPropertyName("initial")] public string? Initial { get; set; }
    [JsonPropertyName("final")] public string? Final { get; set; }
}
