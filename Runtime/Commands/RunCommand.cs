using Runcs.Container;
using Runcs.Errors;
using Runcs.Launch;

namespace Runcs.Commands;

/// <summary>`run`: create and start; in the foreground, wait and exit with the process's status.</summary>
public static class RunCommand
{
    public static int Run(CommandContext c)
    {
        var line = c.Line;
        bool detach = line.GetBool("detach");
        using var foreground = detach ? null : ForegroundProcess.Prepare(line.GetBool("no-subreaper"));
        var options = CreateCommand.Options(c, detach);
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
        if (detach)
            return 0;
        int status = foreground!.Wait(container.State.InitPid, io);
        Logging.Log.Phase("process exited");
        if (!line.GetBool("keep"))
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
