using System.Runtime.InteropServices;
using static Runcs.Oci.MountOptions;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Sys;

/// <summary>
/// The fd-based mount calls (open_tree, move_mount) and openat2: a mount made or moved
/// through fds takes no path step that a concurrent rename could redirect.
/// </summary>
public static unsafe class MountApi
{
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000, AT_RECURSIVE = 0x8000;
    public const int OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = 0x80000;
    public const int MOVE_MOUNT_F_EMPTY_PATH = 0x4, MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_IN_ROOT = 0x10;

    /// <summary>open_tree(OPEN_TREE_CLONE): a detached bind mount of path (with its submounts when recursive), or -errno.</summary>
    public static int CloneTree(string path, bool recursive)
    {
        byte[] p = LinuxSyscalls.Utf8z(path);
        fixed (byte* pp = p)
        {
            long fd = LibC.syscall(SYS_open_tree, AT_FDCWD, (long)pp, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0), 0, 0, 0);
            return fd < 0 ? -Marshal.GetLastPInvokeError() : (int)fd;
        }
    }

    /// <summary>move_mount: attaches the detached mount treeFd on the fd target (the mountpoint itself).</summary>
    public static void MoveOnto(int treeFd, int targetFd, string what)
    {
        byte* empty = stackalloc byte[1];
        empty[0] = 0;
        if (LibC.syscall(SYS_move_mount, treeFd, (long)empty, targetFd, (long)empty, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH, 0) < 0)
            throw SysError.Last($"move_mount {what}");
    }


    /// <summary>
    /// mount_setattr attributes with the effect of runc's bind remount (MS_BIND|MS_REMOUNT|flags) on
    /// a new bind: ro, nosuid, nodev and noexec become exactly those given (with keepExisting, as a
    /// user namespace's locked flags, only the explicitly cleared ones go), the atime mode changes
    /// only when one is given.
    /// </summary>
    public static (ulong Set, ulong Clear) RemountAttributes(ulong flags, ulong clearFlags, bool keepExisting)
    {
        ulong set = 0, clear = 0;
        foreach (var (ms, attr) in new[] { (MS_RDONLY, MOUNT_ATTR_RDONLY), (MS_NOSUID, MOUNT_ATTR_NOSUID), (MS_NODEV, MOUNT_ATTR_NODEV), (MS_NOEXEC, MOUNT_ATTR_NOEXEC), (MS_NODIRATIME, MOUNT_ATTR_NODIRATIME) })
        {
            if ((flags & ms) != 0)
                set |= attr;
            else if (!keepExisting || (clearFlags & ms) != 0)
                clear |= attr;
        }
        if ((flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) != 0)
        {
            clear |= MOUNT_ATTR__ATIME;
            set |= (flags & MS_NOATIME) != 0 ? MOUNT_ATTR_NOATIME : (flags & MS_STRICTATIME) != 0 ? MOUNT_ATTR_STRICTATIME : 0;
        }
        return (set, clear & ~set);
    }

    /// <summary>mount_setattr on the mount fd itself (a detached tree): no path involved.</summary>
    public static void SetAttributes(int mountFd, ulong set, ulong clear, string what)
    {
        ulong* attr = stackalloc ulong[4];
        attr[0] = set;
        attr[1] = clear;
        attr[2] = 0;
        attr[3] = 0;
        byte* empty = stackalloc byte[1];
        empty[0] = 0;
        if (LibC.syscall(SYS_mount_setattr, mountFd, (long)empty, AT_EMPTY_PATH, (long)attr, 32, 0) < 0)
            throw SysError.Last($"mount_setattr {what}");
    }

    /// <summary>openat2 with O_PATH|O_CLOEXEC (and extra flags) and the given RESOLVE_* flags; -errno on failure.</summary>
    public static int OpenAt2(int dirFd, string path, ulong flags, ulong resolve)
    {
        byte[] p = LinuxSyscalls.Utf8z(path);
        ulong* how = stackalloc ulong[3];
        how[0] = flags | (ulong)(OpenFlags.O_PATH | OpenFlags.O_CLOEXEC);
        how[1] = 0;
        how[2] = resolve;
        fixed (byte* pp = p)
        {
            long fd = LibC.syscall(SYS_openat2, dirFd, (long)pp, (long)how, 24, 0, 0);
            return fd < 0 ? -Marshal.GetLastPInvokeError() : (int)fd;
        }
    }
}
