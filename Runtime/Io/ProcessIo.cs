using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Protocol;
using Runcs.Sys;

namespace Runcs.Io;

/// <summary>
/// runc's four stdio modes (setupIO) for a container's process or an exec:
/// <list type="bullet">
/// <item>new terminal, foreground: the init sends the pty master back over a socketpair; runcs
/// puts its own terminal in raw mode and copies both ways;</item>
/// <item>new terminal, detached: the master goes to --console-socket, for the caller;</item>
/// <item>pass-through, detached: the process inherits runcs's fds 0-2;</item>
/// <item>pass-through, foreground: pipes, copied to and from runcs's own stdio.</item>
/// </list>
/// </summary>
public sealed class ProcessIo : IDisposable
{
    private readonly bool _terminal;
    private readonly bool _detach;
    private int _consoleParent = -1;
    private int _master = -1;
    private readonly int[] _childStdio = [-1, -1, -1];
    private readonly int[] _parentStdio = [-1, -1, -1];
    private readonly List<ulong> _outputCopiers = [];
    private Terminal.Termios? _savedTermios;

    private ProcessIo(bool terminal, bool detach)
    {
        _terminal = terminal;
        _detach = detach;
    }

    /// <summary>The socket the init sends the pty master to, or -1 without a terminal.</summary>
    public int ConsoleFd { get; private set; } = -1;

    /// <summary>What becomes the process's fds 0-2 (-1: runcs's own).</summary>
    public int[] ChildStdio => _childStdio;

    /// <summary>Checks the combination like runc does, and makes the sockets or pipes the mode needs.</summary>
    public static ProcessIo Prepare(bool terminal, bool detach, string? consoleSocket, uint rootUid, uint rootGid)
    {
        bool hasSocket = !string.IsNullOrEmpty(consoleSocket);
        if (terminal && detach && !hasSocket)
            throw new RuntimeError("cannot allocate tty if runcs will detach without setting console socket");
        if (hasSocket && (!terminal || !detach))
            throw new RuntimeError("cannot use console socket if runcs will not detach or allocate tty");
        var io = new ProcessIo(terminal, detach);
        try
        {
            if (terminal && detach)
                io.ConsoleFd = ConnectConsoleSocket(consoleSocket!);
            else if (terminal)
            {
                var (parent, child) = SyncChannel.CreatePair();
                io._consoleParent = parent.Fd;
                io.ConsoleFd = child;
            }
            else if (!detach)
                io.MakePipes(rootUid, rootGid);
        }
        catch
        {
            io.Dispose();
            throw;
        }
        return io;
    }

    private static int ConnectConsoleSocket(string path)
    {
        if (!FileStat.TryStat(path, out var st))
            throw new RuntimeError($"console socket {path}: no such file or directory");
        if (FileStat.KindOf(st.Mode) != FileKind.Socket)
            throw new RuntimeError($"console socket {path}: not a unix socket");
        return UnixSocket.Connect(path);
    }

    /// <summary>One pipe per stdio stream, the container's ends owned by its root user (runc does the same).</summary>
    private unsafe void MakePipes(uint uid, uint gid)
    {
        int* fds = stackalloc int[2];
        for (int i = 0; i < 3; i++)
        {
            if (LibC.pipe2(fds, OpenFlags.O_CLOEXEC) < 0)
                throw SysError.Last("pipe2");
            bool containerReads = i == 0;
            _childStdio[i] = containerReads ? fds[0] : fds[1];
            _parentStdio[i] = containerReads ? fds[1] : fds[0];
            if (LibC.fchown(_childStdio[i], uid, gid) < 0)
                throw SysError.Last("fchown stdio pipe");
        }
    }

    /// <summary>After the spawn: the child's ends now live in the init only.</summary>
    public void CloseChildEnds()
    {
        for (int i = 0; i < 3; i++)
            Close(ref _childStdio[i]);
        int console = ConsoleFd;
        Close(ref console);
        ConsoleFd = -1;
    }

    /// <summary>
    /// Foreground pass-through: copy the pipes from the moment the init exists, so that the
    /// copying threads start while the init boots, not after it is ready.
    /// </summary>
    public void StartPipeForwarding()
    {
        if (_detach || _terminal)
            return;
        // As runc's copies: each pipe end belongs to its copying thread, which closes it when done.
        // An output whose caller's fd fails (closed, reader gone) stops being copied and its pipe
        // is closed, so the container's next write there fails with EPIPE, as under runc.
        StartCopy(0, _parentStdio[0], closeWhenDone: _parentStdio[0], output: false);
        StartCopy(_parentStdio[1], 1, closeWhenDone: _parentStdio[1], output: true);
        StartCopy(_parentStdio[2], 2, closeWhenDone: _parentStdio[2], output: true);
        _parentStdio[0] = _parentStdio[1] = _parentStdio[2] = -1;
    }

    /// <summary>Foreground terminal, once the init is ready: receive the master and copy both ways.</summary>
    public void StartTerminalForwarding()
    {
        if (_detach || !_terminal)
            return;
        _master = UnixSocket.ReceiveFd(_consoleParent).Fd;
        Close(ref _consoleParent);
        if (Terminal.GetAttr(0) is { } termios)
        {
            _savedTermios = termios;
            Terminal.SetAttr(0, Terminal.MakeRaw(termios));
        }
        Resize();
        StartCopy(0, _master, closeWhenDone: -1, output: false);
        StartCopy(_master, 1, closeWhenDone: -1, output: true);
    }

    /// <summary>SIGWINCH: the host terminal's size onto the pty.</summary>
    public void Resize()
    {
        if (_master >= 0 && Terminal.GetSize(0) is { } size && size.Rows > 0)
            Terminal.SetSize(_master, size);
    }

    private void StartCopy(int from, int to, int closeWhenDone, bool output)
    {
        ulong thread = NativeThread.Start(() => Copy(from, to, closeWhenDone));
        if (output)
            _outputCopiers.Add(thread);
    }

    /// <summary>
    /// Copies until EOF (or EIO: a pty master once every slave is closed) or until writing fails
    /// (Go's io.Copy, which runc uses, stops there too).
    /// </summary>
    private static unsafe void Copy(int from, int to, int closeWhenDone)
    {
        byte* buffer = stackalloc byte[32 * 1024];
        while (true)
        {
            nint n = LibC.read(from, buffer, 32 * 1024);
            if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR)
                continue;
            if (n <= 0)
                break;
            if (Stdio.WriteAll(to, new ReadOnlySpan<byte>(buffer, (int)n)) != 0)
                break;
        }
        if (closeWhenDone >= 0)
            LibC.close(closeWhenDone);
    }

    /// <summary>After the process exited: let the output drain, then give the terminal back.</summary>
    public void Finish()
    {
        foreach (ulong t in _outputCopiers)
            NativeThread.Join(t);
        RestoreTerminal();
    }

    public void RestoreTerminal()
    {
        if (_savedTermios is { } t)
        {
            Terminal.SetAttr(0, t);
            _savedTermios = null;
        }
    }

    private static void Close(ref int fd)
    {
        if (fd >= 0)
            LibC.close(fd);
        fd = -1;
    }

    public void Dispose()
    {
        RestoreTerminal();
        CloseChildEnds();
        Close(ref _consoleParent);
        for (int i = 0; i < 3; i++)
            Close(ref _parentStdio[i]);
    }
}
