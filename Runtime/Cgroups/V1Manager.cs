using System.Text.Json;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>cgroup v1: one directory in every mounted hierarchy under /sys/fs/cgroup.</summary>
public sealed class V1Manager(Dictionary<string, string> paths) : CgroupManager
{
    public override IReadOnlyDictionary<string, string> Paths => paths;

    public static V1Manager ForPath(string inner)
    {
        var own = OwnCgroups();
        var result = new Dictionary<string, string>();
        foreach (var m in MountInfoEntry.ReadSelf(fsType: "cgroup"))
        {
            if (!m.MountPoint.StartsWith(Root + "/", StringComparison.Ordinal))
                continue;
            string name = m.MountPoint[(Root.Length + 1)..];
            string controllers = string.Join(',', m.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro")));
            string path;
            if (inner.StartsWith('/'))
                path = m.MountPoint + inner;
            else
            {
                string ownPath = own.GetValueOrDefault(controllers, "/");
                if (m.Root != "/" && ownPath.StartsWith(m.Root, StringComparison.Ordinal))
                    ownPath = ownPath[m.Root.Length..];
                path = m.MountPoint + (ownPath.TrimEnd('/') + "/" + inner);
            }
            result[name] = path.TrimEnd('/');
        }
        return new V1Manager(result);
    }

    public override void Create()
    {
        foreach (var (name, path) in paths)
        {
            if (name == "cpuset")
                CreateCpuset(path);
            else
                Directory.CreateDirectory(path);
        }
    }

    /// <summary>A new cpuset cgroup has no cpus or mems, and tasks cannot join it: inherit the parent's.</summary>
    private static void CreateCpuset(string path)
    {
        string root = Path.Combine(Root, "cpuset");
        string current = root;
        foreach (string part in path[root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string parent = current;
            current = Path.Combine(current, part);
            if (Directory.Exists(current))
                continue;
            Directory.CreateDirectory(current);
            foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
                WriteFile(current, file, SmallFile.ReadAllText(Path.Combine(parent, file)).Trim());
        }
    }

    public override void AddProcess(int pid)
    {
        foreach (var path in paths.Values)
            WriteFile(path, "cgroup.procs", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Each hierarchy's tasks file once (co-mounted controllers share a directory).</summary>
    public override List<string> SelfJoinFiles() =>
        [.. paths.Values.Distinct(StringComparer.Ordinal).Select(p => Path.Combine(p, "tasks"))];

    private string? PidSource() =>
        paths.TryGetValue("freezer", out var f) ? f : paths.TryGetValue("devices", out var d) ? d : paths.Values.FirstOrDefault();

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
