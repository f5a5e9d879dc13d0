namespace Runcs.Sys;

/// <summary>
/// The errno values runcs decides on. Tmds.LibC has them as properties (Tmds.Linux.LibC.ENOENT); C#
/// patterns (`is Errno.EACCES or Errno.EPERM`) and switch cases need constants, so they are here, once.
/// </summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11,
        EACCES = 13, EBUSY = 16, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28, EROFS = 30,
        EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, ENOTSUP = 95, ECONNRESET = 104, ECONNREFUSED = 111;
}
