using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static Runcs.Sys.SyscallNumbers;
using T = Tmds.Linux.LibC;

namespace Runcs.Sys;

/// <summary>AF_UNIX sockets: connecting to a path, passing one fd with SCM_RIGHTS, copying one from another process.</summary>
public static unsafe class UnixSocket
{
    private static int AF_UNIX => T.AF_UNIX;
    private static int SOL_SOCKET => T.SOL_SOCKET;
    private static int SCM_RIGHTS => T.SCM_RIGHTS;

    /// <summary>glibc's CMSG_LEN: the header and n bytes, not rounded up (Tmds.LibC 0.5's rounds up to 8,
    /// which sends one fd 0 too many for an odd count of fds).</summary>
    private static int CmsgLen(int n) => sizeof(cmsghdr) + n;

    /// <summary>A connected SOCK_STREAM socket (close-on-exec) to the socket file at path.</summary>
    public static int Connect(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path);
        if (name.Length >= 108)
            throw new SysError($"connect {path}", Errno.ENAMETOOLONG);
        int fd = LibC.socket(AF_UNIX, T.SOCK_STREAM | T.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last("socket");
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = (ushort)AF_UNIX;
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
        int space = T.CMSG_SPACE(sizeof(int) * fds.Length);
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        fixed (byte* d = payload)
        {
            var iov = new iovec { iov_base = d, iov_len = payload.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = space };
            cmsghdr* header = T.CMSG_FIRSTHDR(&msg);
            header->cmsg_len = CmsgLen(sizeof(int) * fds.Length);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            fds.CopyTo(new Span<int>(T.CMSG_DATA(header), fds.Length));
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
        Span<byte> buffer = stackalloc byte[4096];
        int space = T.CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[space];
        int n = Receive(socket, buffer, control, space, "recvmsg (receive terminal master)", out _);
        var fds = ReceivedFds(control);
        if (fds.Length != 1)
            throw new Errors.RuntimeError("no terminal master received from the container");
        return (fds[0], Encoding.UTF8.GetString(buffer[..n]));
    }

    /// <summary>
    /// recvmsg into data with up to maxFds fds (close-on-exec); returns the bytes read (0 at
    /// end of stream). A message with more fds than that is an error (the kernel closes the rest).
    /// </summary>
    public static int ReceiveFds(int socket, Span<byte> data, int maxFds, out int[] fds)
    {
        int space = T.CMSG_SPACE(sizeof(int) * maxFds);
        byte* control = stackalloc byte[space];
        int n = Receive(socket, data, control, space, "recvmsg", out int flags);
        fds = ReceivedFds(control).ToArray();
        if ((flags & T.MSG_CTRUNC) != 0)
            throw new Errors.RuntimeError("recvmsg: too many fds in one message");
        return n;
    }

    /// <summary>recvmsg (close-on-exec fds), retried on EINTR; the control buffer ends with a zero header when no fds came.</summary>
    private static int Receive(int socket, Span<byte> data, byte* control, int space, string what, out int flags)
    {
        new Span<byte>(control, space).Clear();
        fixed (byte* d = data)
        {
            var iov = new iovec { iov_base = d, iov_len = data.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = space };
            nint n;
            do
            {
                n = LibC.recvmsg(socket, &msg, T.MSG_CMSG_CLOEXEC);
            } while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
            if (n < 0)
                throw SysError.Last(what);
            if ((ulong)msg.msg_controllen < (ulong)CmsgLen(0))
                ((cmsghdr*)control)->cmsg_len = 0;
            flags = msg.msg_flags;
            return (int)n;
        }
    }

    /// <summary>The SCM_RIGHTS fds of a received control buffer (none when the first header is something else).</summary>
    private static Span<int> ReceivedFds(byte* control)
    {
        var header = (cmsghdr*)control;
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS || (ulong)header->cmsg_len < (ulong)CmsgLen(0))
            return [];
        return new Span<int>(T.CMSG_DATA(header), (int)(((ulong)header->cmsg_len - (ulong)CmsgLen(0)) / sizeof(int)));
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
