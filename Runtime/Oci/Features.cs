using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runcs.Oci;

/// <summary>The OCI features document (runtime-spec features.md), printed by `runcs features`.
/// A null field means "unknown"; an empty list means "none supported".</summary>
public sealed class Features
{
    [JsonPropertyName("ociVersionMin")] public string? OciVersionMin { get; set; }
    [JsonPropertyName("ociVersionMax")] public string? OciVersionMax { get; set; }
    [JsonPropertyName("hooks")] public List<string>? Hooks { get; set; }
    [JsonPropertyName("mountOptions")] public List<string>? MountOptions { get; set; }
    [JsonPropertyName("linux")] public FeaturesLinux? Linux { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("potentiallyUnsafeConfigAnnotations")] public List<string>? PotentiallyUnsafeConfigAnnotations { get; set; }

    /// <summary>The lowest runtime-spec version runcs accepts.</summary>
    public const string OciVersionMinimum = "1.0.0";

    /// <summary>The runtime-spec version runcs implements (also written by `runcs spec`).</summary>
    public const string OciVersionMaximum = "1.2.0";

    /// <summary>The features document for what runcs implements now.</summary>
    public static Features Build() => new()
    {
        OciVersionMin = OciVersionMinimum,
        OciVersionMax = OciVersionMaximum,
        Hooks = [.. Oci.Hooks.Names],
        MountOptions = [.. Oci.MountOptions.Known()],
        Linux = new FeaturesLinux
        {
            Namespaces = [.. Namespaces.Types],
            Capabilities = [.. Oci.Capabilities.Names],
            Cgroup = new FeaturesCgroup { V1 = true, V2 = true, Systemd = false, SystemdUser = false, Rdma = true },
            Seccomp = new FeaturesSeccomp
            {
                Enabled = true,
                Actions = [.. Runcs.Seccomp.SeccompCompiler.Actions],
                Operators = [.. Runcs.Seccomp.SeccompCompiler.Operators],
                Archs = [.. Runcs.Seccomp.SeccompCompiler.Archs],
                KnownFlags = [.. Runcs.Seccomp.SeccompCompiler.Flags.Keys],
                SupportedFlags = [.. Runcs.Seccomp.SeccompCompiler.Flags.Where(f => Runcs.Seccomp.SeccompLoader.KernelSupportsFlag(f.Value)).Select(f => f.Key)],
            },
            // runcs can apply profiles and labels; whether this host has the module is checked per container.
            Apparmor = new FeaturesEnabled { Enabled = true },
            Selinux = new FeaturesEnabled { Enabled = true },
            IntelRdt = new FeaturesEnabled { Enabled = false },
            MountExtensions = new FeaturesMountExtensions { IdMap = new FeaturesEnabled { Enabled = false } },
        },
    };

    /// <summary>The document as runc prints it: 4-space indent, trailing newline.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SpecJson.FourSpaces.Features) + "\n";
}

public sealed class FeaturesLinux
{
    [JsonPropertyName("namespaces")] public List<string>? Namespaces { get; set; }
    [JsonPropertyName("capabilities")] public List<string>? Capabilities { get; set; }
    [JsonPropertyName("cgroup")] public FeaturesCgroup? Cgroup { get; set; }
    [JsonPropertyName("seccomp")] public FeaturesSeccomp? Seccomp { get; set; }
    [JsonPropertyName("apparmor")] public FeaturesEnabled? Apparmor { get; set; }
    [JsonPropertyName("selinux")] public FeaturesEnabled? Selinux { get; set; }
    [JsonPropertyName("intelRdt")] public FeaturesEnabled? IntelRdt { get; set; }
    [JsonPropertyName("mountExtensions")] public FeaturesMountExtensions? MountExtensions { get; set; }
    [JsonPropertyName("netDevices")] public FeaturesEnabled? NetDevices { get; set; }
}

public sealed class FeaturesCgroup
{
    [JsonPropertyName("v1")] public bool? V1 { get; set; }
    [JsonPropertyName("v2")] public bool? V2 { get; set; }
    [JsonPropertyName("systemd")] public bool? Systemd { get; set; }
    [JsonPropertyName("systemdUser")] public bool? SystemdUser { get; set; }
    [JsonPropertyName("rdma")] public bool? Rdma { get; set; }
}

public sealed class FeaturesSeccomp
{
    [JsonPropertyName("enabled")] public bool? Enabled { get; set; }
    [JsonPropertyName("actions")] public List<string>? Actions { get; set; }
    [JsonPropertyName("operators")] public List<string>? Operators { get; set; }
    [JsonPropertyName("archs")] public List<string>? Archs { get; set; }
    [JsonPropertyName("knownFlags")] public List<string>? KnownFlags { get; set; }
    [JsonPropertyName("supportedFlags")] public List<string>? SupportedFlags { get; set; }
}

/// <summary>{"enabled": bool} (apparmor, selinux, intelRdt, idmap, netDevices).</summary>
public sealed class FeaturesEnabled
{
    [JsonPropertyName("enabled")] public bool? Enabled { get; set; }
}

public sealed class FeaturesMountExtensions
{
    [JsonPropertyName("idmap")] public FeaturesEnabled? IdMap { get; set; }
}
