using Runcs.Errors;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`list [--format table|json] [-q]`: every container under --root.</summary>
public static class ListCommand
{
    public static int Run(CommandContext c)
    {
        var entries = c.Store.Snapshot(new StatusProbe(isFrozen: s => Cgroups.CgroupManager.FromState(s.CgroupPaths).IsFrozen()));
        string format = c.Line.GetString("format");
        string text = c.Line.GetBool("quiet") ? ListFormatter.Quiet(entries) : format switch
        {
            "table" or "" => ListFormatter.Table(entries),
            "json" => ListFormatter.Json(entries),
            _ => throw new RuntimeError($"invalid format option"),
        };
        Stdio.Out(text);
        return 0;
    }
}
