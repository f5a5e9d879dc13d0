using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.State;

/// <summary>The one /etc/passwd parser: `list`'s OWNER and the container's HOME.</summary>
public sealed class PasswdTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "runcs-passwd-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void FirstMatchAndFallback()
    {
        string[] lines = ["root:x:0:0:root:/root:/bin/bash", "", "daemon:x:1:1::/:/bin/false", "dup:x:1:1::/:/bin/false"];
        Assert.Equal("root", Passwd.Find(lines, 0)?.Name);
        Assert.Equal("daemon", Passwd.Find(lines, 1)?.Name);
        Assert.Null(Passwd.Find(lines, 1000));
        Assert.Equal("#4242424", Passwd.NameOrNumber(4242424)); // not in /etc/passwd
        Assert.Equal("root", Passwd.NameOrNumber(0));
    }

    [Fact]
    public void UnparsableUidCountsAsZero()
    {
        string[] lines = ["  odd:x:notanumber:0::/odd:/bin/sh  ", "root:x:0:0:root:/root:/bin/bash"];
        Assert.Equal(new Passwd.Entry("odd", 0, "/odd"), Passwd.Find(lines, 0));
    }

    [Fact]
    public void HomeOf_FromFile_FallsBackToSlash()
    {
        File.WriteAllLines(_file, ["root:x:0:0:root:/root:/bin/bash", "nohome:x:5:5::", "short:x:6"]);
        Assert.Equal("/root", Passwd.HomeOf(0, _file));
        Assert.Equal("/", Passwd.HomeOf(5, _file)); // empty home field
        Assert.Equal("/", Passwd.HomeOf(6, _file)); // no home field
        Assert.Equal("/", Passwd.HomeOf(1000, _file)); // no entry
        Assert.Equal("/", Passwd.HomeOf(0, _file + ".missing"));
        Assert.Equal("#1000", Passwd.NameOrNumber(1000, _file));
        Assert.Equal("nohome", Passwd.NameOrNumber(5, _file));
    }
}
