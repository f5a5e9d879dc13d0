using System.Globalization;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Init;

/// <summary>
/// Per-process kernel settings of process and linux.personality, applied by the init while
/// it is still privileged: oom_score_adj, personality, scheduler, I/O priority, CPU affinity.
/// </summary>
public static unsafe class KernelAttributes
{

    /// <param name="oomScoreSet">`exec`: runcs has written oom_score_adj (the init, non-dumpable
    /// since its exec in runcs's user namespace, may not write its own /proc files in a joined one).</param>
    public static void Apply(Process process, LinuxPersonality? personality, LinuxMemoryPolicy? memoryPolicy, bool oomScoreSet = false)
    {
        if (process.OomScoreAdj is int oom && !oomScoreSet)
            LinuxSyscalls.Instance.WriteFile("/proc/self/oom_score_adj", oom.ToString(CultureInfo.InvariantCulture));
        if (personality is not null)
            SetPersonality(personality);
        if (process.Scheduler is { } scheduler)
            SetScheduler(scheduler);
        if (process.IOPriority is { } io)
            SetIoPriority(io);
        if ((process.ExecCpuAffinity?.Final ?? process.ExecCpuAffinity?.Initial) is { Length: > 0 } cpus)
            SetAffinity(cpus);
        if (memoryPolicy is not null)
            SetMemoryPolicy(memoryPolicy);
    }

    /// <summary>The calling thread's policy, which the process's exec keeps (this thread execs it).</summary>
    private static void SetMemoryPolicy(LinuxMemoryPolicy p)
    {
        int mode = IndexOf(LinuxMemoryPolicy.Modes, p.Mode, "memory policy mode");
        foreach (string f in p.Flags ?? [])
            mode |= 1 << (13 + IndexOf(LinuxMemoryPolicy.KnownFlags, f, "memory policy flag"));
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        bool any = false;
        try
        {
            foreach (int node in ParseCpuList(p.Nodes ?? ""))
            {
                mask[node / 64] |= 1UL << (node % 64);
                any = true;
            }
        }
        catch (RuntimeError)
        {
            throw new RuntimeError($"invalid memory policy nodes \"{p.Nodes}\"");
        }
        // No nodes: a NULL mask (MPOL_DEFAULT and MPOL_LOCAL take none). maxnode is one more than
        // the bits the kernel reads (it decrements it first).
        if (LibC.syscall(SYS_set_mempolicy, mode, any ? (long)mask : 0, any ? 16 * 64 + 1 : 0, 0, 0, 0) < 0)
            throw SysError.Last($"set_mempolicy {p.Mode}");
    }

    private static void SetPersonality(LinuxPersonality p)
    {
        long domain = p.Domain switch
        {
            "LINUX" => 0x0000,
            "LINUX32" => 0x0008,
            _ => throw new RuntimeError($"unknown personality domain \"{p.Domain}\""),
        };
        if (LibC.syscall(SYS_personality, domain, 0, 0, 0, 0, 0) < 0)
            throw SysError.Last("personality");
    }

    private static void SetScheduler(Scheduler s)
    {
        int policy = IndexOf(Scheduler.Policies, s.Policy, "scheduler policy");
        ulong flags = 0;
        foreach (string f in s.Flags ?? [])
            flags |= 1UL << IndexOf(Scheduler.KnownFlags, f, "scheduler flag");
        // struct sched_attr, SCHED_ATTR_SIZE_VER0.
        byte* attr = stackalloc byte[48];
        new Span<byte>(attr, 48).Clear();
        *(uint*)attr = 48;
        *(uint*)(attr + 4) = (uint)policy;
        *(ulong*)(attr + 8) = flags;
        *(int*)(attr + 16) = s.Nice ?? 0;
        *(uint*)(attr + 20) = (uint)(s.Priority ?? 0);
        *(ulong*)(attr + 24) = s.Runtime ?? 0;
        *(ulong*)(attr + 32) = s.Deadline ?? 0;
        *(ulong*)(attr + 40) = s.Period ?? 0;
        if (LibC.syscall(SYS_sched_setattr, 0, (long)attr, 0, 0, 0, 0) < 0)
            throw SysError.Last($"sched_setattr {s.Policy}");
    }

    private static void SetIoPriority(LinuxIOPriority io)
    {
        int ioClass = IndexOf(LinuxIOPriority.Classes, io.Class, "ioPriority class") + 1;
        if (LibC.syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (ioClass << 13) | io.Priority, 0, 0, 0) < 0)
            throw SysError.Last($"ioprio_set {io.Class} {io.Priority}");
    }

    private static void SetAffinity(string cpus)
    {
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        foreach (int cpu in ParseCpuList(cpus))
            mask[cpu / 64] |= 1UL << (cpu % 64);
        if (LibC.syscall(SYS_sched_setaffinity, 0, 16 * sizeof(ulong), (long)mask, 0, 0, 0) < 0)
            throw SysError.Last($"sched_setaffinity {cpus}");
    }

    /// <summary>"0-3,6": the kernel's cpu list syntax.</summary>
    public static IEnumerable<int> ParseCpuList(string list)
    {
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] range = part.Split('-');
            if (range.Length > 2 || !int.TryParse(range[0], out int first) || first is < 0 or >= 1024)
                throw new RuntimeError($"invalid cpu list \"{list}\"");
            int last = first;
            if (range.Length == 2 && (!int.TryParse(range[1], out last) || last < first || last >= 1024))
                throw new RuntimeError($"invalid cpu list \"{list}\"");
            for (int c = first; c <= last; c++)
                yield return c;
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name, string what)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name)
                return i;
        throw new RuntimeError($"unknown {what} \"{name}\"");
    }
}
