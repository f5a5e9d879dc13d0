using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Seccomp;

/// <summary>Installs a compiled profile on the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).</summary>
public static unsafe class SeccompLoader
{
    private const long SYS_seccomp = 317;
    private const int SECCOMP_SET_MODE_FILTER = 1;
    private const int EINVAL = 22;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Len;
        public SockFilter* Filter;
    }

    /// <summary>A compiled profile, ready to install.</summary>
    public sealed record Filter(SockFilter[] Program, uint Flags, IReadOnlyList<string> FlagNames);

    public static Filter Prepare(LinuxSeccomp seccomp) =>
        new(SeccompCompiler.Compile(seccomp), SeccompCompiler.FlagValue(seccomp), seccomp.Flags ?? []);

    /// <summary>
    /// Whether the running kernel knows a filter flag: seccomp() with the flag and no program
    /// fails with EFAULT when the flag is known and EINVAL when not (libseccomp's probe).
    /// </summary>
    public static bool KernelSupportsFlag(uint flag)
    {
        const int EFAULT = 14;
        if (LibC.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, 0, 0, 0, 0) == 0)
            return true;
        return Marshal.GetLastPInvokeError() == EFAULT;
    }

    public static void Install(Filter compiled)
    {
        var (program, flags, names) = (compiled.Program, compiled.Flags, compiled.FlagNames);
        Log.DebugMessage($"seccomp: loading a filter of {program.Length} instructions (flags 0x{flags:x})");
        fixed (SockFilter* filter = program)
        {
            var prog = new SockFprog { Len = (ushort)program.Length, Filter = filter };
            if (LibC.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&prog, 0, 0, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINVAL && flags != 0)
                    throw new RuntimeError($"error loading seccomp filter: the kernel refused the flags [{string.Join(", ", names)}]: {SysError.Describe(errno)}");
                throw new RuntimeError($"error loading seccomp filter: {SysError.Describe(errno)}");
            }
        }
    }
}
