using Runcs.Cgroups;
using Runcs.Oci;
using Runcs.Sys;
using static Runcs.Oci.MountOptions;

namespace Runcs.Init;

/// <summary>
/// A "cgroup" mount in config.json. On v2 it is the cgroup2 filesystem (or, without a cgroup
/// namespace, a bind of the container's own cgroup); on v1 a tmpfs holding one directory
/// per hierarchy, each showing only the container's cgroup, as runc sets it up.
/// </summary>
public sealed class CgroupMount(ISyscalls sys)
{
    /// <param name="withDestination">Runs its action on the destination opened inside the rootfs
    /// (a /proc/self/fd path); opened again after the tmpfs is mounted, it is the tmpfs's root,
    /// where the hierarchies' directories are made: no path step outside runcs's own tmpfs.</param>
    public void Mount(ParsedMountOptions opts, bool newCgroupNamespace, Action<Action<string>> withDestination)
    {
        var mounts = MountInfoEntry.ReadSelf();
        var own = CgroupManager.OwnCgroups();
        ulong flags = opts.Flags & ~MS_RDONLY;
        if (mounts.Any(m => m.MountPoint == "/sys/fs/cgroup" && m.FsType == "cgroup2"))
        {
            if (newCgroupNamespace)
            {
                withDestination(dest => sys.Mount("cgroup2", dest, "cgroup2", opts.Flags, null));
                return;
            }
            // The remount acts on the bind: on the destination opened again, after the bind.
            withDestination(dest => sys.Mount("/sys/fs/cgroup" + own.GetValueOrDefault("", "/"), dest, "bind", MS_BIND | MS_REC, null));
            if ((opts.Flags & BindFlags) != 0)
                withDestination(dest => sys.Mount(null, dest, null, MS_BIND | MS_REMOUNT | (opts.Flags & BindFlags), null));
            return;
        }
        withDestination(dest => sys.Mount("tmpfs", dest, "tmpfs", flags, "mode=755"));
        withDestination(dest =>
        {
            foreach (var m in mounts.Where(m => m.FsType == "cgroup" && m.MountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal)))
            {
                string name = m.MountPoint["/sys/fs/cgroup/".Length..];
                string target = dest + "/" + name;
                sys.Mkdir(target, 0x1ed);
                string controllers = string.Join(',', m.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro")));
                if (newCgroupNamespace)
                    sys.Mount("cgroup", target, "cgroup", opts.Flags, controllers);
                else
                    BindReadonly(m.MountPoint + PathIn(own, controllers, m.Root), target, opts.Flags);
                // Co-mounted controllers (cpu,cpuacct) get a link per name, as on the host.
                foreach (string c in name.Split(',').Where(c => c != name))
                    if (sys.Kind(dest + "/" + c) is null)
                        sys.Symlink(name, dest + "/" + c);
            }
            if ((opts.Flags & MS_RDONLY) != 0)
                sys.Mount(null, dest, null, MS_REMOUNT | opts.Flags, "mode=755");
        });
    }

    private const ulong BindFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

    /// <summary>target is a path by name below the tmpfs: the remount crosses into the new bind.</summary>
    private void BindReadonly(string source, string target, ulong flags)
    {
        sys.Mount(source, target, "bind", MS_BIND | MS_REC, null);
        if ((flags & BindFlags) != 0)
            sys.Mount(null, target, null, MS_BIND | MS_REMOUNT | (flags & BindFlags), null);
    }

    /// <summary>The container's cgroup in one hierarchy, relative to that hierarchy's mounted root.</summary>
    private static string PathIn(Dictionary<string, string> own, string controllers, string mountRoot)
    {
        string path = own.GetValueOrDefault(controllers, "/");
        if (mountRoot != "/" && path.StartsWith(mountRoot, StringComparison.Ordinal))
            path = path[mountRoot.Length..];
        return path == "/" ? "" : path;
    }
}
