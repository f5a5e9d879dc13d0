using Runcs.Cli;
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

    /// <summary>/run/runcs for root; $XDG_RUNTIME_DIR/runcs otherwise (runc's rule).</summary>
    public static string DefaultRoot()
    {
        if (LibC.geteuid() == 0)
            return "/run/runcs";
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(xdg) ? "/run/runcs" : Path.Combine(xdg, "runcs");
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
            Stdio.Error(e.Message + "\n");
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
            return Dispatch(line.Verb!, context);
        }
        catch (RuntimeError e)
        {
            Log.Error(Prefix(line.Verb!) + e.Message);
            return e.ExitCode;
        }
    }

    private static void CheckGlobalFlags(GlobalOptions global)
    {
        if (global.Rootless is not ("true" or "false" or "auto"))
            throw new RuntimeError($"invalid value \"{global.Rootless}\" for flag --rootless: true, false or auto");
        if (global.IsSet("criu"))
            Log.Warn("--criu is ignored: runcs does not implement checkpoint/restore");
    }

    /// <summary>runc prefixes the errors of the verbs that start containers.</summary>
    private static string Prefix(string verb) => verb is "create" or "run" or "exec" ? $"runcs {verb} failed: " : "";

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
