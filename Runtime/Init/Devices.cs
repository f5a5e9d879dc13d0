using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Init;

/// <summary>
/// /dev inside the container: runc's default devices, linux.devices, and the links every
/// program expects (/dev/fd, stdio, ptmx). In a user namespace mknod is not allowed, so
/// devices are bind mounts of the host's nodes, as runc does. Paths below /dev are made
/// through devDir, the container's /dev opened once inside the rootfs (a /proc/self/fd path):
/// a rename of the rootfs's dev directory meanwhile cannot send them elsewhere.
/// </summary>
public sealed class Devices(ISyscalls sys, string rootfs, string devDir, bool inUserNamespace)
{
    /// <summary>runc's default devices: always present, mode 0666, owned by root.</summary>
    public static readonly IReadOnlyList<LinuxDevice> Defaults =
    [
        Char("/dev/null", 1, 3), Char("/dev/zero", 1, 5), Char("/dev/full", 1, 7),
        Char("/dev/tty", 5, 0), Char("/dev/urandom", 1, 9), Char("/dev/random", 1, 8),
    ];

    private static LinuxDevice Char(string path, long major, long minor) =>
        new() { Path = path, Type = "c", Major = major, Minor = minor, FileMode = 0x1b6 /* 0666 */, Uid = 0, Gid = 0 };

    /// <summary>The defaults, then the config's devices (which win for the same path).</summary>
    public static IEnumerable<LinuxDevice> All(IEnumerable<LinuxDevice>? configured)
    {
        var list = (configured ?? []).ToList();
        return Defaults.Where(d => !list.Any(c => c.Path == d.Path)).Concat(list);
    }

    public void Create(IEnumerable<LinuxDevice>? configured)
    {
        uint oldMask = sys.Umask(0);
        try
        {
            foreach (var device in All(configured))
                CreateNode(device);
        }
        finally
        {
            sys.Umask(oldMask);
        }
        CreateLinks();
    }

    private void CreateNode(LinuxDevice device)
    {
        string dest = device.Path.StartsWith("/dev/", StringComparison.Ordinal)
            ? SecureJoin.Resolve(sys, devDir, device.Path["/dev".Length..])
            : SecureJoin.Resolve(sys, rootfs, device.Path);
        string root = dest.StartsWith(devDir + "/", StringComparison.Ordinal) ? devDir : rootfs;
        SecureJoin.MkdirAll(sys, root, Path.GetDirectoryName(dest)!);
        if (inUserNamespace)
        {
            BindHostNode(device, dest);
            return;
        }
        uint type = device.Type switch
        {
            "c" or "u" => FileStat.S_IFCHR,
            "b" => FileStat.S_IFBLK,
            "p" => FileStat.S_IFIFO,
            _ => throw new RuntimeError($"{device.Path}: unknown device type \"{device.Type}\""),
        };
        if (sys.Kind(dest) is not null)
            return; // runc keeps what the image (or a mount) already has there
        try
        {
            sys.Mknod(dest, type | (device.FileMode ?? 0x1b6) & 0xfff, FileStat.Makedev(device.Major, device.Minor));
        }
        catch (SysError e) when (e.Errno == Errno.EPERM)
        {
            // Root of a user namespace the config does not make (rootless podman runs the runtime
            // as uid 0 in its own): no mknod there either. runc asks RunningInUserNS up front;
            // asking the kernel costs real root nothing.
            BindHostNode(device, dest);
            return;
        }
        sys.Chown(dest, device.Uid ?? 0, device.Gid ?? 0);
    }

    /// <summary>runc's bindMountDeviceNode: the host's node, bound over an empty file.</summary>
    private void BindHostNode(LinuxDevice device, string dest)
    {
        if (sys.Kind(dest) is null)
            sys.CreateFile(dest, 0x1a4);
        sys.Mount(device.Path, dest, "bind", Oci.MountOptions.MS_BIND, null);
    }

    private void CreateLinks()
    {
        (string Link, string Target)[] links =
        [
            ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
            ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2"),
        ];
        foreach (var (link, target) in links)
        {
            string path = devDir + link["/dev".Length..];
            if (sys.Kind(path) is null)
                sys.Symlink(target, path);
        }
        if (sys.Kind("/proc/kcore") is not null && sys.Kind(devDir + "/core") is null)
            sys.Symlink("/proc/kcore", devDir + "/core");
        // /dev/ptmx must be the container's devpts instance, not the host's.
        string ptmx = devDir + "/ptmx";
        if (sys.Kind(ptmx) is not null and not FileKind.Symlink)
            sys.Unlink(ptmx);
        if (sys.Kind(ptmx) is null)
            sys.Symlink("pts/ptmx", ptmx);
    }
}
