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
}
