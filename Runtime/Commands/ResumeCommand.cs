namespace Runcs.Commands;

/// <summary>`resume ID`: thaws a paused container.</summary>
public static class ResumeCommand
{
    public static int Run(CommandContext c)
    {
        using var _ = c.Lock();
        c.Load().Resume();
        return 0;
    }
}
