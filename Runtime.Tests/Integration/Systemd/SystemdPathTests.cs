using Runcs.Cgroups.Systemd;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>runc's systemd naming and conversions, without a systemd.</summary>
public sealed class SystemdPathTests
{
    [Theory]
    [InlineData("system.slice", "/system.slice")]
    [InlineData("kubepods-besteffort-pod123.slice", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod123.slice")]
    [InlineData("-.slice", "/")]
    [InlineData("a.slice", "/a.slice")]
    public void Expands_nested_slices_as_systemd(string slice, string path) =>
        Assert.Equal(path, SystemdPath.ExpandSlice(slice));

    [Theory]
    [InlineData("a--b.slice")]
    [InlineData("-a.slice")]
    [InlineData("a-.slice")]
    [InlineData(".slice")]
    [InlineData("a.scope")]
    [InlineData("a/b.slice")]
    public void Refuses_bad_slice_names(string slice) =>
        Assert.Equal($"invalid slice name: {slice}", Assert.Throws<RuntimeError>(() => SystemdPath.ExpandSlice(slice)).Message);

    [Theory]
    [InlineData(null, "ctr", "system.slice", "runc-ctr.scope", "ctr")]
    [InlineData("", "ctr", "system.slice", "runc-ctr.scope", "ctr")]
    [InlineData(":cri-containerd:abc", "ctr", "system.slice", "cri-containerd-abc.scope", "abc")]
    [InlineData("kubepods-besteffort-pod1.slice:cri-containerd:abc", "ctr", "kubepods-besteffort-pod1.slice", "cri-containerd-abc.scope", "abc")]
    [InlineData("kubepods.slice:x:kubepods-pod2.slice", "ctr", "kubepods.slice", "kubepods-pod2.slice", "kubepods-pod2.slice")]
    public void Parses_slice_prefix_name(string? cgroupsPath, string id, string slice, string unit, string name) =>
        Assert.Equal((slice, unit, name), SystemdPath.Parse(cgroupsPath, id));

    [Theory]
    [InlineData("/a/b")]
    [InlineData("a:b")]
    [InlineData("a:b:c:d")]
    public void Refuses_other_cgroups_paths_as_runc(string cgroupsPath) =>
        Assert.Equal($"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"{cgroupsPath}\" instead",
            Assert.Throws<RuntimeError>(() => SystemdPath.Parse(cgroupsPath, "x")).Message);

    [Theory]
    [InlineData("0", new byte[] { 0x01 })]
    [InlineData("0-3,5", new byte[] { 0x2f })]
    [InlineData("9", new byte[] { 0x00, 0x02 })]
    [InlineData(" 1 , 8-9 ,", new byte[] { 0x02, 0x03 })]
    public void Cpu_lists_become_systemds_little_endian_masks(string list, byte[] bits) =>
        Assert.Equal(bits, ResourceProperties.RangeToBits(list, "cpus"));

    [Theory]
    [InlineData("3-1")]
    [InlineData("x")]
    [InlineData(",")]
    public void Bad_cpu_lists_are_errors(string list) =>
        Assert.StartsWith($"cpus=\"{list}\" conversion error: ", Assert.Throws<RuntimeError>(() => ResourceProperties.RangeToBits(list, "cpus")).Message);

    [Theory]
    [InlineData("252.22-1~deb12u1", 252)]
    [InlineData("\"v245.4-1.fc32\"", 245)]
    [InlineData("v245-1.fc32", 245)]
    [InlineData("x", -1)]
    public void Reads_systemds_version_as_runc(string text, int version) =>
        Assert.Equal(version, SystemdBus.ParseVersion(text));
}
