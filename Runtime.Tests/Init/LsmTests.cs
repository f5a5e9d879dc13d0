using Runcs.Errors;
using Runcs.Init;
using Runcs.Oci;
using Xunit;

namespace Runcs.Tests.Init;

/// <summary>AppArmor and SELinux decisions with the host faked (this machine has neither module).</summary>
public sealed class LsmTests
{
    private sealed class FakeHost(bool apparmor, bool selinux, bool newApparmorAttr = true) : ILsmHost
    {
        public List<(string Name, string Value)> Written { get; } = [];
        public bool AppArmorEnabled => apparmor;
        public bool SelinuxEnabled => selinux;
        public void WriteAttr(string name, string value) => Written.Add((name, value));
        public bool HasAttr(string name) => name != "apparmor/exec" || newApparmorAttr;
    }

    [Fact]
    public void Profile_without_apparmor_is_an_error_except_unconfined()
    {
        var lsm = new Lsm(new FakeHost(apparmor: false, selinux: false));
        var e = Assert.Throws<RuntimeError>(() => lsm.Check(new Process { ApparmorProfile = "docker-default" }, null));
        Assert.Contains("apparmor profile \"docker-default\"", e.Message);
        lsm.Check(new Process { ApparmorProfile = "unconfined" }, null);
        lsm.Check(new Process(), null);
    }

    [Fact]
    public void Selinux_labels_without_selinux_are_errors()
    {
        var lsm = new Lsm(new FakeHost(apparmor: true, selinux: false));
        Assert.Contains("selinux label", Assert.Throws<RuntimeError>(() => lsm.Check(new Process { SelinuxLabel = "system_u:system_r:container_t:s0" }, null)).Message);
        Assert.Contains("linux.mountLabel", Assert.Throws<RuntimeError>(() => lsm.Check(new Process(), "system_u:object_r:container_file_t:s0")).Message);
    }

    [Theory]
    [InlineData(true, "apparmor/exec")]
    [InlineData(false, "exec")]
    public void Apparmor_profile_is_set_for_the_next_exec(bool newInterface, string attr)
    {
        var host = new FakeHost(apparmor: true, selinux: true, newApparmorAttr: newInterface);
        new Lsm(host).ApplyExecLabels(new Process { ApparmorProfile = "docker-default", SelinuxLabel = "l:r:t:s0" });
        Assert.Equal([(attr, "exec docker-default"), ("exec", "l:r:t:s0")], host.Written);
    }

    [Fact]
    public void Nothing_is_written_without_labels()
    {
        var host = new FakeHost(apparmor: true, selinux: true);
        new Lsm(host).ApplyExecLabels(new Process());
        Assert.Empty(host.Written);
    }

    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-2,5", new[] { 0, 1, 2, 5 })]
    [InlineData(" 3 , 1 ", new[] { 3, 1 })]
    public void Cpu_lists_parse(string list, int[] cpus) => Assert.Equal(cpus, KernelAttributes.ParseCpuList(list));

    [Theory]
    [InlineData("abc")]
    [InlineData("3-1")]
    [InlineData("1-2-3")]
    public void Bad_cpu_lists_are_refused(string list) =>
        Assert.Throws<RuntimeError>(() => KernelAttributes.ParseCpuList(list).ToList());
}
