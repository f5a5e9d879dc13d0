using System.Runtime.InteropServices;
using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.OciHooks;
using Runcs.Protocol;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Container;

/// <summary>
/// A container on this host, as its state directory and live processes describe it: the
/// state machine behind start, kill, delete, pause and friends. Creation is in
/// <see cref="ContainerFactory"/>.
/// </summary>
public sealed class Container
{
    private readonly StateStore _store;

    public Container(StateStore store, ContainerState state)
    {
        _store = store;
        State = state;
        Cgroup = state.UseSystemdCgroup
            ? Cgroups.Systemd.SystemdManager.FromState(CgroupManager.FromState(state.CgroupPaths))
            : CgroupManager.FromState(state.CgroupPaths);
        Probe = new StatusProbe(isFrozen: _ => Cgroup.IsFrozen());
    }

    public ContainerState State { get; }
    public CgroupManager Cgroup { get; }
    private StatusProbe Probe { get; }
    public string Id => State.Id;
    public string Dir => _store.ContainerDir(State.Id);
    public string FifoPath => Path.Combine(Dir, StatusProbe.ExecFifoName);

    public static Container Load(StateStore store, string id)
    {
        StateStore.ValidateId(id);
        return new Container(store, store.Load(id));
    }

    public ContainerStatus Status => Probe.GetStatus(State, Dir);

    public bool IsInitAlive => Probe.IsInitAlive(State);

    /// <summary>`start`: lets the init exec the process by opening exec.fifo.</summary>
    public void Start()
    {
        switch (Status)
        {
            case ContainerStatus.Created:
                break;
            case ContainerStatus.Stopped:
                throw new RuntimeError("cannot start a container that has stopped");
            case ContainerStatus.Running:
                throw new RuntimeError("cannot start an already running container");
            case var s:
                throw new RuntimeError($"cannot start a container in the {s.ToRuncString()} state");
        }
        ReleaseInit();
        Logging.Log.Phase("started");
        try
        {
            // In the bundle directory, as runc 1.1.5's (which runs them at the end of create, there).
            HookRunner.Run("poststart", State.Hooks?.Poststart, HookState("running"), State.Bundle);
        }
        catch (RuntimeError)
        {
            // As runc: a failed poststart hook fails start and takes the container down.
            KillAndWait();
            throw;
        }
    }

    /// <summary>
    /// The config `create` validated (config.bin), which `exec` starts from as runc's does from
    /// its saved container config (only exec's default process comes from the bundle again). A
    /// container whose config.bin another runcs wrote (one from before config.bin, or before an
    /// upgrade that changed its layout) falls back to the bundle's config.json, with a warning;
    /// a damaged config.bin is an error naming it.
    /// </summary>
    public Spec LoadConfig()
    {
        if (_store.ReadConfig(Id) is not { } data)
            return SpecLoader.Load(State.Bundle);
        string file = Path.Combine(_store.ContainerDir(Id), StateStore.ConfigFileName);
        Spec? saved;
        string? otherFormat;
        try
        {
            saved = SpecCodec.Decode(data, out otherFormat);
        }
        catch (RuntimeError e)
        {
            throw new RuntimeError($"unable to load the config of container {Id}: {file}: {e.Message}", e);
        }
        if (saved is not null)
            return saved;
        Logging.Log.Warn($"{file}: {otherFormat}: using {Path.Combine(State.Bundle, SpecLoader.ConfigFileName)}");
        return SpecLoader.Load(State.Bundle);
    }

    /// <summary>The state JSON hooks and the seccomp agent read.</summary>
    internal string HookState(string status) => HookRunner.StateJson(State.OciVersion, Id, status,
        status == "stopped" ? 0 : State.InitPid, State.Bundle, State.Annotations);

    /// <summary>
    /// Opens exec.fifo without blocking, then waits for the init's byte while watching that
    /// the init is still alive (a plain blocking open would hang forever on a dead init).
    /// </summary>
    private unsafe void ReleaseInit()
    {
        int fd = LibC.open(FifoPath, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last($"open {FifoPath}");
        try
        {
            // The init writes one byte once its startContainer hooks ran; EOF follows when its
            // end of the fifo closes at exec. EOF without the byte: it died before starting.
            bool confirmed = false;
            var pfd = new Tmds.Linux.pollfd { fd = fd, events = 1 /* POLLIN */ };
            while (true)
            {
                if (LibC.poll(&pfd, 1, 10) > 0)
                {
                    byte b;
                    nint n = LibC.read(fd, &b, 1);
                    if (n == 1)
                        confirmed = true;
                    else if (n == 0)
                        break;
                }
                else if (!IsInitAlive)
                {
                    break;
                }
            }
            if (!confirmed)
                throw new RuntimeError("container init exited before the process was started (see the container's stderr)");
        }
        finally
        {
            LibC.close(fd);
        }
        File.Delete(FifoPath);
    }

    /// <summary>
    /// `kill`: the init, or with all every process of the container's cgroup. As runc's: with
    /// all, a stopped container too (without its own pid namespace its other processes outlive
    /// the init: the shim's `kill --all ID 9` ends them); without, a stopped one is an error.
    /// </summary>
    public void Signal(int signal, bool all)
    {
        var status = Status;
        if (all)
        {
            SignalAll(signal, initAlive: status != ContainerStatus.Stopped);
            return;
        }
        if (status == ContainerStatus.Stopped)
            throw new RuntimeError("container not running");
        if (LibC.kill(State.InitPid, signal) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ESRCH)
                throw new RuntimeError("container not running");
            throw new SysError("unable to signal init", errno);
        }
        // A frozen (v1) process dies only once thawed.
        if (status == ContainerStatus.Paused && signal == Signals.SIGKILL)
            Cgroup.Freeze(false);
    }

    /// <summary>
    /// Signals every process in the cgroup, frozen first so none can fork away. The init's pid is
    /// signalled directly only while it is known alive (no cgroup to read): once it has exited,
    /// the number may be another process's.
    /// </summary>
    private void SignalAll(int signal, bool initAlive = true)
    {
        if (signal == Signals.SIGKILL && Cgroup is V2Manager v2 && v2.TryKillAll())
            return;
        if (Cgroup.IsNone)
        {
            // Rootless, without a cgroup: nothing to freeze; the pid namespace names them.
            foreach (int pid in Processes())
                LibC.kill(pid, signal);
            return;
        }
        var pids = Cgroup.Pids();
        if (pids.Count == 0)
        {
            if (initAlive)
                LibC.kill(State.InitPid, signal);
            return;
        }
        bool wasFrozen = Cgroup.IsFrozen();
        Cgroup.Freeze(true);
        try
        {
            foreach (int pid in Cgroup.Pids())
                LibC.kill(pid, signal);
        }
        finally
        {
            if (!wasFrozen || signal == Signals.SIGKILL)
                Cgroup.Freeze(false);
        }
    }

    /// <summary>`delete`: removes a stopped (or created) container; with force, kills it first.</summary>
    public void Delete(bool force)
    {
        var status = Status;
        switch (status)
        {
            case ContainerStatus.Stopped:
                break;
            case ContainerStatus.Created:
                KillInitAndWait();
                break;
            default:
                if (!force)
                    throw new RuntimeError($"cannot delete container {Id} that is not stopped: {status.ToRuncString()}");
                KillInitAndWait();
                break;
        }
        Destroy();
    }

    /// <summary>SIGKILL to every process, then wait until the init is gone.</summary>
    public void KillAndWait()
    {
        if (Cgroup.Paths.Count > 0)
            SignalAll(9);
        else
            LibC.kill(State.InitPid, Signals.SIGKILL);
        if (Cgroup.IsFrozen())
            Cgroup.Freeze(false);
        for (int i = 0; i < 10000 && IsInitAlive; i++)
            Thread.Sleep(1);
    }

    /// <summary>
    /// runc's delete: SIGKILL to the init only (the cgroup may hold processes that are not the
    /// container's), thawed if frozen (a frozen task cannot die), then up to 10 s for it to go.
    /// </summary>
    private void KillInitAndWait()
    {
        if (IsInitAlive)
            LibC.kill(State.InitPid, Signals.SIGKILL);
        if (Cgroup.IsFrozen())
            Cgroup.Freeze(false);
        var deadline = Environment.TickCount64 + 10_000;
        while (IsInitAlive && Environment.TickCount64 < deadline)
            Thread.Sleep(1);
    }

    /// <summary>
    /// Removes what the container holds on the host: its cgroup and its state directory. As
    /// runc's destroy: the cgroup is swept only when the container has no pid namespace of its
    /// own (its processes can outlive the init); with one, the kernel ended them with the init,
    /// and anything else in the cgroup is not the container's. A cgroup that cannot be removed
    /// (a process of someone else's in it) is an error, after the state is gone.
    /// </summary>
    public void Destroy()
    {
        if (!State.OwnPidNamespace)
            for (int i = 0; i < 100 && Cgroup.Pids().Count > 0; i++)
            {
                SignalAll(9);
                Thread.Sleep(5);
            }
        RuntimeError? cgroupError = null;
        try
        {
            Cgroup.Destroy();
        }
        catch (RuntimeError e)
        {
            cgroupError = e;
        }
        HookRunner.RunWarnOnly("poststop", State.Hooks?.Poststop, HookState("stopped"));
        _store.Remove(Id);
        if (cgroupError is not null)
            throw cgroupError;
    }

    /// <summary>
    /// A container directory without state.json: `create` was killed before it wrote one.
    /// Its init died with that runcs (PR_SET_PDEATHSIG until the state is written); what may
    /// be left are the cgroups, named by the config.bin written before they were made.
    /// </summary>
    public static void RemoveUnrecorded(StateStore store, string id)
    {
        try
        {
            if (store.ReadConfig(id) is { } config)
            {
                var spec = SpecCodec.Decode(config, out string? otherFormat)
                    ?? throw new RuntimeError($"{StateStore.ConfigFileName}: {otherFormat}: its cgroups are left");
                CgroupManager.ForNew(spec.Linux?.CgroupsPath, id).Destroy();
            }
        }
        catch (Exception e) // best effort: the directory goes in any case
        {
            Logging.Log.Warn($"container {id} killed during create: {e.Message}");
        }
        store.Remove(id);
    }

    /// <summary>
    /// The container's processes: its cgroup's. A rootless container runcs could make no
    /// cgroup for has none to read; with a pid namespace of its own, its processes are those in
    /// that namespace (runc 1.1.5 fails `ps` and `kill --all` there).
    /// </summary>
    public List<int> Processes()
    {
        if (!Cgroup.IsNone)
            return Cgroup.Pids();
        if (!State.OwnPidNamespace || !IsInitAlive)
            return [];
        return PidNamespace.Members(State.InitPid);
    }

    /// <summary>runc's words for pause/resume of a container without a freezer cgroup.</summary>
    private void RequireFreezer()
    {
        if (!Cgroup.HasFreezer)
            throw new RuntimeError("cannot toggle freezer: cgroups not configured for container");
    }

    public void Pause()
    {
        var status = Status;
        if (status is not (ContainerStatus.Running or ContainerStatus.Created))
            throw new RuntimeError("container not running");
        RequireFreezer();
        Cgroup.Freeze(true);
    }

    /// <summary>`update`: writes the changed limits to the live cgroup, then records them in the state.</summary>
    public void Update(LinuxResources resources)
    {
        if (Status == ContainerStatus.Stopped)
            throw new RuntimeError("container not running");
        var delta = ResourceUpdate.Delta(resources, State.Resources);
        Cgroup.Set(delta);
        State.Resources = ResourceUpdate.Merge(State.Resources, delta);
        _store.Save(State);
    }

    public void Resume()
    {
        if (Status != ContainerStatus.Paused)
            throw new RuntimeError("container not paused");
        RequireFreezer();
        Cgroup.Freeze(false);
    }
}
