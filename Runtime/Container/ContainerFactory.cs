using System.Globalization;
using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Io;
using Runcs.Launch;
using Runcs.Oci;
using Runcs.OciHooks;
using Runcs.Protocol;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Container;

/// <summary>Options of `create` (and `run`) that are not in config.json.</summary>
public sealed class CreateOptions
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public string? PidFile { get; init; }
    public bool NoPivot { get; init; }
    public int PreserveFds { get; init; }
    /// <summary>`create` and `run -d`: the process's stdio is the caller's business.</summary>
    public bool Detach { get; init; } = true;
    public string? ConsoleSocket { get; init; }
    /// <summary>--systemd-cgroup: the cgroup is a systemd unit (<see cref="Cgroups.Systemd.SystemdManager"/>).</summary>
    public bool SystemdCgroup { get; init; }
    /// <summary>--rootless: "true", "false" or "auto" (see <see cref="Container.Rootless.Cgroups"/>).</summary>
    public string Rootless { get; init; } = "auto";
}

/// <summary>
/// `create`: turns a bundle into a created container whose init waits on exec.fifo. Each step
/// registers its undo (<see cref="UndoStack"/>): on any failure everything made so far is
/// undone in reverse, init killed, cgroup and state removed.
/// </summary>
public static class ContainerFactory
{
    /// <summary>Creates the container; the returned <see cref="ProcessIo"/> carries its stdio (foreground run forwards it).</summary>
    public static (Container Container, ProcessIo Io) Create(StateStore store, CreateOptions options)
    {
        StateStore.ValidateId(options.Id);
        var spec = SpecLoader.Load(options.Bundle);
        Logging.Log.Phase("config parsed");
        SpecValidator.Validate(spec, options.Bundle);
        var seccomp = Seccomp.SeccompLoader.PrepareChecked(spec.Linux?.Seccomp, SpecLoader.ConfigFileName);
        string rootfs = Path.GetFullPath(spec.Root!.Path, options.Bundle);
        Logging.Log.Phase("config loaded");
        ResolveBindSources(spec, options.Bundle);
        SysctlPolicy.Check(spec);
        RefuseHostCgroup(spec.Linux?.CgroupsPath);
        new Init.Lsm(Init.HostLsm.Instance).Check(spec.Process!, spec.Linux?.MountLabel);

        // A cgroup made by another tool is checked before anything of the container exists
        // (with --systemd-cgroup, systemd makes it once the init exists).
        CgroupManager? cgroup = options.SystemdCgroup ? null : CgroupManager.ForNew(spec.Linux?.CgroupsPath, options.Id);
        cgroup?.CheckPreExisting();
        var unitProperties = options.SystemdCgroup ? Cgroups.Systemd.UnitAnnotations.Parse(spec.Annotations) : null;

        string dir = store.Create(options.Id);
        using var idLock = store.Lock(options.Id);
        // Each step registers what undoes it; on a failure they run in reverse, under the lock.
        using var undo = new UndoStack("create");
        undo.Push(() => store.Remove(options.Id), "remove the state directory");
        // The cgroup is made below: the unified one before the init (cloned into it), the others
        // or systemd's unit once the init exists. Removed on any failure from here, as runc's destroy does.
        undo.Push(() => cgroup?.Destroy(), "remove the cgroup");

        int fifoFd = OpenExecFifo(dir);
        undo.Defer(() => LibC.close(fifoFd), "close the exec fifo");

        var (rootUid, rootGid) = RootIds(spec);
        var io = ProcessIo.Prepare(spec.Process!.Terminal == true, options.Detach, options.ConsoleSocket, rootUid, rootGid);
        undo.Push(io.Dispose, "close the process's stdio");
        int preserveFds = options.PreserveFds + SocketActivation(spec);
        var plan = NamespacePlan.For(spec, io.ConsoleFd >= 0 ? [fifoFd, io.ConsoleFd] : [fifoFd], io.ChildStdio, preserveFds);
        // A hybrid host's unified cgroup is made first: the init is cloned into it.
        int unifiedFd = plan.UnifiedCgroupFd = cgroup?.OpenUnified(create: true) ?? -1;
        if (unifiedFd >= 0)
            undo.Defer(() => LibC.close(unifiedFd), "close the unified cgroup");

        InitLauncher launcher;
        try
        {
            launcher = InitLauncher.Start(plan);
        }
        catch (RuntimeError e) when (e is not ConfigError)
        {
            throw StartFailed(e, spec, cgroup: null);
        }
        // Registered before the kill, so it runs after it: the init never sees its channel close.
        undo.Defer(launcher.Dispose, "close the sync channel");
        undo.Push(() =>
        {
            LibC.kill(launcher.Pid, Signals.SIGKILL);
            Reaper.Wait(launcher.Pid);
        }, "kill the init");

        // The kernel has made the namespaces (a network namespace alone takes 0.3-0.6 ms) while
        // the child waits for its cgroup, made now. Limits go in before the init joins: nothing
        // of the container ever runs unlimited.
        // config.bin before the cgroup: a create killed from here on leaves a directory
        // that names its cgroups, which `delete --force` removes (the init dies with runcs
        // until state.json is written).
        store.Write(options.Id, StateStore.ConfigFileName, SpecCodec.Encode(spec));
        // --systemd-cgroup: systemd makes the cgroup, a transient unit holding the init.
        var deviceRules = DeviceRules.For(spec);
        cgroup ??= Cgroups.Systemd.SystemdManager.ForNew(spec.Linux?.CgroupsPath, options.Id, launcher.Pid, spec.Linux?.Resources ?? new LinuxResources(), deviceRules, unitProperties!);
        var rootlessCgroups = new Lazy<bool>(() => Rootless.Cgroups(options.Rootless, options.SystemdCgroup));
        cgroup = CreateCgroup(cgroup, () => string.IsNullOrEmpty(spec.Linux?.CgroupsPath) && rootlessCgroups.Value);
        SetCgroup(cgroup, spec.Linux?.Resources ?? new LinuxResources(), deviceRules, rootlessCgroups);
        Logging.Log.Phase("cgroup set");

        ContainerState state;
        byte[] stateBytes;
        try
        {
            (state, stateBytes) = Boot(options, spec, rootfs, seccomp, cgroup, launcher, io, fifoFd, preserveFds);
        }
        catch (RuntimeError e) when (e is not ConfigError)
        {
            throw StartFailed(e, spec, cgroup);
        }

        store.Write(options.Id, stateBytes);
        try
        {
            launcher.Channel.Send(SyncChannel.Committed);
        }
        catch (SysError)
        {
            // The init died since it was ready: the container is recorded, and stopped.
        }
        Logging.Log.Phase("state written");
        if (options.PidFile is not null)
            WritePidFile(options.PidFile, launcher.Pid);
        undo.Dismiss();
        return (new Container(store, state), io);
    }

    /// <summary>
    /// runc's rule for a cgroup runcs may not make: left out (the container stays in runcs's own
    /// cgroup) for a rootless container without linux.cgroupsPath (<paramref name="mayLeaveOut"/>);
    /// an error otherwise, in runc's words.
    /// </summary>
    private static CgroupManager CreateCgroup(CgroupManager cgroup, Func<bool> mayLeaveOut)
    {
        try
        {
            return cgroup.CreateOrLeaveOut(mayLeaveOut);
        }
        catch (SysError e)
        {
            throw new RuntimeError("unable to start container process: unable to apply cgroup configuration: " + e.Message, e);
        }
    }

    /// <summary>
    /// linux.resources and the device rules. Where the cgroup was left out, a limit is runc's
    /// error ("cannot set memory limit: container could not join or create cgroup") and device
    /// rules are not applied (runc ignores them for rootless containers: only the host's root
    /// may write them, even in a delegated cgroup, so a refused device rule is dropped too).
    /// </summary>
    private static void SetCgroup(CgroupManager cgroup, LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup> deviceRules, Lazy<bool> rootlessCgroups)
    {
        bool leftOut = rootlessCgroups.IsValueCreated && rootlessCgroups.Value;
        try
        {
            try
            {
                cgroup.Set(resources, leftOut ? null : deviceRules);
            }
            catch (RuntimeError) when (!leftOut && rootlessCgroups.Value)
            {
                cgroup.Set(resources, null);
            }
        }
        catch (RuntimeError e) when (e is not ConfigError && rootlessCgroups.IsValueCreated && rootlessCgroups.Value)
        {
            throw new RuntimeError("unable to start container process: error during container init: " +
                "error setting cgroup config for procHooks process: " + e.Message, e);
        }
    }

    /// <summary>
    /// exec.fifo, which `start` opens to let the init exec; an O_PATH fd of it goes to the init.
    /// Inside the container's directory: removed with it.
    /// </summary>
    private static int OpenExecFifo(string dir)
    {
        string fifo = Path.Combine(dir, StatusProbe.ExecFifoName);
        uint oldMask = LibC.umask(0);
        int made = LibC.mkfifo(fifo, 0x192 /* 0622 */);
        LibC.umask(oldMask);
        if (made < 0)
            throw SysError.Last($"mkfifo {fifo}");
        int fd = LibC.open(fifo, OpenFlags.O_PATH | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last($"open {fifo}");
        return fd;
    }

    /// <summary>
    /// The init, cloned, joins its cgroup, gets its request and boots, running the prestart and
    /// createRuntime hooks when it asks; returns the state to record (and its state.json, made
    /// while the init boots).
    /// </summary>
    private static (ContainerState State, byte[] Json) Boot(CreateOptions options, Spec spec, string rootfs, Seccomp.SeccompLoader.Filter? seccomp,
        CgroupManager cgroup, InitLauncher launcher, ProcessIo io, int fifoFd, int preserveFds)
    {
        using (var join = CgroupJoin.Open(cgroup, joinUnified: !launcher.InUnifiedCgroup, launcher.Pid))
            launcher.JoinCgroup(join);
        int consoleFd = io.ConsoleFd;
        io.CloseChildEnds();
        launcher.SendRequest(new InitRequest
        {
            ContainerId = options.Id,
            Rootfs = rootfs,
            Bundle = options.Bundle,
            NoPivot = options.NoPivot,
            FifoFd = fifoFd,
            ConsoleFd = consoleFd,
            PreserveFds = preserveFds,
            InUserNamespace = spec.Linux?.FindNamespace("user") is not null,
            Seccomp = seccomp,
            Spec = spec,
        });
        // The init boots meanwhile: start copying its stdio, make state.json now (written
        // once the init is ready).
        io.StartPipeForwarding();
        var state = NewState(options, spec, rootfs, cgroup, launcher.Pid);
        byte[] stateBytes = StateStore.Serialize(state);
        int initPid = launcher.Pid;
        string CreatingState() =>
            HookRunner.StateJson(spec.OciVersion, options.Id, "creating", initPid, options.Bundle, spec.Annotations);
        launcher.WaitReady(() =>
        {
            // In the bundle directory: runc's create works there (it chdirs into the bundle).
            string hookState = CreatingState();
            try
            {
                HookRunner.Run("prestart", spec.Hooks?.Prestart, hookState, options.Bundle);
                HookRunner.Run("createRuntime", spec.Hooks?.CreateRuntime, hookState, options.Bundle);
            }
            catch (RuntimeError e)
            {
                // runc's words: the init is not ready yet (InitProcess words its own errors alike).
                throw new RuntimeError("error during container init: " + e.Message, e);
            }
        }, Seccomp.SeccompAgent.For(spec.Linux?.Seccomp, CreatingState));
        io.StartTerminalForwarding();
        return (state, stateBytes);
    }

    private static ContainerState NewState(CreateOptions options, Spec spec, string rootfs, CgroupManager cgroup, int initPid) => new()
    {
        OciVersion = spec.OciVersion,
        Id = options.Id,
        InitPid = initPid,
        InitStartTime = ProcReader.Instance.ReadStat(initPid)?.StartTime ?? 0,
        Bundle = options.Bundle,
        Rootfs = rootfs,
        Created = DateTimeOffset.UtcNow,
        Annotations = spec.Annotations,
        CgroupPaths = new Dictionary<string, string>(cgroup.Paths),
        UseSystemdCgroup = options.SystemdCgroup,
        Rootless = Rootless.Euid,
        Resources = spec.Linux?.Resources,
        NamespacePaths = NamespacePlan.PathsOf(spec, initPid),
        OwnPidNamespace = spec.Linux?.FindNamespace("pid") is { } pid && string.IsNullOrEmpty(pid.Path),
        Hooks = spec.Hooks,
    };

    /// <summary>
    /// systemd socket activation, as runc handles it: with LISTEN_FDS set, fds 3.. are passed
    /// on and the process is told they are its own (LISTEN_PID=1). Returns how many fds that adds.
    /// </summary>
    private static int SocketActivation(Spec spec)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out int count) || count <= 0)
            return 0;
        var process = spec.Process!;
        process.Env = [.. process.Env ?? [], $"LISTEN_FDS={count}", "LISTEN_PID=1"];
        return count;
    }

    /// <summary>
    /// A cgroupsPath that resolves to the hierarchy's root ("/", "/a/..") or, relative, to
    /// runcs's own cgroup (".", "a/..") would put the container among the host's processes,
    /// which its limits, `kill --all`, `pause` and a sweep at `delete` would then reach.
    /// </summary>
    private static void RefuseHostCgroup(string? cgroupsPath)
    {
        if (string.IsNullOrEmpty(cgroupsPath) || cgroupsPath.Contains(':'))
            return; // the id, or systemd's form (refused by the cgroup code)
        int depth = 0;
        foreach (string part in cgroupsPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            depth = part switch { "." => depth, ".." => Math.Max(0, depth - 1), _ => depth + 1 };
        if (depth == 0)
            throw new ConfigError(SpecLoader.ConfigFileName, "linux.cgroupsPath", cgroupsPath.StartsWith('/')
                ? $"\"{cgroupsPath}\" is the root cgroup: a container needs a cgroup of its own"
                : $"\"{cgroupsPath}\" is runcs's own cgroup: a container needs a cgroup of its own");
    }

    /// <summary>The host uid/gid of the container's root: what its stdio pipes belong to.</summary>
    public static (uint Uid, uint Gid) RootIds(Spec spec)
    {
        static uint Map(List<LinuxIdMapping>? maps) =>
            maps?.FirstOrDefault(m => m.ContainerId == 0 && m.Size > 0)?.HostId ?? 0;
        return spec.Linux?.FindNamespace("user") is null ? (0, 0) : (Map(spec.Linux.UidMappings), Map(spec.Linux.GidMappings));
    }

    /// <summary>Bind sources relative to the bundle become absolute (runc resolves them from the bundle dir).</summary>
    private static void ResolveBindSources(Spec spec, string bundle)
    {
        foreach (var m in spec.Mounts ?? [])
            if (m.Source is { Length: > 0 } src && !src.StartsWith('/') &&
                (m.Type == "bind" || (m.Options ?? []).Any(o => o is "bind" or "rbind")))
                m.Source = Path.GetFullPath(src, bundle);
    }

    /// <summary>runc's wording for a failed start; the init's own start-up is charged to the
    /// container, so too low a memory limit kills it, which is said.</summary>
    private static RuntimeError StartFailed(RuntimeError e, Spec spec, CgroupManager? cgroup)
    {
        string oom = cgroup?.OomKills() > 0
            ? $": the OOM killer killed it: linux.resources.memory.limit ({spec.Linux?.Resources?.Memory?.Limit}) is too low to start the container"
            : "";
        return new RuntimeError("unable to start container process: " + e.Message + oom, e);
    }

    /// <summary>The pid file, written atomically (containerd reads it as soon as create returns).</summary>
    public static void WritePidFile(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full));
        int fd = LibC.open(tmp, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_CLOEXEC, 0x1b6 /* 0666 */);
        if (fd < 0)
            throw SysError.Last($"open {tmp}"); // runc's words: "open DIR/.NAME: no such file or directory"
        try
        {
            Stdio.WriteAll(fd, pid.ToString(CultureInfo.InvariantCulture));
        }
        finally
        {
            LibC.close(fd);
        }
        if (LibC.rename(tmp, full) < 0)
        {
            var error = SysError.Last($"rename {tmp} {full}");
            LibC.unlink(tmp);
            throw error;
        }
    }
}
