using System.Globalization;
using Runcs.Errors;

namespace Runcs.Sys;

/// <summary>Linux signal names and numbers (x86_64), parsed as `runc kill` does.</summary>
public static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGPIPE = 13,
        SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGWINCH = 28;

    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>"9", "KILL", "SIGKILL", "kill": the number; otherwise runc's error.</summary>
    public static int Parse(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            if (n is < 1 or > 64)
                throw new RuntimeError($"unknown signal \"{text}\"");
            return n;
        }
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
            name = name[3..];
        int index = Array.IndexOf(Names, name);
        if (index > 0)
            return index;
        if (name == "IOT")
            return 6;
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) || name.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            int offset = name.Length == 5 ? 0 : int.Parse(name[5..], CultureInfo.InvariantCulture);
            return name.StartsWith("RTMIN", StringComparison.Ordinal) ? 34 + offset : 64 + offset;
        }
        throw new RuntimeError($"unknown signal \"{text}\"");
    }

    /// <summary>Go's names of the signals (syscall.Signal.String), which runc's messages show.</summary>
    private static readonly string[] GoDescriptions =
    [
        "", "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted", "bus error",
        "floating point exception", "killed", "user defined signal 1", "segmentation fault", "user defined signal 2",
        "broken pipe", "alarm clock", "terminated", "stack fault", "child exited", "continued", "stopped (signal)",
        "stopped", "stopped (tty input)", "stopped (tty output)", "urgent I/O condition", "CPU time limit exceeded",
        "file size limit exceeded", "virtual timer expired", "profiling timer expired", "window changed",
        "I/O possible", "power failure", "bad system call",
    ];

    public static string GoDescription(int signal) =>
        signal > 0 && signal < GoDescriptions.Length ? GoDescriptions[signal] : $"signal {signal}";

    /// <summary>A waitpid status as Go's os.ProcessState prints it: "exit status 3", "signal: killed".</summary>
    public static string DescribeWaitStatus(int status)
    {
        int signal = status & 0x7f;
        if (signal == 0)
            return $"exit status {(status >> 8) & 0xff}";
        return $"signal: {GoDescription(signal)}" + ((status & 0x80) != 0 ? " (core dumped)" : "");
    }
}
