using Runcs.Cli;
using Runcs.Errors;
using Runcs.State;

namespace Runcs.Commands;

/// <summary>`delete [--force] ID`: removes a stopped container; --force also kills a running one.</summary>
public static class DeleteCommand
{
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            new BoolFlag<Options>("force, f", "Forcibly deletes the container if it is still running (uses SIGKILL)",
                static (o, v) => o.Force = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public bool Force { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        bool force = Options.Parse(c.Line).Force;
        StateStore.ValidateId(c.Id);
        if (!c.Store.Exists(c.Id))
        {
            if (force)
                return 0;
            throw new RuntimeError(StateStore.ErrNotExist);
        }
        using var _ = c.Lock();
        Runcs.Container.Container container;
        try
        {
            container = c.Load();
        }
        catch (RuntimeError e) when (e.Message == StateStore.ErrNotExist)
        {
            // No state.json: a create killed before it wrote one. As runc, the directory goes
            // (an error without --force); runcs also removes the cgroups config.bin names. An
            // unreadable state.json is an error and stays, as in runc: its init may be alive.
            Runcs.Container.Container.RemoveUnrecorded(c.Store, c.Id);
            if (force)
                return 0;
            throw;
        }
        container.Delete(force);
        return 0;
    }
}
