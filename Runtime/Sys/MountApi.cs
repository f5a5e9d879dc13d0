using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>
/// The fd-based mount calls (open_tree, move_mount) and openat2: a mount made or moved
/// through fds takes no path step that a concurrent rename could redirect.
/// </summary>
public static unsafe class MountApi
{
    private const long SYS_open_tree = 428, SYS_move_mount = 429, SYS_openat2 = 437;
    public const int AT_FDCWD = -100, AT_RECURSIVE = 0x8000;
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
