using Runcs.Init;
using Runcs.Oci;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Init;

/// <summary>The pure parts of mount-target handling: lexical joins and runc's bind remount as mount_setattr attributes.</summary>
public sealed class MountTargetTests
{
    [Theory]
    [InlineData("/r", "/proc", "/r/proc")]
    [InlineData("/r", "proc/../sys/./fs", "/r/sys/fs")]
    [InlineData("/r/", "/../../etc", "/r/etc")]
    [InlineData("/r", "/", "/r")]
    [InlineData("", "/dev/", "/dev")]
    public void Lexical_join_stops_at_the_root(string root, string path, string expected) =>
        Assert.Equal(expected, SecureJoin.Lexical(root, path));

    [Fact]
    public void Remount_attributes_set_exactly_the_given_flags()
    {
        var opts = MountOptions.Parse(["rbind", "ro", "nosuid"]);
        var (set, clear) = MountApi.RemountAttributes(opts.Flags, opts.ClearFlags, keepExisting: false);
        Assert.Equal(MountOptions.MOUNT_ATTR_RDONLY | MountOptions.MOUNT_ATTR_NOSUID, set);
        Assert.Equal(MountOptions.MOUNT_ATTR_NODEV | MountOptions.MOUNT_ATTR_NOEXEC | MountOptions.MOUNT_ATTR_NODIRATIME, clear);
    }

    [Fact]
    public void Remount_attributes_keep_existing_flags_unless_cleared_and_atime_only_when_given()
    {
        var opts = MountOptions.Parse(["bind", "ro", "dev", "noatime"]);
        var (set, clear) = MountApi.RemountAttributes(opts.Flags, opts.ClearFlags, keepExisting: true);
        Assert.Equal(MountOptions.MOUNT_ATTR_RDONLY | MountOptions.MOUNT_ATTR_NOATIME, set);
        Assert.Equal(MountOptions.MOUNT_ATTR_NODEV | (MountOptions.MOUNT_ATTR__ATIME & ~MountOptions.MOUNT_ATTR_NOATIME), clear);
    }
}
