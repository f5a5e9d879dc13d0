using Runcs.Cgroups;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Cgroups;

/// <summary>`exec --cgroup` parsing and path rules, as runc 1.1.5's getSubCgroupPaths and newSetnsProcess.</summary>
public sealed class SubCgroupsTests
{
    [Fact]
    public void Flags_parse_as_runc_parses_them()
    {
        Assert.Null(SubCgroups.Parse([]));
        Assert.Equal(new Dictionary<string, string> { [""] = "sub" }, SubCgroups.Parse(["sub"]));
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "a", ["memory"] = "a", ["pids"] = "b" }, SubCgroups.Parse(["cpu,memory:a", "pids:b"]));
        // An empty controller name is "every controller" to runc 1.1.5; a repeated one, the last.
        Assert.Equal(new Dictionary<string, string> { [""] = "x", ["cpu"] = "x" }, SubCgroups.Parse([",cpu:x"]));
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "y" }, SubCgroups.Parse(["cpu:x", "cpu:y"]));
        Assert.Equal("invalid --cgroup argument: a:b:c", Assert.Throws<RuntimeError>(() => SubCgroups.Parse(["a:b:c"])).Message);
        Assert.Equal("invalid --cgroup argument: sub (missing <controller>: prefix)",
            Assert.Throws<RuntimeError>(() => SubCgroups.Parse(["cpu:x", "sub"])).Message);
    }

    [Theory]
    [InlineData("/sys/fs/cgroup/cpu/c", "sub", "/sys/fs/cgroup/cpu/c/sub")]
    [InlineData("/sys/fs/cgroup/cpu/c", "/sub", "/sys/fs/cgroup/cpu/c/sub")]
    [InlineData("/sys/fs/cgroup/cpu/c", "a/../b/./", "/sys/fs/cgroup/cpu/c/b")]
    [InlineData("/sys/fs/cgroup/cpu/c", "", "/sys/fs/cgroup/cpu/c")]
    [InlineData("/sys/fs/cgroup/cpu/c", "../x", "/sys/fs/cgroup/cpu/x")]
    public void Paths_join_as_gos_path_join(string dir, string add, string joined) =>
        Assert.Equal(joined, SubCgroups.GoPathJoin(dir, add));

    [Fact]
    public void A_path_leaving_the_container_or_an_unknown_controller_is_refused()
    {
        var paths = new Dictionary<string, string> { ["cpu"] = "/nonexistent-runcs/cpu/c", ["name=systemd"] = "/x" };
        Assert.Equal("unable to create new parent process: ../x is not a sub cgroup path",
            Assert.Throws<RuntimeError>(() => SubCgroups.For(paths, new() { [""] = "../x" })).Message);
        Assert.Equal("unable to create new parent process: unknown controller foo in SubCgroupPaths",
            Assert.Throws<RuntimeError>(() => SubCgroups.For(paths, new() { ["foo"] = "x" })).Message);
        Assert.Contains("/nonexistent-runcs/cpu/c/x/cgroup.procs: no such file or directory",
            Assert.Throws<RuntimeError>(() => SubCgroups.For(paths, new() { ["cpu"] = "x" })).Message);
    }
}
