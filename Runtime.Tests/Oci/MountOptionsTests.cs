using Xunit;
using Runcs.Oci;
using static Runcs.Oci.MountOptions;

namespace Runcs.Tests.Oci;

public class MountOptionsTests
{
    [Fact]
    public void DefaultDevMount()
    {
        var p = Parse(["nosuid", "strictatime", "mode=755", "size=65536k"]);
        Assert.Equal(MS_NOSUID | MS_STRICTATIME, p.Flags);
        Assert.Equal(0UL, p.ClearFlags);
        Assert.Equal("mode=755,size=65536k", p.Data);
        Assert.Empty(p.Propagation);
        Assert.False(p.TmpCopyUp);
        Assert.False(p.HasRecursiveAttrs);
    }

    [Fact]
    public void ClearingOptionsOverrideEarlierOnes()
    {
        var p = Parse(["ro", "nosuid", "rw", "suid", "noexec"]);
        Assert.Equal(MS_NOEXEC, p.Flags);
        Assert.Equal(MS_RDONLY | MS_NOSUID, p.ClearFlags);
        var q = Parse(["rw", "ro"]);
        Assert.Equal(MS_RDONLY, q.Flags);
        Assert.Equal(0UL, q.ClearFlags);
    }

    [Fact]
    public void BindAndPropagation()
    {
        var p = Parse(["rbind", "rprivate", "shared"]);
        Assert.Equal(MS_BIND | MS_REC, p.Flags);
        Assert.Equal([MS_PRIVATE | MS_REC, MS_SHARED], p.Propagation);
        Assert.Equal(MS_PRIVATE | MS_REC | MS_SHARED, p.PropagationFlags);
        Assert.Equal("", p.Data);
    }

    [Theory]
    [InlineData("acl", MS_POSIXACL)]
    [InlineData("bind", MS_BIND)]
    [InlineData("dirsync", MS_DIRSYNC)]
    [InlineData("iversion", MS_I_VERSION)]
    [InlineData("lazytime", MS_LAZYTIME)]
    [InlineData("mand", MS_MANDLOCK)]
    [InlineData("noatime", MS_NOATIME)]
    [InlineData("nodev", MS_NODEV)]
    [InlineData("nodiratime", MS_NODIRATIME)]
    [InlineData("noexec", MS_NOEXEC)]
    [InlineData("nosuid", MS_NOSUID)]
    [InlineData("nosymfollow", MS_NOSYMFOLLOW)]
    [InlineData("relatime", MS_RELATIME)]
    [InlineData("remount", MS_REMOUNT)]
    [InlineData("ro", MS_RDONLY)]
    [InlineData("silent", MS_SILENT)]
    [InlineData("strictatime", MS_STRICTATIME)]
    [InlineData("sync", MS_SYNCHRONOUS)]
    public void SettingOptions(string option, ulong flag)
    {
        var p = Parse([option]);
        Assert.Equal(flag, p.Flags);
        Assert.Equal("", p.Data);
    }

    [Theory]
    [InlineData("async", MS_SYNCHRONOUS)]
    [InlineData("atime", MS_NOATIME)]
    [InlineData("dev", MS_NODEV)]
    [InlineData("diratime", MS_NODIRATIME)]
    [InlineData("exec", MS_NOEXEC)]
    [InlineData("loud", MS_SILENT)]
    [InlineData("noacl", MS_POSIXACL)]
    [InlineData("noiversion", MS_I_VERSION)]
    [InlineData("nolazytime", MS_LAZYTIME)]
    [InlineData("nomand", MS_MANDLOCK)]
    [InlineData("norelatime", MS_RELATIME)]
    [InlineData("nostrictatime", MS_STRICTATIME)]
    [InlineData("rw", MS_RDONLY)]
    [InlineData("suid", MS_NOSUID)]
    [InlineData("symfollow", MS_NOSYMFOLLOW)]
    public void ClearingOptions(string option, ulong flag)
    {
        var p = Parse([option]);
        Assert.Equal(0UL, p.Flags);
        Assert.Equal(flag, p.ClearFlags);
        Assert.Equal("", p.Data);
    }

    [Theory]
    [InlineData("private", MS_PRIVATE)]
    [InlineData("rprivate", MS_PRIVATE | MS_REC)]
    [InlineData("shared", MS_SHARED)]
    [InlineData("rshared", MS_SHARED | MS_REC)]
    [InlineData("slave", MS_SLAVE)]
    [InlineData("rslave", MS_SLAVE | MS_REC)]
    [InlineData("unbindable", MS_UNBINDABLE)]
    [InlineData("runbindable", MS_UNBINDABLE | MS_REC)]
    public void PropagationOptionsMap(string option, ulong flag)
    {
        var p = Parse([option]);
        Assert.Equal([flag], p.Propagation);
        Assert.Equal(0UL, p.Flags);
    }

    [Fact]
    public void RecursiveAttributes()
    {
        var p = Parse(["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow"]);
        Assert.Equal(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW, p.RecAttrSet);
        Assert.Equal(0UL, p.RecAttrClear);
        Assert.True(p.HasRecursiveAttrs);
        Assert.Equal(MS_BIND | MS_REC, p.Flags);

        var q = Parse(["rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"]);
        Assert.Equal(0UL, q.RecAttrSet);
        Assert.Equal(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW, q.RecAttrClear);
    }

    [Fact]
    public void RecursiveAccessTimeAlsoClearsTheAtimeField()
    {
        var p = Parse(["rnoatime"]);
        Assert.Equal(MOUNT_ATTR_NOATIME, p.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, p.RecAttrClear);
        var s = Parse(["rstrictatime"]);
        Assert.Equal(MOUNT_ATTR_STRICTATIME, s.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, s.RecAttrClear);
        var r = Parse(["rrelatime"]);
        Assert.Equal(0UL, r.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, r.RecAttrClear);
        // A later clearing option cancels an earlier setting one.
        var c = Parse(["rro", "rrw"]);
        Assert.Equal(0UL, c.RecAttrSet);
        Assert.Equal(MOUNT_ATTR_RDONLY, c.RecAttrClear);
    }

    [Fact]
    public void TmpCopyUpAndDefaults()
    {
        var p = Parse(["defaults", "tmpcopyup", "size=1m"]);
        Assert.True(p.TmpCopyUp);
        Assert.Equal(0UL, p.Flags);
        Assert.Equal("size=1m", p.Data);
    }

    [Fact]
    public void UnknownOptionsBecomeDataInOrder()
    {
        var p = Parse(["newinstance", "nosuid", "ptmxmode=0666", "mode=0620", "gid=5", "context=\"a,b\""]);
        Assert.Equal(MS_NOSUID, p.Flags);
        Assert.Equal("newinstance,ptmxmode=0666,mode=0620,gid=5,context=\"a,b\"", p.Data);
    }

    [Fact]
    public void NullOrEmptyOptions()
    {
        var p = Parse(null);
        Assert.Equal(0UL, p.Flags);
        Assert.Equal("", p.Data);
        Assert.Empty(p.Propagation);
        Assert.Equal(0UL, Parse([]).Flags);
    }

    [Fact]
    public void KnownOptionsMatchRunc115PlusNothingElse()
    {
        // runc 1.1.5 `runc features` mountOptions (Runtime.Tests/Fixtures/runc-features.json).
        var runc = System.Text.Json.Nodes.JsonNode.Parse(OciTestUtil.Fixture("runc-features.json"))!["mountOptions"]!
            .AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(runc, Known());
        foreach (var o in runc) Assert.True(IsKnown(o), o);
        Assert.False(IsKnown("mode=755"));
    }
}
