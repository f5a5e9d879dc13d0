using System.Runtime.InteropServices;
using static Runcs.Sys.MountApi;

namespace Runcs.Sys;

/// <summary>
/// stat(2) through glibc's fstatat into Tmds.LibC's struct stat, as runcs uses it. The S_IF* values are constants here for
/// switch patterns (Tmds.LibC has them as properties).
/// </summary>
public static unsafe class FileStat
{
    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFCHR = 0x2000,
        S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000;

    /// <summary>The fields of struct stat runcs reads.</summary>
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        public ulong Rdev;
        public long Size;
        public long MtimeSeconds;
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
        Tmds.Linux.stat s;
        int result;
        fixed (byte* p = LinuxSyscalls.Utf8z(path))
            result = LibC.fstatat(dirfd, p, &s, flags);
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            st = default;
            if (errno == Errno.ENOENT || errno == Errno.ENOTDIR)
                return false;
            throw new SysError($"stat {path}", errno);
        }
        st = new Stat
        {
            Dev = s.st_dev, Ino = s.st_ino, Mode = (ushort)s.st_mode, Uid = s.st_uid, Gid = s.st_gid,
            Rdev = s.st_rdev, Size = s.st_size, MtimeSeconds = s.st_mtim.tv_sec,
        };
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
