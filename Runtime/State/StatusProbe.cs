using System.Globalization;
using Runcs.Sys;

namespace Runcs.State;

/// <summary>The parts of /proc/&lt;pid&gt;/stat the status logic needs.</summary>
public readonly record struct ProcStat(char State, ulong StartTime);

/// <summary>Reads /proc; an interface so tests can fake pid reuse and zombies.</summary>
public interface IProcReader
{
    /// <summary>State (field 3) and starttime (field 22) of the process, or null if it does not exist.</summary>
    ProcStat? ReadStat(int pid);
}

/// <summary>The real /proc reader.</summary>
public sealed class ProcReader : IProcReader
{
    public static readonly ProcReader Instance = new();

    private readonly string _procRoot;

    public ProcReader(string procRoot = "/proc") => _procRoot = procRoot;

    public ProcStat? ReadStat(int pid)
    {
        if (pid <= 0)
            return null;
        string text;
        try
        {
            text = SmallFile.ReadAllText($"{_procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // ENOENT / ESRCH: no such process
        }
        return ParseStat(text);
    }

    /// <summary>
    /// Parses a /proc/PID/stat line. comm (field 2) is in parentheses and may itself contain
    /// spaces and parentheses, so the fields after it start after the LAST ')'.
    /// </summary>
    public static ProcStat? ParseStat(string text)
    {
        int close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
            return null;
        var rest = text.AsSpan(close + 2).TrimEnd();
        // rest: field 3 (state) is index 0, so field 22 (starttime) is index 19.
        char state = '\0';
        ulong start = 0;
        int index = 0;
        foreach (var range in rest.Split(' '))
        {
            var field = rest[range];
            if (index == 0)
            {
                if (field.Length != 1)
                    return null;
                state = field[0];
            }
            else if (index == 19)
            {
                if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out start))
                    return null;
                return new ProcStat(state, start);
            }
            index++;
        }
        return null;
    }
}

/// <summary>
/// Computes a container's status the way runc's refreshState/runType does:
/// frozen cgroup → Paused; else init gone, reused (other start time), zombie or dead →
/// Stopped; else exec.fifo still in the container directory → Created; else Running.
/// </summary>
public sealed class StatusProbe
{
    public const string ExecFifoName = "exec.fifo";

    private readonly IProcReader _proc;

    public StatusProbe(IProcReader? proc = null, Func<ContainerState, bool>? isFrozen = null)
    {
        _proc = proc ?? ProcReader.Instance;
        IsFrozen = isFrozen;
    }

    /// <summary>Whether the container's cgroup is frozen; provided by the cgroup code. Null → never paused.</summary>
    public Func<ContainerState, bool>? IsFrozen { get; set; }

    /// <summary>Status of the container whose directory (holding state.json / exec.fifo) is containerDir.</summary>
    public ContainerStatus GetStatus(ContainerState state, string containerDir)
    {
        // runc checks the freezer first, before looking at the process.
        if (IsFrozen is { } frozen && frozen(state))
            return ContainerStatus.Paused;
        if (!IsInitAlive(state))
            return ContainerStatus.Stopped;
        // runc: os.Stat(<dir>/exec.fifo) succeeds (follows symlinks; any file type).
        var fifo = Path.Combine(containerDir, ExecFifoName);
        return File.Exists(fifo) || Directory.Exists(fifo)
            ? ContainerStatus.Created
            : ContainerStatus.Running;
    }

    /// <summary>True if the saved init pid exists, has the saved start time and is neither zombie nor dead.</summary>
    public bool IsInitAlive(ContainerState state)
    {
        if (state.InitPid <= 0)
            return false;
        var stat = _proc.ReadStat(state.InitPid);
        if (stat is not { } s)
            return false;
        if (s.StartTime != state.InitStartTime)
            return false; // the pid was reused by another process
        return s.State is not ('Z' or 'X' or 'x');
    }

    /// <summary>The pid runc prints: 0 once the container is stopped.</summary>
    public static int VisiblePid(ContainerState state, ContainerStatus status)
        => status == ContainerStatus.Stopped ? 0 : state.InitPid;
}
