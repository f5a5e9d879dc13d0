using Runcs.Errors;

namespace Runcs.Cgroups;

/// <summary>
/// `exec --cgroup`: the exec'd process joins an existing sub-cgroup of the container's, as
/// runc 1.1.5 reads the flag: `PATH` alone (every hierarchy, the only form on v2) or
/// `CONTROLLER[,CONTROLLER]:PATH`, repeatable.
/// </summary>
public static class SubCgroups
{
    /// <summary>runc's getSubCgroupPaths: controller ("" for every one) → path below the container's cgroup.</summary>
    public static Dictionary<string, string>? Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
            return null;
        var paths = new Dictionary<string, string>();
        foreach (string arg in args)
        {
            string[] parts = arg.Split(':', 3);
            if (parts.Length > 2)
                throw new RuntimeError($"invalid --cgroup argument: {arg}");
            if (parts.Length == 1)
            {
                if (args.Count != 1)
                    throw new RuntimeError($"invalid --cgroup argument: {arg} (missing <controller>: prefix)");
                paths[""] = arg;
            }
            else
            {
                // runc 1.1.5 takes an empty controller name (":x", ",cpu:x") as "every controller".
                foreach (string controller in parts[0].Split(','))
                    paths[controller] = parts[1];
            }
        }
        return paths;
    }

    /// <summary>
    /// The cgroup the exec'd process joins: the container's <paramref name="paths"/> with the
    /// sub-paths joined (runc's newSetnsProcess: a path that leaves the container's cgroup or an
    /// unknown controller is refused), each of which must exist.
    /// </summary>
    public static CgroupManager For(IReadOnlyDictionary<string, string> paths, Dictionary<string, string> sub)
    {
        var result = new Dictionary<string, string>(paths);
        if (sub.TryGetValue("", out var all))
        {
            foreach (var (key, dir) in paths)
                result[key] = Below(dir, all);
        }
        else
        {
            foreach (var (controller, add) in sub)
            {
                string key = KeyOf(paths, controller) ?? throw new RuntimeError(
                    $"unable to create new parent process: unknown controller {controller} in SubCgroupPaths");
                result[key] = Below(paths[key], add);
            }
        }
        foreach (string dir in result.Values)
            if (!Directory.Exists(dir))
                throw new RuntimeError($"unable to start container process: error adding pid to cgroups: openat2 {dir}/cgroup.procs: no such file or directory");
        return CgroupManager.FromState(result);
    }

    /// <summary>runc's check: Go's path.Join(dir, add) must still start with dir (so "../x" is refused, "/x" is below).</summary>
    private static string Below(string dir, string add)
    {
        string joined = GoPathJoin(dir, add);
        if (!joined.StartsWith(dir, StringComparison.Ordinal))
            throw new RuntimeError($"unable to create new parent process: {add} is not a sub cgroup path");
        return joined;
    }

    /// <summary>A state key for a controller name: the hierarchy's own ("cpu"), one of a comounted pair ("cpu,cpuacct"), or a named one ("name=systemd").</summary>
    private static string? KeyOf(IReadOnlyDictionary<string, string> paths, string controller)
    {
        foreach (string key in paths.Keys)
            if (key == controller || (key.Length > 0 && (key.Split(',').Contains(controller) || "name=" + key == controller)))
                return key;
        return null;
    }

    /// <summary>Go's path.Join of an absolute directory and a path: joined with '/', then cleaned (".", "..", doubled slashes).</summary>
    internal static string GoPathJoin(string dir, string add)
    {
        var parts = new List<string>();
        foreach (string part in (dir + "/" + add).Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
