using Runcs.Cli;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Launch;

namespace Runcs.Commands;

/// <summary>`run`: create and start; in the foreground, wait and exit with the process's status.</summary>
public static class RunCommand
{
    /// <summary>create's flags and run's own, in runc's order.</summary>
    public sealed class Options : CreateCommand.Options
    {
        public static new IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.Bundle<Options>(static (o, v) => o.Bundle = v),
            SharedFlags.ConsoleSocket<Options>(static (o, v) => o.ConsoleSocket = v),
            SharedFlags.Detach<Options>(static (o, v) => o.Detach = v),
            new BoolFlag<Options>("keep", "do not delete the container after it exits", static (o, v) => o.Keep = v),
            SharedFlags.PidFile<Options>(static (o, v) => o.PidFile = v),
            SharedFlags.NoSubreaper<Options>(static (o, v) => o.NoSubreaper = v),
            SharedFlags.NoPivot<Options>(static (o, v) => o.NoPivot = v),
            SharedFlags.NoNewKeyring<Options>(static (o, v) => o.NoNewKeyring = v),
            SharedFlags.PreserveFds<Options>(static (o, v) => o.PreserveFds = v),
        ];

        public static new Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public bool Detach { get; private set; }

        public bool Keep { get; private set; }

        public bool NoSubreaper { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        var o = Options.Parse(c.Line);
        using var foreground = o.Detach ? null : ForegroundProcess.Prepare(o.NoSubreaper);
        var options = CreateCommand.FactoryOptions(c, o, o.Detach);
        var (container, io) = ContainerFactory.Create(c.Store, options);
        using var _ = io;
        // runc's run works in the bundle directory: poststop hooks run there. Every path of the
        // command line is used by now; if the bundle cannot be entered, they run where runcs does.
        Sys.LibC.chdir(options.Bundle);
        try
        {
            container.Start();
        }
        catch (RuntimeError)
        {
            container.Delete(force: true);
            throw;
        }
        if (o.Detach)
            return 0;
        int status = foreground!.Wait(container.State.InitPid, io);
        Logging.Log.Phase("process exited");
        if (!o.Keep)
        {
            // As runc's run: what destroy cannot remove (a pre-existing cgroup still holding
            // someone else's process) is logged; the exit status stays the process's.
            try
            {
                Runcs.Container.Container.Load(c.Store, c.Id).Delete(force: true);
            }
            catch (RuntimeError e)
            {
                Logging.Log.Error(e.Message);
            }
            Logging.Log.Phase("deleted");
        }
        return status;
    }
}
