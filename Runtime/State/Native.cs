using System.Runtime.InteropServices;
using System.Text;

namespace Runcs.State;

/// <summary>
/// NATIVE: libc calls the state store needs that Tmds.LibC does not cover (open, flock,
/// statx, rename, chown...). Blittable signatures only (paths are NUL-terminated UTF-8),
/// so NativeAOT needs no runtime marshalling. Library name is exactly "libc" (bound
/// statically through DirectPInvoke).
/// </summary>
internal static unsafe class StateNative
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000; // same value on x86_64 and arm64

    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EEXIST = 17;
    internal const int ENOTDIR = 20;

    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7ff;

    [DllImport("libc", SetLastError = true)]
    internal static extern int open(byte* path, int flags, uint mode);

    [DllImport("libc", SetLastError = true)]
    internal static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    internal static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    internal static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    internal static extern int mkdir(byte* path, uint mode);

    [DllImport("libc", SetLastError = true)]
    internal static extern int rename(byte* oldpath, byte* newpath);

    [DllImport("libc", SetLastError = true)]
    internal static extern int chown(byte* path, uint owner, uint group);

    [DllImport("libc")]
    internal static extern uint geteuid();

    [DllImport("libc")]
    internal static extern uint getegid();

    /// <summary>statx(2): its struct layout is the same on every architecture.</summary>
    [DllImport("libc", SetLastError = true)]
    internal static extern int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);

    internal static int Errno => Marshal.GetLastPInvokeError();

    internal static string ErrnoText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>NUL-terminated UTF-8 copy of a path.</summary>
    internal static byte[] Path(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
        return bytes;
    }

    internal readonly record struct FileId(ulong Dev, ulong Ino, uint Uid, uint Mode);

    /// <summary>statx on a path (fd &lt; 0) or on an fd (path null); null and errno on failure.</summary>
    internal static FileId? Stat(string? path, int fd, out int errno)
    {
        byte* buf = stackalloc byte[256];
        new Span<byte>(buf, 256).Clear();
        int rc;
        if (path is null)
        {
            byte empty = 0;
            rc = statx(fd, &empty, AT_EMPTY_PATH, STATX_BASIC_STATS, buf);
        }
        else
        {
            fixed (byte* p = Path(path))
                rc = statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf);
        }
        if (rc != 0)
        {
            errno = Errno;
            return null;
        }
        errno = 0;
        uint uid = *(uint*)(buf + 20);
        uint mode = *(ushort*)(buf + 28);
        ulong ino = *(ulong*)(buf + 32);
        ulong dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
        return new FileId(dev, ino, uid, mode);
    }
}
