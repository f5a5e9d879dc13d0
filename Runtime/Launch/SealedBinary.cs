using System.Runtime.InteropServices;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>
/// The runcs binary the init is executed from, sealed against CVE-2019-5736 (a container
/// process reopening /proc/PID/exe for writing to overwrite the host's runtime).
///
/// Method: open_tree(OPEN_TREE_CLONE) makes a detached bind mount of /proc/self/exe, and
/// mount_setattr marks it read-only. The init is exec'd from that mount, so every path to
/// the binary reachable from inside (its /proc/PID/exe, an fd to it) lands on a read-only
/// mount: EROFS. Cost: three syscalls and no copy, against about a millisecond and the
/// binary's size in memory for a memfd copy (runc 1.1's way). Where the detached mount
/// is not allowed (no CAP_SYS_ADMIN), a sealed memfd copy is the fallback.
/// </summary>
internal static unsafe class SealedBinary
{
    private const long SYS_open_tree = 428, SYS_mount_setattr = 442, SYS_memfd_create = 319;
    private const int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = 0x80000;
    private const ulong MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4;
    private const int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet, AttrClr, Propagation, UsernsFd;
    }

    /// <summary>An fd (close-on-exec) the init can be execveat'ed from.</summary>
    public static int Open()
    {
        int fd = TryReadOnlyMount();
        return fd >= 0 ? fd : MemfdCopy();
    }

    private static int TryReadOnlyMount()
    {
        byte[] path = LinuxSyscalls.Utf8z("/proc/self/exe");
        byte empty = 0;
        int fd;
        fixed (byte* p = path)
            fd = (int)LibC.syscall(SYS_open_tree, AT_FDCWD, (long)p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC, 0, 0, 0);
        if (fd < 0)
            return -1;
        var attr = new MountAttr { AttrSet = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
        if (LibC.syscall(SYS_mount_setattr, fd, (long)&empty, AT_EMPTY_PATH, (long)&attr, sizeof(MountAttr), 0) < 0)
        {
            LibC.close(fd);
            return -1;
        }
        return fd;
    }

    private static int MemfdCopy()
    {
        byte[] name = LinuxSyscalls.Utf8z("runcs:[sealed]");
        int fd;
        fixed (byte* n = name)
            fd = (int)LibC.syscall(SYS_memfd_create, (long)n, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0);
        if (fd < 0)
            throw SysError.Last("memfd_create");
        using (var source = File.OpenRead("/proc/self/exe"))
        using (var target = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), FileAccess.Write))
            source.CopyTo(target);
        if (LibC.fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        {
            LibC.close(fd);
            throw SysError.Last("seal runcs copy");
        }
        return fd;
    }
}
