using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;
using static Runcs.Oci.MountOptions;

namespace Runcs.Init;

/// <summary>
/// Builds the container's filesystem inside its new mount namespace, in runc's order:
/// propagation of "/", the rootfs bound onto itself, every configured mount (targets
/// resolved inside the rootfs), /dev, then pivot_root into it.
/// </summary>
public sealed class Rootfs(ISyscalls sys, Spec spec, string rootfs, bool inUserNamespace)
{
    private const int MNT_DETACH = 2;
    private readonly string _rootfs = rootfs.TrimEnd('/');

    /// <summary>Everything before pivot_root.</summary>
    public void Prepare()
    {
        sys.Mount(null, "/", null, RootPropagation(), null);
        sys.Mount(_rootfs, _rootfs, "bind", MS_BIND | MS_REC, null);
        foreach (var (mount, index) in (spec.Mounts ?? []).Select((m, i) => (m, i)))
        {
            try
            {
                MountEntry(mount);
            }
            catch (RuntimeError e)
            {
                throw new RuntimeError($"error mounting \"{mount.Source}\" to rootfs at \"{mount.Destination}\": {e.Message}");
            }
        }
        if (NeedsDevSetup())
        {
            new Devices(sys, _rootfs, inUserNamespace).Create(spec.Linux?.Devices);
        }
        CreateCwd();
    }

    private ulong RootPropagation() => spec.Linux?.RootfsPropagation switch
    {
        null or "" => MS_SLAVE | MS_REC,
        "shared" => MS_SHARED,
        "rshared" => MS_SHARED | MS_REC,
        "slave" => MS_SLAVE,
        "rslave" => MS_SLAVE | MS_REC,
        "private" => MS_PRIVATE,
        "rprivate" => MS_PRIVATE | MS_REC,
        "unbindable" => MS_UNBINDABLE,
        "runbindable" => MS_UNBINDABLE | MS_REC,
        var p => throw new RuntimeError($"rootfsPropagation: unknown propagation \"{p}\""),
    };

    /// <summary>runc leaves /dev alone when the config binds the host's (or any) /dev onto it.</summary>
    private bool NeedsDevSetup() =>
        !(spec.Mounts ?? []).Any(m => m.Destination.TrimEnd('/') == "/dev" && IsBind(m, MountOptions.Parse(m.Options)));

    private static bool IsBind(Mount m, ParsedMountOptions o) => m.Type == "bind" || (o.Flags & MS_BIND) != 0;

    private void MountEntry(Mount m)
    {
        var opts = MountOptions.Parse(m.Options);
        string dest = SecureJoin.Resolve(sys, _rootfs, m.Destination);
        if (dest == _rootfs)
            throw new RuntimeError("mount destination resolves to the container's root");
        if (IsBind(m, opts))
        {
            BindMount(m, opts, dest);
            return;
        }
        switch (m.Type)
        {
            case "proc" or "sysfs":
                // The kernel checks these are real directories: a symlink could redirect them.
                if (sys.Kind(dest) is FileKind k && k != FileKind.Directory)
                    throw new RuntimeError($"filesystem \"{m.Type}\" must be mounted on ordinary directory");
                SecureJoin.MkdirAll(sys, _rootfs, dest);
                sys.Mount(m.Source ?? m.Type, dest, m.Type, opts.Flags, Data(opts));
                break;
            case "cgroup":
                new CgroupMount(sys, _rootfs).Mount(dest, opts, IsNewCgroupNamespace());
                break;
            case "tmpfs" when opts.TmpCopyUp:
                SecureJoin.MkdirAll(sys, _rootfs, dest);
                TmpCopyUp(m, opts, dest);
                break;
            default:
                SecureJoin.MkdirAll(sys, _rootfs, dest);
                sys.Mount(m.Source ?? "", dest, m.Type, opts.Flags, Data(opts));
                break;
        }
        ApplyPropagation(dest, opts);
    }

    private bool IsNewCgroupNamespace() =>
        spec.Linux?.FindNamespace("cgroup") is { } ns && string.IsNullOrEmpty(ns.Path);

    private static string? Data(ParsedMountOptions o) => o.Data.Length == 0 ? null : o.Data;

    private void BindMount(Mount m, ParsedMountOptions opts, string dest)
    {
        string source = m.Source ?? throw new RuntimeError("bind mount without a source");
        if (sys.Kind(source) is not FileKind sourceKind)
            throw new SysError($"stat {source}", Errno.ENOENT);
        if (sourceKind == FileKind.Directory)
            SecureJoin.MkdirAll(sys, _rootfs, dest);
        else
        {
            SecureJoin.MkdirAll(sys, _rootfs, Path.GetDirectoryName(dest)!);
            if (sys.Kind(dest) is null)
                sys.CreateFile(dest, 0x1a4 /* 0644 */);
        }
        sys.Mount(source, dest, "bind", MS_BIND | (opts.Flags & MS_REC), null);
        // Flags other than bind/rec need a remount; keep the flags a user namespace locked.
        ulong extra = opts.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (extra != 0)
            sys.Mount(null, dest, null, MS_BIND | MS_REMOUNT | extra | LockedFlags(dest, opts), null);
        ApplyPropagation(dest, opts);
    }

    /// <summary>Flags already on the mount that a remount in a user namespace may not clear.</summary>
    private ulong LockedFlags(string path, ParsedMountOptions opts) =>
        inUserNamespace ? sys.MountFlags(path) & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY) & ~opts.ClearFlags : 0;

    private void ApplyPropagation(string dest, ParsedMountOptions opts)
    {
        foreach (ulong p in opts.Propagation)
            sys.Mount(null, dest, null, p, null);
        if (opts.HasRecursiveAttrs)
            sys.SetMountAttrRecursive(dest, opts.RecAttrSet, opts.RecAttrClear);
    }

    /// <summary>tmpcopyup: the new tmpfs starts with the image's content of that directory.</summary>
    private void TmpCopyUp(Mount m, ParsedMountOptions opts, string dest)
    {
        string staging = Path.Combine("/tmp", $"runcs-tmpcopyup-{Environment.ProcessId}");
        sys.Mkdir(staging, 0x1c0);
        try
        {
            sys.Mount(m.Source ?? "tmpfs", staging, "tmpfs", opts.Flags & ~MS_RDONLY, Data(opts));
            TreeCopy.Copy(dest, staging);
            sys.Mount(staging, dest, null, MS_MOVE, null);
            if ((opts.Flags & MS_RDONLY) != 0)
                sys.Mount(null, dest, null, MS_REMOUNT | opts.Flags, Data(opts));
        }
        finally
        {
            sys.Rmdir(staging);
        }
    }

    /// <summary>runc creates a missing cwd (0755) before the process starts.</summary>
    private void CreateCwd()
    {
        string cwd = spec.Process?.Cwd ?? "/";
        if (cwd.Length == 0 || cwd == "/")
            return;
        try
        {
            SecureJoin.MkdirAll(sys, _rootfs, SecureJoin.Resolve(sys, _rootfs, cwd));
        }
        catch (SysError e)
        {
            throw new SysError($"mkdir {cwd}", e.Errno); // runc's words name the path in the container
        }
    }

    /// <summary>Switches "/" to the rootfs and detaches the host's tree.</summary>
    public void PivotInto(bool noPivot)
    {
        if (noPivot)
        {
            sys.Chdir(_rootfs);
            sys.Mount(_rootfs, "/", null, MS_MOVE, null);
            sys.Chroot(".");
            sys.Chdir("/");
            return;
        }
        // pivot_root(".", ".") stacks the old root on top of the new one; unmounting "."
        // after it removes the old root without needing a directory for it in the image.
        int oldRoot = sys.OpenDirectory("/");
        try
        {
            sys.Chdir(_rootfs);
            sys.PivotRoot(".", ".");
            sys.Fchdir(oldRoot);
            sys.Mount(null, ".", null, MS_SLAVE | MS_REC, null);
            sys.Unmount(".", MNT_DETACH);
            sys.Chdir("/");
        }
        finally
        {
            sys.Close(oldRoot);
        }
    }

    /// <summary>After pivot_root: read-only root, masked and read-only paths.</summary>
    public void Finish()
    {
        foreach (string path in spec.Linux?.ReadonlyPaths ?? [])
            ReadonlyPath(path);
        foreach (string path in spec.Linux?.MaskedPaths ?? [])
            MaskPath(path);
        if (spec.Root?.Readonly == true)
            sys.Mount(null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY | sys.MountFlags("/"), null);
    }

    private void ReadonlyPath(string path)
    {
        if (sys.Kind(path) is null)
            return;
        sys.Mount(path, path, null, MS_BIND | MS_REC, null);
        sys.Mount(null, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | sys.MountFlags(path), null);
    }

    private void MaskPath(string path)
    {
        switch (sys.Kind(path))
        {
            case null:
                return;
            case FileKind.Directory:
                sys.Mount("tmpfs", path, "tmpfs", MS_RDONLY, null);
                break;
            default:
                sys.Mount("/dev/null", path, null, MS_BIND, null);
                break;
        }
    }
}
