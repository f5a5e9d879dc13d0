using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`kill [--all] ID [SIGNAL]`: SIGTERM unless told otherwise.</summary>
public static class KillCommand
{
    public static int Run(CommandContext c)
    {
        var args = c.Line.Positionals;
        // As runc: an empty signal argument is the default one.
        int signal = args.Count > 1 && args[1].Length > 0 ? Signals.Parse(args[1]) : Signals.SIGTERM;
        using var _ = c.Lock();
        c.Load().Signal(signal, c.Line.GetBool("all"));
        return 0;
    }
}
