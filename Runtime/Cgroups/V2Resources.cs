using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;
using static Runcs.Cgroups.V1Resources;

namespace Runcs.Cgroups;

/// <summary>
/// linux.resources on cgroup v2, with runc's conversions from the v1-shaped spec values
/// (shares → cpu.weight, blkio weight → io.weight, memory+swap → memory.swap.max), in
/// runc's fs2 order. Device rules are an eBPF program: see <see cref="DeviceFilter"/>.
/// </summary>
internal static class V2Resources
{
    public static void Apply(string dir, LinuxResources r)
    {
        if (r.Pids is { Limit: not 0 } pids)
            Write(dir, "pids.max", PidsMax(pids.Limit));
        if (r.Memory is { } m)
            Memory(dir, m);
        if (r.BlockIO is { } b)
            Io(dir, b);
        if (r.Cpu is { } c)
            Cpu(dir, c);
        foreach (var h in r.HugepageLimits ?? [])
            Write(dir, $"hugetlb.{h.PageSize}.max", Str(h.Limit));
        foreach (string line in RdmaMax(r.Rdma))
            Write(dir, "rdma.max", line);
        foreach (var (key, value) in r.Unified ?? [])
            Unified(dir, key, value);
    }

    private static void Write(string dir, string file, string value) => CgroupManager.WriteFile(dir, file, value);

    /// <summary>runc's numToStr: 0 is "unset", -1 is "max".</summary>
    private static string? Limit(long v) => v switch { 0 => null, -1 => "max", _ => Str(v) };

    private static void Memory(string dir, LinuxMemory m)
    {
        long limit = m.Limit ?? 0, swap = m.Swap ?? 0;
        // v1's memsw is memory+swap; v2's memory.swap.max is swap alone.
        long swapOnly;
        if (limit == -1 && swap == 0)
            swapOnly = -1;
        else if (swap is -1 or 0)
            swapOnly = swap;
        else if (limit is 0 or -1)
            throw new RuntimeError("unable to set swap limit without memory limit");
        else if (limit < 0)
            throw new RuntimeError($"invalid memory value: {limit}");
        else if (swap < limit)
            throw new RuntimeError("memory+swap limit should be >= memory limit");
        else
            swapOnly = swap - limit;
        // Equal memory and memory+swap means "no swap": write 0, never an empty value.
        string? swapMax = swapOnly == 0 && swap > 0 ? "0" : Limit(swapOnly);
        if (swapMax is not null)
        {
            int errno = CgroupManager.TryWriteFile(dir, "memory.swap.max", swapMax);
            // Without swap (no memory.swap.max) "unlimited" and "none" both hold already.
            if (errno != 0 && !(errno == Errno.ENOENT && swapMax is "max" or "0"))
                throw CgroupManager.WriteError(dir, "memory.swap.max", swapMax, errno);
        }
        if (Limit(limit) is { } max)
            Write(dir, "memory.max", max);
        if (Limit(m.Reservation ?? 0) is { } low)
            Write(dir, "memory.low", low);
    }

    private static void Io(string dir, LinuxBlockIO b)
    {
        // BFQ takes the v1 weight as is and per-device weights; io.weight needs runc's conversion of the range.
        bool bfq = File.Exists(Path.Combine(dir, "io.bfq.weight"));
        if (b.Weight is ushort w and not 0)
        {
            if (bfq)
                Write(dir, "io.bfq.weight", Str(w));
            else
                Write(dir, "io.weight", Str(1 + ((ulong)w - 10) * 9999 / 990));
        }
        if (bfq)
            foreach (var d in b.WeightDevice ?? [])
                if (d.Weight is ushort dw and not 0)
                    Write(dir, "io.bfq.weight", $"{d.Major}:{d.Minor} {dw}");
        foreach (var (key, list) in new[]
        {
            ("rbps", b.ThrottleReadBpsDevice), ("wbps", b.ThrottleWriteBpsDevice),
            ("riops", b.ThrottleReadIopsDevice), ("wiops", b.ThrottleWriteIopsDevice),
        })
            foreach (var t in list ?? [])
                Write(dir, "io.max", $"{t.Major}:{t.Minor} {key}={t.Rate}");
    }

    /// <summary>runc's conversion of v1 shares (2..262144) to a v2 weight (1..10000).</summary>
    internal static ulong SharesToWeight(ulong shares) => shares == 0 ? 0 : 1 + (shares - 2) * 9999 / 262142;

    private static void Cpu(string dir, LinuxCpu c)
    {
        if (c.RealtimePeriod is not (null or 0) || c.RealtimeRuntime is not (null or 0))
            throw new RuntimeError("linux.resources.cpu: realtimePeriod and realtimeRuntime are not supported on cgroup v2");
        if (SharesToWeight(c.Shares ?? 0) is var weight and not 0)
            Write(dir, "cpu.weight", Str(weight));
        if (c.Idle is long idle)
            Write(dir, "cpu.idle", Str(idle));
        long quota = c.Quota ?? 0;
        ulong period = c.Period ?? 0;
        if (quota != 0 || period != 0)
            Write(dir, "cpu.max", (quota > 0 ? Str(quota) : "max") + (period != 0 ? " " + Str(period) : ""));
        if (c.Burst is ulong burst)
            Write(dir, "cpu.max.burst", Str(burst));
        if (!string.IsNullOrEmpty(c.Cpus))
            Write(dir, "cpuset.cpus", c.Cpus);
        if (!string.IsNullOrEmpty(c.Mems))
            Write(dir, "cpuset.mems", c.Mems);
    }

    /// <summary>linux.resources.unified: written verbatim, with runc's checks and a precise error when a controller is missing.</summary>
    private static void Unified(string dir, string key, string value)
    {
        if (key.Contains('/'))
            throw new RuntimeError($"linux.resources.unified: \"{key}\" must be a file name (no slashes)");
        int errno = CgroupManager.TryWriteFile(dir, key, value);
        if (errno == 0)
            return;
        if (errno is Errno.ENOENT or Errno.EPERM or Errno.EACCES)
        {
            string[] parts = key.Split('.', 2);
            if (parts.Length != 2)
                throw new RuntimeError($"linux.resources.unified: \"{key}\" must be in the form CONTROLLER.PARAMETER");
            string controllers = CgroupManager.ReadFile(dir, "cgroup.controllers") ?? "";
            if (parts[0] != "cgroup" && !controllers.Split(' ').Contains(parts[0]))
                throw new RuntimeError($"linux.resources.unified: \"{key}\" can't be set: controller \"{parts[0]}\" not available");
        }
        throw new RuntimeError("linux.resources.unified: " + CgroupManager.WriteError(dir, key, value, errno).Message);
    }
}
