using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Runcs.Sys;

namespace Runcs.Tests.Integration;

/// <summary>
/// A seccomp agent as runc's users write them: it listens on a Unix socket, takes from each
/// connection one message (the ContainerProcessState JSON, the listener in SCM_RIGHTS), and
/// answers every notified syscall on that listener with -Errno, counting what it answered.
/// </summary>
public sealed unsafe class TestSeccompAgent : IDisposable
{
    // _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
    private const ulong SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101;
    private readonly Socket _listener;
    private readonly Thread _acceptor;
    private volatile bool _stopping;

    public TestSeccompAgent(string dir, int errno)
    {
        Path = System.IO.Path.Combine(dir, "agent.sock");
        Errno = errno;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(4);
        _acceptor = new Thread(AcceptLoop) { IsBackground = true };
        _acceptor.Start();
    }

    public string Path { get; }
    public int Errno { get; }
    /// <summary>The JSON of each message received, in order.</summary>
    public ConcurrentQueue<JsonObject> Messages { get; } = new();
    /// <summary>The syscall numbers answered, in order.</summary>
    public ConcurrentQueue<int> Answered { get; } = new();

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            if (!_listener.Poll(100_000, SelectMode.SelectRead))
                continue;
            using Socket conn = _listener.Accept();
            var (fd, payload) = UnixSocket.ReceiveFd((int)conn.Handle);
            Messages.Enqueue(JsonNode.Parse(payload)!.AsObject());
            new Thread(() => Answer(fd)) { IsBackground = true }.Start();
        }
    }

    /// <summary>Answers notifications until no process uses the filter any more.</summary>
    private void Answer(int listener)
    {
        byte* notif = stackalloc byte[80]; // struct seccomp_notif
        byte* resp = stackalloc byte[24];  // struct seccomp_notif_resp
        try
        {
            while (!_stopping)
            {
                if (!TestLibc.WaitReadable(listener, 100))
                    continue;
                new Span<byte>(notif, 80).Clear(); // the kernel insists
                if (LibC.ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, notif) < 0)
                    return; // ENOENT: the filter's last user is gone
                new Span<byte>(resp, 24).Clear();
                *(ulong*)resp = *(ulong*)notif;   // id
                *(int*)(resp + 16) = -Errno;      // error
                if (LibC.ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
                    Answered.Enqueue(*(int*)(notif + 16)); // data.nr
                else if (Marshal.GetLastPInvokeError() != 2 /* ENOENT: the caller died */)
                    return;
            }
        }
        finally
        {
            LibC.close(listener);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _acceptor.Join();
        _listener.Dispose();
    }
}
