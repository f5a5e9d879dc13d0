using Runcs.Cgroups;
using Runcs.Cli;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Text;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>
/// `update [--resources FILE|-] [flags] ID`: changes the limits of a live container. With
/// --resources the JSON is all there is (runc ignores the other flags then).
/// </summary>
public static class UpdateCommand
{
    /// <summary>
    /// update's flags, in runc's order. The numbers are strings, as runc declares them, converted
    /// only without --resources (<see cref="FromFlags"/>), after the container is found.
    /// </summary>
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            new StringFlag<Options>("resources, r", ResourcesUsage, static (o, v) => o.Resources = v),
            new IntFlag<Options>("blkio-weight", "Specifies per cgroup weight, range is from 10 to 1000",
                static (o, v) => o.BlkioWeight = v, "0"),
            new TextFlag<Options>("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default",
                static (o, v) => o.CpuPeriod = v),
            new TextFlag<Options>("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period",
                static (o, v) => o.CpuQuota = v),
            new TextFlag<Options>("cpu-share", "CPU shares (relative weight vs. other containers)", static (o, v) => o.CpuShare = v),
            new TextFlag<Options>("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default",
                static (o, v) => o.CpuRtPeriod = v),
            new TextFlag<Options>("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period",
                static (o, v) => o.CpuRtRuntime = v),
            new StringFlag<Options>("cpuset-cpus", "CPU(s) to use", static (o, v) => o.CpusetCpus = v),
            new StringFlag<Options>("cpuset-mems", "Memory node(s) to use", static (o, v) => o.CpusetMems = v),
            // Obsolete in runc 1.1: parsed (a bad size is still an error) and hidden from help.
            new TextFlag<Options>("kernel-memory", "(obsoleted; do not use)", static (o, v) => o.KernelMemory = v) { Hidden = true },
            new TextFlag<Options>("kernel-memory-tcp", "(obsoleted; do not use)", static (o, v) => o.KernelMemoryTcp = v) { Hidden = true },
            new TextFlag<Options>("memory", "Memory limit (in bytes)", static (o, v) => o.Memory = v),
            new TextFlag<Options>("memory-reservation", "Memory reservation or soft_limit (in bytes)",
                static (o, v) => o.MemoryReservation = v),
            new TextFlag<Options>("memory-swap", "Total memory usage (memory + swap); set '-1' to enable unlimited swap",
                static (o, v) => o.MemorySwap = v),
            new IntFlag<Options>("pids-limit", "Maximum number of pids allowed in the container", static (o, v) => o.PidsLimit = v, "0"),
            new StringFlag<Options>("l3-cache-schema", "The string of Intel RDT/CAT L3 cache schema", static (o, v) => o.L3CacheSchema = v),
            new StringFlag<Options>("mem-bw-schema", "The string of Intel RDT/MBA memory bandwidth schema",
                static (o, v) => o.MemBwSchema = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        /// <summary>--resources: a JSON file, or "-" for stdin; when given, the other flags are ignored.</summary>
        public string Resources { get; private set; } = "";

        public GoInt BlkioWeight { get; private set; }

        public FlagText CpuPeriod { get; private set; }

        public FlagText CpuQuota { get; private set; }

        public FlagText CpuShare { get; private set; }

        public FlagText CpuRtPeriod { get; private set; }

        public FlagText CpuRtRuntime { get; private set; }

        public string CpusetCpus { get; private set; } = "";

        public string CpusetMems { get; private set; } = "";

        public FlagText KernelMemory { get; private set; }

        public FlagText KernelMemoryTcp { get; private set; }

        public FlagText Memory { get; private set; }

        public FlagText MemoryReservation { get; private set; }

        public FlagText MemorySwap { get; private set; }

        public GoInt PidsLimit { get; private set; }

        public string L3CacheSchema { get; private set; } = "";

        public string MemBwSchema { get; private set; } = "";
    }

    private const string ResourcesUsage = """
path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.

""";

    public static int Run(CommandContext c)
    {
        var options = Options.Parse(c.Line);
        using var _ = c.Lock();
        var container = c.Load();
        string source = options.Resources;
        var resources = source.Length > 0 ? ReadResources(source) : FromFlags(options);
        container.Update(resources);
        return 0;
    }

    private static LinuxResources ReadResources(string source)
    {
        string json;
        try
        {
            json = source == "-" ? new StreamReader(Console.OpenStandardInput()).ReadToEnd() : SmallFile.ReadAllText(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError("open " + e.Message); // "PATH: reason", runc's "open PATH: reason"
        }
        return SpecLoader.ParseResources(source == "-" ? "stdin" : source, json);
    }

    /// <summary>runc's flag parsing: numbers in base 10, memory sizes as docker's units ("64m"), "-1" for unlimited.</summary>
    private static LinuxResources FromFlags(Options o)
    {
        var cpu = new LinuxCpu
        {
            Period = Unsigned(o.CpuPeriod),
            RealtimePeriod = Unsigned(o.CpuRtPeriod),
            Shares = Unsigned(o.CpuShare),
            Quota = Signed(o.CpuQuota),
            RealtimeRuntime = Signed(o.CpuRtRuntime),
            Cpus = o.CpusetCpus,
            Mems = o.CpusetMems,
        };
        var memory = new LinuxMemory
        {
            Limit = Size(o.Memory),
            Swap = Size(o.MemorySwap),
            Reservation = Size(o.MemoryReservation),
        };
        Size(o.KernelMemory);
        Size(o.KernelMemoryTcp);
        int weight = o.BlkioWeight.ToInt32();
        return new LinuxResources
        {
            Cpu = cpu,
            Memory = memory,
            BlockIO = new LinuxBlockIO { Weight = unchecked((ushort)weight) },
            Pids = new LinuxPids { Limit = o.PidsLimit.ToInt32() },
        };
    }

    private static ulong? Unsigned(FlagText flag)
    {
        if (flag.IsEmpty)
            return null;
        var err = GoStrconv.ParseUint(flag.Text, 10, 64, out ulong n);
        return err == NumParseError.None ? n : throw Invalid(flag, GoStrconv.NumErrorText("ParseUint", flag.Text, err));
    }

    private static long? Signed(FlagText flag)
    {
        if (flag.IsEmpty)
            return null;
        var err = GoStrconv.ParseInt(flag.Text, 10, 64, out long n);
        return err == NumParseError.None ? n : throw Invalid(flag, GoStrconv.NumErrorText("ParseInt", flag.Text, err));
    }

    private static long? Size(FlagText flag)
    {
        if (flag.IsEmpty)
            return null;
        if (flag.Text == "-1")
            return -1;
        try
        {
            return ResourceUpdate.RamInBytes(flag.Text);
        }
        catch (RuntimeError e)
        {
            throw Invalid(flag, e.Message);
        }
    }

    private static RuntimeError Invalid(FlagText flag, string why) => new($"invalid value for {flag.Flag}: {why}");
}
