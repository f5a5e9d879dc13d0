using System.Text.Json;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// runc's systemd cgroup driver (`--systemd-cgroup`): the container's cgroup is a transient
/// unit systemd makes (a scope `prefix-name.scope`, or a slice) in the slice the cgroupsPath
/// names. systemd creates it with the init's pid in it and the limits it has properties for;
/// everything else (the files systemd has no property for, devices, freezing, stats, joining
/// exec'd processes) goes through the cgroupfs manager of the unit's directories, as in runc.
/// </summary>
internal sealed class SystemdManager : CgroupManager
{
    private readonly CgroupManager _files;
    private readonly string _unit;
    private readonly UnitSpec? _spec;
    private SystemdBus? _bus;
    private bool _propertiesSent;
    /// <summary>False for a new container until systemd made its unit: a unit of that name is someone else's.</summary>
    private bool _unitOwned;

    private SystemdManager(CgroupManager files, string unit, UnitSpec? spec)
    {
        _files = files;
        _unit = unit;
        _spec = spec;
        _unitOwned = spec is null;
    }

    /// <summary>What StartTransientUnit needs beyond the unit's name.</summary>
    private sealed record UnitSpec(string Slice, string Name, int Pid, LinuxResources Resources, IReadOnlyList<LinuxDeviceCgroup> Devices, List<UnitProperty> Extra);

    public string UnitName => _unit;

    public override IReadOnlyDictionary<string, string> Paths => _files.Paths;

    /// <summary>
    /// The manager of a new container whose init is <paramref name="pid"/>. The cgroupsPath is
    /// runc's "slice:prefix:name" (empty: system.slice, prefix "runc", the container id);
    /// <paramref name="devices"/> the complete device rule list; <paramref name="extra"/> the
    /// properties of the config's annotations (<see cref="UnitAnnotations"/>).
    /// </summary>
    public static SystemdManager ForNew(string? cgroupsPath, string id, int pid, LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup> devices, List<UnitProperty> extra)
    {
        if (!Directory.Exists("/run/systemd/system"))
            throw new RuntimeError("systemd not running on this host, cannot use systemd cgroups manager");
        var (slice, unit, name) = SystemdPath.Parse(cgroupsPath, id);
        string expanded = SystemdPath.ExpandSlice(slice);
        CgroupManager files;
        if (IsUnified())
            files = new V2Manager(Root + SystemdPath.Join(expanded, unit));
        else
        {
            if (resources.Unified is { Count: > 0 })
                throw new RuntimeError("invalid configuration: cannot use unified on cgroup v1");
            // As runc: below the init's cgroup (systemd's own init.scope taken off), in every hierarchy.
            files = V1Manager.ForPath(SystemdPath.Join(SystemdPath.InitCgroup(), expanded, unit));
        }
        return new SystemdManager(files, unit, new UnitSpec(slice, name, pid, resources, devices, extra));
    }

    /// <summary>The manager of an existing container: the unit is the last element of its cgroup path.</summary>
    public static SystemdManager FromState(CgroupManager files) =>
        new(files, files.Paths.Values.Select(Path.GetFileName).FirstOrDefault(n => !string.IsNullOrEmpty(n)) ?? "", spec: null);

    private SystemdBus Bus => _bus ??= SystemdBus.Connect();

    /// <summary>StartTransientUnit with the init's pid and the limits, waits for the job, then makes the directories systemd does not.</summary>
    public override void Create()
    {
        var spec = _spec ?? throw new InvalidOperationException("Create needs a new container's manager");
        bool unified = _files is V2Manager;
        bool isSlice = _unit.EndsWith(".slice", StringComparison.Ordinal);
        var props = new List<UnitProperty>
        {
            UnitProperty.String("Description", "libcontainer container " + spec.Name),
            // A slice unit hangs below its parent through Wants=; a scope through Slice=.
            UnitProperty.String(isSlice ? "Wants" : "Slice", spec.Slice),
            UnitProperty.Pids((uint)spec.Pid),
        };
        if (!isSlice)
            props.Add(UnitProperty.Bool("Delegate", true));
        // Accounting always on, as runc: the same view as cgroupfs, and the kernel dislikes joining memory later.
        props.Add(UnitProperty.Bool("MemoryAccounting", true));
        props.Add(UnitProperty.Bool("CPUAccounting", true));
        props.Add(UnitProperty.Bool(unified ? "IOAccounting" : "BlockIOAccounting", true));
        props.Add(UnitProperty.Bool("TasksAccounting", true));
        props.Add(UnitProperty.Bool("DefaultDependencies", false));
        props.AddRange(DeviceProperties.For(spec.Devices));
        props.AddRange(ResourceProperties.For(spec.Resources, unified, () => Bus.Version()));
        props.AddRange(spec.Extra);
        StartUnit(props);
        _unitOwned = true;
        _propertiesSent = true;
        Logging.Log.Phase("systemd unit started");
        _files.Create();
    }

    private void StartUnit(List<UnitProperty> props)
    {
        Logging.Log.DebugMessage($"systemd: StartTransientUnit {_unit} {string.Join(' ', props)}");
        string job;
        try
        {
            job = Bus.StartTransientUnit(_unit, props);
        }
        catch (SystemdError e) when (e.IsUnitExists)
        {
            // Maybe a failed unit left over: reset it so systemd drops it, and try once more.
            TryResetFailed();
            try
            {
                job = Bus.StartTransientUnit(_unit, props);
            }
            catch (SystemdError again)
            {
                throw new RuntimeError($"unable to start unit \"{_unit}\": {again.Message}");
            }
        }
        catch (SystemdError e)
        {
            // runc 1.1.5's words for any other answer (Apply's error, wrapped by the start).
            throw new RuntimeError($"unable to start container process: unable to apply cgroup configuration: {e.Message}");
        }
        Logging.Log.DebugMessage($"systemd: job {job} queued");
        string? result = Bus.WaitJob(job);
        Logging.Log.DebugMessage($"systemd: job {job} {result ?? "timed out"}");
        if (result == "done")
            return;
        TryResetFailed();
        throw new RuntimeError(result is null
            ? $"Timeout waiting for systemd to create {_unit}"
            : $"error creating systemd unit `{_unit}`: got `{result}`");
    }

    private void TryResetFailed()
    {
        try
        {
            Bus.ResetFailedUnit(_unit);
        }
        catch (RuntimeError e)
        {
            Logging.Log.DebugMessage($"unable to reset failed unit: {e.Message}");
        }
    }

    public override void AddProcess(int pid) => _files.AddProcess(pid);
    public override List<string>? SelfJoinFiles() => _files.SelfJoinFiles();
    public override List<int> Pids() => _files.Pids();
    public override void Freeze(bool frozen) => _files.Freeze(frozen);
    public override bool IsFrozen() => _files.IsFrozen();
    public override bool Exists() => _files.Exists();
    public override bool IsFrozenItself() => _files.IsFrozenItself();
    public override string? UnifiedPath => _files.UnifiedPath;
    public override void WriteStats(Utf8JsonWriter json) => _files.WriteStats(json);
    public override ulong OomKills() => _files.OomKills();

    /// <summary>
    /// The unit's properties (SetUnitProperties, skipped right after Create, which gave them
    /// already), then the files, as runc's Set does.
    /// </summary>
    public override void Set(LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup>? devices = null)
    {
        if (!_propertiesSent)
        {
            var props = ResourceProperties.For(resources, _files is V2Manager, () => Bus.Version());
            if (props.Count > 0)
            {
                Logging.Log.DebugMessage($"systemd: SetUnitProperties {_unit} {string.Join(' ', props)}");
                try
                {
                    Bus.SetUnitProperties(_unit, props);
                }
                catch (SystemdError e)
                {
                    throw new RuntimeError($"unable to set unit properties: {e.Message}");
                }
            }
        }
        _propertiesSent = false;
        _files.Set(resources, devices);
    }

    /// <summary>
    /// StopUnit and waits for it (a unit already gone, as a scope whose processes all exited
    /// is, is fine), then removes what is left of the directories (those runcs made itself).
    /// </summary>
    public override void Destroy()
    {
        // A create that failed before systemd made the unit has nothing to undo, and must not
        // stop a unit of the same name that another container runs in.
        if (!_unitOwned)
            return;
        Exception? stopError = null;
        try
        {
            StopUnit();
        }
        catch (RuntimeError e)
        {
            stopError = e;
        }
        _files.Destroy();
        if (stopError is not null)
            throw stopError;
    }

    private void StopUnit()
    {
        if (_unit.Length == 0)
            return;
        string job;
        try
        {
            job = Bus.StopUnit(_unit);
        }
        catch (SystemdError e) when (e.IsNoSuchUnit)
        {
            return;
        }
        catch (SystemdError e)
        {
            throw new RuntimeError($"unable to stop unit \"{_unit}\": {e.Message}");
        }
        string? result = Bus.WaitJob(job);
        if (result is null)
            throw new RuntimeError($"Timed out while waiting for systemd to remove {_unit}");
        if (result != "done")
            Logging.Log.Warn($"error removing unit `{_unit}`: got `{result}`. Continuing...");
        // A failed unit stays loaded until reset.
        TryResetFailed();
    }
}
