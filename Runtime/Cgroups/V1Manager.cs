using System.Text.Json;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>
/// cgroup v1: one directory in every mounted hierarchy under /sys/fs/cgroup. On a hybrid host
/// (systemd's layout: cgroup2 at /sys/fs/cgroup/unified, no controllers there) the container
/// also gets a cgroup in the unified hierarchy, under the key "" as in runc's state, so that
/// its processes' "0::" line names it (tools and systemd read it).
/// </summary>
public sealed class V1Manager(Dictionary<string, string> paths) : CgroupManager
{
    public const string UnifiedMount = Root + "/unified";

    public override IReadOnlyDictionary<string, string> Paths => paths;

    /// <summary>The cgroup in the unified hierarchy of a hybrid host, or null.</summary>
    public override string? UnifiedPath => paths.GetValueOrDefault("");

    /// <summary>The v1 hierarchies' directories, without the unified one.</summary>
    private IEnumerable<string> HierarchyDirs => paths.Where(p => p.Key.Length > 0).Select(p => p.Value);

    public static V1Manager ForPath(string inner)
    {
        var own = OwnCgroups();
        var result = new Dictionary<string, string>();
        string mountinfo = SmallFile.ReadAllText("/proc/self/mountinfo");
        foreach (var m in MountInfoEntry.Parse(mountinfo, fsType: "cgroup"))
        {
            if (!m.MountPoint.StartsWith(Root + "/", StringComparison.Ordinal))
                continue;
            string name = m.MountPoint[(Root.Length + 1)..];
            string controllers = string.Join(',', m.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro")));
            result[name] = Place(m, own.GetValueOrDefault(controllers, "/"), inner);
        }
        foreach (var m in MountInfoEntry.Parse(mountinfo, fsType: "cgroup2"))
            if (m.MountPoint == UnifiedMount)
                result[""] = Place(m, own.GetValueOrDefault("", "/"), inner);
        return new V1Manager(result);
    }

    /// <summary>An absolute cgroupsPath is below the hierarchy's root; a relative one below runcs's own cgroup there.</summary>
    private static string Place(MountInfoEntry m, string ownPath, string inner)
    {
        if (inner.StartsWith('/'))
            return (m.MountPoint + inner).TrimEnd('/');
        if (m.Root != "/" && ownPath.StartsWith(m.Root, StringComparison.Ordinal))
            ownPath = ownPath[m.Root.Length..];
        return (m.MountPoint + (ownPath.TrimEnd('/') + "/" + inner)).TrimEnd('/');
    }

    public override void Create()
    {
        foreach (var (name, path) in paths)
            CreateHierarchy(name, path);
    }

    private static void CreateHierarchy(string name, string path)
    {
        if (name == "cpuset")
            CreateCpuset(path);
        else if (name.Length > 0)
            MakeDirectory(path);
    }

    /// <summary>
    /// As runc's fs manager for a rootless container: each hierarchy runcs may not make its
    /// cgroup in is left out (a limit for it is then "cannot set X limit: container could not
    /// join or create cgroup"), and so is the hybrid unified one it could not make.
    /// </summary>
    public override CgroupManager CreateOrLeaveOut(Func<bool> mayLeaveOut)
    {
        foreach (var (name, path) in paths.ToList())
        {
            try
            {
                CreateHierarchy(name, path);
            }
            catch (SysError e) when (IsPermissionError(e.Errno) && mayLeaveOut())
            {
                paths.Remove(name);
            }
        }
        if (_unifiedRefused && mayLeaveOut())
            paths.Remove("");
        return this;
    }

    /// <summary>The unified cgroup could not be made (<see cref="OpenUnified"/>).</summary>
    private bool _unifiedRefused;

    /// <summary>
    /// A cpuset cgroup without cpus or mems takes no task (ENOSPC). As runc does, every ancestor
    /// that has none (a pod cgroup made by another tool) gets its parent's, top down, then the new
    /// cgroup. A parent with both has ancestors with both (the kernel keeps a child within its
    /// parent), so the walk up usually stops at the first read.
    /// </summary>
    private static void CreateCpuset(string path)
    {
        string root = Path.Combine(Root, "cpuset");
        if (path.Length <= root.Length)
            return;
        var empty = new List<string>();
        string current = path;
        (string? Cpus, string? Mems) parentValues;
        while (true)
        {
            empty.Add(current);
            string parent = Path.GetDirectoryName(current)!;
            parentValues = (ReadFile(parent, "cpuset.cpus"), ReadFile(parent, "cpuset.mems"));
            if (parent.Length <= root.Length || parentValues is ({ Length: > 0 }, { Length: > 0 }))
                break;
            current = parent;
        }
        for (int i = empty.Count - 1; i >= 0; i--)
        {
            string dir = empty[i];
            bool made = LibC.mkdir(dir, 0x1ed /* 0755 */) == 0;
            if (!made && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EEXIST)
                throw SysError.Last($"mkdir {dir}");
            parentValues = (Fill(dir, "cpuset.cpus", made, parentValues.Cpus), Fill(dir, "cpuset.mems", made, parentValues.Mems));
        }

        // Copies the parent's value into an empty file; returns the value the directory ends up with.
        static string? Fill(string dir, string file, bool made, string? parentValue)
        {
            string? value = made ? "" : ReadFile(dir, file);
            if (!string.IsNullOrEmpty(value) || string.IsNullOrEmpty(parentValue))
                return value;
            WriteFile(dir, file, parentValue);
            return parentValue;
        }
    }

    /// <summary>The hybrid host's unified cgroup, made (with its parents) before the init is cloned into it.</summary>
    public override int OpenUnified(bool create)
    {
        if (UnifiedPath is not string dir)
            return -1;
        if (create)
        {
            try
            {
                MakeDirectory(dir);
            }
            catch (SysError)
            {
                _unifiedRefused = true;
                return -1; // runc ignores a unified hierarchy it cannot join
            }
        }
        return LibC.open(dir, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
    }

    public override void AddProcess(int pid)
    {
        foreach (var path in HierarchyDirs)
            WriteFile(path, "cgroup.procs", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Each hierarchy's tasks file once (co-mounted controllers share a directory).</summary>
    public override List<string> SelfJoinFiles() =>
        [.. HierarchyDirs.Distinct(StringComparer.Ordinal).Select(p => Path.Combine(p, "tasks"))];

    private string? PidSource() =>
        paths.TryGetValue("freezer", out var f) ? f : paths.TryGetValue("devices", out var d) ? d : HierarchyDirs.FirstOrDefault();

    /// <summary>runc's Exists on v1: the devices cgroup is there.</summary>
    public override bool Exists() => Directory.Exists(paths.GetValueOrDefault("devices") ?? PidSource() ?? "/nonexistent");

    /// <summary>
    /// runc's GetFreezerState: FROZEN counts only when the cgroup froze itself (freezer.self_freezing),
    /// not when an ancestor is frozen; FREEZING is waited out.
    /// </summary>
    public override bool IsFrozenItself()
    {
        // A stat first: a new container's cgroup does not exist, and a failed read costs an exception.
        if (!paths.TryGetValue("freezer", out var dir) || !Directory.Exists(dir))
            return false;
        for (int i = 0; ; i++)
        {
            switch (ReadFile(dir, "freezer.state"))
            {
                case null or "THAWED":
                    return false;
                case "FROZEN":
                    return ReadFile(dir, "freezer.self_freezing") is null or "1";
                default:
                    if (i > 1000)
                        return true;
                    Thread.Sleep(1); // FREEZING: not stable yet
                    break;
            }
        }
    }

    public override List<int> Pids()
    {
        var pids = new List<int>();
        if (PidSource() is string dir)
            CollectPids(dir, pids);
        return pids;
    }

    public override void Freeze(bool frozen)
    {
        if (!paths.TryGetValue("freezer", out var dir) || !Directory.Exists(dir))
            return;
        string want = frozen ? "FROZEN" : "THAWED";
        WriteFile(dir, "freezer.state", want);
        // Freezing is asynchronous on v1: wait until the kernel reports the final state.
        for (int i = 0; i < 1000 && SmallFile.ReadAllText(Path.Combine(dir, "freezer.state")).Trim() != want; i++)
        {
            if (frozen && i % 10 == 9)
                WriteFile(dir, "freezer.state", want);
            Thread.Sleep(1);
        }
    }

    public override bool HasFreezer => paths.ContainsKey("freezer");

    public override bool IsFrozen()
    {
        if (!paths.TryGetValue("freezer", out var dir))
            return false;
        try
        {
            return SmallFile.ReadAllText(Path.Combine(dir, "freezer.state")).Trim() != "THAWED";
        }
        catch (IOException)
        {
            return false;
        }
    }

    public override void Set(LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup>? devices = null) =>
        V1Resources.Apply(paths, resources, devices);

    public override void WriteStats(Utf8JsonWriter json) => CgroupStats.WriteV1(json, Dir);

    public override ulong OomKills() => CgroupStats.OomKills(Dir("memory"), "memory.oom_control");

    private string? Dir(string controller) => DirOf(paths, controller);

    /// <summary>The directory of a controller, also in a comounted hierarchy ("cpu,cpuacct").</summary>
    internal static string? DirOf(IReadOnlyDictionary<string, string> paths, string controller) =>
        paths.FirstOrDefault(p => p.Key.Split(',').Contains(controller)).Value;

    public override void Destroy()
    {
        foreach (var path in paths.Values)
            RemoveTree(path);
    }
}
