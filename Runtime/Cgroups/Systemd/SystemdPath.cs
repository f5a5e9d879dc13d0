using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.Cgroups.Systemd;

/// <summary>runc's systemd naming: "slice:prefix:name" cgroupsPaths, unit names, slice paths.</summary>
internal static class SystemdPath
{
    public const string DefaultSlice = "system.slice";
    public const string DefaultPrefix = "runc";

    /// <summary>
    /// (slice, unit, name): the unit is "prefix-name.scope", or name itself when it is a slice.
    /// An empty cgroupsPath is system.slice, prefix "runc", the container id; an empty slice is system.slice.
    /// </summary>
    public static (string Slice, string Unit, string Name) Parse(string? cgroupsPath, string id)
    {
        string parent = "", prefix = DefaultPrefix, name = id;
        if (!string.IsNullOrEmpty(cgroupsPath))
        {
            string[] parts = cgroupsPath.Split(':');
            if (parts.Length != 3)
                throw new RuntimeError($"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"{cgroupsPath}\" instead");
            (parent, prefix, name) = (parts[0], parts[1], parts[2]);
        }
        string unit = name.EndsWith(".slice", StringComparison.Ordinal) ? name : $"{prefix}-{name}.scope";
        if (unit.Contains('/'))
            throw new RuntimeError($"invalid systemd unit name \"{unit}\": it must not contain \"/\"");
        return (parent.Length == 0 ? DefaultSlice : parent, unit, name);
    }

    /// <summary>
    /// systemd's slice nesting: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice, "-.slice" the root.
    /// </summary>
    public static string ExpandSlice(string slice)
    {
        const string suffix = ".slice";
        if (slice.Length < suffix.Length || !slice.EndsWith(suffix, StringComparison.Ordinal) || slice.Contains('/'))
            throw new RuntimeError($"invalid slice name: {slice}");
        string name = slice[..^suffix.Length];
        if (name == "-")
            return "/";
        var path = new System.Text.StringBuilder();
        string prefix = "";
        foreach (string component in name.Split('-'))
        {
            if (component.Length == 0)
                throw new RuntimeError($"invalid slice name: {slice}");
            path.Append('/').Append(prefix).Append(component).Append(suffix);
            prefix += component + "-";
        }
        return path.ToString();
    }

    /// <summary>Joins absolute cgroup path pieces with single slashes ("/" + "/a.slice" + "x.scope" → "/a.slice/x.scope").</summary>
    public static string Join(params string[] parts) =>
        "/" + string.Join('/', parts.SelectMany(p => p.Split('/', StringSplitOptions.RemoveEmptyEntries)));

    /// <summary>
    /// PID 1's cgroup on v1 (its name=systemd hierarchy), without systemd's own "init.scope":
    /// the root systemd's slices live under (usually "/").
    /// </summary>
    public static string InitCgroup()
    {
        string path = "/";
        foreach (string line in SmallFile.ReadAllLines("/proc/1/cgroup"))
        {
            string[] f = line.Split(':', 3);
            if (f.Length == 3 && f[1] == "name=systemd")
            {
                path = f[2];
                break;
            }
        }
        path = path.TrimEnd('/');
        if (path.EndsWith("/init.scope", StringComparison.Ordinal))
            path = path[..^"/init.scope".Length];
        return path.Length == 0 ? "/" : path;
    }
}
