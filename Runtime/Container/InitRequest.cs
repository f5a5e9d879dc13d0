using System.Text.Json.Serialization;
using Runcs.Oci;

namespace Runcs.Container;

/// <summary>
/// What the parent tells `runcs init` over the sync socket: the config plus what only the
/// parent knows (fd numbers it handed over, paths resolved on the host).
/// </summary>
public sealed class InitRequest
{
    /// <summary>True for `exec`: join a running container, no rootfs work.</summary>
    [JsonPropertyName("exec")] public bool IsExec { get; set; }
    [JsonPropertyName("id")] public string ContainerId { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("noPivot")] public bool NoPivot { get; set; }
    /// <summary>O_PATH fd of exec.fifo (create), or -1 (exec starts at once).</summary>
    [JsonPropertyName("fifoFd")] public int FifoFd { get; set; } = -1;
    /// <summary>Socket that receives the pty master, or -1 when there is no terminal.</summary>
    [JsonPropertyName("consoleFd")] public int ConsoleFd { get; set; } = -1;
    /// <summary>Fds 3 .. 3+N-1 stay open in the container (--preserve-fds, LISTEN_FDS).</summary>
    [JsonPropertyName("preserveFds")] public int PreserveFds { get; set; }
    /// <summary>Whether this process has its own user namespace (devices become bind mounts).</summary>
    [JsonPropertyName("userns")] public bool InUserNamespace { get; set; }
    /// <summary>--debug: fd for the init's phase timestamps (-1: none), their format and origin.</summary>
    [JsonPropertyName("debugFd")] public int DebugFd { get; set; } = -1;
    [JsonPropertyName("jsonLog")] public bool JsonLog { get; set; }
    [JsonPropertyName("origin")] public long Origin { get; set; }
    [JsonPropertyName("spec")] public Spec Spec { get; set; } = new();
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitRequest))]
internal sealed partial class InitRequestJson : JsonSerializerContext;
