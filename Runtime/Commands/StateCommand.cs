using Runcs.State;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`state ID`: runc's JSON for one container.</summary>
public static class StateCommand
{
    public static int Run(CommandContext c)
    {
        var container = c.Load();
        var status = container.Status;
        Stdio.Out(StateFormatter.StateJson(container.State, status, StatusProbe.VisiblePid(container.State, status)) + "\n");
        return 0;
    }
}
