using System.Globalization;
using System.Text.Json;

namespace Runcs.Cgroups;

/// <summary>
/// The "data" of runc's stats event (libcontainer's types.Stats as Go marshals it: field order,
/// omitempty, map keys sorted), read from v1 or v2 cgroup files. Missing files read as zero.
/// </summary>
internal static class CgroupStats
{
    // cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds.
    private const ulong NanosPerTick = 1_000_000_000 / 100;

    public static void WriteV1(Utf8JsonWriter w, Func<string, string?> dirOf)
    {
        w.WriteStartObject();
        string? cpuacct = dirOf("cpuacct"), cpu = dirOf("cpu");
        var acct = KeyValues(Read(cpuacct, "cpuacct.stat"));
        var usageAll = ReadUsageAll(cpuacct);
        CpuObject(w, Num(Read(cpuacct, "cpuacct.usage")), Numbers(Read(cpuacct, "cpuacct.usage_percpu")),
            usageAll.Select(u => u.Kernel).ToList(), usageAll.Select(u => u.User).ToList(),
            Get(acct, "system") * NanosPerTick, Get(acct, "user") * NanosPerTick, KeyValues(Read(cpu, "cpu.stat")), 1);

        string? cpuset = dirOf("cpuset");
        w.WriteStartObject("cpuset");
        NumberList(w, "cpus", CpuList(Read(cpuset, "cpuset.cpus")));
        w.WriteNumber("cpu_exclusive", Num(Read(cpuset, "cpuset.cpu_exclusive")));
        NumberList(w, "mems", CpuList(Read(cpuset, "cpuset.mems")));
        foreach (string f in new[] { "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page", "memory_spread_slab", "memory_pressure", "sched_load_balance" })
            w.WriteNumber(f, Num(Read(cpuset, "cpuset." + f)));
        w.WriteNumber("sched_relax_domain_level", long.TryParse(Read(cpuset, "cpuset.sched_relax_domain_level"), out long level) ? level : 0);
        w.WriteEndObject();

        string? mem = dirOf("memory");
        var raw = KeyValues(Read(mem, "memory.stat"));
        w.WriteStartObject("memory");
        OmitZero(w, "cache", Get(raw, "cache"));
        foreach (var (name, prefix) in new[] { ("usage", "memory."), ("swap", "memory.memsw."), ("kernel", "memory.kmem."), ("kernelTCP", "memory.kmem.tcp.") })
            MemoryEntry(w, name, Num(Read(mem, prefix + "limit_in_bytes")), Num(Read(mem, prefix + "usage_in_bytes")),
                Num(Read(mem, prefix + "max_usage_in_bytes")), Num(Read(mem, prefix + "failcnt")));
        Raw(w, raw);
        w.WriteEndObject();

        Pids(w, dirOf("pids"));

        // BFQ's statistics where the kernel has them, the throttling layer's otherwise (runc's fallback order).
        string? blkio = dirOf("blkio");
        string kind = File.Exists(Path.Combine(blkio ?? "/", "blkio.bfq.io_service_bytes_recursive")) ? "bfq" : "throttle";
        w.WriteStartObject("blkio");
        BlkioList(w, "ioServiceBytesRecursive", V1Blkio(Read(blkio, $"blkio.{kind}.io_service_bytes_recursive")));
        BlkioList(w, "ioServicedRecursive", V1Blkio(Read(blkio, $"blkio.{kind}.io_serviced_recursive")));
        w.WriteEndObject();

        string? hugetlb = dirOf("hugetlb");
        w.WriteStartObject("hugetlb");
        if (hugetlb is not null)
            foreach (string size in HugePageSizes())
                Hugetlb(w, size, Num(Read(hugetlb, $"hugetlb.{size}.usage_in_bytes")), Num(Read(hugetlb, $"hugetlb.{size}.max_usage_in_bytes")),
                    Num(Read(hugetlb, $"hugetlb.{size}.failcnt")));
        w.WriteEndObject();
        Tail(w);
    }

    public static void WriteV2(Utf8JsonWriter w, string dir)
    {
        w.WriteStartObject();
        var cpuStat = KeyValues(Read(dir, "cpu.stat"));
        CpuObject(w, Get(cpuStat, "usage_usec") * 1000, [], [], [], Get(cpuStat, "system_usec") * 1000, Get(cpuStat, "user_usec") * 1000, cpuStat, 1000);

        w.WriteStartObject("cpuset");
        NumberList(w, "cpus", CpuList(Read(dir, "cpuset.cpus.effective")));
        w.WriteNumber("cpu_exclusive", 0);
        NumberList(w, "mems", CpuList(Read(dir, "cpuset.mems.effective")));
        foreach (string f in new[] { "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page", "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level" })
            w.WriteNumber(f, 0);
        w.WriteEndObject();

        var raw = KeyValues(Read(dir, "memory.stat"));
        ulong usage = Num(Read(dir, "memory.current")), limit = Num(Read(dir, "memory.max"));
        w.WriteStartObject("memory");
        OmitZero(w, "cache", Get(raw, "file"));
        MemoryEntry(w, "usage", limit, usage, Num(Read(dir, "memory.peak")), Get(KeyValues(Read(dir, "memory.events")), "max"));
        // As runc: v2's swap counters are swap alone, the event reports memory+swap like v1's memsw.
        ulong swapLimit = Num(Read(dir, "memory.swap.max"));
        MemoryEntry(w, "swap", swapLimit == ulong.MaxValue || limit == ulong.MaxValue ? ulong.MaxValue : swapLimit + limit,
            Num(Read(dir, "memory.swap.current")) + usage, 0, 0);
        MemoryEntry(w, "kernel", 0, 0, 0, 0);
        MemoryEntry(w, "kernelTCP", 0, 0, 0, 0);
        Raw(w, raw);
        w.WriteEndObject();

        Pids(w, dir);

        var read = new List<(ulong, ulong, string, ulong)>();
        var serviced = new List<(ulong, ulong, string, ulong)>();
        foreach (string line in Lines(Read(dir, "io.stat")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || !TryDevice(f[0], out ulong major, out ulong minor))
                continue;
            var kv = KeyValues(string.Join('\n', f.Skip(1).Select(x => x.Replace('=', ' '))));
            read.Add((major, minor, "Read", Get(kv, "rbytes")));
            read.Add((major, minor, "Write", Get(kv, "wbytes")));
            serviced.Add((major, minor, "Read", Get(kv, "rios")));
            serviced.Add((major, minor, "Write", Get(kv, "wios")));
        }
        w.WriteStartObject("blkio");
        BlkioList(w, "ioServiceBytesRecursive", read);
        BlkioList(w, "ioServicedRecursive", serviced);
        w.WriteEndObject();

        w.WriteStartObject("hugetlb");
        foreach (string size in HugePageSizes())
            if (Read(dir, $"hugetlb.{size}.current") is { } current)
                Hugetlb(w, size, Num(current), Num(Read(dir, $"hugetlb.{size}.max")), Get(KeyValues(Read(dir, $"hugetlb.{size}.events")), "max"));
        w.WriteEndObject();
        Tail(w);
    }

    /// <summary>"oom_kill N" of memory.oom_control (v1) or memory.events (v2).</summary>
    public static ulong OomKills(string? dir, string file) => Get(KeyValues(Read(dir, file)), "oom_kill");

    private static void CpuObject(Utf8JsonWriter w, ulong total, List<ulong> percpu, List<ulong> percpuKernel, List<ulong> percpuUser,
        ulong kernel, ulong user, Dictionary<string, ulong> cpuStat, ulong throttledTimeScale)
    {
        w.WriteStartObject("cpu");
        w.WriteStartObject("usage");
        OmitZero(w, "total", total);
        NumberList(w, "percpu", percpu);
        NumberList(w, "percpu_kernel", percpuKernel);
        NumberList(w, "percpu_user", percpuUser);
        w.WriteNumber("kernel", kernel);
        w.WriteNumber("user", user);
        w.WriteEndObject();
        w.WriteStartObject("throttling");
        OmitZero(w, "periods", Get(cpuStat, "nr_periods"));
        OmitZero(w, "throttledPeriods", Get(cpuStat, "nr_throttled"));
        OmitZero(w, "throttledTime", throttledTimeScale == 1 ? Get(cpuStat, "throttled_time") : Get(cpuStat, "throttled_usec") * throttledTimeScale);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void MemoryEntry(Utf8JsonWriter w, string name, ulong limit, ulong usage, ulong max, ulong failcnt)
    {
        w.WriteStartObject(name);
        w.WriteNumber("limit", limit);
        OmitZero(w, "usage", usage);
        OmitZero(w, "max", max);
        w.WriteNumber("failcnt", failcnt);
        w.WriteEndObject();
    }

    private static void Raw(Utf8JsonWriter w, Dictionary<string, ulong> raw)
    {
        if (raw.Count == 0)
            return;
        w.WriteStartObject("raw");
        foreach (var (k, v) in raw.OrderBy(p => p.Key, StringComparer.Ordinal))
            w.WriteNumber(k, v);
        w.WriteEndObject();
    }

    private static void Pids(Utf8JsonWriter w, string? dir)
    {
        w.WriteStartObject("pids");
        OmitZero(w, "current", Num(Read(dir, "pids.current")));
        // "max" (no limit) is reported as no limit at all, as runc does.
        string? max = Read(dir, "pids.max");
        OmitZero(w, "limit", max == "max" ? 0 : Num(max));
        w.WriteEndObject();
    }

    private static void Hugetlb(Utf8JsonWriter w, string size, ulong usage, ulong max, ulong failcnt)
    {
        w.WriteStartObject(size);
        OmitZero(w, "usage", usage);
        OmitZero(w, "max", max);
        w.WriteNumber("failcnt", failcnt);
        w.WriteEndObject();
    }

    /// <summary>The stats runcs does not collect (Intel RDT, the network namespace's interfaces), shaped as runc prints them.</summary>
    private static void Tail(Utf8JsonWriter w)
    {
        w.WriteStartObject("intel_rdt");
        w.WriteEndObject();
        w.WriteNull("network_interfaces");
        w.WriteEndObject();
    }

    private static void BlkioList(Utf8JsonWriter w, string name, List<(ulong Major, ulong Minor, string Op, ulong Value)> entries)
    {
        if (entries.Count == 0)
            return;
        w.WriteStartArray(name);
        foreach (var e in entries)
        {
            w.WriteStartObject();
            OmitZero(w, "major", e.Major);
            OmitZero(w, "minor", e.Minor);
            if (e.Op.Length > 0)
                w.WriteString("op", e.Op);
            OmitZero(w, "value", e.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>v1 blkio lines "MAJ:MIN Op value"; the per-device and grand "Total" lines are not entries.</summary>
    private static List<(ulong, ulong, string, ulong)> V1Blkio(string? text)
    {
        var list = new List<(ulong, ulong, string, ulong)>();
        foreach (string line in Lines(text))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3 && TryDevice(f[0], out ulong major, out ulong minor))
                list.Add((major, minor, f[1], Num(f[2])));
        }
        return list;
    }

    private static bool TryDevice(string s, out ulong major, out ulong minor)
    {
        minor = 0;
        string[] p = s.Split(':');
        return ulong.TryParse(p[0], out major) & p.Length == 2 && ulong.TryParse(p[1], out minor);
    }

    private static void OmitZero(Utf8JsonWriter w, string name, ulong value)
    {
        if (value != 0)
            w.WriteNumber(name, value);
    }

    private static void NumberList(Utf8JsonWriter w, string name, List<ulong> values)
    {
        if (values.Count == 0)
            return;
        w.WriteStartArray(name);
        foreach (ulong v in values)
            w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    /// <summary>cpuacct.usage_all: "cpu user system" per line, after a header.</summary>
    private static List<(ulong User, ulong Kernel)> ReadUsageAll(string? dir) =>
        [.. Lines(Read(dir, "cpuacct.usage_all")).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3).Select(f => (Num(f[1]), Num(f[2])))];

    /// <summary>"0-2,4" → [0, 1, 2, 4].</summary>
    private static List<ulong> CpuList(string? text)
    {
        var list = new List<ulong>();
        foreach (string part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split('-');
            ulong from = Num(range[0]), to = range.Length == 2 ? Num(range[1]) : from;
            for (ulong i = from; i <= to; i++)
                list.Add(i);
        }
        return list;
    }

    /// <summary>The page sizes the kernel offers, named as in hugetlb's files ("2MB", "1GB").</summary>
    private static IEnumerable<string> HugePageSizes()
    {
        const string dir = "/sys/kernel/mm/hugepages";
        if (!Directory.Exists(dir))
            yield break;
        foreach (string d in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(d);
            if (!name.StartsWith("hugepages-", StringComparison.Ordinal) || !name.EndsWith("kB", StringComparison.Ordinal))
                continue;
            ulong kb = Num(name["hugepages-".Length..^2]);
            yield return kb >= 1 << 20 ? $"{kb >> 20}GB" : kb >= 1 << 10 ? $"{kb >> 10}MB" : $"{kb}KB";
        }
    }

    private static string? Read(string? dir, string file) => dir is null ? null : CgroupManager.ReadFile(dir, file);

    private static IEnumerable<string> Lines(string? text) => (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static List<ulong> Numbers(string? text) =>
        [.. (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Num)];

    /// <summary>A flat keyed file ("key value" per line).</summary>
    private static Dictionary<string, ulong> KeyValues(string? text)
    {
        var map = new Dictionary<string, ulong>();
        foreach (string line in Lines(text))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
                map[f[0]] = v;
        }
        return map;
    }

    private static ulong Get(Dictionary<string, ulong> map, string key) => map.GetValueOrDefault(key);

    /// <summary>A number, "max" as the largest value, anything else as zero.</summary>
    private static ulong Num(string? s) =>
        s == "max" ? ulong.MaxValue : ulong.TryParse(s?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
}
