using System.Runtime.InteropServices;
using Runcs.Cgroups;
using Runcs.Sys;

namespace Runcs.Container;

/// <summary>
/// How the init gets into its cgroup before its exec, so that everything its runtime touches is
/// charged there. On v1 it moves itself: it writes "0" to the hierarchies' tasks files, which
/// runcs opens here and passes it (a single-threaded task moving itself skips the threadgroup
/// lock, and the RCU grace period, that a cgroup.procs write costs; the kernel checks the
/// opener's credentials). Otherwise runcs writes the init's pid to cgroup.procs. Either way
/// nsexec.c waits for one message before its exec.
/// </summary>
public sealed class CgroupJoin : IDisposable
{
    private readonly CgroupManager? _cgroup;
    private readonly List<int> _tasksFds = [];

    private CgroupJoin(CgroupManager? cgroup) => _cgroup = cgroup;

    /// <summary>Opens what the init needs (no cgroup: it is only told to go on).</summary>
    public static CgroupJoin Open(CgroupManager? cgroup)
    {
        var join = new CgroupJoin(cgroup);
        try
        {
            if (cgroup?.SelfJoinFiles() is { Count: > 0 and <= NativeSpawn.MaxCgroup } files)
            {
                foreach (string file in files)
                {
                    int fd = LibC.open(file, OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC, 0);
                    if (fd < 0)
                        throw SysError.Last($"open {file}");
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

    /// <summary>The init moves itself, so the message may go before its pid is known.</summary>
    public bool BySelf => _tasksFds.Count > 0;

    /// <summary>Moves the init (<paramref name="initPid"/>, unless <see cref="BySelf"/>) and sends the message.</summary>
    public void Send(SyncChannel channel, int initPid)
    {
        if (!BySelf)
            _cgroup?.AddProcess(initPid);
        UnixSocket.SendFds(channel.Fd, CollectionsMarshal.AsSpan(_tasksFds), [SyncChannel.CgroupJoined], "cgroup tasks files");
    }

    public void Dispose()
    {
        foreach (int fd in _tasksFds)
            LibC.close(fd);
        _tasksFds.Clear();
    }
}
