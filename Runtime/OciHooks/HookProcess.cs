using System.Runtime.InteropServices;
using System.Text;
using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.OciHooks;

/// <summary>
/// One hook process, started as runc's Go exec.Cmd starts it: execve(path, argv, env) with
/// argv[0] as given (docker's hook is /proc/PID/exe choosing its program by argv[0]), the
/// state JSON on a stdin pipe, stdout and stderr captured, no other fd inherited. Waits for
/// the exit and for EOF on both outputs (as Go's Wait does), or until the deadline.
/// </summary>
internal static unsafe class HookProcess
{
    private const int F_DUPFD_CLOEXEC = 1030, F_GETFL = 3, F_SETFL = 4;
    private const short POLLIN = 1, POLLOUT = 4;
    private const long SYS_pidfd_open = 434;

    /// <summary>WaitStatus is the raw waitpid status; TimedOut: the hook was killed at the deadline.</summary>
    public readonly record struct Result(int WaitStatus, bool TimedOut, string Stdout, string Stderr);

    /// <summary>Runs the hook; a failure to start it throws Go's `fork/exec PATH: ERROR`.</summary>
    public static Result Run(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env,
        string? workingDirectory, byte[] stdin, int timeoutMs)
    {
        // A C string ends at NUL: Go refuses such an argument (EINVAL) instead of cutting it short.
        if (path.Contains('\0') || argv.Any(a => a.Contains('\0')) || env.Any(e => e.Contains('\0')) ||
            workingDirectory?.Contains('\0') == true)
            throw new RuntimeError($"fork/exec {path.Replace("\0", "")}: {SysError.Describe(Errno.EINVAL)}");
        // [0] stdin read, [1] stdin write, [2] stdout read, [3] stdout write, [4] stderr read, [5] stderr write
        int* fds = stackalloc int[6];
        for (int i = 0; i < 6; i++)
            fds[i] = -1;
        try
        {
            for (int i = 0; i < 6; i += 2)
            {
                if (LibC.pipe2(fds + i, OpenFlags.O_CLOEXEC) < 0)
                    throw SysError.Last("pipe2");
                MoveAboveStdio(fds, i);
                MoveAboveStdio(fds, i + 1);
            }
            // runcs never blocks on the hook's stdin: a hook need not read it.
            LibC.fcntl(fds[1], F_SETFL, LibC.fcntl(fds[1], F_GETFL, 0) | OpenFlags.O_NONBLOCK);
            // Most state documents fit the pipe: written before the hook can exit, they never meet EPIPE.
            int written = WriteSome(fds[1], stdin, 0);
            int pid = Spawn(path, argv, env, workingDirectory, fds[0], fds[3], fds[5]);
            foreach (int i in (ReadOnlySpan<int>)[0, 3, 5])
                CloseAt(fds, i);
            return Wait(pid, fds, stdin, written, timeoutMs);
        }
        finally
        {
            for (int i = 0; i < 6; i++)
                CloseAt(fds, i);
        }
    }

    private static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env,
        string? workingDirectory, int stdinFd, int stdoutFd, int stderrFd)
    {
        using var strings = new NativeStrings();
        byte* actions = stackalloc byte[PosixSpawn.FileActionsSize];
        byte* attr = stackalloc byte[PosixSpawn.AttrSize];
        byte* noSignals = stackalloc byte[PosixSpawn.SigsetSize];
        byte* defaults = stackalloc byte[PosixSpawn.SigsetSize];
        PosixSpawn.posix_spawn_file_actions_init(actions);
        PosixSpawn.posix_spawnattr_init(attr);
        try
        {
            Check(PosixSpawn.posix_spawn_file_actions_adddup2(actions, stdinFd, 0));
            Check(PosixSpawn.posix_spawn_file_actions_adddup2(actions, stdoutFd, 1));
            Check(PosixSpawn.posix_spawn_file_actions_adddup2(actions, stderrFd, 2));
            // Whatever runcs (or the init) holds without O_CLOEXEC stays out of the hook.
            Check(PosixSpawn.posix_spawn_file_actions_addclosefrom_np(actions, 3));
            if (workingDirectory is not null)
                Check(PosixSpawn.posix_spawn_file_actions_addchdir_np(actions, strings.String(workingDirectory)));
            // The .NET runtime ignores SIGPIPE, which exec would keep, and glibc's child ignores
            // its own signals 32 and 33 unless told otherwise (sigaddset refuses them: the bits
            // are set directly); it resets handled signals itself. Nothing blocked, nothing
            // ignored, as for runc's Go child.
            PosixSpawn.sigemptyset(noSignals);
            PosixSpawn.sigemptyset(defaults);
            ((ulong*)defaults)[0] = 1UL << (Signals.SIGPIPE - 1) | 1UL << (32 - 1) | 1UL << (33 - 1);
            Check(PosixSpawn.posix_spawnattr_setsigmask(attr, noSignals));
            Check(PosixSpawn.posix_spawnattr_setsigdefault(attr, defaults));
            Check(PosixSpawn.posix_spawnattr_setflags(attr, PosixSpawn.POSIX_SPAWN_SETSIGMASK | PosixSpawn.POSIX_SPAWN_SETSIGDEF));
            int pid;
            int error = PosixSpawn.posix_spawn(&pid, strings.String(path), actions, attr, strings.Array(argv), strings.Array(env));
            if (error != 0)
                throw new RuntimeError($"fork/exec {path}: {SysError.Describe(error)}");
            return pid;
        }
        finally
        {
            PosixSpawn.posix_spawnattr_destroy(attr);
            PosixSpawn.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void Check(int error)
    {
        if (error != 0)
            throw new SysError("posix_spawn", error);
    }

    /// <summary>
    /// Feeds stdin, collects stdout and stderr, and notices the exit through a pidfd, all in one
    /// poll: no thread. Without a pidfd (an old kernel, a seccomp profile), the exit is waited
    /// for once both outputs are at EOF.
    /// </summary>
    private static Result Wait(int pid, int* fds, byte[] stdin, int written, int timeoutMs)
    {
        long deadline = timeoutMs > 0 ? Environment.TickCount64 + timeoutMs : long.MaxValue;
        int pidfd = (int)LibC.syscall(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        if (written >= stdin.Length)
            CloseAt(fds, 1);
        int status = 0;
        bool exited = false;
        var polled = stackalloc LibC.PollFd[4];
        byte* buffer = stackalloc byte[16384];
        try
        {
            while (true)
            {
                bool outputsDone = fds[2] < 0 && fds[4] < 0;
                if (!exited && pidfd < 0 && outputsDone)
                {
                    status = Reap(pid);
                    exited = true;
                }
                if (exited && outputsDone)
                    break;
                int n = 0;
                if (fds[1] >= 0)
                    polled[n++] = new LibC.PollFd { Fd = fds[1], Events = POLLOUT };
                if (fds[2] >= 0)
                    polled[n++] = new LibC.PollFd { Fd = fds[2], Events = POLLIN };
                if (fds[4] >= 0)
                    polled[n++] = new LibC.PollFd { Fd = fds[4], Events = POLLIN };
                if (!exited && pidfd >= 0)
                    polled[n++] = new LibC.PollFd { Fd = pidfd, Events = POLLIN };
                int wait = deadline == long.MaxValue ? -1 : (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
                int ready = LibC.poll(polled, (ulong)n, wait);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Errno.EINTR)
                        continue;
                    throw SysError.Last("poll");
                }
                if (ready == 0)
                {
                    // As runc: the hook itself is killed (not what it started).
                    if (!exited)
                    {
                        LibC.kill(pid, Signals.SIGKILL);
                        status = Reap(pid);
                    }
                    return new Result(status, true, Text(stdout), Text(stderr));
                }
                for (int i = 0; i < n; i++)
                {
                    var p = polled[i];
                    if (p.Revents == 0)
                        continue;
                    if (p.Fd == pidfd)
                    {
                        status = Reap(pid);
                        exited = true;
                    }
                    else if (p.Fd == fds[1])
                    {
                        written = WriteSome(fds[1], stdin, written);
                        if (written < 0 || written >= stdin.Length)
                            CloseAt(fds, 1); // all written, or the hook closed its stdin: not an error
                    }
                    else
                    {
                        int index = p.Fd == fds[2] ? 2 : 4;
                        nint got = LibC.read(p.Fd, buffer, 16384);
                        if (got > 0)
                            (index == 2 ? stdout : stderr).Write(new ReadOnlySpan<byte>(buffer, (int)got));
                        else if (got == 0 || Marshal.GetLastPInvokeError() is not (Errno.EINTR or Errno.EAGAIN))
                            CloseAt(fds, index);
                    }
                }
            }
            return new Result(status, false, Text(stdout), Text(stderr));
        }
        finally
        {
            if (pidfd >= 0)
                LibC.close(pidfd);
        }
    }

    /// <summary>Writes what the pipe takes from offset on; the new offset, or -1 once the reader is gone.</summary>
    private static int WriteSome(int fd, byte[] data, int offset)
    {
        fixed (byte* p = data)
        {
            while (offset < data.Length)
            {
                nint n = LibC.write(fd, p + offset, Math.Min(data.Length - offset, 65536));
                if (n > 0)
                {
                    offset += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                return errno == Errno.EAGAIN ? offset : -1;
            }
            return offset;
        }
    }

    private static int Reap(int pid)
    {
        int status;
        while (LibC.waitpid(pid, &status, 0) < 0)
            if (Marshal.GetLastPInvokeError() != Errno.EINTR)
                return 0;
        return status;
    }

    /// <summary>A pipe end must not be 0-2 (runcs may run with a closed stdio fd): the dup2s to 0-2 would clobber it.</summary>
    private static void MoveAboveStdio(int* fds, int index)
    {
        if (fds[index] > 2)
            return;
        int moved = LibC.fcntl(fds[index], F_DUPFD_CLOEXEC, 3);
        var error = moved < 0 ? SysError.Last("fcntl F_DUPFD_CLOEXEC") : null;
        CloseAt(fds, index);
        fds[index] = moved;
        if (error is not null)
            throw error;
    }

    private static void CloseAt(int* fds, int index)
    {
        if (fds[index] >= 0)
            LibC.close(fds[index]);
        fds[index] = -1;
    }

    private static string Text(MemoryStream s) => Encoding.UTF8.GetString(s.GetBuffer(), 0, (int)s.Length);
}
