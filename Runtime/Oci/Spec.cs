using System.Text.Json.Serialization;

namespace Runcs.Oci;

// The OCI runtime-spec 1.2 configuration (config.json), Linux parts. Properties follow the
// field order of runtime-spec's specs-go structs so that serialized output is ordered the
// way runc writes it. Optional fields are nullable and nulls are never written, so a parse →
// serialize round trip reproduces its input (fields Go always writes are non-nullable and
// always written). Unknown fields (solaris, windows, vm, zos, ...) are ignored when read.

/// <summary>The base configuration for the container (config.json).</summary>
public sealed class Spec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
    [JsonPropertyName("process")] public Process? Process { get; set; }
    [JsonPropertyName("root")] public Root? Root { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("domainname")] public string? Domainname { get; set; }
    [JsonPropertyName("mounts")] public List<Mount>? Mounts { get; set; }
    [JsonPropertyName("hooks")] public Hooks? Hooks { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("linux")] public Linux? Linux { get; set; }
}

/// <summary>The container's root filesystem on the host.</summary>
public sealed class Root
{
    /// <summary>Absolute, or relative to the bundle directory.</summary>
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("readonly")] public bool? Readonly { get; set; }
}

/// <summary>A mount for the container (on top of the root).</summary>
public sealed class Mount
{
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
    [JsonPropertyName("uidMappings"), ParentOnly] public List<LinuxIdMapping>? UidMappings { get; set; }
    [JsonPropertyName("gidMappings"), ParentOnly] public List<LinuxIdMapping>? GidMappings { get; set; }
}

/// <summary>A command run at an event of the container's lifecycle.</summary>
public sealed class Hook
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    /// <summary>Seconds; must be greater than zero when present.</summary>
    [JsonPropertyName("timeout")] public int? Timeout { get; set; }
}

/// <summary>The lifecycle hooks.</summary>
public sealed class Hooks
{
    /// <summary>Deprecated by the spec (use createRuntime and later), still run by runc.</summary>
    [JsonPropertyName("prestart")] public List<Hook>? Prestart { get; set; }
    [JsonPropertyName("createRuntime")] public List<Hook>? CreateRuntime { get; set; }
    [JsonPropertyName("createContainer")] public List<Hook>? CreateContainer { get; set; }
    [JsonPropertyName("startContainer")] public List<Hook>? StartContainer { get; set; }
    [JsonPropertyName("poststart")] public List<Hook>? Poststart { get; set; }
    [JsonPropertyName("poststop")] public List<Hook>? Poststop { get; set; }

    /// <summary>The hook lists with their JSON names, in lifecycle order.</summary>
    public IEnumerable<(string Name, List<Hook>? Hooks)> All()
    {
        yield return ("prestart", Prestart);
        yield return ("createRuntime", CreateRuntime);
        yield return ("createContainer", CreateContainer);
        yield return ("startContainer", StartContainer);
        yield return ("poststart", Poststart);
        yield return ("poststop", Poststop);
    }

    /// <summary>The hook names runcs knows, as listed by the features document.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];
}
