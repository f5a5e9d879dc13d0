using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Sys;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Seccomp;

/// <summary>Installs a compiled profile on the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).</summary>
public static unsafe class SeccompLoader
{
    private const int SECCOMP_SET_MODE_FILTER = 1;
    private const uint SECCOMP_FILTER_FLAG_TSYNC = 1, SECCOMP_FILTER_FLAG_NEW_LISTENER = 8, SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 16;
    private const int EINVAL = 22;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Len;
        public SockFilter* Filter;
    }

    /// <summary>A compiled profile, ready to install; WantsListener: it has SCMP_ACT_NOTIFY rules.</summary>
    public sealed record Filter(SockFilter[] Program, uint Flags, IReadOnlyList<string> FlagNames, bool WantsListener);

    /// <summary>
    /// `create` compiles the profile once, before anything of the container exists (a docker-style
    /// profile takes about a millisecond): a program the kernel would refuse is a config error.
    /// </summary>
    public static Filter? PrepareChecked(LinuxSeccomp? seccomp, string file)
    {
        if (seccomp is null)
            return null;
        try
        {
            var filter = Prepare(seccomp);
            Log.DebugMessage($"seccomp: the filter is {filter.Program.Length} instructions");
            return filter;
        }
        catch (RuntimeError e) when (e is not ConfigError)
        {
            throw new ConfigError(file, "linux.seccomp", e.Message);
        }
    }

    public static Filter Prepare(LinuxSeccomp seccomp) =>
        new(SeccompCompiler.Compile(seccomp), SeccompCompiler.FlagValue(seccomp), seccomp.Flags ?? [],
            SeccompCompiler.UsesNotify(seccomp));

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

    /// <summary>Whether this thread runs under the container's filter already.</summary>
    public static bool Loaded { get; private set; }

    /// <summary>Installs the filter; returns its notify listener fd (close-on-exec), or -1 without notify rules.</summary>
    public static int Install(Filter compiled)
    {
        var (program, names) = (compiled.Program, compiled.FlagNames);
        uint flags = compiled.Flags;
        if (compiled.WantsListener)
        {
            flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
            // The kernel takes TSYNC with a listener only with TSYNC_ESRCH (libseccomp adds it too).
            if ((flags & SECCOMP_FILTER_FLAG_TSYNC) != 0)
                flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        Log.DebugMessage($"seccomp: loading a filter of {program.Length} instructions (flags 0x{flags:x})");
        fixed (SockFilter* filter = program)
        {
            var prog = new SockFprog { Len = (ushort)program.Length, Filter = filter };
            long result = LibC.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&prog, 0, 0, 0);
            if (result < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINVAL && flags != 0)
                    throw new RuntimeError($"error loading seccomp filter: the kernel refused the flags [{string.Join(", ", names)}]: {SysError.Describe(errno)}");
                throw new RuntimeError($"error loading seccomp filter: {SysError.Describe(errno)}");
            }
            Loaded = true;
            return compiled.WantsListener ? (int)result : -1;
        }
    }
}
