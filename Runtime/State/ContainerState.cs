using Runcs.Oci;

namespace Runcs.State;

/// <summary>
/// What runcs persists about one container, in &lt;root&gt;/&lt;id&gt;/state.json. This is runcs's own
/// format (camelCase), not runc's libcontainer state; only the user-visible output
/// (<see cref="StateFormatter"/>, <see cref="ListFormatter"/>) mimics runc byte for byte.
/// </summary>
public sealed class ContainerState
{
    /// <summary>The spec's ociVersion (runc prints it as "ociVersion").</summary>
    public string OciVersion { get; set; } = "";

    public string Id { get; set; } = "";

    /// <summary>The init process's pid in the host (runcs's) pid namespace; 0 before it exists.</summary>
    public int InitPid { get; set; }

    /// <summary>Field 22 (starttime, clock ticks since boot) of /proc/&lt;initPid&gt;/stat, to detect pid reuse.</summary>
    public ulong InitStartTime { get; set; }

    /// <summary>Absolute path of the bundle.</summary>
    public string Bundle { get; set; } = "";

    /// <summary>Absolute path of the root filesystem.</summary>
    public string Rootfs { get; set; } = "";

    /// <summary>Creation time (UTC); written as RFC 3339 with Go's trimmed fraction.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>Informational only: `runc state` always prints "" and `runc list` prints the
    /// owner of the container directory (see <see cref="StateStore.OwnerOf"/>).</summary>
    public string Owner { get; set; } = "";

    /// <summary>The spec's annotations, as given (the "bundle" key is dropped only on output, like runc).</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>cgroup controller (or "" for the v2 unified hierarchy) → absolute cgroup path.</summary>
    public Dictionary<string, string>? CgroupPaths { get; set; }

    // Resources and hooks are kept in state.json as JSON text and parsed on first use: every
    // command reads the state, few need these.

    /// <summary>linux.resources as applied at create and changed by `update` since.</summary>
    public LinuxResources? Resources
    {
        get => _resources ??= ResourcesJson is { } json ? SpecReader.ReadResources(StateStore.StateFileName, json) : null;
        set => (_resources, ResourcesJson) = (value, value is null ? null : SpecWriter.Write(value));
    }

    /// <summary><see cref="Resources"/> as JSON text (UTF-8).</summary>
    public byte[]? ResourcesJson
    {
        get => _resourcesJson;
        set => (_resourcesJson, _resources) = (value, null);
    }

    private LinuxResources? _resources;
    private byte[]? _resourcesJson;

    /// <summary>Namespace type (e.g. "pid", "net", "mnt") → /proc/&lt;pid&gt;/ns/&lt;x&gt; path or a bind-mounted path.</summary>
    public Dictionary<string, string>? NamespacePaths { get; set; }

    /// <summary>
    /// The init made its own pid namespace (not joined by path): killing it ends every process
    /// of the container, so `delete` leaves the rest of the cgroup alone, as runc. False in a
    /// state written before this field: the cgroup is swept then.
    /// </summary>
    public bool OwnPidNamespace { get; set; }

    public bool Rootless { get; set; }

    public bool UseSystemdCgroup { get; set; }

    /// <summary>The config's hooks, kept for poststart (`start`) and poststop (`delete`) without re-reading config.json.</summary>
    public Hooks? Hooks
    {
        get => _hooks ??= HooksJson is { } json ? SpecReader.ReadHooks(StateStore.StateFileName, json) : null;
        set => (_hooks, HooksJson) = (value, value is null ? null : SpecWriter.Write(value));
    }

    /// <summary><see cref="Hooks"/> as JSON text (UTF-8).</summary>
    public byte[]? HooksJson
    {
        get => _hooksJson;
        set => (_hooksJson, _hooks) = (value, null);
    }

    private Hooks? _hooks;
    private byte[]? _hooksJson;
}
