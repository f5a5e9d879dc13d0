using Runcs.Errors;
using Runcs.Sys;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Init;

/// <summary>
/// The fds the init inherited (from runcs's caller, through runcs) must not reach the container's
/// process: every fd above 2 and the --preserve-fds range is marked close-on-exec. The init's own
/// fds (sync socket, exec.fifo, console socket) are in that range too: they serve the init until
/// its exec and are gone after it.
/// </summary>
public static class InheritedFds
{
    private const uint CLOSE_RANGE_CLOEXEC = 4;
    private const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;

    /// <summary>
    /// close_range(CLOSE_RANGE_CLOEXEC) when the kernel has it (5.11), else, as runc,
    /// /proc/self/fd and fcntl(F_SETFD) for each: ENOSYS (before 5.9), EINVAL (the flag before
    /// 5.11) and EPERM (a seccomp profile loaded by whoever started runcs).
    /// </summary>
    public static void MarkCloseOnExec(int preserveFds)
    {
        int first = 3 + preserveFds;
        if (LibC.syscall(SYS_close_range, first, uint.MaxValue, CLOSE_RANGE_CLOEXEC, 0, 0, 0) == 0)
            return;
        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno is not (Errno.ENOSYS or Errno.EINVAL or Errno.EPERM))
            throw new SysError("close_range", errno);
        foreach (int fd in OpenFds())
        {
            if (fd < first)
                continue;
            int flags = LibC.fcntl(fd, F_GETFD, 0);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0 && LibC.fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                throw SysError.Last($"fcntl(F_SETFD, FD_CLOEXEC) of fd {fd}");
        }
    }

    /// <summary>The fd numbers in /proc/self/fd (the listing's own fd is closed by then: fcntl fails on it, harmlessly).</summary>
    private static List<int> OpenFds()
    {
        var fds = new List<int>();
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
                if (int.TryParse(Path.GetFileName(entry), out int fd))
                    fds.Add(fd);
        }
        catch (IOException e)
        {
            throw new RuntimeError($"list /proc/self/fd to mark fds close-on-exec: {e.Message}");
        }
        return fds;
    }
}
