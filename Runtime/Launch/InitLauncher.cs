using System.Text;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Protocol;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>What the launcher needs to know to bring up a `runcs init`.</summary>
public sealed class LaunchPlan
{
    /// <summary>CLONE_NEW* flags of the namespaces to create.</summary>
    public int CloneFlags { get; init; }
    /// <summary>Namespace files to join, as (path, CLONE_NEW* type); the user namespace is joined first.</summary>
    public List<(string Path, int Type)> Join { get; init; } = [];
    public List<LinuxIdMapping>? UidMappings { get; init; }
    public List<LinuxIdMapping>? GidMappings { get; init; }
    /// <summary>Content for /proc/self/timens_offsets, or null.</summary>
    public string? TimeOffsets { get; init; }
    /// <summary>Fds the init inherits besides the sync socket.</summary>
    public List<int> InheritFds { get; init; } = [];
    /// <summary>How many fds from 3 on the init inherits as they are (--preserve-fds, socket activation).</summary>
    public int PreserveFds { get; init; }
    /// <summary>Fds that become the init's 0, 1 and 2; -1 leaves runcs's own.</summary>
    public int[] Stdio { get; init; } = [-1, -1, -1];
    /// <summary>
    /// A cgroup that exists before the spawn (exec's): the init is told to join it during the
    /// spawn, its tasks files opened while stage 1 joins the namespaces. Without one the caller
    /// makes the cgroup while the kernel makes the namespaces, then calls
    /// <see cref="InitLauncher.JoinCgroup"/>.
    /// </summary>
    public Cgroups.CgroupManager? Cgroup { get; init; }
    /// <summary>
    /// A hybrid host's unified cgroup (an O_PATH fd, the caller's) the first child is cloned
    /// into, or -1. Moving a process there later would cost an RCU grace period (8-15 ms here).
    /// </summary>
    public int UnifiedCgroupFd { get; set; } = -1;
}

/// <summary>
/// The parent's half of starting an init: it hands the plan to nsexec.c, answers its
/// requests (id maps), and gives back the init's pid and the sync channel. The init waits
/// before its exec until it is told to join its cgroup (<see cref="CgroupJoin"/>).
/// </summary>
public sealed class InitLauncher : IDisposable
{
    private InitLauncher(int pid, SyncChannel channel, int debugFd, bool inUnifiedCgroup)
    {
        Pid = pid;
        Channel = channel;
        _debugFd = debugFd;
        InUnifiedCgroup = inUnifiedCgroup;
    }

    /// <summary>The clone took care of <see cref="LaunchPlan.UnifiedCgroupFd"/>; otherwise the init joins it with the others.</summary>
    public bool InUnifiedCgroup { get; }

    /// <summary>The init's number for its --debug log fd, or -1.</summary>
    private readonly int _debugFd;

    /// <summary>The init's pid, in runcs's pid namespace; it is runcs's child.</summary>
    public int Pid { get; }
    public SyncChannel Channel { get; }

    public static unsafe InitLauncher Start(LaunchPlan plan)
    {
        if (plan.Join.Count > NativeSpawn.MaxJoin || plan.InheritFds.Count + 2 > NativeSpawn.MaxKeep)
            throw new RuntimeError("too many namespaces or fds for the init");
        var (channel, childFd) = SyncChannel.CreatePair();
        var joinFds = new List<int>();
        int exeFd = -1;
        int debugFd = Logging.Log.DebugFdForInit();
        try
        {
            foreach (var (path, _) in plan.Join)
            {
                int fd = LibC.open(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
                if (fd < 0)
                    throw SysError.Last($"open namespace {path}");
                joinFds.Add(fd);
            }
            exeFd = SealedBinary.Open();
            bool rootless = Rootless.Euid;

            var args = new NativeSpawn.SpawnArgs
            {
                CloneFlags = plan.CloneFlags,
                JoinCount = plan.Join.Count,
                SyncFd = childFd,
                ExeFd = exeFd,
                // As runc: rootless, setgroups is never called (it is denied, or not runcs's to allow).
                SetgroupsAllowed = rootless ? 0 : 1,
                MapsByOwner = rootless ? 1 : 0,
                CgroupFd = plan.UnifiedCgroupFd,
                PreserveFds = plan.PreserveFds,
            };
            for (int i = 0; i < plan.Join.Count; i++)
            {
                args.JoinFds[i] = joinFds[i];
                args.JoinTypes[i] = plan.Join[i].Type;
            }
            args.KeepFds[0] = childFd;
            for (int i = 0; i < plan.InheritFds.Count; i++)
                args.KeepFds[i + 1] = plan.InheritFds[i];
            args.KeepCount = plan.InheritFds.Count + 1;
            if (debugFd >= 0)
                args.KeepFds[args.KeepCount++] = debugFd;
            for (int i = 0; i < 3; i++)
                args.StdioFds[i] = plan.Stdio[i];

            using var strings = new NativeStrings();
            args.Argv = strings.Array(["runcs", "init"]);
            args.Envp = strings.Array([$"{InitEnvironment.SyncFdVariable}={childFd}", InitEnvironment.Gen0Budget]);
            args.TimensOffsets = plan.TimeOffsets is null ? null : strings.String(plan.TimeOffsets);

            int pid = NativeSpawn.Spawn(&args);
            if (pid < 0)
                throw new SysError("clone", -pid);
            LibC.close(childFd);
            childFd = -1;
            // Joined, or refused (left out, as runc ignores a unified hierarchy it cannot join);
            // 0: the kernel cannot clone into a cgroup, the init joins it with the others.
            bool inUnified = args.InCgroup != 0;
            int initPid = FinishSpawn(plan, channel, pid, inUnified);
            return new InitLauncher(initPid, channel, debugFd, inUnified);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
        finally
        {
            if (childFd >= 0)
                LibC.close(childFd);
            foreach (int fd in joinFds)
                LibC.close(fd);
            if (exeFd >= 0)
                LibC.close(exeFd);
            if (debugFd >= 0)
                LibC.close(debugFd);
        }
    }

    /// <summary>Answers nsexec.c until the init exists: id maps, the final pid.</summary>
    private static int FinishSpawn(LaunchPlan plan, SyncChannel channel, int firstPid, bool inUnified)
    {
        bool newUser = ((ulong)plan.CloneFlags & Namespaces.CloneNewUser) != 0;
        bool twoStage = plan.Join.Count > 0 || ((ulong)plan.CloneFlags & Namespaces.CloneNewTime) != 0;
        int child = firstPid; // the one process of ours alive at each point
        try
        {
            if (newUser)
            {
                Expect(channel, SyncChannel.UserNamespaceReady);
                IdMapWriter.Write(firstPid, plan.UidMappings, plan.GidMappings);
                channel.SendByte(SyncChannel.MapsWritten);
            }
            // The rest of nsexec.c's records come from the final init, which reads nothing
            // before this message: it may go now, while stage 1 joins and forks.
            using var join = plan.Cgroup is null ? null : CgroupJoin.Open(plan.Cgroup, joinUnified: !inUnified, firstPid);
            if (join is { BySelf: true })
                SendJoin(channel, join, 0);
            if (twoStage)
            {
                int initPid = Expect(channel, SyncChannel.InitPid);
                Reaper.Wait(firstPid);
                child = initPid;
            }
            Logging.Log.Phase("init forked");
            if (join is { BySelf: false })
                SendJoin(channel, join, child);
            return child;
        }
        catch
        {
            LibC.kill(child, Signals.SIGKILL);
            Reaper.Wait(child);
            throw;
        }
    }

    private static int Expect(SyncChannel channel, byte tag)
    {
        var (got, value, _) = channel.Receive();
        if (got == tag)
            return value;
        ThrowIfCStageFailed(channel, got, value);
        throw new RuntimeError(got == 0
            ? "nsexec: init exited before it was set up"
            : $"nsexec: unexpected message '{(char)got}'");
    }

    /// <summary>An 'E' record from nsexec.c, and its step, become the error they describe.</summary>
    private static void ThrowIfCStageFailed(SyncChannel channel, byte tag, int errno)
    {
        if (tag != SyncChannel.CStageErrno)
            return;
        var (_, step, _) = channel.Receive();
        throw new RuntimeError($"nsexec: {NativeSpawn.StepName(step)}: {SysError.Describe(errno)}");
    }

    /// <summary>Puts the init into the cgroup the caller made after the spawn (see <see cref="LaunchPlan.Cgroup"/>).</summary>
    public void JoinCgroup(CgroupJoin join) => SendJoin(Channel, join, Pid);

    private static void SendJoin(SyncChannel channel, CgroupJoin join, int initPid)
    {
        ExplainingChildDeath(channel, () => join.Send(channel, initPid));
        Logging.Log.Phase("init in cgroup");
    }

    /// <summary>Sends the init its instructions.</summary>
    public void SendRequest(InitRequest request)
    {
        request.DebugFd = _debugFd;
        request.JsonLog = Logging.Log.CurrentFormat == Logging.LogFormat.Json;
        request.Origin = Logging.Log.Origin;
        request.RootlessEuid = Rootless.Euid;
        request.Seccomp ??= request.Spec.Linux?.Seccomp is { } profile ? Seccomp.SeccompLoader.Prepare(profile) : null;
        var sources = request.InUserNamespace && !request.IsExec ? OpenMountSources(request) : [];
        try
        {
            ExplainingChildDeath(Channel, () => Channel.SendWithFds(SyncChannel.Config, request.Encode(), sources));
        }
        finally
        {
            foreach (int fd in sources)
                LibC.close(fd);
        }
        Logging.Log.Phase("init request sent");
    }

    /// <summary>
    /// In a user namespace the init is the container's root, which may not reach a bind
    /// source that runcs (the host's root) can, such as one below a 0700 directory. runcs makes
    /// each source a detached bind mount (open_tree(OPEN_TREE_CLONE): an O_PATH fd of runcs's
    /// mount namespace could not be bound in the container's) and the init attaches it with
    /// move_mount, as runc 1.1's mount fds do. A source runcs cannot open is left to the init,
    /// which reports why it cannot mount it.
    /// </summary>
    private static int[] OpenMountSources(InitRequest request)
    {
        var fds = new List<int>();
        var mounts = request.Spec.Mounts ?? [];
        for (int i = 0; i < mounts.Count && fds.Count < SyncChannel.MaxFds; i++)
        {
            var m = mounts[i];
            if (m.Source is not { Length: > 0 } source)
                continue;
            var opts = MountOptions.Parse(m.Options);
            if (m.Type != "bind" && (opts.Flags & MountOptions.MS_BIND) == 0)
                continue;
            int fd = MountApi.CloneTree(source, recursive: (opts.Flags & MountOptions.MS_REC) != 0);
            if (fd < 0)
                continue;
            // runc's remount of the bind, made here on the detached tree (no path step; in the
            // container's user namespace these flags would be locked).
            if ((opts.Flags & ~(MountOptions.MS_BIND | MountOptions.MS_REC | MountOptions.MS_REMOUNT)) != 0)
            {
                var (set, clear) = MountApi.RemountAttributes(opts.Flags, opts.ClearFlags, keepExisting: true);
                try
                {
                    MountApi.SetAttributes(fd, set, clear, source);
                }
                catch (SysError)
                {
                    LibC.close(fd);
                    continue;
                }
            }
            fds.Add(fd);
            request.MountSourceIndexes.Add(i);
        }
        return [.. fds];
    }

    /// <summary>A send to the init that fails because the child died before its exec (a
    /// namespace, a cgroup join, a kept fd) throws what its records say.</summary>
    private static void ExplainingChildDeath(SyncChannel channel, Action send)
    {
        try
        {
            send();
        }
        catch (SysError)
        {
            var (tag, value, _) = channel.Receive();
            ThrowIfCStageFailed(channel, tag, value);
            throw;
        }
    }

    /// <summary>
    /// Waits for the init's verdict: it reports ready, or an error that becomes this
    /// command's error, or it dies. On the way it may ask for the prestart and
    /// createRuntime hooks (its mounts are made, pivot_root is not), and hand over its
    /// seccomp notify listener for the agent.
    /// </summary>
    public void WaitReady(Action? runCreateRuntimeHooks = null, Seccomp.SeccompAgent? seccompAgent = null)
    {
        while (true)
        {
            var (tag, value, payload) = Channel.Receive();
            switch (tag)
            {
                case SyncChannel.Ready:
                    Logging.Log.Phase("init ready");
                    return;
                case SyncChannel.RunCreateRuntimeHooks when runCreateRuntimeHooks is not null:
                    runCreateRuntimeHooks();
                    Channel.Send(SyncChannel.HooksDone);
                    break;
                case SyncChannel.SeccompListener when seccompAgent is not null:
                    seccompAgent.Deliver(Pid, value);
                    Channel.Send(SyncChannel.SeccompListenerTaken);
                    break;
                case SyncChannel.InitError:
                    throw new RuntimeError(Encoding.UTF8.GetString(payload));
                default:
                    ThrowIfCStageFailed(Channel, tag, value);
                    throw new RuntimeError("container init exited unexpectedly");
            }
        }
    }

    public void Dispose() => Channel.Dispose();
}
