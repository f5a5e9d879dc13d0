using Runcs.Errors;
using Runcs.State;

namespace Runcs.Commands;

/// <summary>`delete [--force] ID`: removes a stopped container; --force also kills a running one.</summary>
public static class DeleteCommand
{
    public static int Run(CommandContext c)
    {
        bool force = c.Line.GetBool("force");
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
        catch (RuntimeError) when (force)
        {
            // A directory without a readable state (a crash mid-create): force cleans it up.
            c.Store.Remove(c.Id);
            return 0;
        }
        container.Delete(force);
        return 0;
    }
}
