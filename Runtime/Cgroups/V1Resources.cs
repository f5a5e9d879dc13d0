using System.Globalization;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>
/// linux.resources on cgroup v1, file by file as runc's fs driver writes them, in runc's
/// controller order. Zero or absent values are not written (runc's "unset").
/// </summary>
internal static class V1Resources
{
    public static void Apply(IReadOnlyDictionary<string, string> paths, LinuxResources r, IReadOnlyList<LinuxDeviceCgroup>? devices)
    {
        if (r.Unified is { Count: > 0 })
            throw new RuntimeError("linux.resources.unified: cannot use unified on cgroup v1");
        var dirs = new Dirs(paths);
        if (r.Cpu is { } cpu)
        {
            if (!string.IsNullOrEmpty(cpu.Cpus))
                WriteFile(dirs["cpuset"], "cpuset.cpus", cpu.Cpus);
            if (!string.IsNullOrEmpty(cpu.Mems))
                WriteFile(dirs["cpuset"], "cpuset.mems", cpu.Mems);
        }
        if (devices is not null)
            Devices(dirs["devices"], devices);
        if (r.Memory is { } memory)
            Memory(dirs, memory);
        if (r.Cpu is { } c)
            Cpu(dirs, c);
        if (r.Pids is { Limit: not 0 } pids)
            WriteFile(dirs["pids"], "pids.max", PidsMax(pids.Limit));
        if (r.BlockIO is { } blkio)
            BlockIO(dirs, blkio);
        foreach (var h in r.HugepageLimits ?? [])
            WriteFile(dirs["hugetlb"], $"hugetlb.{h.PageSize}.limit_in_bytes", Str(h.Limit));
        if (r.Network?.ClassId is uint classId and not 0)
            WriteFile(dirs["net_cls"], "net_cls.classid", Str(classId));
        foreach (var p in r.Network?.Priorities ?? [])
            WriteFile(dirs["net_prio"], "net_prio.ifpriomap", $"{p.Name} {p.Priority}");
        foreach (string line in RdmaMax(r.Rdma))
            WriteFile(dirs["rdma"], "rdma.max", line);
    }

    /// <summary>rdma.max lines, one per device, the same on v1 and v2: "mlx4_0 hca_handle=2 hca_object=2000".</summary>
    internal static IEnumerable<string> RdmaMax(Dictionary<string, LinuxRdma>? rdma)
    {
        foreach (var (device, limit) in (rdma ?? []).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var values = new List<string>(2);
            if (limit.HcaHandles is uint handles)
                values.Add($"hca_handle={handles}");
            if (limit.HcaObjects is uint objects)
                values.Add($"hca_object={objects}");
            if (values.Count > 0)
                yield return device + " " + string.Join(' ', values);
        }
    }

    /// <summary>pids.max: a positive limit, or "max" for a negative one (runc's fallback).</summary>
    internal static string PidsMax(long limit) => limit > 0 ? Str(limit) : "max";

    internal static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
    internal static string Str(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private static void WriteFile(string dir, string file, string value) => CgroupManager.WriteFile(dir, file, value);

    /// <summary>Controller → directory; a limit for a hierarchy that is not mounted is an error, as in runc.</summary>
    private sealed class Dirs(IReadOnlyDictionary<string, string> paths)
    {
        public string this[string controller] =>
            V1Manager.DirOf(paths, controller) ?? throw new RuntimeError($"cannot set {controller} limit: container could not join or create cgroup");
    }

    /// <summary>
    /// The device rules as runc writes them: the fewest writes that take the cgroup from what its
    /// devices.list shows to what the rules build (<see cref="DeviceEmulator.Transition"/>), so that
    /// devices.list reads as runc's and nothing both lists allow is denied for a moment.
    /// </summary>
    private static void Devices(string dir, IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var target = DeviceEmulator.FromRules(rules);
        var current = DeviceEmulator.FromList(CgroupManager.ReadFile(dir, "devices.list") ?? "");
        foreach (var rule in current.Transition(target))
        {
            string text = $"{rule.Type} {Wild(rule.Major)}:{Wild(rule.Minor)} {rule.Access}";
            WriteFile(dir, rule.Allow ? "devices.allow" : "devices.deny", text);
        }

        static string Wild(long? n) => n is long v ? Str(v) : "*";
    }

    /// <summary>runc's setMemoryAndSwap: limit and memsw must stay ordered (memsw ≥ limit) after every write.</summary>
    private static void Memory(Dirs dirs, LinuxMemory m)
    {
        long limit = m.Limit ?? 0, swap = m.Swap ?? 0, reservation = m.Reservation ?? 0;
        if (limit == 0 && swap == 0 && reservation == 0 && m.DisableOomKiller != true && m.Swappiness is null)
            return;
        string dir = dirs["memory"];
        bool swapAccounting = File.Exists(Path.Combine(dir, "memory.memsw.limit_in_bytes"));
        if (limit == -1 && swap == 0 && swapAccounting)
            swap = -1;
        if (swap != 0 && !swapAccounting)
        {
            // Without swap accounting there is nothing to limit: only "no separate swap limit" can be honoured.
            if (swap != -1 && swap != limit)
                throw new RuntimeError("linux.resources.memory.swap: the kernel has no swap accounting (memory.memsw.limit_in_bytes is missing)");
            swap = 0;
        }
        bool swapFirst = limit != 0 && swap != 0 &&
            (swap == -1 || ulong.TryParse(CgroupManager.ReadFile(dir, "memory.limit_in_bytes"), out ulong current) && current < (ulong)swap);
        if (swapFirst)
            SetSwap(dir, swap);
        SetLimit(dir, limit);
        if (!swapFirst)
            SetSwap(dir, swap);
        if (reservation != 0)
            WriteFile(dir, "memory.soft_limit_in_bytes", Str(reservation));
        if (m.DisableOomKiller == true)
            WriteFile(dir, "memory.oom_control", "1");
        if (m.Swappiness is ulong swappiness && swappiness != ulong.MaxValue /* Go's -1: keep */)
        {
            if (swappiness > 100)
                throw new RuntimeError($"invalid memory swappiness value: {swappiness} (valid range is 0-100)");
            WriteFile(dir, "memory.swappiness", Str(swappiness));
        }
    }

    private static void SetLimit(string dir, long limit)
    {
        if (limit == 0)
            return;
        int errno = CgroupManager.TryWriteFile(dir, "memory.limit_in_bytes", Str(limit));
        if (errno == Errno.EBUSY)
        {
            // The kernel refuses a limit below the current usage: say so with the numbers.
            string usage = CgroupManager.ReadFile(dir, "memory.usage_in_bytes") ?? "?";
            string peak = CgroupManager.ReadFile(dir, "memory.max_usage_in_bytes") ?? "?";
            throw new RuntimeError($"unable to set memory limit to {limit} (current usage: {usage}, peak usage: {peak})");
        }
        if (errno != 0)
            throw CgroupManager.WriteError(dir, "memory.limit_in_bytes", Str(limit), errno);
    }

    private static void SetSwap(string dir, long swap)
    {
        if (swap != 0)
            WriteFile(dir, "memory.memsw.limit_in_bytes", Str(swap));
    }

    private static void Cpu(Dirs dirs, LinuxCpu c)
    {
        if (c.Shares is ulong shares and not 0)
        {
            string dir = dirs["cpu"];
            WriteFile(dir, "cpu.shares", Str(shares));
            // The kernel clamps shares silently: read back to report the bound, as runc does.
            if (ulong.TryParse(CgroupManager.ReadFile(dir, "cpu.shares"), out ulong read) && read != shares)
                throw new RuntimeError($"the {(shares > read ? "maximum" : "minimum")} allowed cpu-shares is {read}");
        }
        PeriodAndValue(dirs, "cpu.cfs_period_us", c.Period ?? 0, "cpu.cfs_quota_us", c.Quota ?? 0);
        if (c.Burst is ulong burst)
            WriteFile(dirs["cpu"], "cpu.cfs_burst_us", Str(burst));
        if (c.Idle is long idle)
            WriteFile(dirs["cpu"], "cpu.idle", Str(idle));
        PeriodAndValue(dirs, "cpu.rt_period_us", c.RealtimePeriod ?? 0, "cpu.rt_runtime_us", c.RealtimeRuntime ?? 0);
    }

    /// <summary>
    /// A period and the time allowed in it depend on each other: the kernel may refuse the new
    /// period (EINVAL) until the new value is in, so the period is written again afterwards (runc's order).
    /// </summary>
    private static void PeriodAndValue(Dirs dirs, string periodFile, ulong period, string valueFile, long value)
    {
        if (period == 0 && value == 0)
            return;
        string dir = dirs["cpu"];
        bool retryPeriod = false;
        if (period != 0)
        {
            int errno = CgroupManager.TryWriteFile(dir, periodFile, Str(period));
            if (errno != 0 && (errno != Errno.EINVAL || value == 0))
                throw CgroupManager.WriteError(dir, periodFile, Str(period), errno);
            retryPeriod = errno != 0;
        }
        if (value != 0)
            WriteFile(dir, valueFile, Str(value));
        if (retryPeriod)
            WriteFile(dir, periodFile, Str(period));
    }

    private static void BlockIO(Dirs dirs, LinuxBlockIO b)
    {
        bool any = b.Weight is not (null or 0) || b.LeafWeight is not (null or 0) || b.WeightDevice is { Count: > 0 } ||
            b.ThrottleReadBpsDevice is { Count: > 0 } || b.ThrottleWriteBpsDevice is { Count: > 0 } ||
            b.ThrottleReadIopsDevice is { Count: > 0 } || b.ThrottleWriteIopsDevice is { Count: > 0 };
        if (!any)
            return;
        string dir = dirs["blkio"];
        // BFQ's weight file replaces CFQ's where the kernel has it.
        string weightFile = File.Exists(Path.Combine(dir, "blkio.bfq.weight")) ? "blkio.bfq.weight" : "blkio.weight";
        if (b.Weight is ushort w and not 0)
            WriteFile(dir, weightFile, Str(w));
        if (b.LeafWeight is ushort lw and not 0)
            WriteFile(dir, "blkio.leaf_weight", Str(lw));
        foreach (var d in b.WeightDevice ?? [])
        {
            if (d.Weight is ushort dw and not 0)
                WriteFile(dir, weightFile + "_device", $"{d.Major}:{d.Minor} {dw}");
            if (d.LeafWeight is ushort dlw and not 0)
                WriteFile(dir, "blkio.leaf_weight_device", $"{d.Major}:{d.Minor} {dlw}");
        }
        foreach (var (file, list) in new[]
        {
            ("blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice),
            ("blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice),
            ("blkio.throttle.read_iops_device", b.ThrottleReadIopsDevice),
            ("blkio.throttle.write_iops_device", b.ThrottleWriteIopsDevice),
        })
            foreach (var t in list ?? [])
                WriteFile(dir, file, $"{t.Major}:{t.Minor} {t.Rate}");
    }
}
