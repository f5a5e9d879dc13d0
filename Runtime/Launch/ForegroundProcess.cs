using System.Runtime.InteropServices;
using Runcs.Io;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>
/// A foreground `run` or `exec`: runcs stays the process's parent, becomes a child
/// subreaper (unless --no-subreaper) so orphans of the container come back to it,
/// forwards the signals it receives, and exits with the process's status.
/// </summary>
public sealed class ForegroundProcess : IDisposable
{
    private const int PR_SET_CHILD_SUBREAPER = 36;
    private static readonly int[] Forwarded =
        [Signals.SIGHUP, Signals.SIGINT, Signals.SIGQUIT, Signals.SIGUSR1, Signals.SIGUSR2, Signals.SIGTERM, Signals.SIGCONT];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private volatile int _target;
    private volatile ProcessIo? _io;

    private ForegroundProcess()
    {
    }

    public static ForegroundProcess Prepare(bool noSubreaper)
    {
        if (!noSubreaper && LibC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
            throw SysError.Last("set child subreaper");
        var fg = new ForegroundProcess();
        foreach (int signal in Forwarded)
            fg._registrations.Add(PosixSignalRegistration.Create((PosixSignal)signal, fg.Forward));
        fg._registrations.Add(PosixSignalRegistration.Create((PosixSignal)Signals.SIGWINCH, fg.Resize));
        return fg;
    }

    private void Forward(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_target > 0)
            LibC.kill(_target, (int)context.Signal);
    }

    private void Resize(PosixSignalContext context)
    {
        context.Cancel = true;
        _io?.Resize();
    }

    /// <summary>
    /// Reaps children until the process exits, lets its output drain and restores the
    /// terminal; returns its status (128+signal when killed).
    /// </summary>
    public unsafe int Wait(int pid, ProcessIo io)
    {
        _io = io;
        _target = pid;
        int exitCode = 255;
        while (true)
        {
            int status;
            int r = LibC.waitpid(-1, &status, 0);
            if (r == pid)
            {
                exitCode = Reaper.ExitCode(status);
                break;
            }
            if (r < 0 && Marshal.GetLastPInvokeError() != Errno.EINTR)
                break;
        }
        _target = 0;
        io.Finish();
        return exitCode;
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
            r.Dispose();
        _target = 0;
    }
}
