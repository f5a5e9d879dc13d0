using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Protocol;
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

    /// <summary>
    /// Without a mount namespace (an unlisted one is the runtime's, per the spec) the init is
    /// in the host's: nothing is mounted (runc would mount the config's mounts on the host and
    /// leave them there), and the rootfs is entered with chroot.
    /// </summary>
    public bool HasMountNamespace { get; } = spec.Linux?.FindNamespace("mount") is not null;

    /// <summary>Everything before pivot_root.</summary>
    public void Prepare()
    {
        if (!HasMountNamespace)
        {
            if (spec.Mounts is { Count: > 0 })
                Log.Warn("linux.namespaces has no mount namespace: the config's mounts are not made (they would be the host's)");
            CreateCwd();
            return;
        }
        ulong propagation = RootPropagation();
        sys.Mount(null, "/", null, propagation, null);
        // rslave and rprivate leave no shared mount behind; anything else may leave the
        // rootfs's parent shared, which pivot_root refuses and the bind below would
        // propagate to the host: make that one mount private, as runc does.
        if (propagation is not (MS_SLAVE | MS_REC) and not (MS_PRIVATE | MS_REC))
            MakeParentMountPrivate();
        sys.Mount(_rootfs, _rootfs, "bind", MS_BIND | MS_REC, null);
        _rootFd = sys.OpenDirectory(_rootfs);
        try
        {
            foreach (var (mount, index) in (spec.Mounts ?? []).Select((m, i) => (m, i)))
            {
                try
                {
                    MountEntry(mount, MountSourceFds.GetValueOrDefault(index, -1));
                }
                catch (RuntimeError e)
                {
                    throw new RuntimeError($"error mounting \"{mount.Source}\" to rootfs at \"{mount.Destination}\": {e.Message}");
                }
            }
            if (NeedsDevSetup())
            {
                // /dev is opened once, through the root fd: its entries are made through that fd
                // (the container's own tmpfs, which nothing outside can rename).
                string dev = SecureJoin.Resolve(sys, _rootfs, "/dev");
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dev);
                WithTarget(dev, Target.Directory, devDir => new Devices(sys, _rootfs, devDir, inUserNamespace).Create(spec.Linux?.Devices));
            }
            CreateCwd();
        }
        finally
        {
            sys.Close(_rootFd);
            _rootFd = -1;
        }
    }

    /// <summary>The rootfs (its bind onto itself) while the mounts are made: every target is opened through it.</summary>
    private int _rootFd = -1;

    /// <summary>What a mount target must be once opened: a symlink is never accepted.</summary>
    private enum Target { Directory, File, Any }

    /// <summary>
    /// Runs action on a mount target opened inside the root (<see cref="SecureJoin.OpenInRoot"/>)
    /// and checked, given as its /proc/self/fd path: mount(2) then acts on what was opened,
    /// whatever was renamed since. A target opened after a mount is that mount's root.
    /// </summary>
    private void WithTarget(string dest, Target expected, Action<string> action)
    {
        int fd = SecureJoin.OpenInRoot(_rootFd, _rootfs, dest);
        try
        {
            var found = FileStat.KindOf(FileStat.Fstat(fd).Mode);
            bool ok = expected switch
            {
                Target.Directory => found == FileKind.Directory,
                Target.File => found is not (FileKind.Directory or FileKind.Symlink),
                _ => found != FileKind.Symlink,
            };
            if (!ok)
                throw new RuntimeError($"possibly malicious path detected -- refusing to operate on {dest}");
            string target = $"/proc/self/fd/{fd}";
            try
            {
                action(target);
            }
            catch (SysError e) when (e.Message.Contains(target, StringComparison.Ordinal))
            {
                // Name the destination, not the fd, in the error.
                string operation = e.Message[..^(SysError.Describe(e.Errno).Length + 2)];
                throw new SysError(operation.Replace(target, dest, StringComparison.Ordinal), e.Errno);
            }
        }
        finally
        {
            sys.Close(fd);
        }
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

    private void MakeParentMountPrivate()
    {
        MountInfoEntry? parent = null;
        foreach (var m in MountInfoEntry.ReadSelf())
            if (IsUnder(_rootfs, m.MountPoint) && (parent is null || m.MountPoint.Length >= parent.MountPoint.Length))
                parent = m;
        if (parent is null)
            throw new RuntimeError($"could not find parent mount of {_rootfs}");
        if (parent.Optional.Split(' ').Any(o => o.StartsWith("shared:", StringComparison.Ordinal)))
            sys.Mount(null, parent.MountPoint, null, MS_PRIVATE, null);
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    /// <summary>runc leaves /dev alone when the config binds the host's (or any) /dev onto it.</summary>
    private bool NeedsDevSetup() =>
        !(spec.Mounts ?? []).Any(m => m.Destination.TrimEnd('/') == "/dev" && IsBind(m, MountOptions.Parse(m.Options)));

    private static bool IsBind(Mount m, ParsedMountOptions o) => m.Type == "bind" || (o.Flags & MS_BIND) != 0;

    /// <summary>Bind sources runcs opened on the host (see InitRequest.MountSourceIndexes), by mount index.</summary>
    public IReadOnlyDictionary<int, int> MountSourceFds { get; init; } = new Dictionary<int, int>();

    private void MountEntry(Mount m, int sourceFd)
    {
        var opts = MountOptions.Parse(m.Options);
        string dest = SecureJoin.Resolve(sys, _rootfs, m.Destination);
        if (dest == _rootfs)
            throw new RuntimeError("mount destination resolves to the container's root");
        if (IsBind(m, opts))
        {
            BindMount(m, opts, dest, sourceFd);
            return;
        }
        switch (m.Type)
        {
            case "proc" or "sysfs":
                // A procfs or sysfs mounted through a symlink lands where the image chose (runc
                // refuses it): the destination must resolve without one, to a directory or nothing.
                if (dest != SecureJoin.Lexical(_rootfs, m.Destination) || sys.Kind(dest) is FileKind k && k != FileKind.Directory)
                    throw new RuntimeError($"filesystem \"{m.Type}\" must be mounted on ordinary directory");
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
                WithTarget(dest, Target.Directory, t => sys.Mount(m.Source ?? m.Type, t, m.Type, opts.Flags, Data(opts)));
                break;
            case "cgroup":
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
                new CgroupMount(sys).Mount(opts, IsNewCgroupNamespace(), action => WithTarget(dest, Target.Directory, action));
                break;
            case "tmpfs" when opts.TmpCopyUp:
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
                TmpCopyUp(m, opts, dest);
                break;
            default:
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
                WithTarget(dest, Target.Directory, t => sys.Mount(m.Source ?? "", t, m.Type, opts.Flags & ~DelayedReadonly(m), Data(opts)));
                break;
        }
        ApplyPropagation(dest, opts);
    }

    private bool IsNewCgroupNamespace() =>
        spec.Linux?.FindNamespace("cgroup") is { } ns && string.IsNullOrEmpty(ns.Path);

    private static string? Data(ParsedMountOptions o) => o.Data.Length == 0 ? null : o.Data;

    private void BindMount(Mount m, ParsedMountOptions opts, string dest, int sourceFd)
    {
        string source = m.Source ?? throw new RuntimeError("bind mount without a source");
        FileKind? kind = sourceFd >= 0 ? FileStat.KindOf(FileStat.Fstat(sourceFd).Mode) : sys.Kind(source);
        if (kind is not FileKind sourceKind)
            throw new SysError($"stat {source}", Errno.ENOENT);
        bool directory = sourceKind == FileKind.Directory;
        if (directory)
            SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
        else
        {
            SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, Path.GetDirectoryName(dest)!);
            if (sys.Kind(dest) is null)
                SecureJoin.CreateFileInRoot(_rootFd, _rootfs, dest, 0x1a4 /* 0644 */);
        }
        var target = directory ? Target.Directory : Target.File;
        // Flags other than bind/rec need runc's remount; keep the flags a user namespace locked.
        ulong extra = opts.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        // The bind is made detached (open_tree), given its flags (mount_setattr) and attached
        // onto the opened target (move_mount): no path step between the bind and its flags.
        // runcs made it already for a user namespace (sourceFd, flags set).
        int tree = sourceFd >= 0 ? sourceFd : MountApi.CloneTree(source, recursive: (opts.Flags & MS_REC) != 0);
        if (tree >= 0)
        {
            try
            {
                if (sourceFd < 0 && extra != 0)
                {
                    var (set, clear) = MountApi.RemountAttributes(opts.Flags, opts.ClearFlags, keepExisting: inUserNamespace);
                    MountApi.SetAttributes(tree, set, clear, source);
                }
                WithTarget(dest, target, t => sys.MoveMount(tree, t));
            }
            finally
            {
                if (sourceFd < 0)
                    sys.Close(tree);
            }
        }
        else if (tree == -Errno.ENOSYS)
        {
            WithTarget(dest, target, t => sys.Mount(source, t, "bind", MS_BIND | (opts.Flags & MS_REC), null));
            // The remount acts on the new mount: the target opened again.
            if (extra != 0)
                WithTarget(dest, Target.Any, t => sys.Mount(null, t, null, MS_BIND | MS_REMOUNT | extra | LockedFlags(t, opts), null));
        }
        else
            throw new SysError($"open_tree {source}", -tree);
        ApplyPropagation(dest, opts);
    }

    /// <summary>Flags already on the mount that a remount in a user namespace may not clear.</summary>
    private ulong LockedFlags(string path, ParsedMountOptions opts) =>
        inUserNamespace ? sys.MountFlags(path) & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY) & ~opts.ClearFlags : 0;

    private void ApplyPropagation(string dest, ParsedMountOptions opts)
    {
        if (opts.Propagation.Count == 0 && !opts.HasRecursiveAttrs)
            return;
        WithTarget(dest, Target.Any, t =>
        {
            foreach (ulong p in opts.Propagation)
                sys.Mount(null, t, null, p, null);
            if (opts.HasRecursiveAttrs)
                sys.SetMountAttrRecursive(t, opts.RecAttrSet, opts.RecAttrClear);
        });
    }

    /// <summary>
    /// tmpcopyup: the new tmpfs starts with the image's content of that directory. It is filled
    /// in a private directory of a random name (0700: a fixed name let any local user make every
    /// such container fail by creating it first), bound onto itself and made private so that
    /// nothing mounted there propagates to the host, then moved to its destination.
    /// </summary>
    private void TmpCopyUp(Mount m, ParsedMountOptions opts, string dest)
    {
        string staging = MakePrivateDirectory("/tmp", "runcs-tmpcopyup-");
        try
        {
            sys.Mount(staging, staging, "bind", MS_BIND, null);
            try
            {
                sys.Mount(null, staging, null, MS_PRIVATE, null);
                sys.Mount(m.Source ?? "tmpfs", staging, "tmpfs", opts.Flags & ~MS_RDONLY, Data(opts));
                WithTarget(dest, Target.Directory, t =>
                {
                    TreeCopy.Copy(t, staging);
                    sys.Mount(staging, t, null, MS_MOVE, null);
                });
            }
            finally
            {
                sys.Unmount(staging, MNT_DETACH);
            }
        }
        finally
        {
            sys.Rmdir(staging);
        }
    }

    /// <summary>mkdtemp: a new 0700 directory whose name nobody could guess, never an existing one.</summary>
    private static unsafe string MakePrivateDirectory(string parent, string prefix)
    {
        const long SYS_getrandom = 318;
        ulong random;
        for (int attempt = 0; ; attempt++)
        {
            if (LibC.syscall(SYS_getrandom, (long)&random, sizeof(ulong), 0, 0, 0, 0) != sizeof(ulong))
                throw SysError.Last("getrandom");
            string path = $"{parent}/{prefix}{random:x16}";
            if (LibC.mkdir(path, 0x1c0 /* 0700 */) == 0)
                return path;
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.EEXIST || attempt == 100)
                throw new SysError($"tmpcopyup: mkdir {path}", errno);
        }
    }

    /// <summary>
    /// A read-only tmpfs or /dev is mounted read-write and made read-only once filled (the
    /// devices, the console and the copied files go in first), as runc's finalisation does.
    /// </summary>
    private static ulong DelayedReadonly(Mount m) =>
        m.Type == "tmpfs" || CleanDestination(m) == "/dev" ? MS_RDONLY : 0;

    private static string CleanDestination(Mount m) => SecureJoin.Lexical("", m.Destination) is { Length: > 0 } p ? p : "/";

    /// <summary>runc creates a missing cwd (0755) before the process starts.</summary>
    private void CreateCwd()
    {
        string cwd = spec.Process?.Cwd ?? "/";
        if (cwd.Length == 0 || cwd == "/")
            return;
        string dest = SecureJoin.Resolve(sys, _rootfs, cwd);
        try
        {
            if (_rootFd >= 0)
                SecureJoin.MkdirAllInRoot(_rootFd, _rootfs, dest);
            else
                SecureJoin.MkdirAll(sys, _rootfs, dest);
        }
        catch (SysError e)
        {
            throw new SysError($"mkdir {cwd}", e.Errno); // runc's words name the path in the container
        }
    }

    /// <summary>Switches "/" to the rootfs and detaches the host's tree.</summary>
    public void PivotInto(bool noPivot)
    {
        if (!HasMountNamespace)
        {
            sys.Chroot(_rootfs);
            sys.Chdir("/");
            return;
        }
        if (noPivot)
        {
            DetachHostProcAndSys();
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

    /// <summary>
    /// Without pivot_root the host's tree stays in the container's mount namespace, under the
    /// rootfs moved onto "/". The kernel lets a user namespace mount a new procfs or sysfs
    /// when a full, unmasked one is in its mount namespace: that would be the host's. As runc,
    /// every full procfs and sysfs outside the rootfs is unmounted (propagation made slave
    /// first, so the host keeps its own), or covered with a tmpfs where it cannot be.
    /// </summary>
    private void DetachHostProcAndSys()
    {
        foreach (var m in MountInfoEntry.ReadSelf())
        {
            if (m.Root != "/" || m.FsType is not ("proc" or "sysfs") || IsUnder(m.MountPoint, _rootfs))
                continue;
            try
            {
                sys.Mount(null, m.MountPoint, null, MS_SLAVE | MS_REC, null);
            }
            catch (SysError e) when (e.Errno == Errno.ENOENT)
            {
                continue; // under a mount detached before it
            }
            try
            {
                sys.Unmount(m.MountPoint, MNT_DETACH);
            }
            catch (SysError e) when (e.Errno is Errno.EINVAL or Errno.EPERM)
            {
                sys.Mount("tmpfs", m.MountPoint, "tmpfs", 0, null);
            }
        }
    }

    /// <summary>After pivot_root: read-only root, masked and read-only paths.</summary>
    public void Finish()
    {
        if (!HasMountNamespace)
            return;
        foreach (var m in spec.Mounts ?? [])
            if ((MountOptions.Parse(m.Options).Flags & MS_RDONLY) != 0 && DelayedReadonly(m) != 0 && !IsBind(m, MountOptions.Parse(m.Options)))
                RemountReadonly(m);
        foreach (string path in spec.Linux?.ReadonlyPaths ?? [])
            ReadonlyPath(path);
        foreach (string path in spec.Linux?.MaskedPaths ?? [])
            MaskPath(path);
        if (spec.Root?.Readonly == true)
            sys.Mount(null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY | sys.MountFlags("/"), null);
    }

    private void RemountReadonly(Mount m)
    {
        var opts = MountOptions.Parse(m.Options);
        sys.Mount(null, CleanDestination(m), null, opts.Flags | MS_REMOUNT | MS_BIND | MS_RDONLY, null);
    }

    private void ReadonlyPath(string path)
    {
        if (sys.Kind(path) is null)
            return;
        sys.Mount(path, path, null, MS_BIND | MS_REC, null);
        sys.Mount(null, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | sys.MountFlags(path), null);
    }

    private bool _nullChecked;

    /// <summary>A masked file is covered with /dev/null: it must be the null device (char 1:3), not what the image put there.</summary>
    private void RequireNullDevice()
    {
        if (_nullChecked)
            return;
        if (!FileStat.TryLstat("/dev/null", out var st) || FileStat.KindOf(st.Mode) != FileKind.CharDevice || st.Rdev != FileStat.Makedev(1, 3))
            throw new RuntimeError("/dev/null is not the null device (char 1:3): refusing to mask paths with it");
        _nullChecked = true;
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
                RequireNullDevice();
                sys.Mount("/dev/null", path, null, MS_BIND, null);
                break;
        }
    }
}
