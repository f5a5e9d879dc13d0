using Runcs.Cli;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`kill [--all] ID [SIGNAL]`: SIGTERM unless told otherwise.</summary>
public static class KillCommand
{
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            new BoolFlag<Options>("all, a", "send the specified signal to all processes inside the container", static (o, v) => o.All = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public bool All { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        bool all = Options.Parse(c.Line).All;
        var args = c.Line.Positionals;
        // As runc: an empty signal argument is the default one.
        int signal = args.Count > 1 && args[1].Length > 0 ? Signals.Parse(args[1]) : Signals.SIGTERM;
        using var _ = c.Lock();
        c.Load().Signal(signal, all);
        return 0;
    }
}
