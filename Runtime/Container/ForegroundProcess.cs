using System.Runtime.InteropServices;
using Runcs.Sys;

namespace Runcs.Container;

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
        return fg;
    }

    private void Forward(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_target > 0)
            LibC.kill(_target, (int)context.Signal);
    }

    /// <summary>Reaps children until the process exits; returns its status (128+signal when killed).</summary>
    public unsafe int Wait(int pid)
    {
        _target = pid;
        while (true)
        {
            int status;
            int r = LibC.waitpid(-1, &status, 0);
            if (r == pid)
                return Reaper.ExitCode(status);
            if (r < 0 && Marshal.GetLastPInvokeError() != Errno.EINTR)
                return 255;
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
            r.Dispose();
        _target = 0;
    }
}
