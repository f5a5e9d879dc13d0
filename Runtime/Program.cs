namespace Runcs;

/// <summary>One binary, two roles: the CLI that containerd calls, and `runcs init` inside a new container.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "init")
            return Init.InitProcess.Run();
        Logging.Log.StartClock();
        try
        {
            return Commands.CommandRunner.Run(args);
        }
        catch (Exception e)
        {
            return Commands.CommandRunner.LastResort(args, e);
        }
    }
}
