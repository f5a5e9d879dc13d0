using System.Globalization;
using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.State;
using Runcs.Sys;

namespace Runcs.Container;

/// <summary>Options of `create` (and `run`) that are not in config.json.</summary>
public sealed class CreateOptions
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public string? PidFile { get; init; }
    public bool NoPivot { get; init; }
    public int PreserveFds { get; init; }
}

/// <summary>
/// `create`: turns a bundle into a created container whose init waits on exec.fifo. On
/// any failure everything made so far is undone: init killed, cgroup and state removed.
/// </summary>
public static class ContainerFactory
{
    public static Container Create(StateStore store, CreateOptions options)
    {
        StateStore.ValidateId(options.Id);
        var spec = SpecLoader.Load(options.Bundle);
        SpecValidator.Validate(spec, options.Bundle);
        string rootfs = Path.GetFullPath(spec.Root!.Path, options.Bundle);
        ResolveBindSources(spec, options.Bundle);
        SysctlPolicy.Check(spec);

        string dir = store.Create(options.Id);
        using var idLock = store.Lock(options.Id);
        CgroupManager? cgroup = null;
        InitLauncher? launcher = null;
        int fifoFd = -1;
        try
        {
            string fifo = Path.Combine(dir, StatusProbe.ExecFifoName);
            uint oldMask = LibC.umask(0);
            int made = LibC.mkfifo(fifo, 0x192 /* 0622 */);
            LibC.umask(oldMask);
            if (made < 0)
                throw SysError.Last($"mkfifo {fifo}");
            fifoFd = LibC.open(fifo, OpenFlags.O_PATH | OpenFlags.O_CLOEXEC, 0);
            if (fifoFd < 0)
                throw SysError.Last($"open {fifo}");

            cgroup = CgroupManager.ForNew(spec.Linux?.CgroupsPath, options.Id);
            cgroup.Create();

            var plan = NamespacePlan.For(spec, [fifoFd]);
            try
            {
                launcher = InitLauncher.Start(plan);
                cgroup.AddProcess(launcher.Pid);
                launcher.SendRequest(new InitRequest
                {
                    ContainerId = options.Id,
                    Rootfs = rootfs,
                    NoPivot = options.NoPivot,
                    FifoFd = fifoFd,
                    PreserveFds = options.PreserveFds,
                    InUserNamespace = spec.Linux?.FindNamespace("user") is not null,
                    Spec = spec,
                });
                launcher.WaitReady();
            }
            catch (RuntimeError e) when (e is not ConfigError)
            {
                throw new RuntimeError("unable to start container process: " + e.Message, e);
            }

            var state = new ContainerState
            {
                OciVersion = spec.OciVersion,
                Id = options.Id,
                InitPid = launcher.Pid,
                InitStartTime = ProcReader.Instance.ReadStat(launcher.Pid)?.StartTime ?? 0,
                Bundle = options.Bundle,
                Rootfs = rootfs,
                Created = DateTimeOffset.UtcNow,
                Annotations = spec.Annotations,
                CgroupPaths = new Dictionary<string, string>(cgroup.Paths),
                NamespacePaths = NamespacePlan.PathsOf(spec, launcher.Pid),
            };
            store.Save(state);
            if (options.PidFile is not null)
                WritePidFile(options.PidFile, launcher.Pid);
            return new Container(store, state);
        }
        catch
        {
            if (launcher is not null)
            {
                LibC.kill(launcher.Pid, 9);
                Reaper.Wait(launcher.Pid);
            }
            TryCleanup(() => cgroup?.Destroy());
            TryCleanup(() => store.Remove(options.Id));
            throw;
        }
        finally
        {
            launcher?.Dispose();
            if (fifoFd >= 0)
                LibC.close(fifoFd);
        }
    }

    private static void TryCleanup(Action cleanup)
    {
        try
        {
            cleanup();
        }
        catch (Exception e) when (e is RuntimeError or IOException)
        {
            Logging.Log.Warn($"cleanup after a failed create: {e.Message}");
        }
    }

    /// <summary>Bind sources relative to the bundle become absolute (runc resolves them from the bundle dir).</summary>
    private static void ResolveBindSources(Spec spec, string bundle)
    {
        foreach (var m in spec.Mounts ?? [])
            if (m.Source is { Length: > 0 } src && !src.StartsWith('/') &&
                (m.Type == "bind" || (m.Options ?? []).Any(o => o is "bind" or "rbind")))
                m.Source = Path.GetFullPath(src, bundle);
    }

    /// <summary>The pid file, written atomically (containerd reads it as soon as create returns).</summary>
    public static void WritePidFile(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full));
        File.WriteAllText(tmp, pid.ToString(CultureInfo.InvariantCulture));
        File.Move(tmp, full, overwrite: true);
    }
}
