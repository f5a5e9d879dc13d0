using System.Runtime.InteropServices;
using static Runcs.Sys.MountApi;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Sys;

/// <summary>stat(2) through newfstatat, x86_64 layout of struct stat.</summary>
public static unsafe class FileStat
{
    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFCHR = 0x2000,
        S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000;

    [StructLayout(LayoutKind.Explicit, Size = 144)]
    public struct Stat
    {
        [FieldOffset(0)] public ulong Dev;
        [FieldOffset(8)] public ulong Ino;
        [FieldOffset(24)] public uint Mode;
        [FieldOffset(28)] public uint Uid;
        [FieldOffset(32)] public uint Gid;
        [FieldOffset(40)] public ulong Rdev;
        [FieldOffset(48)] public long Size;
        [FieldOffset(88)] public long MtimeSeconds;
    }

    /// <summary>lstat; false when the path does not exist (other errors throw).</summary>
    public static bool TryLstat(string path, out Stat st) => TryStatAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, out st);

    public static bool TryStat(string path, out Stat st) => TryStatAt(AT_FDCWD, path, 0, out st);

    public static Stat Fstat(int fd)
    {
        if (!TryStatAt(fd, "", AT_EMPTY_PATH, out Stat st))
            throw new SysError($"fstat fd {fd}", Errno.ENOENT);
        return st;
    }

    private static bool TryStatAt(int dirfd, string path, int flags, out Stat st)
    {
        byte[] p = LinuxSyscalls.Utf8z(path);
        Stat s;
        fixed (byte* pp = p)
        {
            if (LibC.syscall(SYS_newfstatat, dirfd, (long)pp, (long)&s, flags, 0, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                st = default;
                if (errno == Errno.ENOENT || errno == Errno.ENOTDIR)
                    return false;
                throw new SysError($"stat {path}", errno);
            }
        }
        st = s;
        return true;
    }

    public static FileKind? Kind(string path) => TryLstat(path, out Stat st) ? KindOf(st.Mode) : null;

    public static FileKind KindOf(uint mode) => (mode & S_IFMT) switch
    {
        S_IFDIR => FileKind.Directory,
        S_IFLNK => FileKind.Symlink,
        S_IFCHR => FileKind.CharDevice,
        S_IFBLK => FileKind.BlockDevice,
        S_IFIFO => FileKind.Fifo,
        S_IFSOCK => FileKind.Socket,
        _ => FileKind.Regular,
    };

    public static ulong Makedev(long major, long minor) =>
        (ulong)((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32));
}
