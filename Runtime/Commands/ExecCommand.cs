using Runcs.Cli;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Launch;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>
/// `exec [options] ID [command args...]` or `exec --process FILE ID`: runs a process in a
/// running container. Foreground exec exits with the process's status; failures of runcs
/// itself exit 255, as runc's do.
/// </summary>
public static class ExecCommand
{
    /// <summary>exec's flags, in runc's order; they end at the container id (everything after it is the command).</summary>
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.ConsoleSocket<Options>(static (o, v) => o.ConsoleSocket = v),
            new StringFlag<Options>("cwd", "current working directory in the container", static (o, v) => o.Cwd = v),
            new StringSliceFlag<Options>("env, e", "set environment variables", static (o, v) => o.Env = v),
            new BoolFlag<Options>("tty, t", "allocate a pseudo-TTY", static (o, v) => o.Tty = v),
            new StringFlag<Options>("user, u", "UID (format: <uid>[:<gid>])", static (o, v) => o.User = v),
            new Int64SliceFlag<Options>("additional-gids, g", "additional gids", static (o, v) => o.AdditionalGids = v),
            new StringFlag<Options>("process, p", "path to the process.json", static (o, v) => o.Process = v),
            SharedFlags.Detach<Options>(static (o, v) => o.Detach = v),
            SharedFlags.PidFile<Options>(static (o, v) => o.PidFile = v),
            new StringFlag<Options>("process-label", "set the asm process label for the process commonly used with selinux",
                static (o, v) => o.ProcessLabel = v),
            new StringFlag<Options>("apparmor", "set the apparmor profile for the process", static (o, v) => o.Apparmor = v),
            new BoolFlag<Options>("no-new-privs", "set the no new privileges value for the process", static (o, v) => o.NoNewPrivs = v),
            // runc shares one value object for --cap: the values given show up as its help's "(default: ...)".
            new StringSliceFlag<Options>("cap, c", "add a capability to the bounding set for the process", static (o, v) => o.Cap = v)
            {
                HelpShowsGivenValues = true,
            },
            SharedFlags.PreserveFds<Options>(static (o, v) => o.PreserveFds = v),
            new StringSliceFlag<Options>("cgroup", "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.",
                static (o, v) => o.Cgroup = v),
            new BoolFlag<Options>("ignore-paused", "allow exec in a paused container", static (o, v) => o.IgnorePaused = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public string ConsoleSocket { get; private set; } = "";

        public string Cwd { get; private set; } = "";

        public IReadOnlyList<string> Env { get; private set; } = [];

        public bool Tty { get; private set; }

        /// <summary>--user: "uid[:gid]", "" when not given.</summary>
        public string User { get; private set; } = "";

        /// <summary>--additional-gids; null when not given (the process keeps its own).</summary>
        public IReadOnlyList<long>? AdditionalGids { get; private set; }

        /// <summary>--process: the process.json to run instead of the config's process and the flags.</summary>
        public string Process { get; private set; } = "";

        public bool Detach { get; private set; }

        public string PidFile { get; private set; } = "";

        public string ProcessLabel { get; private set; } = "";

        public string Apparmor { get; private set; } = "";

        /// <summary>--no-new-privs; null when not given (the config's value stands).</summary>
        public bool? NoNewPrivs { get; private set; }

        public IReadOnlyList<string> Cap { get; private set; } = [];

        public GoInt PreserveFds { get; private set; }

        public IReadOnlyList<string> Cgroup { get; private set; } = [];

        public bool IgnorePaused { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        try
        {
            return Execute(c);
        }
        catch (RuntimeError e)
        {
            throw new RuntimeError(e.Message, e, exitCode: 255);
        }
    }

    private static int Execute(CommandContext c)
    {
        var options = Options.Parse(c.Line);
        var container = c.Load();
        Logging.Log.Phase("state loaded");
        // As runc: the container's config is the one saved at create; the process is the
        // --process file, or else the bundle's current config.json process changed by the flags.
        var spec = container.LoadConfig();
        spec.Process = BuildProcess(options, c.Line.Positionals, () => SpecLoader.Load(container.State.Bundle).Process);
        var subCgroups = Cgroups.SubCgroups.Parse(options.Cgroup);
        Logging.Log.Phase("config loaded");
        bool detach = options.Detach;
        using var foreground = detach ? null : ForegroundProcess.Prepare(noSubreaper: false);
        var (pid, io) = ExecLauncher.Start(container, spec, new ExecOptions
        {
            Detach = detach,
            ConsoleSocket = options.ConsoleSocket,
            PreserveFds = (int)options.PreserveFds.ToUInt32(),
            IgnorePaused = options.IgnorePaused,
            SubCgroups = subCgroups,
        });
        using (io)
        {
            if (options.PidFile is { Length: > 0 } pidFile)
            {
                try
                {
                    ContainerFactory.WritePidFile(pidFile, pid);
                }
                catch (RuntimeError)
                {
                    LibC.kill(pid, Signals.SIGKILL); // as runc's terminate(): no process nobody knows the pid of
                    throw;
                }
            }
            return detach ? 0 : foreground!.Wait(pid, io);
        }
    }

    /// <summary>The process: the --process file, or the container's config process changed by the flags (runc's getProcess).</summary>
    private static Process BuildProcess(Options options, IReadOnlyList<string> positionals, Func<Process?> configProcess)
    {
        if (options.Process is { Length: > 0 } file)
        {
            string json;
            try
            {
                json = SmallFile.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RuntimeError("open " + e.Message); // "PATH: reason", runc's "open PATH: reason"
            }
            var fromFile = SpecLoader.ParseProcess(file, json);
            SpecValidator.ValidateProcess(fromFile, file, "");
            return fromFile;
        }
        var p = configProcess() ?? new Process();
        p.Args = [.. positionals.Skip(1)];
        if (p.Args.Count == 0)
            throw new RuntimeError("args must not be empty");
        if (options.Cwd is { Length: > 0 } cwd)
            p.Cwd = cwd;
        if (options.Apparmor is { Length: > 0 } profile)
            p.ApparmorProfile = profile;
        if (options.ProcessLabel is { Length: > 0 } label)
            p.SelinuxLabel = label;
        foreach (string cap in options.Cap)
        {
            p.Capabilities ??= new LinuxCapabilities();
            (p.Capabilities.Bounding ??= []).Add(cap);
            (p.Capabilities.Effective ??= []).Add(cap);
            (p.Capabilities.Permitted ??= []).Add(cap);
            (p.Capabilities.Ambient ??= []).Add(cap);
        }
        p.Env = [.. p.Env ?? [], .. options.Env];
        p.Terminal = options.Tty;
        if (options.NoNewPrivs is bool noNewPrivs)
            p.NoNewPrivileges = noNewPrivs;
        if (options.User is { Length: > 0 } user)
        {
            string[] parts = user.Split(':', 2);
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)))
                throw new RuntimeError($"parsing {user} as uid[:gid]: invalid format");
            p.User.Uid = uid;
            if (parts.Length > 1)
                p.User.Gid = uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        if (options.AdditionalGids is { } gids)
            p.User.AdditionalGids = [.. gids.Select(g => (uint)g)];
        SpecValidator.ValidateProcess(p, "config.json", "process");
        return p;
    }
}
