using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>waitpid for runcs's own children, with the wait status decoded as a shell would.</summary>
public static unsafe class Reaper
{
    /// <summary>Waits for the child and returns its exit code (128+signal when killed); -1 if it is not our child.</summary>
    public static int Wait(int pid)
    {
        int status;
        while (true)
        {
            int r = LibC.waitpid(pid, &status, 0);
            if (r == pid)
                return ExitCode(status);
            if (r < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR)
                continue;
            return -1;
        }
    }

    /// <summary>Non-blocking: (pid, exit code) of any exited child, or (0, 0) when none.</summary>
    public static (int Pid, int ExitCode) TryWaitAny()
    {
        int status;
        int r = LibC.waitpid(-1, &status, 1 /* WNOHANG */);
        return r > 0 ? (r, ExitCode(status)) : (0, 0);
    }

    public static int ExitCode(int status)
    {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }
}
