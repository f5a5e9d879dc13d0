using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Runcs.Tests.Integration;

/// <summary>The result of running a command: exit code and everything it printed.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs the NativeAOT binary (out/runcs, or $RUNCS_BINARY) as containerd would: a new
/// process with its own stdio. The test process is a child subreaper, so detached
/// containers' inits are reaped here instead of lingering as zombies.
/// </summary>
public static partial class RuncsBinary
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> s_started = new();

    /// <summary>Process.Start for tests: the child is known to the orphan reaper before it can exit.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        lock (ReapLock)
        {
            var p = Process.Start(info)!;
            s_started[p.Id] = true;
            return p;
        }
    }

    static RuncsBinary()
    {
        prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
        new Thread(ReapOrphans) { IsBackground = true, Name = "orphan reaper" }.Start();
    }

    /// <summary>
    /// As a subreaper the test process inherits detached containers' inits when runcs exits;
    /// it reaps those zombies itself, leaving alone the children that Process started (and waits for).
    /// </summary>
    private static unsafe void ReapOrphans()
    {
        string self = Environment.ProcessId.ToString();
        while (true)
        {
            Thread.Sleep(20);
            lock (ReapLock)
            {
                foreach (string dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(System.IO.Path.GetFileName(dir), out int pid) || s_started.ContainsKey(pid))
                        continue;
                    try
                    {
                        string stat = File.ReadAllText(System.IO.Path.Combine(dir, "stat"));
                        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        if (f[0] == "Z" && f[1] == self)
                        {
                            int status;
                            waitpid(pid, &status, 1 /* WNOHANG */);
                        }
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        }
    }

    /// <summary>
    /// Held by the orphan reaper while it scans, and by whoever starts a child it waits for
    /// itself (<see cref="Spawned"/>) until the child is <see cref="Track"/>ed.
    /// </summary>
    internal static readonly object ReapLock = new();

    /// <summary>A child the caller reaps itself: the orphan reaper must leave it alone.</summary>
    internal static void Track(int pid) => s_started[pid] = true;

    internal static void Untrack(int pid) => s_started.TryRemove(pid, out _);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5);

    [LibraryImport("libc")]
    internal static partial uint geteuid();

    public static bool IsRoot => geteuid() == 0;

    public static string Path
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("RUNCS_BINARY");
            if (!string.IsNullOrEmpty(env))
                return env;
            string dir = AppContext.BaseDirectory;
            while (!File.Exists(System.IO.Path.Combine(dir, "Runtime.csproj")))
                dir = System.IO.Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
            return System.IO.Path.Combine(dir, "out", "runcs");
        }
    }

    public static CommandResult Run(IEnumerable<string> args, string? stdin = null, int timeoutMs = 30000) =>
        Exec(Path, args, stdin, timeoutMs);

    public static CommandResult Exec(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 30000)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            info.ArgumentList.Add(a);
        using var p = Start(info);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readers = new[] { Drain(p.StandardOutput, stdout), Drain(p.StandardError, stderr) };
        foreach (var t in readers)
            t.Start();
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        // A detached container inherits the command's stdout/stderr (pass-through mode), so
        // EOF may never come while it runs: take what arrived shortly after the exit.
        foreach (var t in readers)
            t.Join(500);
        // Reaped by Process: its pid may now be reused (pid_max is 32768 here, and a full run
        // wraps it), and a detached init orphaned under that number must be reaped again.
        Untrack(p.Id);
        lock (stdout)
        lock (stderr)
            return new CommandResult(p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A dedicated thread per stream: test threads block, so the thread pool may be starved.</summary>
    private static Thread Drain(StreamReader reader, StringBuilder into) => new(() =>
    {
        char[] buffer = new char[4096];
        int n;
        while ((n = reader.Read(buffer)) > 0)
            lock (into)
                into.Append(buffer, 0, n);
    }) { IsBackground = true };
}
