namespace Runcs.Commands;

/// <summary>`pause ID`: freezes every process of the container.</summary>
public static class PauseCommand
{
    public static int Run(CommandContext c)
    {
        using var _ = c.Lock();
        c.Load().Pause();
        return 0;
    }
}
