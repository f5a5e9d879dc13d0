namespace Runcs.Errors;

/// <summary>
/// An error that reaches the user: its message is worded like runc's (containerd and
/// scripts match on some of them), and the CLI prints it once, to stderr and the log.
/// </summary>
public class RuntimeError : Exception
{
    public RuntimeError(string message, int exitCode = 1) : base(message) => ExitCode = exitCode;
    public RuntimeError(string message, Exception inner, int exitCode = 1) : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }
}

/// <summary>A bad command line: printed with the verb's usage.</summary>
public sealed class UsageError(string message) : RuntimeError(message);

/// <summary>A config.json problem, naming the file and the JSON path.</summary>
public sealed class ConfigError(string file, string path, string problem)
    : RuntimeError(path.Length == 0 ? $"{file}: {problem}" : $"{file}: {path}: {problem}")
{
    public string JsonPath { get; } = path;
}
