using Runcs.Container;

namespace Runcs.Commands;

/// <summary>`create`: a container whose init waits for `start`.</summary>
public static class CreateCommand
{
    public static int Run(CommandContext c)
    {
        var (_, io) = ContainerFactory.Create(c.Store, Options(c, detach: true));
        io.Dispose();
        return 0;
    }

    /// <summary>The flags create and run share.</summary>
    public static CreateOptions Options(CommandContext c, bool detach)
    {
        var line = c.Line;
        string bundle = line.GetString("bundle");
        return new CreateOptions
        {
            Id = c.Id,
            Bundle = Path.GetFullPath(bundle.Length == 0 ? "." : bundle),
            PidFile = line.GetString("pid-file") is { Length: > 0 } p ? Path.GetFullPath(p) : null,
            NoPivot = line.GetBool("no-pivot"),
            PreserveFds = (int)line.GetUInt("preserve-fds"),
            Detach = detach,
            ConsoleSocket = line.GetString("console-socket"),
            SystemdCgroup = line.Global.SystemdCgroup,
            Rootless = line.Global.Rootless,
        };
    }
}
