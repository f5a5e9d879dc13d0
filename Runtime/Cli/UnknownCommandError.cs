using Runcs.Errors;

namespace Runcs.Cli;

/// <summary>
/// An unknown verb (or "help" of an unknown verb): runc exits 3 with
/// <c>No help topic for 'xyz'</c> and prints no usage. runc writes that message through
/// its error writer with a trailing newline, so its log line reads
/// <c>msg="No help topic for 'xyz'\n"</c>; when --log is given it also goes raw to stderr.
/// </summary>
public sealed class UnknownCommandError(string verb) : RuntimeError($"No help topic for '{verb}'", 3)
{
    public string Verb { get; } = verb;
}
