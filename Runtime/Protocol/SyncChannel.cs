using System.Runtime.InteropServices;
using Runcs.Sys;

namespace Runcs.Protocol;

/// <summary>
/// The socketpair between runcs (the parent) and the container's init. Every message is an
/// 8-byte record {tag, 3 pad bytes, int32 value}, the format nsexec.c speaks before it execs
/// the init; tags that carry a payload use value as its length.
/// </summary>
public sealed unsafe class SyncChannel : IDisposable
{
    // From nsexec.c (C stage).
    public const byte UserNamespaceReady = (byte)'U', InitPid = (byte)'P', CStageErrno = (byte)'E', CStageStep = (byte)'S';
    // Between parent and init (managed stages).
    public const byte Config = (byte)'C', Ready = (byte)'R', InitError = (byte)'X', MapsWritten = (byte)'G',
        CgroupJoined = (byte)'J',
        // create: state.json is written, runcs lets go of the init (which then disarms PR_SET_PDEATHSIG).
        Committed = (byte)'K',
        RunCreateRuntimeHooks = (byte)'H', HooksDone = (byte)'h',
        // value: the number of the seccomp notify listener fd in the init, for pidfd_getfd.
        SeccompListener = (byte)'F', SeccompListenerTaken = (byte)'f';

    public SyncChannel(int fd) => Fd = fd;

    public int Fd { get; private set; }

    public static (SyncChannel Parent, int ChildFd) CreatePair()
    {
        const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
        int* sv = stackalloc int[2];
        if (LibC.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            throw SysError.Last("socketpair");
        return (new SyncChannel(sv[0]), sv[1]);
    }

    public static bool HasPayload(byte tag) => tag is Config or InitError or Ready;

    public void Send(byte tag, ReadOnlySpan<byte> payload = default)
    {
        SendValue(tag, payload.Length);
        if (payload.Length > 0)
            WriteExact(payload);
    }

    /// <summary>One record, one write(2): all the init may call before its seccomp agent has the listener.</summary>
    /// <summary>A record with a payload, and fds (SCM_RIGHTS) on its header: see <see cref="ReceiveWithFds"/>.</summary>
    public void SendWithFds(byte tag, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds)
    {
        if (fds.Length == 0)
        {
            Send(tag, payload);
            return;
        }
        Span<byte> header = stackalloc byte[8];
        header.Clear();
        header[0] = tag;
        MemoryMarshal.Write(header[4..], payload.Length);
        UnixSocket.SendFds(Fd, fds, header, "mount sources");
        if (payload.Length > 0)
            WriteExact(payload);
    }

    /// <summary>
    /// <see cref="Receive"/> for a record that may carry fds: the header is read with recvmsg
    /// (read(2) would drop them). The fds arrive close-on-exec.
    /// </summary>
    public (byte Tag, int Value, byte[] Payload) ReceiveWithFds(out int[] fds)
    {
        Span<byte> header = stackalloc byte[8];
        int got = UnixSocket.ReceiveFds(Fd, header, MaxFds, out fds);
        if (got == 0)
            return (0, 0, []);
        if (got < 8 && !ReadExact(header[got..]))
            return (0, 0, []);
        return ReadPayload(header);
    }

    /// <summary>The rest of a record whose 8-byte header was read; tag 0 when the channel closed.</summary>
    private (byte Tag, int Value, byte[] Payload) ReadPayload(ReadOnlySpan<byte> header)
    {
        byte tag = header[0];
        int value = MemoryMarshal.Read<int>(header[4..]);
        if (!HasPayload(tag) || value == 0)
            return (tag, value, []);
        byte[] payload = new byte[value];
        if (!ReadExact(payload))
            return (0, 0, []);
        return (tag, value, payload);
    }

    /// <summary>The kernel's limit of fds in one SCM_RIGHTS message (SCM_MAX_FD).</summary>
    public const int MaxFds = 253;

    public void SendValue(byte tag, int value)
    {
        Span<byte> header = stackalloc byte[8];
        header.Clear();
        header[0] = tag;
        MemoryMarshal.Write(header[4..], value);
        WriteExact(header);
    }

    public void SendByte(byte b)
    {
        Span<byte> one = [b];
        WriteExact(one);
    }

    /// <summary>Reads one record; tag 0 means the other side closed the channel.</summary>
    public (byte Tag, int Value, byte[] Payload) Receive()
    {
        Span<byte> header = stackalloc byte[8];
        if (!ReadExact(header))
            return (0, 0, []);
        return ReadPayload(header);
    }

    private void WriteExact(ReadOnlySpan<byte> data)
    {
        if (Stdio.WriteAll(Fd, data) is int errno and not 0)
            throw new SysError("write sync socket", errno);
    }

    private bool ReadExact(Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            int done = 0;
            while (done < buf.Length)
            {
                nint n = LibC.read(Fd, p + done, buf.Length - done);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                        continue;
                    if (errno == Errno.ECONNREFUSED || errno == 104 /* ECONNRESET */)
                        return false;
                    throw new SysError("read sync socket", errno);
                }
                if (n == 0)
                    return false;
                done += (int)n;
            }
        }
        return true;
    }

    public void Dispose()
    {
        if (Fd >= 0)
            LibC.close(Fd);
        Fd = -1;
    }
}
