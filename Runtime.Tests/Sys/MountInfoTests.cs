using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Sys;

public class MountInfoTests
{
    private const string Text = """
        22 27 0:21 / /proc rw,relatime shared:13 - proc proc rw
        31 27 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
        35 31 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
        36 31 0:31 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw
        40 27 8:1 /a\040b /mnt/with\040space rw master:1 - ext4 /dev/sda1 rw
        """;

    [Fact]
    public void ParsesEveryFieldAndDecodesOctalEscapes()
    {
        var all = MountInfoEntry.Parse(Text);
        Assert.Equal(5, all.Count);
        var m = all[4];
        Assert.Equal("/a b", m.Root);
        Assert.Equal("/mnt/with space", m.MountPoint);
        Assert.Equal("rw", m.Options);
        Assert.Equal("master:1", m.Optional);
        Assert.Equal("ext4", m.FsType);
        Assert.Equal("/dev/sda1", m.Source);
        Assert.Equal("rw", m.SuperOptions);
    }

    [Fact]
    public void FiltersByFileSystemTypeExactly()
    {
        var cgroups = MountInfoEntry.Parse(Text, fsType: "cgroup");
        var only = Assert.Single(cgroups);
        Assert.Equal("/sys/fs/cgroup/memory", only.MountPoint);
        Assert.Equal("rw,memory", only.SuperOptions);
        Assert.Single(MountInfoEntry.Parse(Text, fsType: "cgroup2"));
    }
}
