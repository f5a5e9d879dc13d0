namespace Runcs.Commands;

/// <summary>`start`: the created container's process begins.</summary>
public static class StartCommand
{
    public static int Run(CommandContext c)
    {
        using var _ = c.Lock();
        c.Load().Start();
        return 0;
    }
}
