using Runcs.Errors;
using Runcs.Init;
using Runcs.Oci;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>/dev's nodes and links as <see cref="Devices"/> makes them from linux.devices, against the recording fake.</summary>
public sealed class DevicesTests
{
    private static List<LinuxDevice> Configured() => UnitSpec.Read("""
        { "ociVersion": "1.0.2", "linux": { "devices": [
            { "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384, "uid": 1000, "gid": 1001 },
            { "path": "/dev/sda", "type": "b", "major": 8, "minor": 0 },
            { "path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 438 },
            { "path": "/dev/initctl", "type": "p", "major": 0, "minor": 0, "fileMode": 420 },
            { "path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 432 }
        ] } }
        """).Linux!.Devices!;

    [Fact]
    public void Configured_devices_follow_the_defaults_they_do_not_replace()
    {
        var sys = new RecordingSyscalls().Directory("/r/dev");
        new Devices(sys, "/r", "/r/dev", inUserNamespace: false).Create(Configured());
        Assert.Equal(
        [
            "mknod /r/dev/zero c 1:5 0666", "mknod /r/dev/full c 1:7 0666", "mknod /r/dev/tty c 5:0 0666",
            "mknod /r/dev/urandom c 1:9 0666", "mknod /r/dev/random c 1:8 0666",
            "mknod /r/dev/fuse c 10:229 0600",
            "mknod /r/dev/sda b 8:0 0666", // no fileMode: 0666
            "mkdir /r/dev/net 0755",
            "mknod /r/dev/net/tun c 10:200 0666",
            "mknod /r/dev/initctl p 0:0 0644",
            "mknod /r/dev/null c 1:3 0660", // the config's /dev/null wins over the default
        ], sys.Calls.Only("mknod", "mkdir"));
        Assert.Contains("chown /r/dev/fuse 1000:1001", sys.Calls);
        Assert.Contains("chown /r/dev/sda 0:0", sys.Calls);
        Assert.Equal(FileKind.BlockDevice, sys.KindAt("/r/dev/sda"));
        Assert.Equal(FileKind.Fifo, sys.KindAt("/r/dev/initctl"));
        // The nodes get exactly their modes: umask 0 around them, the old one back after.
        Assert.Equal("umask 00", sys.Calls[0]);
        Assert.Equal("umask 022", sys.Calls.Only("umask").Last());
    }

    [Fact]
    public void What_the_image_has_at_a_device_path_is_kept()
    {
        var sys = new RecordingSyscalls().Directory("/r/dev").File("/r/dev/tty");
        new Devices(sys, "/r", "/r/dev", inUserNamespace: false).Create(null);
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("mknod /r/dev/tty", StringComparison.Ordinal));
        Assert.Equal(5, sys.Calls.Only("mknod").Count);
    }

    [Fact]
    public void A_device_path_through_a_symlink_stays_in_the_containers_dev()
    {
        // /dev/net is a link to /etc: a path below /dev is resolved with /dev as its root
        // (the container's /dev opened once), so the node stays in it.
        var sys = new RecordingSyscalls().Directory("/r/dev").Directory("/r/etc").Link("/r/dev/net", "/etc");
        new Devices(sys, "/r", "/r/dev", inUserNamespace: false).Create(Configured());
        Assert.Contains("mknod /r/dev/etc/tun c 10:200 0666", sys.Calls);
        Assert.DoesNotContain(sys.Calls, c => c.Contains(" /etc/tun", StringComparison.Ordinal));
    }

    [Fact]
    public void In_a_user_namespace_every_device_is_the_hosts_node_bound_onto_an_empty_file()
    {
        var sys = new RecordingSyscalls().Directory("/r/dev");
        new Devices(sys, "/r", "/r/dev", inUserNamespace: true).Create(Configured());
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("mknod", StringComparison.Ordinal));
        Assert.Equal(["create /r/dev/fuse 0644", "mount /dev/fuse /r/dev/fuse bind bind"], sys.Calls.Only("create /r/dev/fuse", "mount /dev/fuse"));
        Assert.Equal(10, sys.Calls.Only("mount").Count);
    }

    [Fact]
    public void The_links_every_program_expects_and_ptmx_from_the_containers_devpts()
    {
        // The image has a ptmx device node (the host's copy): it goes, replaced by the link to pts/ptmx.
        var sys = new RecordingSyscalls().Directory("/r/dev").CharDevice("/r/dev/ptmx", 5, 2).File("/proc/kcore");
        new Devices(sys, "/r", "/r/dev", inUserNamespace: false).Create(null);
        Assert.Equal(
        [
            "symlink /r/dev/fd -> /proc/self/fd", "symlink /r/dev/stdin -> /proc/self/fd/0",
            "symlink /r/dev/stdout -> /proc/self/fd/1", "symlink /r/dev/stderr -> /proc/self/fd/2",
            "symlink /r/dev/core -> /proc/kcore",
            "unlink /r/dev/ptmx", "symlink /r/dev/ptmx -> pts/ptmx",
        ], sys.Calls.Only("symlink", "unlink"));
    }

    [Fact]
    public void An_unknown_device_type_is_an_error_naming_the_device()
    {
        var devices = new List<LinuxDevice> { new() { Path = "/dev/x", Type = "z", Major = 1, Minor = 1 } };
        var e = Assert.Throws<RuntimeError>(() => new Devices(new RecordingSyscalls().Directory("/r/dev"), "/r", "/r/dev", false).Create(devices));
        Assert.Equal("/dev/x: unknown device type \"z\"", e.Message);
    }
}
