using Xunit;
using static Runcs.Tests.Integration.ContainerLifecycleTests;

namespace Runcs.Tests.Integration;

/// <summary>
/// runc's four stdio modes, seen as a user (or containerd) sees them, in each of the ten cells
/// {new terminal, pass-through} x {run, run -d, create + start, exec, exec -d}:
/// <list type="bullet">
/// <item>terminal + foreground (run, exec -t): the runtime runs on a pty the test owns, as on a
/// user's terminal; the process gets a new pty as ctty and fds 0-2; the runtime puts its own
/// terminal in raw mode, relays both ways, forwards window size changes and signals, exits with
/// the process's status and restores its terminal;</item>
/// <item>terminal + detached (run -d, create, exec -d -t): the pty master arrives on the
/// --console-socket before the command exits, as go-runc accepts it;</item>
/// <item>pass-through + detached: the process gets the runtime's own fds 0-2, and the runtime
/// keeps no copy once it has returned;</item>
/// <item>pass-through + foreground: the runtime's own pipes, relayed until the process exits and
/// the output is drained.</item>
/// </list>
/// Runtime-agnostic: RUNCS_BINARY=/usr/bin/runc runs them against runc.
/// </summary>
[Collection("containers")]
public sealed class StdioModeTests
{
    /// <summary>What the process sees of its stdio: its tty, a ctty, its open fds.</summary>
    private const string Probe =
        "tty; [ -t 1 ] && [ -t 2 ] && echo out-err-tty; " +
        "(exec </dev/tty) 2>/dev/null && echo ctty-ok || echo no-ctty; echo fds: $(ls /proc/self/fd)";

    private const string Loop = "while :; do sleep 0.1; done";

    // ---- helpers ----

    private static Spawned Runtime(Bundle b, Stdio stdio, params string[] args) =>
        Spawned.Runtime(stdio, ["--root", b.StateRoot, .. args]);

    /// <summary>A `sleep 300` container to exec into, started with /dev/null as stdio.</summary>
    private static void StartSleeper(Bundle b)
    {
        b.Config["process"]!["terminal"] = false;
        b.Args = ["sleep", "300"];
        using var run = Runtime(b, new Stdio.DevNull(), "run", "-d", "--bundle", b.Dir, b.Id);
        Assert.Equal(0, run.WaitForExit());
        Assert.Equal("running", Status(b));
    }

    /// <summary>
    /// Starts `sh -c script` in the foreground: `run` with process.terminal set as asked, or
    /// `exec` (with -t if terminal) into a sleeper container. The pid file gets the process's pid.
    /// </summary>
    private static Spawned Foreground(Bundle b, string verb, bool terminal, Stdio stdio, string script, string? pidFile = null)
    {
        string[] pid = pidFile is null ? [] : ["--pid-file", pidFile];
        if (verb == "run")
        {
            b.Config["process"]!["terminal"] = terminal;
            b.Args = ["sh", "-c", script];
            return Runtime(b, stdio, ["run", .. pid, "--bundle", b.Dir, b.Id]);
        }
        StartSleeper(b);
        string[] tty = terminal ? ["-t"] : [];
        return Runtime(b, stdio, ["exec", .. tty, .. pid, b.Id, "sh", "-c", script]);
    }

    /// <summary>
    /// A foreground runtime writes the pid file (atomically) around the time the process starts,
    /// not necessarily before the process prints: wait for it. (Detached commands have written it
    /// when they return; those tests read it directly.)
    /// </summary>
    private static int ReadPidFile(string path)
    {
        WaitFor(() => File.Exists(path), 5000);
        return int.Parse(File.ReadAllText(path));
    }

    private static void AssertNoContainer(Bundle b)
    {
        var state = b.Runcs("state", b.Id);
        Assert.True(state.ExitCode == 1 && state.Stderr.Contains("container does not exist"), "the container is left behind: " + state);
    }

    private static void AssertRawWhileAttached(HostPty pty)
    {
        // runc switches its terminal to raw mode around the time it starts relaying: allow a moment.
        try
        {
            WaitFor(() => pty.IsRaw, 2000);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the runtime did not put its terminal in raw mode (lflag 0x{HostPty.LocalFlags(pty.Termios()):x})");
        }
    }

    private static void AssertSameTermios(byte[] before, HostPty pty) =>
        Assert.True(before.AsSpan().SequenceEqual(pty.Termios()),
            $"the host terminal's settings were not restored: before {Convert.ToHexString(before)}, after {Convert.ToHexString(pty.Termios())}");

    private static Func<string> Transcript(TtyMaster tty) => () => "transcript:\n" + TtyMaster.Escape(tty.Transcript);

    /// <summary>The three pipes a caller like containerd gives the runtime as fds 0-2.</summary>
    private sealed class StdioPipes : IDisposable
    {
        public Pipe In { get; } = new();
        public Pipe Out { get; } = new();
        public Pipe Err { get; } = new();

        public Stdio ForRuntime => new Stdio.Fds(In.ReadEnd, Out.WriteEnd, Err.WriteEnd);

        public IEnumerable<string> Links => [In.Link, Out.Link, Err.Link];

        /// <summary>Once spawned: only the runtime (and whoever it hands them to) has the far ends.</summary>
        public void Spawned()
        {
            In.CloseRead();
            Out.CloseWrite();
            Err.CloseWrite();
            Out.StartReading();
            Err.StartReading();
        }

        public string Describe() => $"stdout: {Out.Text}\nstderr: {Err.Text}";

        public void Dispose()
        {
            In.Dispose();
            Out.WaitForEof(1000);
            Err.WaitForEof(1000);
            Out.Dispose();
            Err.Dispose();
        }
    }

    private static List<int> HoldersOfAny(StdioPipes p) => p.Links.SelectMany(TestLibc.Holders).Distinct().ToList();

    // ---- terminal + foreground: run, exec -t ----

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_gives_the_process_a_new_pty_and_relays_io(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open(37, 111);
        byte[] before = pty.Termios();
        using var p = Foreground(b, verb, true, new Stdio.Terminal(pty.SlavePath),
            Probe + "; echo ready; read x; echo got:$x; exit 7");

        var tty = pty.Expect(@"(/dev/pts/\d+|not a tty)\r\n");
        Assert.Matches(@"^/dev/pts/\d+$", tty.Groups[1].Value);
        pty.Expect("out-err-tty\r\n");
        pty.Expect("ctty-ok\r\n");
        pty.Expect("fds: 0 1 2 3\r\n");
        pty.Expect("ready\r\n");
        AssertRawWhileAttached(pty);

        // Typed input reaches the process (echoed by the container's pty); its output comes back.
        pty.Write("hello\r");
        pty.Expect("hello\r\n");
        pty.Expect("got:hello\r\n");
        Assert.Equal(7, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
        if (verb == "run")
            AssertNoContainer(b);
        else
            Assert.Equal("running", Status(b));
    }

    /// <summary>Prints the process's window size for each line typed; ^D (EOF on its pty) ends it.</summary>
    private const string SizeLoop = "echo ready; while read x; do echo \"size: $(stty size 2>/dev/null)\"; done; echo bye";

    /// <summary>
    /// Types lines until the process reports <paramref name="expected"/>: the runtime applies a
    /// size asynchronously (runc resizes once it relays, and on each SIGWINCH), so poll.
    /// </summary>
    private static void WaitForSize(TtyMaster tty, string expected, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            tty.Write("\r");
            if (tty.Expect(@"size: ([\d ]*)\r\n").Groups[1].Value == expected)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"{what}: the process never saw {expected}; transcript:\n" + TtyMaster.Escape(tty.Transcript));
            Thread.Sleep(50);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_forwards_window_size_changes(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open(30, 90);
        byte[] before = pty.Termios();
        using var p = Foreground(b, verb, true, new Stdio.Terminal(pty.SlavePath), SizeLoop);
        pty.Expect("ready\r\n");
        AssertRawWhileAttached(pty);
        // The new pty gets the size of the runtime's terminal.
        WaitForSize(pty, "30 90", "initial size");
        // The kernel sends SIGWINCH to the runtime (the pty is its ctty); it resizes the container's pty.
        pty.Resize(50, 132);
        WaitForSize(pty, "50 132", "first resize");
        pty.Resize(20, 60);
        WaitForSize(pty, "20 60", "second resize");

        pty.Write("\x04");
        pty.Expect("bye\r\n");
        Assert.Equal(0, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_passes_ctrl_c_to_the_process(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open();
        byte[] before = pty.Termios();
        using var p = Foreground(b, verb, true, new Stdio.Terminal(pty.SlavePath),
            $"trap 'echo INT; exit 130' INT; echo ready; {Loop}");
        pty.Expect("ready\r\n");
        AssertRawWhileAttached(pty);
        // Raw on the host side: ^C is a byte for the container's pty, whose line discipline
        // signals the process's foreground group.
        pty.Write("\x03");
        pty.Expect("INT\r\n");
        Assert.Equal(130, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_forwards_sigterm_to_the_process(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open();
        byte[] before = pty.Termios();
        using var p = Foreground(b, verb, true, new Stdio.Terminal(pty.SlavePath),
            $"trap 'echo TERM; exit 143' TERM; echo ready; {Loop}");
        pty.Expect("ready\r\n");
        AssertRawWhileAttached(pty);
        p.Signal(TestLibc.SIGTERM);
        pty.Expect("TERM\r\n");
        Assert.Equal(143, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Terminal_foreground_restores_the_host_terminal_when_the_process_is_killed(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open();
        byte[] before = pty.Termios();
        string pidFile = Path.Combine(b.Dir, "process.pid");
        using var p = Foreground(b, verb, true, new Stdio.Terminal(pty.SlavePath), $"echo ready; {Loop}", pidFile);
        pty.Expect("ready\r\n");
        AssertRawWhileAttached(pty);
        TestLibc.Check(TestLibc.kill(ReadPidFile(pidFile), TestLibc.SIGKILL), "kill");
        Assert.Equal(137, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
    }

    // ---- terminal + detached: run -d, create + start, exec -d -t ----

    /// <summary>
    /// The detached command exits 0 with the master already sent, and keeps none of its own
    /// stdio in the container (the process's stdio is the new pty).
    /// </summary>
    private static ReceivedConsole ReceiveAfterExit(Spawned p, ConsoleSocketReceiver receiver, StdioPipes stdio)
    {
        int exit = p.WaitForExit(context: stdio.Describe);
        Assert.True(exit == 0, $"exit {exit}\n{stdio.Describe()}");
        Assert.True(receiver.HasPendingConnection, "the runtime exited without having connected to the console socket");
        var console = receiver.Receive(2000);
        Assert.True(stdio.Out.WaitForEof(2000) && stdio.Err.WaitForEof(2000), "the runtime's stdout/stderr are still open somewhere: " + stdio.Describe());
        Assert.Empty(HoldersOfAny(stdio));
        Assert.Equal("", stdio.Out.Text);
        return console;
    }

    private const string DetachedScript =
        Probe + "; echo ready; read x; stty size; echo got:$x; trap 'echo INT; exit 130' INT; echo looping; " + Loop;

    /// <summary>What a caller does with the received master: talks to the process, resizes, interrupts it.</summary>
    private static void DriveDetachedTerminal(ReceivedConsole console)
    {
        Assert.NotEqual("", console.Payload);
        var tty = console.Expect(@"(/dev/pts/\d+|not a tty)\r\n");
        Assert.Equal($"/dev/pts/{console.PtyNumber}", tty.Groups[1].Value);
        console.Expect("out-err-tty\r\n");
        console.Expect("ctty-ok\r\n");
        console.Expect("fds: 0 1 2 3\r\n");
        console.Expect("ready\r\n");
        console.Resize(33, 99);
        console.Write("hello\r");
        console.Expect(@"33 99\r\n");
        console.Expect("got:hello\r\n");
        console.Expect("looping\r\n");
        console.Write("\x03");
        console.Expect("INT\r\n");
        Assert.True(console.DrainToEof(5000), "the pty's slave stayed open after the process exited");
    }

    [Fact]
    public void Terminal_run_detached_sends_the_master_to_the_console_socket()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle(["sh", "-c", DetachedScript]);
        b.Config["process"]!["terminal"] = true;
        b.Save();
        using var receiver = new ConsoleSocketReceiver(b.Dir);
        using var p = Runtime(b, stdio.ForRuntime, "run", "-d", "--console-socket", receiver.Path, "--bundle", b.Dir, b.Id);
        stdio.Spawned();
        using var console = ReceiveAfterExit(p, receiver, stdio);
        DriveDetachedTerminal(console);
        WaitFor(() => Status(b) == "stopped");
    }

    [Fact]
    public void Terminal_create_sends_the_master_before_start()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle(["sh", "-c", DetachedScript]);
        b.Config["process"]!["terminal"] = true;
        b.Save();
        using var receiver = new ConsoleSocketReceiver(b.Dir);
        using var p = Runtime(b, stdio.ForRuntime, "create", "--console-socket", receiver.Path, "--bundle", b.Dir, b.Id);
        stdio.Spawned();
        using var console = ReceiveAfterExit(p, receiver, stdio);
        Assert.Equal("created", Status(b));
        Assert.False(console.Pump(200), "output before start: " + TtyMaster.Escape(console.Transcript));
        var start = b.Runcs("start", b.Id);
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("", start.Stdout);
        DriveDetachedTerminal(console);
        WaitFor(() => Status(b) == "stopped");
    }

    [Fact]
    public void Terminal_exec_detached_sends_the_master_to_the_console_socket()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle();
        StartSleeper(b);
        using var receiver = new ConsoleSocketReceiver(b.Dir);
        using var p = Runtime(b, stdio.ForRuntime, "exec", "-d", "-t", "--console-socket", receiver.Path, b.Id, "sh", "-c", DetachedScript);
        stdio.Spawned();
        using var console = ReceiveAfterExit(p, receiver, stdio);
        DriveDetachedTerminal(console);
        Assert.Equal("running", Status(b));
        WaitFor(() => Pids(b).Count == 1);
    }

    // ---- the mode's errors ----

    /// <summary>runc's create and run fail with 1; exec's failures exit 255.</summary>
    private static int FailureCode(string verb) => verb.StartsWith("exec") ? 255 : 1;

    private static string[] DetachedArgs(Bundle b, string verb, params string[] extra) => verb switch
    {
        "run -d" => ["run", "-d", .. extra, "--bundle", b.Dir, b.Id],
        "create" => ["create", .. extra, "--bundle", b.Dir, b.Id],
        "exec -d -t" => ["exec", "-d", "-t", .. extra, b.Id, "sh", "-c", "sleep 5"],
        "exec -t" => ["exec", "-t", .. extra, b.Id, "sh", "-c", "sleep 5"],
        "exec -d" => ["exec", "-d", .. extra, b.Id, "sh", "-c", "sleep 5"],
        "run" => ["run", .. extra, "--bundle", b.Dir, b.Id],
        _ => throw new ArgumentException(verb),
    };

    /// <summary>A bundle set up for the verb: a terminal config, or a sleeper for exec.</summary>
    private static Bundle BundleFor(string verb, bool terminal)
    {
        var b = new Bundle(["sh", "-c", "sleep 5"]);
        try
        {
            if (verb.StartsWith("exec"))
                StartSleeper(b);
            else
            {
                b.Config["process"]!["terminal"] = terminal;
                b.Save();
            }
            return b;
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    private static void AssertNothingStarted(Bundle b, string verb)
    {
        if (verb.StartsWith("exec"))
            Assert.Single(Pids(b));
        else
            AssertNoContainer(b);
    }

    [Theory]
    [InlineData("run -d")]
    [InlineData("create")]
    [InlineData("exec -d -t")]
    public void Detached_terminal_requires_a_console_socket(string verb)
    {
        using var b = BundleFor(verb, terminal: true);
        var r = b.Runcs(DetachedArgs(b, verb));
        Assert.True(r.ExitCode == FailureCode(verb), r.ToString());
        Assert.Matches(@"cannot allocate tty if runcs? will detach without setting console socket", r.Stderr);
        AssertNothingStarted(b, verb);
    }

    [Theory]
    [InlineData("run", true)]
    [InlineData("create", false)]
    [InlineData("run -d", false)]
    [InlineData("exec -t", true)]
    [InlineData("exec -d", false)]
    public void Console_socket_requires_detach_and_a_terminal(string verb, bool terminal)
    {
        using var b = BundleFor(verb, terminal);
        using var receiver = new ConsoleSocketReceiver(b.Dir);
        var r = b.Runcs(DetachedArgs(b, verb, "--console-socket", receiver.Path));
        Assert.True(r.ExitCode == FailureCode(verb), r.ToString());
        Assert.Matches(@"cannot use console socket if runcs? will not detach or allocate tty", r.Stderr);
        Assert.False(receiver.HasPendingConnection, "the runtime connected to the console socket anyway");
        AssertNothingStarted(b, verb);
    }

    [Theory]
    [InlineData("run -d", false)]
    [InlineData("run -d", true)]
    [InlineData("create", false)]
    [InlineData("create", true)]
    [InlineData("exec -d -t", false)]
    [InlineData("exec -d -t", true)]
    public void Console_socket_must_be_a_listening_unix_socket(string verb, bool regularFile)
    {
        using var b = BundleFor(verb, terminal: true);
        string path = Path.Combine(b.Dir, "not-a-socket");
        if (regularFile)
            File.WriteAllText(path, "");
        var r = b.Runcs(DetachedArgs(b, verb, "--console-socket", path));
        Assert.True(r.ExitCode == FailureCode(verb), r.ToString());
        Assert.Contains(path, r.Stderr);
        Assert.Equal("", r.Stdout);
        AssertNothingStarted(b, verb);
    }

    // ---- pass-through + foreground: run, exec ----

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Passthrough_foreground_relays_stdio_through_the_runtimes_own_pipes(string verb)
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle();
        using var p = Foreground(b, verb, false, stdio.ForRuntime,
            "[ -t 0 ] || echo stdin-not-a-tty; (exec </dev/tty) 2>/dev/null && echo ctty-ok || echo no-ctty; " +
            "for f in 0 1 2; do readlink /proc/self/fd/$f; done; echo fds: $(ls /proc/self/fd); " +
            "cat; echo to-stderr >&2; exit 7");
        stdio.Spawned();
        stdio.In.Write("line1\nline2\n");
        stdio.In.CloseWrite();
        Assert.Equal(7, p.WaitForExit(context: stdio.Describe));
        Assert.True(stdio.Out.WaitForEof(2000) && stdio.Err.WaitForEof(2000), stdio.Describe());

        string[] lines = stdio.Out.Text.Split('\n');
        Assert.True(lines.Length == 9, stdio.Describe());
        Assert.Equal("stdin-not-a-tty", lines[0]);
        Assert.Equal("no-ctty", lines[1]);
        // The process's stdio are pipes, and not the caller's: the runtime relays them.
        foreach (string link in lines[2..5])
        {
            Assert.Matches(@"^pipe:\[\d+\]$", link);
            Assert.DoesNotContain(link, stdio.Links);
        }
        Assert.Equal("fds: 0 1 2 3", lines[5]);
        Assert.Equal(["line1", "line2", ""], lines[6..]);
        Assert.Equal("to-stderr\n", stdio.Err.Text);
        Assert.Empty(HoldersOfAny(stdio));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Passthrough_foreground_drains_all_output_before_exiting(string verb)
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle();
        using var p = Foreground(b, verb, false, stdio.ForRuntime,
            "dd if=/dev/zero bs=4096 count=256 2>/dev/null; echo end >&2; exit 3");
        stdio.Spawned();
        stdio.In.CloseWrite();
        Assert.Equal(3, p.WaitForExit(context: () => $"{stdio.Out.Bytes.Length} bytes out"));
        // Everything was relayed before the runtime exited: EOF is immediate.
        Assert.True(stdio.Out.WaitForEof(1000) && stdio.Err.WaitForEof(1000));
        Assert.Equal(4096 * 256, stdio.Out.Bytes.Length);
        Assert.All(stdio.Out.Bytes, x => Assert.Equal(0, x));
        Assert.Equal("end\n", stdio.Err.Text);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Passthrough_foreground_forwards_sigterm_to_the_process(string verb)
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle();
        using var p = Foreground(b, verb, false, stdio.ForRuntime, $"trap 'echo TERM; exit 143' TERM; echo ready; {Loop}");
        stdio.Spawned();
        WaitFor(() => stdio.Out.Text.Contains("ready"));
        p.Signal(TestLibc.SIGTERM);
        Assert.Equal(143, p.WaitForExit(context: stdio.Describe));
        Assert.True(stdio.Out.WaitForEof(1000));
        Assert.Equal("ready\nTERM\n", stdio.Out.Text);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    public void Passthrough_foreground_on_a_terminal_leaves_it_cooked_and_forwards_ctrl_c(string verb)
    {
        using var b = new Bundle();
        using var pty = HostPty.Open();
        byte[] before = pty.Termios();
        using var p = Foreground(b, verb, false, new Stdio.Terminal(pty.SlavePath),
            $"[ -t 0 ] && echo stdin-tty || echo stdin-not-a-tty; trap 'echo INT; exit 130' INT; echo ready; {Loop}");
        // The host pty is cooked (ONLCR): the runtime's relayed "\n" arrives as "\r\n".
        pty.Expect("stdin-not-a-tty\r\n");
        pty.Expect("ready\r\n");
        AssertSameTermios(before, pty);
        // ^C on the user's terminal signals the runtime (its foreground group), which forwards it.
        pty.Write("\x03");
        pty.Expect("INT\r\n");
        Assert.Equal(130, p.WaitForExit(context: Transcript(pty)));
        AssertSameTermios(before, pty);
    }

    // ---- pass-through + detached: run -d, create + start, exec -d ----

    private const string InheritScript =
        "read x; echo out:$x; echo err:$x >&2; [ -t 0 ] || echo stdin-not-a-tty; " +
        "for f in 0 1 2; do readlink /proc/self/fd/$f; done; echo fds: $(ls /proc/self/fd)";

    /// <summary>
    /// After the detached command returned (while the process still blocks on its stdin): only
    /// the process holds the caller's pipes; it gets input; the caller sees EOF as it exits.
    /// </summary>
    private static void AssertInheritedStdio(StdioPipes stdio, int processPid)
    {
        Assert.Equal([processPid], HoldersOfAny(stdio));
        stdio.In.Write("hello\n");
        stdio.In.CloseWrite();
        Assert.True(stdio.Out.WaitForEof(10000) && stdio.Err.WaitForEof(1000),
            "no EOF on the caller's pipes after the process exited: " + stdio.Describe() +
            "\nholders: " + string.Join(' ', HoldersOfAny(stdio)));
        Assert.Equal($"out:hello\nstdin-not-a-tty\n{stdio.In.Link}\n{stdio.Out.Link}\n{stdio.Err.Link}\nfds: 0 1 2 3\n", stdio.Out.Text);
        Assert.Equal("err:hello\n", stdio.Err.Text);
    }

    [Fact]
    public void Passthrough_run_detached_hands_its_stdio_to_the_process()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle(["sh", "-c", InheritScript]);
        string pidFile = Path.Combine(b.Dir, "init.pid");
        using var p = Runtime(b, stdio.ForRuntime, "run", "-d", "--pid-file", pidFile, "--bundle", b.Dir, b.Id);
        stdio.Spawned();
        // Returns although the process keeps the pipes open (it waits for input).
        Assert.Equal(0, p.WaitForExit(context: stdio.Describe));
        Assert.Equal("running", Status(b));
        AssertInheritedStdio(stdio, int.Parse(File.ReadAllText(pidFile)));
        WaitFor(() => Status(b) == "stopped");
    }

    [Fact]
    public void Passthrough_create_hands_its_stdio_to_the_process_and_start_does_not()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle(["sh", "-c", InheritScript]);
        string pidFile = Path.Combine(b.Dir, "init.pid");
        using var p = Runtime(b, stdio.ForRuntime, "create", "--pid-file", pidFile, "--bundle", b.Dir, b.Id);
        stdio.Spawned();
        Assert.Equal(0, p.WaitForExit(context: stdio.Describe));
        Assert.Equal("created", Status(b));
        int init = int.Parse(File.ReadAllText(pidFile));
        Assert.Equal([init], HoldersOfAny(stdio));
        Assert.Equal("", stdio.Out.Text);

        var start = b.Runcs("start", b.Id);
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("", start.Stdout);
        AssertInheritedStdio(stdio, init);
        WaitFor(() => Status(b) == "stopped");
    }

    [Fact]
    public void Passthrough_exec_detached_hands_its_stdio_to_the_process()
    {
        using var stdio = new StdioPipes();
        using var b = new Bundle();
        StartSleeper(b);
        string pidFile = Path.Combine(b.Dir, "exec.pid");
        using var p = Runtime(b, stdio.ForRuntime, "exec", "-d", "--pid-file", pidFile, b.Id, "sh", "-c", InheritScript);
        stdio.Spawned();
        Assert.Equal(0, p.WaitForExit(context: stdio.Describe));
        AssertInheritedStdio(stdio, int.Parse(File.ReadAllText(pidFile)));
        Assert.Equal("running", Status(b));
    }
}
