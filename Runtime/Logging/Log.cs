using System.Text;
using Runcs.Sys;
using Runcs.Text;

namespace Runcs.Logging;

public enum LogFormat { Text, Json }

/// <summary>
/// runc's logging: entries go to --log (appended, created 0644) in logrus's text or JSON
/// shape; errors also go to stderr. containerd shows its user the last "error" line of
/// the JSON log, so every failure must be written there exactly once.
/// </summary>
public static class Log
{
    private static int s_fd = -1;
    private static LogFormat s_format = LogFormat.Text;

    public static bool Debug { get; private set; }

    public static LogFormat CurrentFormat => s_format;

    /// <summary>When this runcs (or, for the init, its parent) started: the origin of phase timestamps.</summary>
    public static long Origin { get; private set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>
    /// The init's logging: debug lines go straight to the fd the parent handed over (its
    /// log file, or its stderr), timed from the parent's start. The fd is close-on-exec by
    /// the time the container's process runs.
    /// </summary>
    public static void ConfigureInit(int fd, LogFormat format, long origin)
    {
        s_fd = fd;
        s_format = format;
        Debug = fd >= 0;
        Origin = origin;
    }

    /// <summary>
    /// An fd for the init's debug lines (the log file, else stderr), duplicated so that the
    /// init owns it; -1 without --debug.
    /// </summary>
    public static int DebugFdForInit()
    {
        if (!Debug)
            return -1;
        return LibC.fcntl(s_fd >= 0 ? s_fd : 2, 1030 /* F_DUPFD_CLOEXEC */, 3);
    }

    /// <summary>Called first thing in Main: phase times count from here.</summary>
    public static void StartClock() => Origin = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>--debug: where start-up time goes, in milliseconds since runcs started.</summary>
    public static void Phase(string name, long? at = null)
    {
        if (!Debug)
            return;
        double ms = ((at ?? System.Diagnostics.Stopwatch.GetTimestamp()) - Origin) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        // Allocation so far: what the GC heap has had to touch, the bulk of this process's anonymous memory.
        long kib = GC.GetTotalAllocatedBytes() / 1024;
        DebugMessage($"phase {name}: {ms.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} ms, {kib} KiB allocated, {GC.CollectionCount(0)} GCs");
    }

    /// <summary>Opens the log file. Failing to open it is itself an error (runc's too).</summary>
    public static void Configure(string? path, LogFormat format, bool debug)
    {
        s_format = format;
        Debug = debug;
        if (string.IsNullOrEmpty(path))
            return;
        s_fd = LibC.open(path, OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC, 0b110_100_100);
        if (s_fd < 0)
            throw SysError.Last($"open {path}");
    }

    /// <summary>
    /// An error, as runc's fatal() reports it: into the log, and on stderr as the bare
    /// message; without --log, logrus itself writes its text line to stderr.
    /// </summary>
    public static void Error(string message) => Write("error", message);
    public static void Warn(string message) => Write("warning", message);
    public static void Info(string message) => Write("info", message);

    public static void DebugMessage(string message)
    {
        if (Debug)
            Write("debug", message);
    }

    private static void Write(string level, string message)
    {
        if (s_fd >= 0)
        {
            Stdio.WriteAll(s_fd, Format(level, message, DateTimeOffset.Now, s_format));
            if (level == "error")
                Stdio.Error(message + "\n");
        }
        else if (level != "info")
        {
            Stdio.Error(Format(level, message, DateTimeOffset.Now, LogFormat.Text));
        }
    }

    /// <summary>One line, as logrus writes it (JSON: level, msg, time in RFC 3339).</summary>
    public static string Format(string level, string message, DateTimeOffset time, LogFormat format)
    {
        string stamp = Rfc3339.Format(time);
        if (format == LogFormat.Json)
        {
            var sb = new StringBuilder(64 + message.Length);
            sb.Append("{\"level\":\"").Append(level).Append("\",\"msg\":");
            GoJson.WriteString(sb, message); // logrus's JSONFormatter: encoding/json
            sb.Append(",\"time\":\"").Append(stamp).Append("\"}\n");
            return sb.ToString();
        }
        var text = new StringBuilder();
        text.Append("time=\"").Append(stamp).Append("\" level=").Append(level).Append(" msg=");
        text.Append(GoStrconv.Quote(message)); // logrus's TextFormatter: %q
        return text.Append('\n').ToString();
    }
}
