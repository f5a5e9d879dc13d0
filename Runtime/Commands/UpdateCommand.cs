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
    public static int Run(CommandContext c)
    {
        using var _ = c.Lock();
        var container = c.Load();
        string source = c.Line.GetString("resources");
        var resources = source.Length > 0 ? ReadResources(source) : FromFlags(c.Line);
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
    private static LinuxResources FromFlags(ParsedCommandLine line)
    {
        var cpu = new LinuxCpu
        {
            Period = Unsigned(line, "cpu-period"),
            RealtimePeriod = Unsigned(line, "cpu-rt-period"),
            Shares = Unsigned(line, "cpu-share"),
            Quota = Signed(line, "cpu-quota"),
            RealtimeRuntime = Signed(line, "cpu-rt-runtime"),
            Cpus = line.GetString("cpuset-cpus"),
            Mems = line.GetString("cpuset-mems"),
        };
        var memory = new LinuxMemory
        {
            Limit = Size(line, "memory"),
            Swap = Size(line, "memory-swap"),
            Reservation = Size(line, "memory-reservation"),
        };
        Size(line, "kernel-memory");
        Size(line, "kernel-memory-tcp");
        int weight = line.GetInt("blkio-weight");
        return new LinuxResources
        {
            Cpu = cpu,
            Memory = memory,
            BlockIO = new LinuxBlockIO { Weight = unchecked((ushort)weight) },
            Pids = new LinuxPids { Limit = line.GetInt("pids-limit") },
        };
    }

    private static ulong? Unsigned(ParsedCommandLine line, string flag)
    {
        string v = line.GetString(flag);
        if (v.Length == 0)
            return null;
        var err = GoStrconv.ParseUint(v, 10, 64, out ulong n);
        return err == NumParseError.None ? n : throw Invalid(flag, GoStrconv.NumErrorText("ParseUint", v, err));
    }

    private static long? Signed(ParsedCommandLine line, string flag)
    {
        string v = line.GetString(flag);
        if (v.Length == 0)
            return null;
        var err = GoStrconv.ParseInt(v, 10, 64, out long n);
        return err == NumParseError.None ? n : throw Invalid(flag, GoStrconv.NumErrorText("ParseInt", v, err));
    }

    private static long? Size(ParsedCommandLine line, string flag)
    {
        string v = line.GetString(flag);
        if (v.Length == 0)
            return null;
        if (v == "-1")
            return -1;
        try
        {
            return ResourceUpdate.RamInBytes(v);
        }
        catch (RuntimeError e)
        {
            throw Invalid(flag, e.Message);
        }
    }

    private static RuntimeError Invalid(string flag, string why) => new($"invalid value for {flag}: {why}");
}
