using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.Container;

/// <summary>
/// runc's rootless rules. "Rootless euid" (runcs not running as uid 0) decides how the id maps
/// are written and whether supplementary groups may be set. "Rootless cgroups" (the --rootless
/// flag, or its auto-detection) decides whether a cgroup runcs may not create is left out
/// instead of failing the container. Root in the initial user namespace pays one geteuid for
/// the first, and nothing for the second unless a cgroup is refused.
/// </summary>
public static class Rootless
{
    /// <summary>runc's RootlessEUID: runcs is not uid 0 (in whatever user namespace it runs).</summary>
    public static bool Euid => LibC.geteuid() != 0;

    /// <summary>
    /// runc's userns.RunningInUserNS: the uid map is not the initial namespace's
    /// "0 0 4294967295". Read only where the answer matters (root with XDG_RUNTIME_DIR set, or a
    /// cgroup refused to root).
    /// </summary>
    public static bool InUserNamespace()
    {
        string map;
        try
        {
            map = SmallFile.ReadAllText("/proc/self/uid_map");
        }
        catch (IOException)
        {
            return false; // no /proc/self/uid_map: a kernel without user namespaces
        }
        string[] f = map.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return !(f.Length == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295");
    }

    /// <summary>
    /// runc's shouldHonorXDGRuntimeDir: an ordinary user's state goes to $XDG_RUNTIME_DIR; so
    /// does root's inside a user namespace that a rootless engine made (rootless podman runs the
    /// runtime as uid 0 there), unless $USER says root. Real root keeps /run/runcs.
    /// </summary>
    public static bool HonorXdgRuntimeDir()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR")))
            return false;
        if (Euid)
            return true;
        if (!InUserNamespace())
            return false;
        return Environment.GetEnvironmentVariable("USER") is not "root";
    }

    /// <summary>
    /// runc's parseBoolOrAuto for --rootless: null for "auto" (or ""), else Go's strconv.ParseBool.
    /// </summary>
    public static bool? ParseFlag(string value) => value switch
    {
        "" or "auto" => null,
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new RuntimeError($"invalid value \"{value}\" for flag --rootless: true, false or auto"),
    };

    /// <summary>
    /// runc's shouldUseRootlessCgroupManager: may a cgroup that cannot be made for lack of
    /// permission be left out? The flag decides when given; with auto, never under the systemd
    /// driver, always for an ordinary user, and for uid 0 only inside a user namespace.
    /// </summary>
    public static bool Cgroups(string flag, bool systemdCgroup)
    {
        if (ParseFlag(flag) is bool given)
            return given;
        if (systemdCgroup)
            return false;
        return Euid || InUserNamespace();
    }
}
