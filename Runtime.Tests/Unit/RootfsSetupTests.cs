using Runcs.Errors;
using Runcs.Init;
using Runcs.Oci;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>
/// What <see cref="Rootfs"/> mounts, creates and pivots, in which order, against the recording
/// fake: the rootfs is /r, the image's directories and the host's bind sources are in the fake tree.
/// </summary>
public sealed class RootfsSetupTests
{
    private const string Config = """
        {
          "ociVersion": "1.0.2",
          "process": { "cwd": "/work", "args": ["sh"], "user": { "uid": 0, "gid": 0 } },
          "root": { "path": "rootfs", "readonly": true },
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"] },
            { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k", "ro"] },
            { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"] },
            { "destination": "/data", "type": "bind", "source": "/host/data", "options": ["rbind", "ro"] }
          ],
          "linux": {
            "namespaces": [ { "type": "mount" }, { "type": "pid" } ],
            "readonlyPaths": ["/proc/sys", "/proc/missing"],
            "maskedPaths": ["/proc/kcore", "/sys/firmware", "/proc/absent"]
          }
        }
        """;

    /// <summary>An image with /dev, /sys and /etc (no /proc, /data or /work), the host's bind source, and the container's paths Finish acts on after pivot_root.</summary>
    private static RecordingSyscalls Image() => new RecordingSyscalls()
        .Directory("/r/dev").Directory("/r/sys").Directory("/r/etc")
        .Directory("/host/data")
        .Directory("/proc/sys").File("/proc/kcore").Directory("/sys/firmware").CharDevice("/dev/null", 1, 3);

    [Fact]
    public void Prepare_mounts_in_config_order_then_makes_dev_and_the_cwd()
    {
        var sys = Image();
        new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).Prepare();
        Assert.Equal(
        [
            // runc's prepareRoot: "/" rslave (the default rootfsPropagation), the rootfs bound onto itself.
            "mount none / none rec|slave",
            "mount /r /r bind bind|rec",
            // Each mount in config order, its target made first (through fds inside the root).
            "mkdir /r/proc 0755",
            "mount proc /r/proc proc nosuid|nodev|noexec",
            // A read-only tmpfs is mounted read-write and made read-only by Finish, once filled.
            "mount tmpfs /r/dev tmpfs nosuid|strictatime mode=755,size=65536k",
            "mount sysfs /r/sys sysfs rdonly|nosuid|nodev|noexec",
            // A bind with flags: detached, its attributes set, then attached (no path step between).
            "mkdir /r/data 0755",
            "open_tree /host/data rec",
            $"mount_setattr tree:/host/data set=0x{MountOptions.MOUNT_ATTR_RDONLY:x} clear=0x{MountOptions.MOUNT_ATTR_NOSUID | MountOptions.MOUNT_ATTR_NODEV | MountOptions.MOUNT_ATTR_NOEXEC | MountOptions.MOUNT_ATTR_NODIRATIME:x}",
            "move_mount tree:/host/data /r/data",
            // runc's createDevices: umask 0, the default devices, umask back, then the links.
            "umask 00",
            "mknod /r/dev/null c 1:3 0666", "chown /r/dev/null 0:0",
            "mknod /r/dev/zero c 1:5 0666", "chown /r/dev/zero 0:0",
            "mknod /r/dev/full c 1:7 0666", "chown /r/dev/full 0:0",
            "mknod /r/dev/tty c 5:0 0666", "chown /r/dev/tty 0:0",
            "mknod /r/dev/urandom c 1:9 0666", "chown /r/dev/urandom 0:0",
            "mknod /r/dev/random c 1:8 0666", "chown /r/dev/random 0:0",
            "umask 022",
            "symlink /r/dev/fd -> /proc/self/fd",
            "symlink /r/dev/stdin -> /proc/self/fd/0",
            "symlink /r/dev/stdout -> /proc/self/fd/1",
            "symlink /r/dev/stderr -> /proc/self/fd/2",
            "symlink /r/dev/core -> /proc/kcore",
            "symlink /r/dev/ptmx -> pts/ptmx",
            // A missing cwd is made (0755), as runc does.
            "mkdir /r/work 0755",
        ], sys.Calls);
        Assert.Empty(sys.OpenFds);
    }

    [Fact]
    public void Pivot_root_stacks_the_old_root_and_detaches_it()
    {
        var sys = Image();
        new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).PivotInto(noPivot: false);
        Assert.Equal(["chdir /r", "pivot_root . .", "fchdir /", "mount none . none rec|slave", "umount . detach", "chdir /"], sys.Calls);
        Assert.Empty(sys.OpenFds);
    }

    [Fact]
    public void Finish_makes_read_only_mounts_then_read_only_paths_then_masked_paths_then_the_root()
    {
        var sys = Image();
        sys.MountFlagsByPath["/proc/sys"] = MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC;
        sys.MountFlagsByPath["/"] = MountOptions.MS_NODEV;
        new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).Finish();
        Assert.Equal(
        [
            // The tmpfs /dev, filled now: runc's finalizeRootfs remount.
            "mount none /dev none rdonly|nosuid|remount|bind|strictatime",
            // readonlyPaths: bound onto itself, remounted read-only keeping the flags it has; a missing one is skipped.
            "mount /proc/sys /proc/sys none bind|rec",
            "mount none /proc/sys none rdonly|nosuid|nodev|noexec|remount|bind|rec",
            // maskedPaths: a file is covered with /dev/null, a directory with a read-only tmpfs; a missing one is skipped.
            "mount /dev/null /proc/kcore none bind",
            "mount tmpfs /sys/firmware tmpfs rdonly",
            // root.readonly last (runc makes the root read-only in finalizeRootfs, before the
            // read-only and masked paths: the same mounts either way).
            "mount none / none rdonly|nodev|remount|bind",
        ], sys.Calls);
    }

    [Fact]
    public void A_masked_file_is_not_covered_with_a_dev_null_that_is_not_the_null_device()
    {
        var sys = Image().File("/dev/null", "not a device");
        var e = Assert.Throws<RuntimeError>(() => new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).Finish());
        Assert.Equal("/dev/null is not the null device (char 1:3): refusing to mask paths with it", e.Message);
        Assert.DoesNotContain(sys.Calls, c => c.Contains("/proc/kcore", StringComparison.Ordinal));
    }

    [Fact]
    public void Mount_targets_are_resolved_inside_the_rootfs()
    {
        // The image's /data is a symlink to the host's /etc: the bind lands on the rootfs's /etc.
        var sys = Image().Link("/r/data", "/etc");
        new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).Prepare();
        Assert.Contains("move_mount tree:/host/data /r/etc", sys.Calls);
        Assert.DoesNotContain(sys.Calls, c => c.EndsWith(" /etc", StringComparison.Ordinal));
    }

    [Fact]
    public void Proc_through_a_symlink_is_refused()
    {
        var sys = Image().Link("/r/proc", "sys");
        var e = Assert.Throws<RuntimeError>(() => new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).Prepare());
        Assert.Equal("error mounting \"proc\" to rootfs at \"/proc\": filesystem \"proc\" must be mounted on ordinary directory", e.Message);
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("mount proc", StringComparison.Ordinal));
        Assert.Empty(sys.OpenFds);
    }

    [Fact]
    public void A_mount_onto_the_root_itself_is_refused()
    {
        var spec = UnitSpec.Read("""
            { "ociVersion": "1.0.2", "root": { "path": "rootfs" },
              "mounts": [ { "destination": "/etc/..", "type": "tmpfs", "source": "tmpfs" } ],
              "linux": { "namespaces": [ { "type": "mount" } ] } }
            """);
        var e = Assert.Throws<RuntimeError>(() => new Rootfs(Image(), spec, "/r", inUserNamespace: false).Prepare());
        Assert.Equal("error mounting \"tmpfs\" to rootfs at \"/etc/..\": mount destination resolves to the container's root", e.Message);
    }

    [Fact]
    public void A_bound_dev_gets_no_device_nodes()
    {
        var spec = UnitSpec.Read("""
            { "ociVersion": "1.0.2", "root": { "path": "rootfs" },
              "mounts": [ { "destination": "/dev", "type": "bind", "source": "/host/dev", "options": ["rbind"] } ],
              "linux": { "namespaces": [ { "type": "mount" } ] } }
            """);
        var sys = Image().Directory("/host/dev");
        new Rootfs(sys, spec, "/r", inUserNamespace: false).Prepare();
        Assert.Equal(["mount none / none rec|slave", "mount /r /r bind bind|rec", "open_tree /host/dev rec", "move_mount tree:/host/dev /r/dev"], sys.Calls);
    }

    [Fact]
    public void A_file_bind_gets_an_empty_file_as_its_target()
    {
        var spec = UnitSpec.Read("""
            { "ociVersion": "1.0.2", "root": { "path": "rootfs" },
              "mounts": [ { "destination": "/etc/resolv.conf", "type": "bind", "source": "/host/resolv.conf", "options": ["bind", "rprivate"] } ],
              "linux": { "namespaces": [ { "type": "mount" } ] } }
            """);
        var sys = Image().File("/host/resolv.conf");
        new Rootfs(sys, spec, "/r", inUserNamespace: false).Prepare();
        Assert.Equal(
            ["create /r/etc/resolv.conf 0644", "open_tree /host/resolv.conf", "move_mount tree:/host/resolv.conf /r/etc/resolv.conf", "mount none /r/etc/resolv.conf none rec|private"],
            sys.Calls.Only("create", "open_tree", "move_mount", "mount none /r/etc"));
    }

    [Fact]
    public void In_a_user_namespace_a_bind_uses_the_source_runcs_opened_and_devices_are_bound()
    {
        var sys = Image();
        int sourceFd = sys.OpenDirectory("/host/data"); // the detached tree runcs made on the host, flags set
        var rootfs = new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: true) { MountSourceFds = new Dictionary<int, int> { [3] = sourceFd } };
        rootfs.Prepare();
        Assert.Contains("move_mount /host/data /r/data", sys.Calls);
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("open_tree", StringComparison.Ordinal) || c.StartsWith("mount_setattr", StringComparison.Ordinal));
        // mknod is not allowed in a user namespace: each device is the host's node bound onto an empty file.
        Assert.Equal(["create /r/dev/null 0644", "mount /dev/null /r/dev/null bind bind"], sys.Calls.Only("create /r/dev/null", "mount /dev/null"));
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("mknod", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_mount_namespace_nothing_is_mounted_and_the_rootfs_is_entered_with_chroot()
    {
        var spec = UnitSpec.Read("""
            { "ociVersion": "1.0.2", "process": { "cwd": "/work", "args": ["sh"], "user": { "uid": 0, "gid": 0 } },
              "root": { "path": "rootfs" }, "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ],
              "linux": { "namespaces": [ { "type": "pid" } ], "maskedPaths": ["/proc/kcore"] } }
            """);
        var sys = Image();
        var rootfs = new Rootfs(sys, spec, "/r", inUserNamespace: false);
        rootfs.Prepare();
        rootfs.PivotInto(noPivot: false);
        rootfs.Finish();
        Assert.Equal(["mkdir /r/work 0755", "chroot /r", "chdir /"], sys.Calls);
    }

    [Fact]
    public void No_pivot_detaches_the_hosts_proc_and_sys_then_moves_the_rootfs_onto_slash()
    {
        var sys = Image();
        sys.MountInfo.Add(new MountInfoEntry("/", "/proc", "rw", "", "proc", "proc", "rw"));
        sys.MountInfo.Add(new MountInfoEntry("/", "/r/proc", "rw", "", "proc", "proc", "rw")); // the container's own
        sys.MountInfo.Add(new MountInfoEntry("/", "/sys", "rw", "", "sysfs", "sysfs", "rw"));
        sys.MountInfo.Add(new MountInfoEntry("/", "/tmp", "rw", "", "tmpfs", "tmpfs", "rw"));
        sys.Fail("umount /sys detach", Errno.EINVAL); // locked: covered instead
        new Rootfs(sys, UnitSpec.Read(Config), "/r", inUserNamespace: false).PivotInto(noPivot: true);
        Assert.Equal(
        [
            "mount none /proc none rec|slave", "umount /proc detach",
            "mount none /sys none rec|slave", "umount /sys detach", "mount tmpfs /sys tmpfs 0",
            "chdir /r", "mount /r / none move", "chroot .", "chdir /",
        ], sys.Calls);
    }
}
