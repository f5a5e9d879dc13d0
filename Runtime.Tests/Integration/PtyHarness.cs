using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Runcs.Tests.Integration;

/// <summary>The libc calls the stdio harness needs: ptys, pipes, poll, posix_spawn, waitpid.</summary>
internal static unsafe partial class TestLibc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NOCTTY = 0x100, O_CLOEXEC = 0x80000;
    public const ulong TCGETS = 0x5401, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCGPTN = 0x80045430;
    public const int EINTR = 4, EIO = 5, EAGAIN = 11;
    public const short POLLIN = 1;
    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;
    /// <summary>Kernel termios as TCGETS returns it: 4 flag words, c_line, c_cc[19].</summary>
    public const int TermiosSize = 36;
    public const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize
    {
        public ushort Rows, Cols, XPixel, YPixel;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_openpt(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int grantpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unlockpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ptsname_r(int fd, byte* buf, nuint len);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, void* arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc")]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_init(void* fa);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_destroy(void* fa);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_addopen(void* fa, int fd, byte* path, int flags, uint mode);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* set);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* set);

    [LibraryImport("libc")]
    public static partial int sigfillset(void* set);

    [LibraryImport("libc")]
    public static partial int sigemptyset(void* set);

    public static Exception Error(string what) =>
        new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    public static void Check(int rc, string what)
    {
        if (rc < 0)
            throw Error(what);
    }

    /// <summary>Writes all of <paramref name="data"/>, retrying short writes.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = write(fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR)
                        continue;
                    throw Error("write");
                }
                done += (int)n;
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for fd to be readable (or hung up).</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var pfd = new PollFd { Fd = fd, Events = POLLIN };
        int rc = poll(&pfd, 1, timeoutMs);
        if (rc < 0 && Marshal.GetLastPInvokeError() != EINTR)
            throw Error("poll");
        return rc > 0;
    }

    /// <summary>"pipe:[123]" for a pipe fd of this process.</summary>
    public static string LinkOf(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "";

    /// <summary>Pids (other than this process) that hold an fd whose /proc link reads <paramref name="link"/>.</summary>
    public static List<int> Holders(string link)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget == link)
                    {
                        pids.Add(pid);
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }
}

/// <summary>
/// The side of a terminal the test drives: the master of its own pty, or a master received over a
/// console socket. Keeps a transcript of everything read, and a cursor so that each
/// <see cref="Expect(string, int)"/> looks only at output after the previous match.
/// </summary>
public class TtyMaster : IDisposable
{
    private readonly StringBuilder _transcript = new();
    private int _cursor;
    private bool _eof;

    protected TtyMaster(int fd) => Fd = fd;

    public int Fd { get; private set; }

    /// <summary>Everything read so far.</summary>
    public string Transcript => _transcript.ToString();

    /// <summary>Output after the last match.</summary>
    public string Unmatched => _transcript.ToString(_cursor, _transcript.Length - _cursor);

    public void Write(string text) => TestLibc.WriteAll(Fd, Encoding.UTF8.GetBytes(text));

    public unsafe void Resize(ushort rows, ushort cols)
    {
        var ws = new TestLibc.WinSize { Rows = rows, Cols = cols };
        TestLibc.Check(TestLibc.ioctl(Fd, TestLibc.TIOCSWINSZ, &ws), "TIOCSWINSZ");
    }

    public unsafe (ushort Rows, ushort Cols) Size
    {
        get
        {
            TestLibc.WinSize ws;
            TestLibc.Check(TestLibc.ioctl(Fd, TestLibc.TIOCGWINSZ, &ws), "TIOCGWINSZ");
            return (ws.Rows, ws.Cols);
        }
    }

    /// <summary>Reads what is available within <paramref name="timeoutMs"/>; false at EOF (EIO: no slave left).</summary>
    public unsafe bool Pump(int timeoutMs)
    {
        if (_eof || !TestLibc.WaitReadable(Fd, timeoutMs))
            return false;
        byte* buf = stackalloc byte[4096];
        nint n = TestLibc.read(Fd, buf, 4096);
        if (n <= 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && (errno == TestLibc.EINTR || errno == TestLibc.EAGAIN))
                return true;
            _eof = true;
            return false;
        }
        _transcript.Append(Encoding.UTF8.GetString(buf, (int)n));
        return true;
    }

    /// <summary>Reads until the output after the cursor matches <paramref name="pattern"/>; moves the cursor past it.</summary>
    public Match Expect(string pattern, int timeoutMs = 5000)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var m = regex.Match(_transcript.ToString(), _cursor);
            if (m.Success)
            {
                _cursor = m.Index + m.Length;
                return m;
            }
            int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
            if (left <= 0 || (!Pump(Math.Min(left, 100)) && _eof))
                throw new TimeoutException($"no /{pattern}/ on the terminal within {timeoutMs} ms{(_eof ? " (EOF)" : "")}; transcript:\n{Escape(Transcript)}");
        }
    }

    /// <summary>Reads until EOF (every slave closed) or the timeout; true at EOF.</summary>
    public bool DrainToEof(int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!_eof && DateTime.UtcNow < deadline)
            Pump(100);
        return _eof;
    }

    public static string Escape(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n\n").Replace("\x1b", "\\e");

    protected virtual void Dispose(bool disposing)
    {
        if (Fd >= 0)
            TestLibc.close(Fd);
        Fd = -1;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// A pty the test opens for the runtime to run on, as a user's terminal: the runtime gets the
/// slave as its stdin, stdout, stderr and controlling terminal (<see cref="Stdio.Terminal"/>);
/// the test types into and reads from the master. The test also holds the slave open (O_NOCTTY)
/// to read its termios and so that the master never sees a hang-up.
/// </summary>
public sealed unsafe class HostPty : TtyMaster
{
    private int _slave;

    private HostPty(int master, string slavePath, int slave) : base(master)
    {
        SlavePath = slavePath;
        _slave = slave;
    }

    public string SlavePath { get; }

    public static HostPty Open(ushort rows = 24, ushort cols = 80)
    {
        int master = TestLibc.posix_openpt(TestLibc.O_RDWR | TestLibc.O_NOCTTY | TestLibc.O_CLOEXEC);
        TestLibc.Check(master, "posix_openpt");
        try
        {
            TestLibc.Check(TestLibc.grantpt(master), "grantpt");
            TestLibc.Check(TestLibc.unlockpt(master), "unlockpt");
            byte* name = stackalloc byte[128];
            int rc = TestLibc.ptsname_r(master, name, 128);
            if (rc != 0)
                throw new IOException($"ptsname_r: {rc}");
            string path = Marshal.PtrToStringUTF8((nint)name)!;
            int slave = TestLibc.open(path, TestLibc.O_RDWR | TestLibc.O_NOCTTY | TestLibc.O_CLOEXEC);
            TestLibc.Check(slave, "open " + path);
            var pty = new HostPty(master, path, slave);
            pty.Resize(rows, cols);
            return pty;
        }
        catch
        {
            TestLibc.close(master);
            throw;
        }
    }

    /// <summary>The slave's termios as TCGETS returns it (flags, line discipline, control chars).</summary>
    public byte[] Termios()
    {
        byte* buf = stackalloc byte[64];
        TestLibc.Check(TestLibc.ioctl(_slave, TestLibc.TCGETS, buf), "TCGETS");
        return new Span<byte>(buf, TestLibc.TermiosSize).ToArray();
    }

    public static uint LocalFlags(byte[] termios) => BitConverter.ToUInt32(termios, 12);

    /// <summary>Raw as cfmakeraw leaves it: no signals, no line editing, no echo.</summary>
    public bool IsRaw => (LocalFlags(Termios()) & (TestLibc.ISIG | TestLibc.ICANON | TestLibc.ECHO)) == 0;

    protected override void Dispose(bool disposing)
    {
        if (_slave >= 0)
            TestLibc.close(_slave);
        _slave = -1;
        base.Dispose(disposing);
    }
}

/// <summary>A pipe (both ends close-on-exec in the test); a reader thread collects what arrives until EOF.</summary>
public sealed unsafe class Pipe : IDisposable
{
    private readonly MemoryStream _data = new();
    private readonly ManualResetEventSlim _eof = new();
    private Thread? _reader;

    public Pipe()
    {
        int* fds = stackalloc int[2];
        TestLibc.Check(TestLibc.pipe2(fds, TestLibc.O_CLOEXEC), "pipe2");
        ReadEnd = fds[0];
        WriteEnd = fds[1];
        Link = TestLibc.LinkOf(ReadEnd);
    }

    public int ReadEnd { get; private set; }
    public int WriteEnd { get; private set; }

    /// <summary>What /proc/PID/fd/N shows for either end: "pipe:[inode]".</summary>
    public string Link { get; }

    public void CloseRead()
    {
        if (ReadEnd >= 0)
            TestLibc.close(ReadEnd);
        ReadEnd = -1;
    }

    public void CloseWrite()
    {
        if (WriteEnd >= 0)
            TestLibc.close(WriteEnd);
        WriteEnd = -1;
    }

    public void Write(string text) => TestLibc.WriteAll(WriteEnd, Encoding.UTF8.GetBytes(text));

    /// <summary>Starts collecting from the read end on a dedicated thread (so writers never block on a full pipe).</summary>
    public void StartReading()
    {
        int fd = ReadEnd;
        _reader = new Thread(() =>
        {
            byte[] buffer = new byte[65536];
            while (true)
            {
                nint n;
                fixed (byte* p = buffer)
                    n = TestLibc.read(fd, p, (nuint)buffer.Length);
                if (n < 0 && Marshal.GetLastPInvokeError() == TestLibc.EINTR)
                    continue;
                if (n <= 0)
                    break;
                lock (_data)
                    _data.Write(buffer, 0, (int)n);
            }
            _eof.Set();
        }) { IsBackground = true, Name = "pipe reader" };
        _reader.Start();
    }

    /// <summary>True once every write end (in any process) is closed and all data was read.</summary>
    public bool WaitForEof(int timeoutMs) => _eof.Wait(timeoutMs);

    public bool AtEof => _eof.IsSet;

    public byte[] Bytes
    {
        get
        {
            lock (_data)
                return _data.ToArray();
        }
    }

    public string Text => Encoding.UTF8.GetString(Bytes);

    public void Dispose()
    {
        CloseWrite();
        // The reader thread may still be blocked in read(2) on a pipe a stray process holds;
        // closing the fd under it is harmless for a background thread of a test process.
        if (_reader is null || _eof.IsSet)
            CloseRead();
    }
}

/// <summary>How a spawned runtime's fds 0-2 are set up.</summary>
public abstract record Stdio
{
    /// <summary>fds 0-2 given explicitly (test-owned fds; dup2'd into the child).</summary>
    public sealed record Fds(int In, int Out, int Err) : Stdio;

    /// <summary>A new session whose controlling terminal is this pty slave, open as fds 0-2.</summary>
    public sealed record Terminal(string SlavePath) : Stdio;

    /// <summary>/dev/null for all three.</summary>
    public sealed record DevNull : Stdio;
}

/// <summary>
/// The runtime started with posix_spawn, with exactly the stdio the test chooses (which
/// System.Diagnostics.Process can't do: it can't pass arbitrary fds or a controlling terminal).
/// Registered with <see cref="RuncsBinary"/> so that the orphan reaper leaves it to us.
/// </summary>
public sealed unsafe class Spawned : IDisposable
{
    private const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    private int? _exitCode;

    private Spawned(int pid, string command)
    {
        Pid = pid;
        Command = command;
    }

    public int Pid { get; }
    public string Command { get; }

    /// <summary>Runs the runtime under test (RuncsBinary.Path) with these arguments.</summary>
    public static Spawned Runtime(Stdio stdio, params string[] args) => Start(stdio, [RuncsBinary.Path, .. args]);

    public static Spawned Start(Stdio stdio, string[] argv)
    {
        var allocations = new List<nint>();
        byte* Utf8(string s)
        {
            nint p = Marshal.StringToCoTaskMemUTF8(s);
            allocations.Add(p);
            return (byte*)p;
        }

        void* fa = NativeMemory.AllocZeroed(1024);
        void* attr = NativeMemory.AllocZeroed(1024);
        void* all = NativeMemory.AllocZeroed(128);
        void* none = NativeMemory.AllocZeroed(128);
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").ToArray();
        byte** argvp = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Length + 1), (nuint)sizeof(nint));
        byte** envp = (byte**)NativeMemory.AllocZeroed((nuint)(env.Length + 1), (nuint)sizeof(nint));
        try
        {
            for (int i = 0; i < argv.Length; i++)
                argvp[i] = Utf8(argv[i]);
            for (int i = 0; i < env.Length; i++)
                envp[i] = Utf8(env[i]);
            TestLibc.posix_spawn_file_actions_init(fa);
            TestLibc.posix_spawnattr_init(attr);
            // The test host ignores SIGPIPE and may block signals: the runtime starts clean, as from a shell.
            TestLibc.sigfillset(all);
            TestLibc.sigemptyset(none);
            TestLibc.posix_spawnattr_setsigdefault(attr, all);
            TestLibc.posix_spawnattr_setsigmask(attr, none);
            short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
            switch (stdio)
            {
                case Stdio.Fds f:
                    TestLibc.posix_spawn_file_actions_adddup2(fa, f.In, 0);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, f.Out, 1);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, f.Err, 2);
                    break;
                case Stdio.Terminal t:
                    // setsid comes before the file actions: opening the slave (without O_NOCTTY)
                    // as a session leader makes it the controlling terminal.
                    flags |= POSIX_SPAWN_SETSID;
                    TestLibc.posix_spawn_file_actions_addopen(fa, 0, Utf8(t.SlavePath), TestLibc.O_RDWR, 0);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, 0, 1);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, 0, 2);
                    break;
                case Stdio.DevNull:
                    TestLibc.posix_spawn_file_actions_addopen(fa, 0, Utf8("/dev/null"), TestLibc.O_RDWR, 0);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, 0, 1);
                    TestLibc.posix_spawn_file_actions_adddup2(fa, 0, 2);
                    break;
            }
            TestLibc.posix_spawnattr_setflags(attr, flags);
            int pid;
            int rc;
            lock (RuncsBinary.ReapLock)
            {
                rc = TestLibc.posix_spawn(&pid, argvp[0], fa, attr, argvp, envp);
                if (rc == 0)
                    RuncsBinary.Track(pid);
            }
            if (rc != 0)
                throw new IOException($"posix_spawn {argv[0]}: {Marshal.GetPInvokeErrorMessage(rc)}");
            return new Spawned(pid, string.Join(' ', argv));
        }
        finally
        {
            TestLibc.posix_spawn_file_actions_destroy(fa);
            TestLibc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
            NativeMemory.Free(all);
            NativeMemory.Free(none);
            NativeMemory.Free(argvp);
            NativeMemory.Free(envp);
            foreach (nint p in allocations)
                Marshal.FreeCoTaskMem(p);
        }
    }

    /// <summary>Reaps the process if it has exited; true once it has.</summary>
    private bool Poll()
    {
        if (_exitCode is not null)
            return true;
        int status;
        int rc = TestLibc.waitpid(Pid, &status, 1 /* WNOHANG */);
        if (rc != Pid)
            return false;
        // As a shell reports it: the exit status, or 128 + the signal.
        _exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        RuncsBinary.Untrack(Pid);
        return true;
    }

    /// <summary>The exit code; throws (after killing it) if the process is still running after the timeout.</summary>
    public int WaitForExit(int timeoutMs = 10000, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!Poll())
        {
            if (DateTime.UtcNow > deadline)
            {
                Kill();
                throw new TimeoutException($"`{Command}` did not exit within {timeoutMs} ms{(context is null ? "" : "\n" + context())}");
            }
            Thread.Sleep(5);
        }
        return _exitCode!.Value;
    }

    public void Signal(int sig) => TestLibc.Check(TestLibc.kill(Pid, sig), "kill");

    private void Kill()
    {
        if (Poll())
            return;
        TestLibc.kill(Pid, TestLibc.SIGKILL);
        int status;
        TestLibc.waitpid(Pid, &status, 0);
        RuncsBinary.Untrack(Pid);
        _exitCode = 128 + TestLibc.SIGKILL;
    }

    public void Dispose() => Kill();
}
