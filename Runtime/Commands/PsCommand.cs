using System.Diagnostics;
using System.Text;
using Runcs.Cli;
using Runcs.Errors;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>
/// `ps [--format table|json] ID [ps options]`: json lists the pids of the container's
/// cgroup; table runs the host's ps (default -ef) and keeps the header and the rows whose
/// PID is in the container, as runc does. A stopped container is no error: what is left in its
/// cgroup is listed (a container sharing the host's pid namespace leaves processes behind),
/// usually nothing: the header alone, and for json runc's "null" (Go's encoding of no pids).
/// </summary>
public static class PsCommand
{
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.Format<Options>(static (o, v) => o.Format = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public string Format { get; private set; } = "";
    }

    public static int Run(CommandContext c)
    {
        string format = Options.Parse(c.Line).Format;
        var container = c.Load();
        var pids = container.Processes();
        if (format == "json")
        {
            Stdio.Out(pids.Count == 0 ? "null\n" : "[" + string.Join(',', pids) + "]\n");
            return 0;
        }
        if (format is not ("table" or ""))
            throw new RuntimeError($"invalid format option");
        var psArgs = c.Line.Positionals.Skip(1).ToList();
        Stdio.Out(Filter(RunPs(psArgs.Count == 0 ? ["-ef"] : psArgs), pids));
        return 0;
    }

    private static string RunPs(List<string> args)
    {
        var info = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            info.ArgumentList.Add(a);
        using var ps = System.Diagnostics.Process.Start(info) ?? throw new RuntimeError("ps: could not start");
        string output = ps.StandardOutput.ReadToEnd();
        string error = ps.StandardError.ReadToEnd();
        ps.WaitForExit();
        if (ps.ExitCode != 0)
            throw new RuntimeError($"ps: exit status {ps.ExitCode}: {error}");
        return output;
    }

    /// <summary>The header, then the lines whose PID column names a container process.</summary>
    public static string Filter(string psOutput, IReadOnlyCollection<int> pids)
    {
        string[] lines = psOutput.Split('\n');
        int pidColumn = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidColumn < 0)
            throw new RuntimeError("couldn't find PID field in ps output");
        var sb = new StringBuilder(lines[0]).Append('\n');
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > pidColumn && int.TryParse(fields[pidColumn], out int pid) && pids.Contains(pid))
                sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }
}
