namespace Runcs.Cli;

/// <summary>What the parser needs from the environment (all have defaults).</summary>
public sealed record CliSettings
{
    /// <summary>
    /// argv[0] as invoked: runc names it in argument-count errors
    /// (<c>/usr/bin/runc: "start" requires exactly 1 argument(s)</c>).
    /// </summary>
    public string ProgramName { get; init; } = "runc";

    /// <summary>The application name of help texts and of "X version ...".</summary>
    public string AppName { get; init; } = "runc";

    /// <summary>The version block (may be several lines: "1.1.5\ncommit: ...\nspec: 1.0.2-dev").</summary>
    public string Version { get; init; } = "unknown";

    /// <summary>The --root default shown in the global help.</summary>
    public string DefaultRoot { get; init; } = "/run/runcs";

    public static CliSettings Default { get; } = new();
}
