using Runcs.Cli;
using Runcs.Errors;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`list [--format table|json] [-q]`: every container under --root.</summary>
public static class ListCommand
{
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.Format<Options>(static (o, v) => o.Format = v),
            new BoolFlag<Options>("quiet, q", "display only container IDs", static (o, v) => o.Quiet = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public string Format { get; private set; } = "";

        public bool Quiet { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        var options = Options.Parse(c.Line);
        var entries = c.Store.Snapshot(new StatusProbe(isFrozen: s => Cgroups.CgroupManager.FromState(s.CgroupPaths).IsFrozen()));
        string format = options.Format;
        string text = options.Quiet ? ListFormatter.Quiet(entries) : format switch
        {
            "table" or "" => ListFormatter.Table(entries),
            "json" => ListFormatter.Json(entries),
            _ => throw new RuntimeError($"invalid format option"),
        };
        Stdio.Out(text);
        return 0;
    }
}
