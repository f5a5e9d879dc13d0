using System.Runtime.InteropServices;
using System.Text;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Sys;

/// <summary>AF_UNIX sockets: connecting to a path, passing one fd with SCM_RIGHTS, copying one from another process.</summary>
public static unsafe class UnixSocket
{
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SCM_RIGHTS = 1;
    private const int MSG_CMSG_CLOEXEC = 0x40000000, MSG_CTRUNC = 0x8;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    /// <summary>A connected SOCK_STREAM socket (close-on-exec) to the socket file at path.</summary>
    public static int Connect(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path);
        if (name.Length >= 108)
            throw new SysError($"connect {path}", 36 /* ENAMETOOLONG */);
        int fd = LibC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last("socket");
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = AF_UNIX;
        name.CopyTo(new Span<byte>(addr + 2, 108));
        if (LibC.connect(fd, addr, 2 + name.Length + 1) < 0)
        {
            var error = SysError.Last($"connect {path}");
            LibC.close(fd);
            throw error;
        }
        return fd;
    }

    /// <summary>
    /// Sends fd with a non-empty payload in one message (go-runc's receiver insists on both);
    /// what names the fd in errors.
    /// </summary>
    public static void SendFd(int socket, int fd, string payload, string what) =>
        SendFds(socket, [fd], Encoding.UTF8.GetBytes(payload.Length == 0 ? "\0" : payload), what);

    /// <summary>Sends fds (SCM_RIGHTS, at most 64) with a non-empty payload in one message.</summary>
    public static void SendFds(int socket, ReadOnlySpan<int> fds, ReadOnlySpan<byte> payload, string what)
    {
        // CMSG_LEN(n * sizeof(int)) = 16 + 4n; CMSG_SPACE rounds that up to 8 bytes.
        int length = 16 + 4 * fds.Length, space = (length + 7) & ~7;
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        *(ulong*)control = (ulong)length;
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        fds.CopyTo(new Span<int>(control + 16, fds.Length));
        fixed (byte* d = payload)
        {
            var iov = new IoVec { Base = d, Length = (nuint)payload.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            nint n;
            do
            {
                n = LibC.sendmsg(socket, &msg, 0);
            } while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
            if (n < 0)
                throw SysError.Last($"sendmsg (pass {what})");
        }
    }

    /// <summary>Receives one fd (close-on-exec) and its payload.</summary>
    public static (int Fd, string Payload) ReceiveFd(int socket)
    {
        byte* buffer = stackalloc byte[4096];
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        var iov = new IoVec { Base = buffer, Length = 4096 };
        var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 24 };
        nint n;
        do
        {
            n = LibC.recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
        } while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        if (n < 0)
            throw SysError.Last("recvmsg (receive terminal master)");
        if (msg.ControlLen < 20 || *(int*)(control + 8) != SOL_SOCKET || *(int*)(control + 12) != SCM_RIGHTS)
            throw new Errors.RuntimeError("no terminal master received from the container");
        return (*(int*)(control + 16), Encoding.UTF8.GetString(buffer, (int)n));
    }

    /// <summary>
    /// recvmsg into data with up to maxFds fds (close-on-exec); returns the bytes read (0 at
    /// end of stream). A message with more fds than that is an error (the kernel closes the rest).
    /// </summary>
    public static int ReceiveFds(int socket, Span<byte> data, int maxFds, out int[] fds)
    {
        int space = (16 + 4 * maxFds + 7) & ~7;
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        fixed (byte* d = data)
        {
            var iov = new IoVec { Base = d, Length = (nuint)data.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            nint n;
            do
            {
                n = LibC.recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
            } while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
            if (n < 0)
                throw SysError.Last("recvmsg");
            fds = [];
            if (msg.ControlLen >= 16 && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
                fds = new Span<int>(control + 16, (int)((*(ulong*)control - 16) / 4)).ToArray();
            if ((msg.Flags & MSG_CTRUNC) != 0)
                throw new Errors.RuntimeError("recvmsg: too many fds in one message");
            return (int)n;
        }
    }

    /// <summary>A copy (close-on-exec) of fd number targetFd of process pid, with pidfd_getfd(2).</summary>
    public static int CopyFdFrom(int pid, int targetFd)
    {
        int pidfd = (int)LibC.syscall(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
        if (pidfd < 0)
            throw SysError.Last($"pidfd_open {pid}");
        int fd = (int)LibC.syscall(SYS_pidfd_getfd, pidfd, targetFd, 0, 0, 0, 0);
        var error = fd < 0 ? SysError.Last($"pidfd_getfd {pid} fd {targetFd}") : null;
        LibC.close(pidfd);
        return error is null ? fd : throw error;
    }
}
