using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>
/// Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program generated from the rule
/// list as runc's devicefilter does (rules checked last to first, the first match decides,
/// default deny), loaded with bpf(BPF_PROG_LOAD) and attached to the cgroup directory; the
/// programs attached before (an earlier Set) are detached once the new one is in place.
/// </summary>
public static class DeviceFilter
{
    // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }: type in the low 16 bits of access_type, access in the high.
    public const int DevBlock = 1, DevChar = 2;
    public const int AccMknod = 1, AccRead = 2, AccWrite = 4;

    // Opcodes (linux/bpf.h, bpf_common.h).
    internal const byte LdxMemW = 0x61, Alu32AndK = 0x54, Alu32RshK = 0x74, Alu32MovX = 0xbc, Alu64MovK = 0xb7,
        JneK = 0x55, JneX = 0x5d, Exit = 0x95;

    private const int SysBpf = 321;
    private const int BpfProgLoad = 5, BpfProgAttach = 8, BpfProgDetach = 9, BpfProgGetFdById = 13, BpfProgQuery = 16;
    private const int ProgTypeCgroupDevice = 15, AttachCgroupDevice = 6, FAllowMulti = 2;

    /// <summary>One 8-byte instruction: code, dst (low nibble) and src registers, offset, immediate.</summary>
    internal static ulong Insn(byte code, int dst, int src, short off, int imm) =>
        code | (ulong)(byte)((dst & 0xf) | (src << 4)) << 8 | (ulong)(ushort)off << 16 | (ulong)(uint)imm << 32;

    /// <summary>The program for the rules, in order (a later rule overrides an earlier one for the devices it matches).</summary>
    public static ulong[] Generate(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var prog = new List<ulong>
        {
            Insn(LdxMemW, 2, 1, 0, 0), Insn(Alu32AndK, 2, 0, 0, 0xffff), // R2 = type
            Insn(LdxMemW, 3, 1, 0, 0), Insn(Alu32RshK, 3, 0, 0, 16),     // R3 = access
            Insn(LdxMemW, 4, 1, 4, 0),                                   // R4 = major
            Insn(LdxMemW, 5, 1, 8, 0),                                   // R5 = minor
        };
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            var r = rules[i];
            int type = r.Type switch { null or "" or "a" => 0, "c" => DevChar, "b" => DevBlock, _ => throw new RuntimeError($"invalid device type \"{r.Type}\"") };
            int access = 0;
            foreach (char ch in r.Access ?? "rwm")
                access |= ch switch { 'r' => AccRead, 'w' => AccWrite, 'm' => AccMknod, _ => throw new RuntimeError($"invalid device access \"{r.Access}\"") };
            if (string.IsNullOrEmpty(r.Access))
                access = AccRead | AccWrite | AccMknod;
            var checks = new List<(byte Code, int Dst, int Src, int Imm)>();
            if (type != 0)
                checks.Add((JneK, 2, 0, type));
            if (access != (AccRead | AccWrite | AccMknod))
            {
                // Every requested access must be in the rule's: (R3 & access) == R3.
                checks.Add((Alu32MovX, 1, 3, 0));
                checks.Add((Alu32AndK, 1, 0, access));
                checks.Add((JneX, 1, 3, 0));
            }
            if (r.Major is long major and >= 0)
                checks.Add((JneK, 4, 0, checked((int)major)));
            if (r.Minor is long minor and >= 0)
                checks.Add((JneK, 5, 0, checked((int)minor)));
            int length = checks.Count + 2;
            for (int k = 0; k < checks.Count; k++)
            {
                var c = checks[k];
                short off = c.Code is JneK or JneX ? (short)(length - k - 1) : (short)0;
                prog.Add(Insn(c.Code, c.Dst, c.Src, off, c.Imm));
            }
            prog.Add(Insn(Alu64MovK, 0, 0, 0, r.Allow ? 1 : 0));
            prog.Add(Insn(Exit, 0, 0, 0, 0));
            // A rule for every device decides everything: what follows would be unreachable, which the verifier rejects.
            if (checks.Count == 0)
                return [.. prog];
        }
        prog.Add(Insn(Alu64MovK, 0, 0, 0, 0));
        prog.Add(Insn(Exit, 0, 0, 0, 0));
        return [.. prog];
    }

    private static unsafe long Bpf(int cmd, void* attr, int size) => LibC.syscall(SysBpf, cmd, (long)attr, size, 0, 0, 0);

    /// <summary>Loads the program for the rules and attaches it to the cgroup, replacing those attached before.</summary>
    public static unsafe void Apply(string cgroupDir, IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        // Cleaned first, as runc's devicefilter does: the program then allows exactly what a v1
        // cgroup with these rules would (the default, then one exception per device).
        ulong[] insns = Generate(DeviceEmulator.FromRules(rules).Rules());
        int dirFd = LibC.open(cgroupDir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
        if (dirFd < 0)
            throw new SysError($"open {cgroupDir}", Marshal.GetLastPInvokeError());
        try
        {
            uint[] old = Query(dirFd);
            byte* license = stackalloc byte[] { (byte)'A', (byte)'p', (byte)'a', (byte)'c', (byte)'h', (byte)'e', 0 };
            const int logSize = 65536;
            byte[] log = new byte[logSize];
            int progFd;
            fixed (ulong* p = insns)
            fixed (byte* logBuf = log)
            {
                byte* attr = stackalloc byte[128];
                new Span<byte>(attr, 128).Clear();
                *(uint*)attr = ProgTypeCgroupDevice;
                *(uint*)(attr + 4) = (uint)insns.Length;
                *(ulong*)(attr + 8) = (ulong)p;
                *(ulong*)(attr + 16) = (ulong)license;
                progFd = (int)Bpf(BpfProgLoad, attr, 128);
                if (progFd < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    // Again with the verifier's log, for the message.
                    *(uint*)(attr + 24) = 1;
                    *(uint*)(attr + 28) = logSize;
                    *(ulong*)(attr + 32) = (ulong)logBuf;
                    int again = (int)Bpf(BpfProgLoad, attr, 128);
                    if (again >= 0)
                        LibC.close(again);
                    string verifier = System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
                    throw new RuntimeError($"failed to load the device cgroup eBPF program: {SysError.Describe(errno)}" + (verifier.Length > 0 ? ": " + verifier : ""));
                }
            }
            try
            {
                byte* attach = stackalloc byte[32];
                new Span<byte>(attach, 32).Clear();
                *(uint*)attach = (uint)dirFd;
                *(uint*)(attach + 4) = (uint)progFd;
                *(uint*)(attach + 8) = AttachCgroupDevice;
                *(uint*)(attach + 12) = FAllowMulti;
                if (Bpf(BpfProgAttach, attach, 32) < 0)
                    throw new SysError($"attach the device cgroup eBPF program to {cgroupDir}", Marshal.GetLastPInvokeError());
            }
            finally
            {
                LibC.close(progFd);
            }
            foreach (uint id in old)
                Detach(dirFd, id);
        }
        finally
        {
            LibC.close(dirFd);
        }
    }

    /// <summary>The ids of the device programs attached to a cgroup directory.</summary>
    public static uint[] Attached(string cgroupDir)
    {
        int dirFd = LibC.open(cgroupDir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
        if (dirFd < 0)
            throw new SysError($"open {cgroupDir}", Marshal.GetLastPInvokeError());
        try
        {
            return Query(dirFd);
        }
        finally
        {
            LibC.close(dirFd);
        }
    }

    /// <summary>The ids of the device programs attached to the cgroup itself.</summary>
    private static unsafe uint[] Query(int dirFd)
    {
        uint* ids = stackalloc uint[64];
        byte* attr = stackalloc byte[40];
        new Span<byte>(attr, 40).Clear();
        *(uint*)attr = (uint)dirFd;
        *(uint*)(attr + 4) = AttachCgroupDevice;
        *(ulong*)(attr + 16) = (ulong)ids;
        *(uint*)(attr + 24) = 64;
        if (Bpf(BpfProgQuery, attr, 40) < 0)
            throw new SysError("query the device cgroup eBPF programs", Marshal.GetLastPInvokeError());
        uint count = *(uint*)(attr + 24);
        var result = new uint[Math.Min(count, 64)];
        for (int i = 0; i < result.Length; i++)
            result[i] = ids[i];
        return result;
    }

    private static unsafe void Detach(int dirFd, uint id)
    {
        byte* attr = stackalloc byte[32];
        new Span<byte>(attr, 32).Clear();
        *(uint*)attr = id;
        int fd = (int)Bpf(BpfProgGetFdById, attr, 32);
        if (fd < 0)
            throw new SysError($"get the eBPF program {id}", Marshal.GetLastPInvokeError());
        try
        {
            new Span<byte>(attr, 32).Clear();
            *(uint*)attr = (uint)dirFd;
            *(uint*)(attr + 4) = (uint)fd;
            *(uint*)(attr + 8) = AttachCgroupDevice;
            if (Bpf(BpfProgDetach, attr, 32) < 0)
                throw new SysError($"detach the old device cgroup eBPF program {id}", Marshal.GetLastPInvokeError());
        }
        finally
        {
            LibC.close(fd);
        }
    }
}
