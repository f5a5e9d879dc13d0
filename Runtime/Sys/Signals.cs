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

    /// <summary>The first and last real-time signals as glibc numbers them (32 and 33 are its own).</summary>
    public const int SIGRTMIN = 34, SIGRTMAX = 64;

    /// <summary>
    /// runc's parseSignal: a decimal integer (Go's strconv.Atoi: an optional sign, 0 included) is
    /// the signal as it is, for the kernel to judge (`unable to signal init: invalid argument`);
    /// otherwise a name of signals 1-31, any case, with or without SIG. runcs also takes IOT and
    /// RTMIN, RTMIN+n, RTMAX and RTMAX-n within 34-64; anything else is runc's `unknown signal`.
    /// </summary>
    public static int Parse(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
            return number is >= int.MinValue and <= int.MaxValue ? (int)number : -1; // -1: refused by kill(2) alike
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
            name = name[3..];
        int index = Array.IndexOf(Names, name);
        if (index > 0)
            return index;
        if (name == "IOT")
            return 6;
        if (RealTime(name, "RTMIN", '+', SIGRTMIN, +1) is int min)
            return min;
        if (RealTime(name, "RTMAX", '-', SIGRTMAX, -1) is int max)
            return max;
        throw new RuntimeError($"unknown signal \"{text}\"");
    }

    /// <summary>"RTMIN", "RTMIN+3", "RTMAX-2": the number, when it is a real-time signal; otherwise null.</summary>
    private static int? RealTime(string name, string prefix, char sign, int baseSignal, int direction)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
            return null;
        if (name.Length == prefix.Length)
            return baseSignal;
        string offset = name[(prefix.Length + 1)..];
        if (name[prefix.Length] != sign || offset.Length is 0 or > 2 || !offset.All(char.IsAsciiDigit))
            return null;
        int n = int.Parse(offset, CultureInfo.InvariantCulture);
        return n is >= 1 and <= SIGRTMAX - SIGRTMIN ? baseSignal + direction * n : null;
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
