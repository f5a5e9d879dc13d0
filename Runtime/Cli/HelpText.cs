using System.Text;

namespace Runcs.Cli;

/// <summary>Renders help the way urfave/cli v1's templates and Go's tabwriter lay it out.</summary>
internal static class HelpText
{
    internal const string AppUsage = """
Open Container Initiative runtime

runc is a command line client for running applications packaged according to
the Open Container Initiative (OCI) format and is a compliant implementation of the
Open Container Initiative specification.

runc integrates well with existing process supervisors to provide a production
container runtime environment for applications. It can be used with your
existing process monitoring tools and the container will be spawned as a
direct child of the process supervisor.

Containers are configured using bundles. A bundle for a container is a directory
that includes a specification file named "config.json" and a root filesystem.
The root filesystem contains the contents of the container.

To start a new instance of a container:

    # runc run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host. Providing the bundle directory using "-b" is optional. The default
value for "bundle" is the current directory.
""";

    internal const string HelpCommandUsage = "Shows a list of commands or help for one command";

    /// <summary>What runc prints for "help --help": the help command has no name of its own there.</summary>
    internal const string HelpCommandHelp = "NAME:\n    - " + HelpCommandUsage + "\n\nUSAGE:\n    [command]\n";

    public static string App(CliSettings settings)
    {
        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(settings.AppName).Append(" - ").Append(AppUsage);
        sb.Append("\n\nUSAGE:\n   ").Append(AppUsageLine(settings));
        if (settings.Version.Length > 0)
            sb.Append("\n\nVERSION:\n   ").Append(settings.Version);
        sb.Append("\n\nCOMMANDS:");
        foreach (CommandSpec c in CommandTable.Commands)
        {
            sb.Append("\n   ").Append(string.Join(", ", c.Aliases.Prepend(c.Name))).Append('\t').Append(c.Usage);
        }
        sb.Append("\n   help, h\t").Append(HelpCommandUsage);
        sb.Append("\n\nGLOBAL OPTIONS:\n   ");
        bool first = true;
        foreach (FlagSpec f in CommandTable.GlobalFlags(settings.DefaultRoot))
        {
            if (!first)
                sb.Append("\n   ");
            first = false;
            sb.Append(FlagLine(f));
        }
        sb.Append('\n');
        return Align(sb.ToString());
    }

    public static string AppUsageLine(CliSettings settings) =>
        settings.AppName + " [global options] command [command options] [arguments...]";

    public static string CommandUsageLine(CommandSpec c, CliSettings settings)
    {
        var sb = new StringBuilder();
        sb.Append(settings.AppName).Append(' ').Append(c.Name);
        if (VisibleFlags(c).Any())
            sb.Append(" [command options]");
        sb.Append(' ').Append(string.IsNullOrEmpty(c.ArgsUsage) ? "[arguments...]" : c.ArgsUsage);
        return sb.ToString();
    }

    /// <param name="parsed">The flags parsed in this run, for the values runc echoes (exec --cap).</param>
    public static string Command(CommandSpec c, CliSettings settings, FlagSet? parsed = null)
    {
        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(settings.AppName).Append(' ').Append(c.Name).Append(" - ").Append(c.Usage);
        sb.Append("\n\nUSAGE:\n   ").Append(CommandUsageLine(c, settings));
        if (!string.IsNullOrEmpty(c.Description))
            sb.Append("\n\nDESCRIPTION:\n   ").Append(c.Description);
        var flags = VisibleFlags(c).ToList();
        if (flags.Count > 0)
        {
            sb.Append("\n\nOPTIONS:\n   ");
            foreach (FlagSpec f in flags)
                sb.Append(f.HelpNames()).Append('\t').Append(f.HelpUsage(parsed?.Lookup(f.Name)?.Values)).Append("\n   ");
        }
        sb.Append('\n');
        return Align(sb.ToString());
    }

    private static IEnumerable<FlagSpec> VisibleFlags(CommandSpec c) =>
        c.Flags.Where(f => !f.Hidden);

    private static string FlagLine(FlagSpec f) => f.HelpNames() + "\t" + f.HelpUsage();

    /// <summary>
    /// Go tabwriter (minwidth 1, padding 2, spaces) for text whose lines hold at most one
    /// tab: each run of consecutive lines with a tab gets its first cell padded to the
    /// run's widest cell plus two.
    /// </summary>
    internal static string Align(string text)
    {
        string[] lines = text.Split('\n');
        var sb = new StringBuilder(text.Length + 256);
        int i = 0;
        while (i < lines.Length)
        {
            if (!lines[i].Contains('\t'))
            {
                sb.Append(lines[i]);
                if (i < lines.Length - 1)
                    sb.Append('\n');
                i++;
                continue;
            }
            int end = i;
            int width = 0;
            while (end < lines.Length && lines[end].Contains('\t'))
            {
                width = Math.Max(width, lines[end].IndexOf('\t'));
                end++;
            }
            width += 2;
            for (int j = i; j < end; j++)
            {
                int tab = lines[j].IndexOf('\t');
                sb.Append(lines[j], 0, tab).Append(' ', width - tab).Append(lines[j], tab + 1, lines[j].Length - tab - 1);
                if (j < lines.Length - 1)
                    sb.Append('\n');
            }
            i = end;
        }
        return sb.ToString();
    }
}
