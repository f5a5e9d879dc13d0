namespace Runcs.Oci;

/// <summary>Namespace types of config.json and their clone(2) flags.</summary>
public static class Namespaces
{
    public const ulong CloneNewTime = 0x00000080;
    public const ulong CloneNewNs = 0x00020000;
    public const ulong CloneNewCgroup = 0x02000000;
    public const ulong CloneNewUts = 0x04000000;
    public const ulong CloneNewIpc = 0x08000000;
    public const ulong CloneNewUser = 0x10000000;
    public const ulong CloneNewPid = 0x20000000;
    public const ulong CloneNewNet = 0x40000000;

    /// <summary>The namespace types runcs knows (runtime-spec 1.2's list, alphabetical as runc's features).</summary>
    public static readonly IReadOnlyList<string> Types = ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"];

    public static bool IsKnown(string type) => TryGetCloneFlag(type, out _);

    /// <summary>The CLONE_NEW* flag of a config.json namespace type.</summary>
    public static bool TryGetCloneFlag(string type, out ulong flag)
    {
        flag = type switch
        {
            "pid" => CloneNewPid,
            "network" => CloneNewNet,
            "mount" => CloneNewNs,
            "ipc" => CloneNewIpc,
            "uts" => CloneNewUts,
            "user" => CloneNewUser,
            "cgroup" => CloneNewCgroup,
            "time" => CloneNewTime,
            _ => 0,
        };
        return flag != 0;
    }

    /// <summary>The CLONE_NEW* flag of a config.json namespace type; throws for an unknown type.</summary>
    public static ulong ToCloneFlag(string type) =>
        TryGetCloneFlag(type, out ulong flag) ? flag : throw new ArgumentException($"unknown namespace \"{type}\"", nameof(type));

    /// <summary>The /proc/PID/ns/ file name of a namespace type ("network" → "net", "mount" → "mnt").</summary>
    public static string ProcName(string type) => type switch
    {
        "network" => "net",
        "mount" => "mnt",
        _ => type,
    };
}
