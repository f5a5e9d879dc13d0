using Runcs.Container;
using Runcs.Errors;
using Runcs.Io;
using Runcs.Oci;
using Runcs.Protocol;
using Runcs.State;

namespace Runcs.Launch;

/// <summary>The flags of `exec` that are not part of the process.</summary>
public sealed class ExecOptions
{
    public bool Detach { get; init; }
    public string? ConsoleSocket { get; init; }
    public int PreserveFds { get; init; }
    public bool IgnorePaused { get; init; }
    /// <summary>`--cgroup`: controller ("" for all) → sub-cgroup of the container's to join, or null.</summary>
    public Dictionary<string, string>? SubCgroups { get; init; }
}

/// <summary>
/// `exec`: a new process in a running container. It joins every namespace of the
/// container's init (user namespace first, pid namespace through one more fork) and its
/// cgroup, then `runcs init` applies the process settings and execs at once.
/// </summary>
public static class ExecLauncher
{
    /// <summary>Starts spec.Process in the container; returns its pid (runcs's child) and its stdio.</summary>
    public static (int Pid, ProcessIo Io) Start(Runcs.Container.Container container, Spec spec, ExecOptions options)
    {
        switch (container.Status)
        {
            case ContainerStatus.Stopped:
                throw new RuntimeError("cannot exec in a stopped container");
            case ContainerStatus.Paused when !options.IgnorePaused:
                throw new RuntimeError("cannot exec in a paused container (use --ignore-paused to override)");
        }
        var process = spec.Process!;
        new Init.Lsm(Init.HostLsm.Instance).Check(process, null);
        var (rootUid, rootGid) = ContainerFactory.RootIds(spec);
        // Checked before anything is made: runc's own words ("unable to create new parent process: ..."), not a start failure.
        var cgroup = options.SubCgroups is { } sub ? Cgroups.SubCgroups.For(container.Cgroup.Paths, sub) : container.Cgroup;
        var io = ProcessIo.Prepare(process.Terminal == true, options.Detach, options.ConsoleSocket, rootUid, rootGid);
        var paths = container.State.NamespacePaths ?? [];
        InitLauncher launcher;
        int unifiedFd = -1;
        try
        {
            // On a hybrid host the process is cloned into the unified cgroup (see LaunchPlan.UnifiedCgroupFd).
            unifiedFd = cgroup.OpenUnified(create: false);
            launcher = InitLauncher.Start(new LaunchPlan
            {
                Join = [.. paths.OrderBy(p => p.Key == "user" ? 0 : 1)
                    .Select(p => (p.Value, (int)Namespaces.ToCloneFlag(p.Key)))],
                InheritFds = io.ConsoleFd >= 0 ? [io.ConsoleFd] : [],
                Stdio = io.ChildStdio,
                Cgroup = cgroup,
                UnifiedCgroupFd = unifiedFd,
                PreserveFds = options.PreserveFds,
            });
        }
        catch (Exception e)
        {
            io.Dispose();
            if (e is RuntimeError and not ConfigError)
                throw StartFailed(e);
            throw;
        }
        finally
        {
            if (unifiedFd >= 0)
                Sys.LibC.close(unifiedFd);
        }
        using var _ = launcher;
        int consoleFd = io.ConsoleFd;
        io.CloseChildEnds();
        try
        {
            // As runc's nsexec, from outside: the init, non-dumpable since its exec in runcs's
            // user namespace, may not write its own /proc files from a joined one.
            if (process.OomScoreAdj is int oom)
                Sys.LinuxSyscalls.Instance.WriteFile($"/proc/{launcher.Pid}/oom_score_adj", oom.ToString(System.Globalization.CultureInfo.InvariantCulture));
            launcher.SendRequest(new InitRequest
            {
                IsExec = true,
                ContainerId = container.Id,
                Rootfs = container.State.Rootfs,
                PreserveFds = options.PreserveFds,
                ConsoleFd = consoleFd,
                InUserNamespace = paths.ContainsKey("user"),
                Spec = spec,
            });
            io.StartPipeForwarding(); // its threads start while the init boots
            // The agent learns the exec'd process's pid; the state is the container's.
            launcher.WaitReady(seccompAgent: Seccomp.SeccompAgent.For(spec.Linux?.Seccomp,
                () => container.HookState(container.Status.ToRuncString())));
            io.StartTerminalForwarding();
            return (launcher.Pid, io);
        }
        catch (Exception e)
        {
            io.Dispose();
            Sys.LibC.kill(launcher.Pid, 9);
            Sys.Reaper.Wait(launcher.Pid);
            if (e is RuntimeError and not ConfigError)
                throw StartFailed(e);
            throw;
        }
    }

    /// <summary>runc's wording: `exec failed: unable to start container process: ...` (engines
    /// read "executable file not found" and "permission denied" in it as exit codes 127 and 126).</summary>
    private static RuntimeError StartFailed(Exception e) => new("unable to start container process: " + e.Message, e);
}
