using System.Globalization;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// linux.resources as systemd unit properties, as runc 1.1's genV1ResourcesProperties and
/// genV2ResourcesProperties make them. What systemd has no property for is written to the cgroup
/// files afterwards (by the cgroupfs code), as runc does; so are these, which keeps both in step.
/// </summary>
internal static class ResourceProperties
{
    /// <summary>Default CFS period (100 ms), v1 and v2.</summary>
    private const ulong DefaultCpuPeriod = 100000;

    public static List<UnitProperty> For(LinuxResources r, bool unified, Func<int> systemdVersion)
    {
        var props = new List<UnitProperty>();
        long memory = r.Memory?.Limit ?? 0;
        if (unified)
        {
            if (memory != 0)
                props.Add(UnitProperty.UInt64("MemoryMax", (ulong)memory));
            if (r.Memory?.Reservation is long low and not 0)
                props.Add(UnitProperty.UInt64("MemoryLow", (ulong)low));
            long swap = SwapOnly(r.Memory?.Swap ?? 0, memory);
            if (swap != 0)
                props.Add(UnitProperty.UInt64("MemorySwapMax", (ulong)swap));
            if (V2Resources.SharesToWeight(r.Cpu?.Shares ?? 0) is var weight and not 0)
                props.Add(UnitProperty.UInt64("CPUWeight", weight));
        }
        else
        {
            if (memory != 0)
                props.Add(UnitProperty.UInt64("MemoryLimit", (ulong)memory));
            if (r.Cpu?.Shares is ulong shares and not 0)
                props.Add(UnitProperty.UInt64("CPUShares", shares));
        }
        AddCpuQuota(props, r.Cpu?.Quota ?? 0, r.Cpu?.Period ?? 0, systemdVersion);
        if (!unified && r.BlockIO?.Weight is ushort blkio and not 0)
            props.Add(UnitProperty.UInt64("BlockIOWeight", blkio));
        if (r.Pids?.Limit is long pids and (> 0 or -1))
            props.Add(UnitProperty.UInt64("TasksMax", (ulong)pids));
        AddCpuset(props, r.Cpu?.Cpus, r.Cpu?.Mems, systemdVersion);
        if (unified && r.Unified is { } files)
            AddUnified(props, files, systemdVersion);
        return props;
    }

    /// <summary>runc's ConvertMemorySwapToCgroupV2Value: v1's memory+swap to v2's swap alone.</summary>
    private static long SwapOnly(long memswap, long memory)
    {
        if (memory == -1 && memswap == 0)
            return -1;
        if (memswap is -1 or 0)
            return memswap;
        if (memory is 0 or -1)
            throw new RuntimeError("unable to set swap limit without memory limit");
        if (memory < 0)
            throw new RuntimeError($"invalid memory value: {memory}");
        if (memswap < memory)
            throw new RuntimeError("memory+swap limit should be >= memory limit");
        return memswap - memory;
    }

    private static void AddCpuQuota(List<UnitProperty> props, long quota, ulong period, Func<int> systemdVersion)
    {
        if (period != 0)
        {
            // CPUQuotaPeriodUSec exists since systemd 242; older ones get the period through the files only.
            if (systemdVersion() >= 242)
                props.Add(UnitProperty.UInt64("CPUQuotaPeriodUSec", period));
        }
        if (quota == 0 && period == 0)
            return;
        ulong perSec = ulong.MaxValue; // USEC_INFINITY
        if (quota > 0)
        {
            ulong p = period == 0 ? DefaultCpuPeriod : period;
            perSec = (ulong)quota * 1000000 / p;
            // systemd keeps whole percents: round up to 10 ms so the files can hold the exact quota.
            if (perSec % 10000 != 0)
                perSec = (perSec / 10000 + 1) * 10000;
        }
        props.Add(UnitProperty.UInt64("CPUQuotaPerSecUSec", perSec));
    }

    private static void AddCpuset(List<UnitProperty> props, string? cpus, string? mems, Func<int> systemdVersion)
    {
        if (string.IsNullOrEmpty(cpus) && string.IsNullOrEmpty(mems))
            return;
        // AllowedCPUs and AllowedMemoryNodes exist since systemd 244.
        if (systemdVersion() < 244)
            return;
        if (!string.IsNullOrEmpty(cpus))
            props.Add(UnitProperty.Bits("AllowedCPUs", RangeToBits(cpus, "resources.CPU.Cpus")));
        if (!string.IsNullOrEmpty(mems))
            props.Add(UnitProperty.Bits("AllowedMemoryNodes", RangeToBits(mems, "resources.CPU.Mems")));
    }

    /// <summary>The linux.resources.unified files systemd has a property for (runc's unifiedResToSystemdProps); the rest only go to the files.</summary>
    private static void AddUnified(List<UnitProperty> props, Dictionary<string, string> files, Func<int> systemdVersion)
    {
        foreach (var (key, raw) in files)
        {
            if (key.Contains('/'))
                throw new RuntimeError($"unified resource \"{key}\" must be a file name (no slashes)");
            if (!key.Contains('.'))
                throw new RuntimeError($"unified resource \"{key}\" must be in the form CONTROLLER.PARAMETER");
            string v = raw.Trim();
            switch (key)
            {
                case "cpu.max":
                    string[] parts = v.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length is < 1 or > 2)
                        throw new RuntimeError($"unified resource \"{key}\" value invalid: \"{v}\"");
                    long quota = parts[0] == "max" ? 0 : long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long q) ? q
                        : throw new RuntimeError($"unified resource \"{key}\" period value conversion error: invalid syntax");
                    ulong period = parts.Length < 2 ? DefaultCpuPeriod : ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong p) ? p
                        : throw new RuntimeError($"unified resource \"{key}\" quota value conversion error: invalid syntax");
                    AddCpuQuota(props, quota, period, systemdVersion);
                    break;
                case "cpu.weight":
                    props.Add(UnitProperty.UInt64("CPUWeight", ParseUnified(key, v, allowMax: false)));
                    break;
                case "cpuset.cpus" or "cpuset.mems":
                    if (systemdVersion() >= 244)
                        props.Add(UnitProperty.Bits(key == "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", RangeToBits(v, key)));
                    break;
                case "memory.high" or "memory.low" or "memory.min" or "memory.max" or "memory.swap.max":
                    string name = key switch
                    {
                        "memory.high" => "MemoryHigh",
                        "memory.low" => "MemoryLow",
                        "memory.min" => "MemoryMin",
                        "memory.max" => "MemoryMax",
                        _ => "MemorySwapMax",
                    };
                    props.Add(UnitProperty.UInt64(name, ParseUnified(key, v, allowMax: true)));
                    break;
                case "pids.max":
                    props.Add(UnitProperty.UInt64("TasksMax", ParseUnified(key, v, allowMax: true)));
                    break;
            }
        }
    }

    private static ulong ParseUnified(string key, string v, bool allowMax) =>
        allowMax && v == "max" ? ulong.MaxValue
        : ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) ? n
        : throw new RuntimeError($"unified resource \"{key}\" value conversion error: invalid syntax");

    /// <summary>
    /// runc's RangeToBits: a cpuset list ("0-3,5") as the little-endian byte mask systemd's
    /// AllowedCPUs takes (byte i holds CPUs 8i..8i+7, no trailing zero bytes).
    /// </summary>
    internal static byte[] RangeToBits(string list, string what)
    {
        var bytes = new List<byte>();
        foreach (string raw in list.Split(','))
        {
            string r = raw.Trim();
            if (r.Length == 0)
                continue;
            int dash = r.IndexOf('-');
            uint start, end;
            if (dash >= 0)
            {
                if (!uint.TryParse(r.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out start) ||
                    !uint.TryParse(r.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out end))
                    throw new RuntimeError($"{what}=\"{list}\" conversion error: invalid range: {r}");
                if (start > end)
                    throw new RuntimeError($"{what}=\"{list}\" conversion error: invalid range: {r}");
            }
            else if (uint.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out start))
                end = start;
            else
                throw new RuntimeError($"{what}=\"{list}\" conversion error: invalid value: {r}");
            if (end >= 1 << 16)
                throw new RuntimeError($"{what}=\"{list}\" conversion error: value too large: {r}");
            for (uint cpu = start; cpu <= end; cpu++)
            {
                int index = (int)(cpu / 8);
                while (bytes.Count <= index)
                    bytes.Add(0);
                bytes[index] |= (byte)(1 << (int)(cpu % 8));
            }
        }
        if (bytes.Count == 0)
            throw new RuntimeError($"{what}=\"{list}\" conversion error: empty value");
        return [.. bytes];
    }
}
