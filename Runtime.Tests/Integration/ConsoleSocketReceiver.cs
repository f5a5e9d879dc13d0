using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

using Runcs.Sys;

namespace Runcs.Tests.Integration;

/// <summary>
/// The caller's end of --console-socket, as containerd's go-runc implements it (console.go,
/// recvFd): listen on a Unix stream socket, accept one connection, read one message with a
/// 4096-byte payload buffer and room for one SCM_RIGHTS fd. The message must carry exactly one
/// control message holding exactly one fd, a payload (the pty's name) shorter than 4096 bytes,
/// and the fd must be a terminal. This receiver is stricter in reporting: it gives the control
/// buffer spare room, so a message with more fds or control messages fails instead of being
/// silently truncated, and it also requires a non-empty payload and a pty master.
/// </summary>
public sealed unsafe partial class ConsoleSocketReceiver : IDisposable
{
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;
    private const int MaxNameLen = 4096;
    /// <summary>CMSG_SPACE(sizeof(int)) on x86-64: what go-runc requires oobn to equal.</summary>
    private const int CmsgSpaceOneFd = 24;
    private readonly Socket _listener;

    public ConsoleSocketReceiver(string dir)
    {
        Path = System.IO.Path.Combine(dir, "console.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(4);
    }

    public string Path { get; }

    /// <summary>A connection is waiting to be accepted (checked without waiting).</summary>
    public bool HasPendingConnection => _listener.Poll(0, SelectMode.SelectRead);

    /// <summary>Accepts one connection and receives the master; throws if the message breaks a rule.</summary>
    public ReceivedConsole Receive(int timeoutMs = 5000)
    {
        if (!_listener.Poll(timeoutMs * 1000, SelectMode.SelectRead))
            throw new TimeoutException($"nothing connected to the console socket within {timeoutMs} ms");
        using Socket conn = _listener.Accept();
        int fd = (int)conn.Handle;
        if (!TestLibc.WaitReadable(fd, timeoutMs))
            throw new TimeoutException($"nothing was sent on the console socket within {timeoutMs} ms");

        byte[] name = new byte[MaxNameLen];
        byte* control = stackalloc byte[256];
        new Span<byte>(control, 256).Clear();
        nint n;
        Tmds.Linux.msghdr msg;
        fixed (byte* p = name)
        {
            var iov = new Tmds.Linux.iovec { iov_base = p, iov_len = name.Length };
            msg = new Tmds.Linux.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = 256 };
            n = LibC.recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        }
        if (n < 0)
            throw TestLibc.Error("recvmsg on the console socket");

        // Take ownership of every fd that arrived before judging the message, so none leaks.
        var fds = new List<int>();
        int cmsgCount = 0;
        var problems = new List<string>();
        for (ulong off = 0; off + 16 <= (ulong)msg.msg_controllen;)
        {
            byte* c = control + off;
            ulong len = *(ulong*)c;
            int level = *(int*)(c + 8), type = *(int*)(c + 12);
            if (len < 16)
                break;
            cmsgCount++;
            if (level == SOL_SOCKET && type == SCM_RIGHTS)
                for (ulong i = 16; i + 4 <= len; i += 4)
                    fds.Add(*(int*)(c + i));
            else
                problems.Add($"unexpected control message level {level} type {type}");
            off += (len + 7) & ~7UL;
        }
        string payload = Encoding.UTF8.GetString(name, 0, (int)n);
        if (n == 0)
            problems.Add("the payload is empty (go-runc treats the message as the pty's name)");
        if (n >= MaxNameLen)
            problems.Add($"the payload is {n} bytes, go-runc accepts < {MaxNameLen}");
        if ((msg.msg_flags & MSG_CTRUNC) != 0)
            problems.Add("the control data was truncated");
        if (cmsgCount != 1)
            problems.Add($"expected one control message, got {cmsgCount}");
        if (fds.Count != 1)
            problems.Add($"expected one fd, got {fds.Count}");
        if ((int)(ulong)msg.msg_controllen != CmsgSpaceOneFd)
            problems.Add($"control data is {(ulong)msg.msg_controllen} bytes, go-runc requires exactly CMSG_SPACE(4) = {CmsgSpaceOneFd}");
        if (problems.Count == 0)
        {
            byte* termios = stackalloc byte[64];
            if (TestLibc.ioctl(fds[0], TestLibc.TCGETS, termios) < 0)
                problems.Add("the fd is not a terminal");
        }
        int ptn = -1;
        if (problems.Count == 0 && TestLibc.ioctl(fds[0], TestLibc.TIOCGPTN, &ptn) < 0)
            problems.Add("the fd is a terminal but not a pty master");
        if (problems.Count > 0)
        {
            foreach (int f in fds)
                TestLibc.close(f);
            throw new InvalidDataException("console socket message rejected: " + string.Join("; ", problems) + $" (payload \"{payload}\")");
        }
        return new ReceivedConsole(fds[0], payload, ptn);
    }

    public void Dispose()
    {
        _listener.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A pty master received over the console socket: the payload sent with it and its pty number.</summary>
public sealed class ReceivedConsole : TtyMaster
{
    internal ReceivedConsole(int fd, string payload, int ptyNumber) : base(fd)
    {
        Payload = payload;
        PtyNumber = ptyNumber;
    }

    public string Payload { get; }

    /// <summary>TIOCGPTN: the slave is /dev/pts/N in the container's devpts.</summary>
    public int PtyNumber { get; }
}
