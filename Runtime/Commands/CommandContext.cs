using Runcs.Cli;
using Runcs.State;

namespace Runcs.Commands;

/// <summary>What every verb gets: its parsed command line and the state store under --root.</summary>
public sealed class CommandContext(ParsedCommandLine line, string root)
{
    public ParsedCommandLine Line { get; } = line;
    public StateStore Store { get; } = new(root);
    public string Id => Line.FirstArg;

    /// <summary>The container named by the first argument, under its lock for the rest of the command.</summary>
    public Runcs.Container.Container Load() => Runcs.Container.Container.Load(Store, Id);

    public IDisposable Lock() => Store.Lock(Id);
}
