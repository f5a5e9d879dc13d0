using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Tmds.DBus.Protocol;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// A connection to systemd's private socket (/run/systemd/private), a direct peer-to-peer D-Bus
/// connection to PID 1 with no bus daemon in between (go-systemd's NewSystemdConnection, which
/// runc falls back to as root). There is no org.freedesktop.DBus there: systemd answers the
/// Hello every client library sends with an error reply, which Tmds.DBus takes as "not a bus".
///
/// systemd's server side (seen with systemd 252) leaves a message that reaches it in the same
/// read() as the client's closing "BEGIN" of the authentication in its buffer and only looks at
/// it when more bytes arrive. Tmds.DBus writes its Hello right after BEGIN, so a fast client
/// often waits forever for the answer. <see cref="NudgingStream"/> wakes systemd up while the
/// Hello is unanswered by writing a Ping that needs no reply: the next read() takes both.
/// </summary>
internal sealed class PrivateSocketConnection : DBusConnectionOptions
{
    public const string Path = "/run/systemd/private";

    private NudgingStream? _stream;

    /// <summary>A connection (not connected yet) and its options, whose <see cref="Nudge"/> wakes systemd up.</summary>
    public static (DBusConnection Connection, PrivateSocketConnection Options) Create()
    {
        var options = new PrivateSocketConnection();
        return (new DBusConnection(options), options);
    }

    /// <summary>Called while the connection's Hello is unanswered: makes systemd look at what it has read.</summary>
    public void Nudge() => _stream?.Nudge();

    protected override async ValueTask<SetupResult> SetupAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _stream = new NudgingStream(socket);
        return new SetupResult { ConnectionStream = _stream, UserId = "0", TeardownToken = _stream };
    }

    protected override void Teardown(object? token) => (token as IDisposable)?.Dispose();

    /// <summary>The socket as a stream that knows when authentication is over, and can then write a Ping of its own.</summary>
    private sealed class NudgingStream(Socket socket) : Stream
    {
        private static readonly byte[] Begin = "BEGIN\r\n"u8.ToArray();
        private static readonly byte[] Ping = NoReplyPing();

        private readonly NetworkStream _inner = new(socket, ownsSocket: true);
        private readonly SemaphoreSlim _writeGate = new(1, 1);
        private volatile bool _authenticated;

        /// <summary>After BEGIN, one Ping to make systemd read its socket again; before, nothing (it would break the authentication).</summary>
        public void Nudge()
        {
            if (!_authenticated || !_writeGate.Wait(0))
                return;
            try
            {
                _inner.Write(Ping);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The connection is gone: the pending Hello fails on its own.
            }
            finally
            {
                _writeGate.Release();
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (!_authenticated && buffer.Span.EndsWith(Begin))
                    _authenticated = true;
            }
            finally
            {
                _writeGate.Release();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _inner.Dispose();
            base.Dispose(disposing);
        }

        /// <summary>
        /// org.freedesktop.DBus.Peer.Ping to systemd, flagged NO_REPLY_EXPECTED, as the bytes of a
        /// little-endian D-Bus message without a body (systemd answers every peer's Ping itself).
        /// </summary>
        private static byte[] NoReplyPing()
        {
            const byte methodCall = 1, noReplyExpected = 1, version = 1;
            var fields = new List<byte>();
            void Field(byte code, char signature, string value)
            {
                Pad(fields, 8);
                fields.AddRange([code, 1, (byte)signature, 0]);
                var length = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)Encoding.ASCII.GetByteCount(value));
                fields.AddRange(length);
                fields.AddRange(Encoding.ASCII.GetBytes(value));
                fields.Add(0);
            }
            Field(1, 'o', "/org/freedesktop/systemd1"); // PATH
            Field(2, 's', "org.freedesktop.DBus.Peer"); // INTERFACE
            Field(3, 's', "Ping"); // MEMBER
            Field(6, 's', "org.freedesktop.systemd1"); // DESTINATION
            var message = new List<byte> { (byte)'l', methodCall, noReplyExpected, version };
            var header = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0), 0); // body length
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 0x7fffffff); // serial: above any Tmds.DBus uses here
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)fields.Count);
            message.AddRange(header);
            message.AddRange(fields);
            Pad(message, 8);
            return [.. message];
        }

        private static void Pad(List<byte> bytes, int alignment)
        {
            while (bytes.Count % alignment != 0)
                bytes.Add(0);
        }
    }
}
