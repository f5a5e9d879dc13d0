using System.Text.Json;
using Runcs.Cli;
using Runcs.Errors;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>
/// `events [--stats] [--interval D] ID`: one stats event with --stats; otherwise a stats event
/// every interval and an "oom" event whenever the OOM killer strikes in the container, one JSON
/// object per line, until the container stops.
/// </summary>
public static class EventsCommand
{
    /// <summary>How often the OOM kill counter is read (runc gets an eventfd notification instead).</summary>
    private static readonly TimeSpan OomPoll = TimeSpan.FromMilliseconds(100);

    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            new DurationFlag<Options>("interval", "set the stats collection interval", static (o, v) => o.Interval = v, "5s"),
            new BoolFlag<Options>("stats", "display the container's stats then exit", static (o, v) => o.Stats = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public TimeSpan Interval { get; private set; }

        public bool Stats { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        var options = Options.Parse(c.Line);
        var container = c.Load();
        if (container.Status == ContainerStatus.Stopped)
            throw new RuntimeError($"container with id {container.Id} is not running");
        if (options.Stats)
        {
            Stdio.Out(Event("stats", container, stats: true));
            return 0;
        }
        var interval = options.Interval;
        if (interval <= TimeSpan.Zero)
            throw new RuntimeError("duration interval must be greater than 0");
        ulong ooms = container.Cgroup.OomKills();
        var nextStats = DateTime.UtcNow;
        while (true)
        {
            // The counter is read before the status: an OOM kill that stops the container is still reported.
            for (ulong now = container.Cgroup.OomKills(); ooms < now; ooms++)
                Stdio.Out(Event("oom", container, stats: false));
            if (container.Status == ContainerStatus.Stopped)
                return 0;
            if (DateTime.UtcNow >= nextStats)
            {
                Stdio.Out(Event("stats", container, stats: true));
                nextStats += interval;
            }
            Thread.Sleep(OomPoll);
        }
    }

    /// <summary>One line of runc's event stream: {"type":..,"id":..,"data":..}; "data" only for stats.</summary>
    private static string Event(string type, Container.Container container, bool stats)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("id", container.Id);
            if (stats)
            {
                w.WritePropertyName("data");
                container.Cgroup.WriteStats(w);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
