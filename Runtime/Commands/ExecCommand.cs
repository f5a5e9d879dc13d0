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
        var line = c.Line;
        var container = c.Load();
        Logging.Log.Phase("state loaded");
        // As runc: the container's config is the one saved at create; the process is the
        // --process file, or else the bundle's current config.json process changed by the flags.
        var spec = container.LoadConfig();
        spec.Process = BuildProcess(c, () => SpecLoader.Load(container.State.Bundle).Process);
        var subCgroups = Cgroups.SubCgroups.Parse(line.GetStrings("cgroup"));
        Logging.Log.Phase("config loaded");
        bool detach = line.GetBool("detach");
        using var foreground = detach ? null : ForegroundProcess.Prepare(noSubreaper: false);
        var (pid, io) = ExecLauncher.Start(container, spec, new ExecOptions
        {
            Detach = detach,
            ConsoleSocket = line.GetString("console-socket"),
            PreserveFds = (int)line.GetUInt("preserve-fds"),
            IgnorePaused = line.GetBool("ignore-paused"),
            SubCgroups = subCgroups,
        });
        using (io)
        {
            if (line.GetString("pid-file") is { Length: > 0 } pidFile)
            {
                try
                {
                    ContainerFactory.WritePidFile(pidFile, pid);
                }
                catch (RuntimeError)
                {
                    LibC.kill(pid, 9); // as runc's terminate(): no process nobody knows the pid of
                    throw;
                }
            }
            return detach ? 0 : foreground!.Wait(pid, io);
        }
    }

    /// <summary>The process: the --process file, or the container's config process changed by the flags (runc's getProcess).</summary>
    private static Process BuildProcess(CommandContext c, Func<Process?> configProcess)
    {
        var line = c.Line;
        if (line.GetString("process") is { Length: > 0 } file)
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
        p.Args = [.. line.Positionals.Skip(1)];
        if (p.Args.Count == 0)
            throw new RuntimeError("args must not be empty");
        if (line.GetString("cwd") is { Length: > 0 } cwd)
            p.Cwd = cwd;
        if (line.GetString("apparmor") is { Length: > 0 } profile)
            p.ApparmorProfile = profile;
        if (line.GetString("process-label") is { Length: > 0 } label)
            p.SelinuxLabel = label;
        foreach (string cap in line.GetStrings("cap"))
        {
            p.Capabilities ??= new LinuxCapabilities();
            (p.Capabilities.Bounding ??= []).Add(cap);
            (p.Capabilities.Effective ??= []).Add(cap);
            (p.Capabilities.Permitted ??= []).Add(cap);
            (p.Capabilities.Ambient ??= []).Add(cap);
        }
        p.Env = [.. p.Env ?? [], .. line.GetStrings("env")];
        p.Terminal = line.IsSet("tty") && line.GetBool("tty");
        if (line.IsSet("no-new-privs"))
            p.NoNewPrivileges = line.GetBool("no-new-privs");
        if (line.GetString("user") is { Length: > 0 } user)
        {
            string[] parts = user.Split(':', 2);
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)))
                throw new RuntimeError($"parsing {user} as uid[:gid]: invalid format");
            p.User.Uid = uid;
            if (parts.Length > 1)
                p.User.Gid = uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        if (line.IsSet("additional-gids"))
            p.User.AdditionalGids = [.. line.GetInt64s("additional-gids").Select(g => (uint)g)];
        SpecValidator.ValidateProcess(p, "config.json", "process");
        return p;
    }
}
