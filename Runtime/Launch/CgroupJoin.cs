using System.Runtime.InteropServices;
using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Protocol;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>
/// How the init gets into its cgroup before its exec, so that everything its runtime touches is
/// charged there. On v1 it moves itself: it writes "0" to the hierarchies' tasks files, which
/// runcs opens here and passes it (a single-threaded task moving itself skips the threadgroup
/// lock, and the RCU grace period, that a cgroup.procs write costs; the kernel checks the
/// opener's credentials). Otherwise runcs writes the init's pid to cgroup.procs. Either way
/// nsexec.c waits for one message before its exec. A hybrid host's unified cgroup is joined at
/// the clone (<see cref="LaunchPlan.UnifiedCgroupFd"/>); where the kernel cannot, its cgroup.procs
/// joins the files the init writes "0" to (a cgroup.procs write: the slow way, kept for old kernels).
/// </summary>
public sealed class CgroupJoin : IDisposable
{
    private readonly CgroupManager? _cgroup;
    private readonly List<int> _tasksFds = [];

    private readonly bool _joinUnified;

    private CgroupJoin(CgroupManager? cgroup, bool joinUnified)
    {
        _cgroup = cgroup;
        _joinUnified = joinUnified;
    }

    /// <summary>
    /// Opens what the init needs (no cgroup: it is only told to go on); <paramref name="joinUnified"/>
    /// when the clone did not put it into the hybrid host's unified cgroup. <paramref name="pid"/> names the process in errors.
    /// </summary>
    public static CgroupJoin Open(CgroupManager? cgroup, bool joinUnified, int pid)
    {
        var join = new CgroupJoin(cgroup, joinUnified);
        try
        {
            if (cgroup?.SelfJoinFiles() is { Count: > 0 and <= NativeSpawn.MaxCgroup - 1 } files)
            {
                if (joinUnified && cgroup.UnifiedPath is string unified && Directory.Exists(unified))
                    files.Add(Path.Combine(unified, "cgroup.procs"));
                foreach (string file in files)
                {
                    int fd = LibC.open(file, OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC, 0);
                    if (fd < 0)
                        throw JoinFailed(file, pid);
                    join._tasksFds.Add(fd);
                }
            }
        }
        catch
        {
            join.Dispose();
            throw;
        }
        return join;
    }

    /// <summary>A cgroup (an `exec --cgroup` sub-cgroup removed meanwhile) that cannot be opened, in runc's words.</summary>
    public sealed class JoinError(string message) : RuntimeError(message);

    private static JoinError JoinFailed(string file, int pid)
    {
        int errno = Marshal.GetLastPInvokeError();
        string procs = Path.Combine(Path.GetDirectoryName(file)!, "cgroup.procs");
        return new JoinError($"error adding pid {pid} to cgroups: failed to write {pid}: openat2 {procs}: {SysError.Describe(errno)}");
    }

    /// <summary>The init moves itself, so the message may go before its pid is known.</summary>
    public bool BySelf => _tasksFds.Count > 0;

    /// <summary>Moves the init (<paramref name="initPid"/>, unless <see cref="BySelf"/>) and sends the message.</summary>
    public void Send(SyncChannel channel, int initPid)
    {
        if (!BySelf)
        {
            _cgroup?.AddProcess(initPid);
            if (_joinUnified && _cgroup?.UnifiedPath is string unified)
                CgroupManager.TryWriteFile(unified, "cgroup.procs", initPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        UnixSocket.SendFds(channel.Fd, CollectionsMarshal.AsSpan(_tasksFds), [SyncChannel.CgroupJoined], "cgroup tasks files");
    }

    public void Dispose()
    {
        foreach (int fd in _tasksFds)
            LibC.close(fd);
        _tasksFds.Clear();
    }
}
