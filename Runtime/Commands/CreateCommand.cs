using Runcs.Cli;
using Runcs.Container;

namespace Runcs.Commands;

/// <summary>`create`: a container whose init waits for `start`.</summary>
public static class CreateCommand
{
    /// <summary>create's flags (run's extend them), in runc's order.</summary>
    public class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.Bundle<Options>(static (o, v) => o.Bundle = v),
            SharedFlags.ConsoleSocket<Options>(static (o, v) => o.ConsoleSocket = v),
            SharedFlags.PidFile<Options>(static (o, v) => o.PidFile = v),
            SharedFlags.NoPivot<Options>(static (o, v) => o.NoPivot = v),
            SharedFlags.NoNewKeyring<Options>(static (o, v) => o.NoNewKeyring = v),
            SharedFlags.PreserveFds<Options>(static (o, v) => o.PreserveFds = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        /// <summary>--bundle: "" is the working directory.</summary>
        public string Bundle { get; private protected set; } = "";

        public string ConsoleSocket { get; private protected set; } = "";

        public string PidFile { get; private protected set; } = "";

        public bool NoPivot { get; private protected set; }

        /// <summary>--no-new-keyring: accepted; runcs never makes a session keyring of its own.</summary>
        public bool NoNewKeyring { get; private protected set; }

        public GoInt PreserveFds { get; private protected set; }
    }

    public static int Run(CommandContext c)
    {
        var (_, io) = ContainerFactory.Create(c.Store, FactoryOptions(c, Options.Parse(c.Line), detach: true));
        io.Dispose();
        return 0;
    }

    /// <summary>What create and run hand to the factory.</summary>
    internal static CreateOptions FactoryOptions(CommandContext c, Options options, bool detach) => new()
    {
        Id = c.Id,
        Bundle = Path.GetFullPath(options.Bundle.Length == 0 ? "." : options.Bundle),
        PidFile = options.PidFile is { Length: > 0 } p ? Path.GetFullPath(p) : null,
        NoPivot = options.NoPivot,
        PreserveFds = (int)options.PreserveFds.ToUInt32(),
        Detach = detach,
        ConsoleSocket = options.ConsoleSocket,
        SystemdCgroup = c.Line.Global.SystemdCgroup,
        Rootless = c.Line.Global.Rootless,
    };
}
