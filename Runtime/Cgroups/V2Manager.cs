using System.Text.Json;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>cgroup v2: one directory in the unified tree, controllers enabled in the parents.</summary>
public sealed class V2Manager(string path) : CgroupManager
{
    public override IReadOnlyDictionary<string, string> Paths => new Dictionary<string, string> { [""] = path };

    public static V2Manager ForPath(string inner)
    {
        if (inner.StartsWith('/'))
            return new V2Manager((Root + inner).TrimEnd('/'));
        string own = OwnCgroups().GetValueOrDefault("", "/");
        return new V2Manager((Root + own.TrimEnd('/') + "/" + inner).TrimEnd('/'));
    }

    public override void Create()
    {
        // Every ancestor must delegate the available controllers to its children.
        string current = Root;
        foreach (string part in path[Root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            EnableControllers(current);
            current = Path.Combine(current, part);
            MakeDirectory(current);
        }
    }

    private static void EnableControllers(string dir)
    {
        string available;
        try
        {
            available = SmallFile.ReadAllText(Path.Combine(dir, "cgroup.controllers")).Trim();
        }
        catch (IOException)
        {
            return;
        }
        string enabled = SmallFile.ReadAllText(Path.Combine(dir, "cgroup.subtree_control")).Trim();
        var missing = available.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Except(enabled.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (string c in missing)
        {
            try
            {
                WriteFile(dir, "cgroup.subtree_control", "+" + c);
            }
            catch (Errors.RuntimeError)
            {
                // A controller that cannot be delegated here (e.g. processes in the parent) stays off, as in runc.
            }
        }
    }

    public override void AddProcess(int pid) =>
        WriteFile(path, "cgroup.procs", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override List<int> Pids()
    {
        var pids = new List<int>();
        CollectPids(path, pids);
        return pids;
    }

    public override bool Exists() => Directory.Exists(path);

    /// <summary>runc reads cgroup.freeze: "1" is frozen (or freezing, which it waits out).</summary>
    public override bool IsFrozenItself() => Directory.Exists(path) && ReadFile(path, "cgroup.freeze") == "1";

    public override void Freeze(bool frozen)
    {
        if (!Directory.Exists(path))
            return;
        WriteFile(path, "cgroup.freeze", frozen ? "1" : "0");
        string want = frozen ? "frozen 1" : "frozen 0";
        for (int i = 0; i < 1000 && !SmallFile.ReadAllText(Path.Combine(path, "cgroup.events")).Contains(want); i++)
            Thread.Sleep(1);
    }

    public override bool IsFrozen()
    {
        try
        {
            return SmallFile.ReadAllText(Path.Combine(path, "cgroup.freeze")).Trim() == "1";
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>cgroup.kill (kernel 5.14+) kills every process at once, without a freeze.</summary>
    public bool TryKillAll()
    {
        string file = Path.Combine(path, "cgroup.kill");
        if (!File.Exists(file))
            return false;
        WriteFile(path, "cgroup.kill", "1");
        return true;
    }

    /// <summary>Device rules become an eBPF program attached to the cgroup (<see cref="DeviceFilter"/>), replacing the previous one.</summary>
    public override void Set(LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup>? devices = null)
    {
        V2Resources.Apply(path, resources);
        if (devices is not null)
            DeviceFilter.Apply(path, devices);
    }

    public override void WriteStats(Utf8JsonWriter json) => CgroupStats.WriteV2(json, path);

    public override ulong OomKills() => CgroupStats.OomKills(path, "memory.events");

    public override void Destroy() => RemoveTree(path);
}
