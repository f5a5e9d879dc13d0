namespace Runcs.Commands;

/// <summary>`pause ID`: freezes every process of the container.</summary>
public static class PauseCommand
{
    public static int Run(CommandContext c)
    {
        // runc's warning: an ordinary user's container has a freezer only in a delegated cgroup.
        if (Runcs.Container.Rootless.Cgroups(c.Line.Global.Rootless, c.Line.Global.SystemdCgroup))
            Logging.Log.Warn("runcs pause may fail if you don't have the full access to cgroups");
        using var _ = c.Lock();
        c.Load().Pause();
        return 0;
    }
}
