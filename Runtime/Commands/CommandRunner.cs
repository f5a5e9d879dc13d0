using Runcs.Cli;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>The CLI (parent) side of runcs: parse, set up logging, run the verb, report errors once.</summary>
public static class CommandRunner
{
    public const string Version = "0.1.0";
    public const string SpecVersion = "1.2.0";

    public static CliSettings Settings => new()
    {
        ProgramName = "runcs",
        AppName = "runcs",
        Version = $"{Version}\ncommit: {Commit}\nspec: {SpecVersion}",
        DefaultRoot = DefaultRoot(),
    };

    private static string Commit => BuildInfo.GitCommit;

    /// <summary>
    /// /run/runcs for root; $XDG_RUNTIME_DIR/runcs for an ordinary user, and for uid 0 in a user
    /// namespace of a rootless engine (runc's shouldHonorXDGRuntimeDir).
    /// </summary>
    public static string DefaultRoot() =>
        Rootless.HonorXdgRuntimeDir() ? XdgRoot(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR")!) : RootRoot;

    /// <summary>Real root's state root.</summary>
    private const string RootRoot = "/run/runcs";

    private static string XdgRoot(string xdg) => xdg.TrimEnd('/') + "/runcs";

    /// <summary>
    /// As runc: the default root under $XDG_RUNTIME_DIR is made 0700 with the sticky bit (the
    /// XDG spec's mark for files that must not be pruned), every time, before the verb runs.
    /// </summary>
    private static void PrepareXdgRoot(string root)
    {
        try
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Stdio.Error("the path in $XDG_RUNTIME_DIR must be writable by the user\n");
            throw new RuntimeError($"mkdir {root}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}", e);
        }
        if (LibC.chmod(root, 0x3c0 /* 01700 */) < 0)
        {
            Stdio.Error("you should check permission of the path in $XDG_RUNTIME_DIR\n");
            throw SysError.Last($"chmod {root}");
        }
    }

    public static int Run(string[] argv)
    {
        var settings = Settings;
        ParseOutcome outcome = CommandLine.TryParse(argv, settings);
        var global = outcome.Global;
        try
        {
            Log.Configure(global?.Log, global?.LogFormat == "json" ? LogFormat.Json : LogFormat.Text, global?.Debug ?? false);
        }
        catch (RuntimeError e)
        {
            // runc: logrus's line on stderr, in the --log-format asked for
            Stdio.Error(Log.Format("error", e.Message, DateTimeOffset.Now, global?.LogFormat == "json" ? LogFormat.Json : LogFormat.Text));
            return 1;
        }
        if (outcome.Error is { } parseError)
        {
            // Usage goes to stderr with the error, so scripts reading stdout get nothing.
            Stdio.Error(outcome.Stdout);
            Log.Error(parseError.Message);
            return 1;
        }
        var line = outcome.CommandLine!;
        if (line.HelpShown || line.VersionRequested)
        {
            Stdio.Out(line.HelpShown ? line.HelpText : line.VersionText);
            return 0;
        }
        Log.Phase("parsed");
        var context = new CommandContext(line, global!.Root ?? settings.DefaultRoot);
        try
        {
            CheckGlobalFlags(global);
            if (global.Root is null && settings.DefaultRoot != RootRoot)
                PrepareXdgRoot(context.Store.Root);
            return Dispatch(line.Verb!, context);
        }
        catch (RuntimeError e)
        {
            Log.Error(Prefix(line.Verb!) + e.Message);
            return e.ExitCode;
        }
    }

    /// <summary>
    /// Whatever escaped the verb (a bug: every expected failure is a RuntimeError): one error line
    /// in the --log format, never a .NET stack trace (that goes to --debug), and runc's exit code
    /// for a failure of the verb (255 for exec).
    /// </summary>
    public static int LastResort(string[] argv, Exception e)
    {
        string? verb = null;
        try
        {
            verb = CommandLine.TryParse(argv, Settings).CommandLine?.Verb;
        }
        catch (Exception)
        {
        }
        try
        {
            Log.DebugMessage(e.ToString());
            Log.Error((verb is null ? "" : Prefix(verb)) + Describe(e));
        }
        catch (Exception)
        {
            Stdio.Error(Describe(e) + "\n");
        }
        return verb == "exec" ? 255 : 1;
    }

    /// <summary>An unexpected exception's message, with the errno wording where .NET has one.</summary>
    private static string Describe(Exception e) => e switch
    {
        OutOfMemoryException => "out of memory",
        _ => e.Message,
    };

    private static void CheckGlobalFlags(GlobalOptions global)
    {
        Rootless.ParseFlag(global.Rootless);
        if (global.IsSet("criu"))
            Log.Warn("--criu is ignored: runcs does not implement checkpoint/restore");
    }

    /// <summary>runc prefixes the errors of the verbs that start containers: `runc create failed: `,
    /// `runc run failed: `, and `exec failed: ` without its name (engines match these texts).</summary>
    private static string Prefix(string verb) => verb switch
    {
        "create" or "run" => $"runcs {verb} failed: ",
        "exec" => "exec failed: ",
        _ => "",
    };

    private static int Dispatch(string verb, CommandContext c) => verb switch
    {
        "create" => CreateCommand.Run(c),
        "start" => StartCommand.Run(c),
        "run" => RunCommand.Run(c),
        "exec" => ExecCommand.Run(c),
        "kill" => KillCommand.Run(c),
        "delete" => DeleteCommand.Run(c),
        "state" => StateCommand.Run(c),
        "list" => ListCommand.Run(c),
        "ps" => PsCommand.Run(c),
        "pause" => PauseCommand.Run(c),
        "resume" => ResumeCommand.Run(c),
        "spec" => SpecCommand.Run(c),
        "features" => FeaturesCommand.Run(c),
        "update" => UpdateCommand.Run(c),
        "events" => EventsCommand.Run(c),
        _ => throw new RuntimeError($"{verb}: checkpoint and restore need CRIU, which runcs does not support"),
    };
}
