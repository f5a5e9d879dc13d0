namespace Runcs.Cli;

/// <summary>The global flags (given before the verb).</summary>
public sealed class GlobalOptions
{
    private readonly HashSet<string> _set;

    internal GlobalOptions(HashSet<string> setFlags) => _set = setFlags;

    /// <summary>--debug.</summary>
    public bool Debug { get; init; }

    /// <summary>--log: the log file, "" for stderr.</summary>
    public string Log { get; init; } = "";

    /// <summary>--log-format: "text" (default), "json", or "" (treated as text).</summary>
    public string LogFormat { get; init; } = "text";

    /// <summary>
    /// --root made absolute (Go's filepath.Abs: "" means the working directory), or null when
    /// not given: the caller then picks /run/runcs or $XDG_RUNTIME_DIR/runcs.
    /// </summary>
    public string? Root { get; init; }

    /// <summary>--criu (default "criu").</summary>
    public string Criu { get; init; } = "criu";

    /// <summary>--systemd-cgroup.</summary>
    public bool SystemdCgroup { get; init; }

    /// <summary>--rootless: "true", "false" or "auto" (default); not validated here, as in runc.</summary>
    public string Rootless { get; init; } = "auto";

    /// <summary>Whether the global flag (any of its names) was on the command line.</summary>
    public bool IsSet(string name) => _set.Contains(name);
}
