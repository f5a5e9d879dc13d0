using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>`--systemd-cgroup` on a host whose PID 1 is not systemd (this one): runc's error, nothing left.</summary>
[Collection("containers")]
public sealed class NoSystemdTests
{
    [Fact]
    public void Systemd_cgroup_without_systemd_is_runcs_error_and_leaves_nothing()
    {
        Assert.SkipUnless(RuncsBinary.IsRoot, "needs root");
        Assert.SkipWhen(Directory.Exists("/run/systemd/system"), "this host runs systemd");
        Assert.SkipUnless(File.Exists("/usr/sbin/runc"), "needs runc 1.1.5 to compare with");
        foreach (string runtime in new[] { "/usr/sbin/runc", RuncsBinary.Path })
        {
            using var b = new Bundle(["true"]);
            b.Config["linux"]!["cgroupsPath"] = "system.slice:runcstest:" + b.Id;
            b.Save();
            var r = RuncsBinary.Exec(runtime, ["--root", b.StateRoot, "--systemd-cgroup", "run", "-d", "--bundle", b.Dir, b.Id]);
            string name = Path.GetFileName(runtime);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains($"{name} run failed: systemd not running on this host, cannot use systemd cgroups manager", r.Stderr);
            Assert.Equal("", RuncsBinary.Exec(runtime, ["--root", b.StateRoot, "list", "-q"]).Stdout);
            Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/system.slice/runcstest-{b.Id}.scope"));
            Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/{b.Id}"));
        }
    }
}
