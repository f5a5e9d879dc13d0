using System.Globalization;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Cgroups;

/// <summary>
/// `update`'s semantics, as runc's: only memory, cpu, blkio weight, pids and unified can change;
/// a zero value leaves a setting as it is; quota and period are kept as a pair.
/// </summary>
public static class ResourceUpdate
{
    /// <summary>What of <paramref name="r"/> update applies, with the saved values filling in what the pair needs.</summary>
    public static LinuxResources Delta(LinuxResources r, LinuxResources? saved)
    {
        var delta = new LinuxResources
        {
            Memory = r.Memory is { } m ? new LinuxMemory { Limit = m.Limit, Reservation = m.Reservation, Swap = m.Swap } : null,
            Cpu = r.Cpu is { } c ? new LinuxCpu
            {
                Shares = c.Shares, Quota = c.Quota, Period = c.Period, RealtimeRuntime = c.RealtimeRuntime,
                RealtimePeriod = c.RealtimePeriod, Cpus = c.Cpus, Mems = c.Mems, Idle = c.Idle, Burst = c.Burst,
            } : null,
            BlockIO = r.BlockIO?.Weight is ushort w and not 0 ? new LinuxBlockIO { Weight = w } : null,
            Pids = r.Pids,
            Unified = r.Unified,
        };
        // cpu.max (v2) holds quota and period together: the one not given keeps its saved value.
        if (delta.Cpu is { } cpu && (cpu.Quota ?? 0) == 0 != ((cpu.Period ?? 0) == 0))
        {
            if ((cpu.Quota ?? 0) == 0)
                cpu.Quota = saved?.Cpu?.Quota;
            else
                cpu.Period = saved?.Cpu?.Period;
        }
        return delta;
    }

    /// <summary>The saved resources with the delta's set (non-zero) values laid over them.</summary>
    public static LinuxResources Merge(LinuxResources? saved, LinuxResources delta)
    {
        var r = saved ?? new LinuxResources();
        if (delta.Memory is { } m)
        {
            var to = r.Memory ??= new LinuxMemory();
            to.Limit = Pick(m.Limit, to.Limit);
            to.Reservation = Pick(m.Reservation, to.Reservation);
            to.Swap = Pick(m.Swap, to.Swap);
        }
        if (delta.Cpu is { } c)
        {
            var to = r.Cpu ??= new LinuxCpu();
            to.Shares = c.Shares is not (null or 0) ? c.Shares : to.Shares;
            to.Quota = Pick(c.Quota, to.Quota);
            to.Period = c.Period is not (null or 0) ? c.Period : to.Period;
            to.RealtimeRuntime = Pick(c.RealtimeRuntime, to.RealtimeRuntime);
            to.RealtimePeriod = c.RealtimePeriod is not (null or 0) ? c.RealtimePeriod : to.RealtimePeriod;
            to.Cpus = string.IsNullOrEmpty(c.Cpus) ? to.Cpus : c.Cpus;
            to.Mems = string.IsNullOrEmpty(c.Mems) ? to.Mems : c.Mems;
            to.Idle = c.Idle ?? to.Idle;
            to.Burst = c.Burst ?? to.Burst;
        }
        if (delta.BlockIO?.Weight is ushort w)
            (r.BlockIO ??= new LinuxBlockIO()).Weight = w;
        if (delta.Pids is { Limit: not 0 } pids)
            r.Pids = new LinuxPids { Limit = pids.Limit };
        foreach (var (k, v) in delta.Unified ?? [])
            (r.Unified ??= [])[k] = v;
        return r;

        static long? Pick(long? value, long? old) => value is not (null or 0) ? value : old;
    }

    /// <summary>
    /// docker's units.RAMInBytes, which runc's memory flags use: a decimal number, an optional
    /// space, then an optional k/m/g/t/p with optional "i" and "b" (all powers of 1024).
    /// </summary>
    public static long RamInBytes(string s)
    {
        int i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.' && i > 0 && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            i++;
        string number = s[..i];
        string rest = s[i..];
        if (rest.StartsWith(' '))
            rest = rest[1..];
        long multiplier = 1;
        if (rest.Length > 0 && "kmgtp".IndexOf(char.ToLowerInvariant(rest[0])) is int power and >= 0)
        {
            multiplier = 1L << (10 * (power + 1));
            rest = rest[1..];
        }
        if (rest.Length > 0 && rest[0] is 'i' or 'I')
            rest = rest[1..];
        if (rest.Length > 0 && rest[0] is 'b' or 'B')
            rest = rest[1..];
        if (number.Length == 0 || number.EndsWith('.') || rest.Length > 0 ||
            !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double size))
            throw new RuntimeError($"invalid size: '{s}'");
        return (long)(size * multiplier);
    }
}
