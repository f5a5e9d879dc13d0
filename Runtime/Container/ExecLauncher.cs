using Runcs.Errors;
using Runcs.Oci;
using Runcs.State;

namespace Runcs.Container;

/// <summary>
/// `exec`: a new process in a running container. It joins every namespace of the
/// container's init (user namespace first, pid namespace through one more fork) and its
/// cgroup, then `runcs init` applies the process settings and execs at once.
/// </summary>
public static class ExecLauncher
{
    /// <summary>Starts the process and returns its pid (runcs's child).</summary>
    public static int Start(Container container, Process process, int preserveFds, bool ignorePaused)
    {
        switch (container.Status)
        {
            case ContainerStatus.Stopped:
                throw new RuntimeError("cannot exec in a stopped container");
            case ContainerStatus.Paused when !ignorePaused:
                throw new RuntimeError("cannot exec in a paused container (use --ignore-paused to override)");
        }
        var spec = SpecLoader.Load(container.State.Bundle);
        spec.Process = process;
        var paths = container.State.NamespacePaths ?? [];
        var plan = new LaunchPlan
        {
            Join = [.. paths.OrderBy(p => p.Key == "user" ? 0 : 1)
                .Select(p => (p.Value, (int)Namespaces.ToCloneFlag(p.Key)))],
        };
        using var launcher = InitLauncher.Start(plan);
        try
        {
            container.Cgroup.AddProcess(launcher.Pid);
            launcher.SendRequest(new InitRequest
            {
                IsExec = true,
                ContainerId = container.Id,
                Rootfs = container.State.Rootfs,
                PreserveFds = preserveFds,
                InUserNamespace = paths.ContainsKey("user"),
                Spec = spec,
            });
            launcher.WaitReady();
            return launcher.Pid;
        }
        catch
        {
            Sys.LibC.kill(launcher.Pid, 9);
            Sys.Reaper.Wait(launcher.Pid);
            throw;
        }
    }
}
