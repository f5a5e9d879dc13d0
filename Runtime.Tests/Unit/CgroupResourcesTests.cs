using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Oci;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>
/// A temp directory as a fake cgroup tree (as youki's libcgroups tests use): its files exist
/// empty, as a cgroup's do, and what the writer leaves in each is compared with what runc's
/// writers put there (runc's libcontainer/cgroups/fs/*.go for v1, fs2/*.go for v2: names and
/// formats). Each file keeps only its last write, so each multi-line file gets one entry here.
/// </summary>
public sealed class CgroupResourcesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("runcs-cgroup-unit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Creates the (empty) files of a controller directory, or with their content.</summary>
    private string Controller(string name, params string[] files)
    {
        string dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        foreach (string file in files)
        {
            string[] parts = file.Split('=', 2);
            File.WriteAllText(Path.Combine(dir, parts[0]), parts.Length == 2 ? parts[1] : "");
        }
        return dir;
    }

    /// <summary>Every file of the tree that was written: "controller/file" → content.</summary>
    private Dictionary<string, string> Written() =>
        Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length > 0)
            .ToDictionary(f => Path.GetRelativePath(_dir, f), File.ReadAllText);

    private const string Resources = """
        {
          "memory": { "limit": 536870912, "reservation": 268435456, "swap": 1073741824, "swappiness": 60, "disableOOMKiller": true },
          "cpu": { "shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0" },
          "pids": { "limit": 100 },
          "blockIO": {
            "weight": 500, "leafWeight": 300,
            "weightDevice": [ { "major": 8, "minor": 0, "weight": 600, "leafWeight": 200 } ],
            "throttleReadBpsDevice": [ { "major": 8, "minor": 0, "rate": 1048576 } ],
            "throttleWriteIOPSDevice": [ { "major": 8, "minor": 16, "rate": 100 } ]
          },
          "hugepageLimits": [ { "pageSize": "2MB", "limit": 209715200 } ],
          "network": { "classID": 1048577, "priorities": [ { "name": "eth0", "priority": 5 } ] }
        }
        """;

    [Fact]
    public void V1_writes_runcs_files_and_values()
    {
        // A new cgroup's memory limit is "unlimited" (the page-rounded LONG_MAX): the limit goes first.
        var paths = new Dictionary<string, string>
        {
            ["cpuset"] = Controller("cpuset", "cpuset.cpus", "cpuset.mems"),
            ["cpu,cpuacct"] = Controller("cpu,cpuacct", "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"),
            ["memory"] = Controller("memory", "memory.limit_in_bytes=9223372036854771712", "memory.memsw.limit_in_bytes",
                "memory.soft_limit_in_bytes", "memory.oom_control", "memory.swappiness"),
            ["pids"] = Controller("pids", "pids.max"),
            ["blkio"] = Controller("blkio", "blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.leaf_weight_device",
                "blkio.throttle.read_bps_device", "blkio.throttle.write_iops_device"),
            ["hugetlb"] = Controller("hugetlb", "hugetlb.2MB.limit_in_bytes"),
            ["net_cls,net_prio"] = Controller("net_cls,net_prio", "net_cls.classid", "net_prio.ifpriomap"),
        };
        V1Resources.Apply(paths, UnitSpec.Resources(Resources), devices: null);
        Assert.Equal(new Dictionary<string, string>
        {
            ["cpuset/cpuset.cpus"] = "0-1",
            ["cpuset/cpuset.mems"] = "0",
            ["cpu,cpuacct/cpu.shares"] = "512",
            ["cpu,cpuacct/cpu.cfs_period_us"] = "100000",
            ["cpu,cpuacct/cpu.cfs_quota_us"] = "50000",
            ["memory/memory.limit_in_bytes"] = "536870912",
            ["memory/memory.memsw.limit_in_bytes"] = "1073741824", // memory+swap, as the spec's swap is on v1
            ["memory/memory.soft_limit_in_bytes"] = "268435456",
            ["memory/memory.oom_control"] = "1",
            ["memory/memory.swappiness"] = "60",
            ["pids/pids.max"] = "100",
            ["blkio/blkio.weight"] = "500",
            ["blkio/blkio.leaf_weight"] = "300",
            ["blkio/blkio.weight_device"] = "8:0 600",
            ["blkio/blkio.leaf_weight_device"] = "8:0 200",
            ["blkio/blkio.throttle.read_bps_device"] = "8:0 1048576",
            ["blkio/blkio.throttle.write_iops_device"] = "8:16 100",
            ["hugetlb/hugetlb.2MB.limit_in_bytes"] = "209715200",
            ["net_cls,net_prio/net_cls.classid"] = "1048577",
            ["net_cls,net_prio/net_prio.ifpriomap"] = "eth0 5",
        }, Written());
    }

    [Fact]
    public void V1_writes_bfq_weights_where_the_kernel_has_them()
    {
        var paths = new Dictionary<string, string> { ["blkio"] = Controller("blkio", "blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.weight") };
        V1Resources.Apply(paths, UnitSpec.Resources("""{ "blockIO": { "weight": 500, "weightDevice": [ { "major": 8, "minor": 0, "weight": 600 } ] } }"""), null);
        Assert.Equal(new Dictionary<string, string> { ["blkio/blkio.bfq.weight"] = "500", ["blkio/blkio.bfq.weight_device"] = "8:0 600" }, Written());
    }

    [Theory]
    [InlineData(-1, "max")]
    [InlineData(-5, "max")]
    [InlineData(7, "7")]
    public void V1_pids_limit_is_max_when_negative(long limit, string expected)
    {
        var paths = new Dictionary<string, string> { ["pids"] = Controller("pids", "pids.max") };
        V1Resources.Apply(paths, UnitSpec.Resources($$"""{ "pids": { "limit": {{limit}} } }"""), null);
        Assert.Equal(expected, File.ReadAllText(Path.Combine(paths["pids"], "pids.max")));
    }

    [Fact]
    public void V1_device_rules_become_the_writes_from_the_current_list()
    {
        // A new devices cgroup allows everything: deny all, then allow the one device (runc's emulator).
        var paths = new Dictionary<string, string> { ["devices"] = Controller("devices", "devices.list=a *:* rwm\n", "devices.allow", "devices.deny") };
        var rules = UnitSpec.Read("""
            { "ociVersion": "1.0.2", "linux": { "resources": { "devices": [
                { "allow": false, "access": "rwm" },
                { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm" } ] } } }
            """).Linux!.Resources!.Devices!;
        V1Resources.Apply(paths, new LinuxResources(), rules);
        Assert.Equal("a *:* rwm", File.ReadAllText(Path.Combine(paths["devices"], "devices.deny")));
        Assert.Equal("c 1:3 rwm", File.ReadAllText(Path.Combine(paths["devices"], "devices.allow")));
    }

    [Fact]
    public void V1_a_limit_for_a_hierarchy_that_is_not_mounted_is_an_error()
    {
        var e = Assert.Throws<RuntimeError>(() => V1Resources.Apply(new Dictionary<string, string>(), UnitSpec.Resources("""{ "pids": { "limit": 5 } }"""), null));
        Assert.Equal("cannot set pids limit: container could not join or create cgroup", e.Message);
    }

    [Fact]
    public void V1_swap_without_swap_accounting_is_an_error()
    {
        var paths = new Dictionary<string, string> { ["memory"] = Controller("memory", "memory.limit_in_bytes") };
        var e = Assert.Throws<RuntimeError>(() => V1Resources.Apply(paths, UnitSpec.Resources("""{ "memory": { "limit": 100000000, "swap": 200000000 } }"""), null));
        Assert.Contains("memory.memsw.limit_in_bytes is missing", e.Message);
    }

    private string V2Cgroup() => Controller("v2", "pids.max", "memory.max", "memory.swap.max", "memory.low", "memory.high", "io.weight", "io.max",
        "cpu.weight", "cpu.max", "cpuset.cpus", "cpuset.mems", "hugetlb.2MB.max", "cgroup.controllers=cpuset cpu io memory hugetlb pids");

    [Fact]
    public void V2_writes_runcs_conversions_of_the_v1_shaped_values()
    {
        string dir = V2Cgroup();
        var r = UnitSpec.Resources(Resources.Replace("\"network\"", "\"unified\": { \"memory.high\": \"400000000\" }, \"network\""));
        V2Resources.Apply(dir, r);
        Assert.Equal(new Dictionary<string, string>
        {
            ["v2/cgroup.controllers"] = "cpuset cpu io memory hugetlb pids",
            ["v2/pids.max"] = "100",
            ["v2/memory.swap.max"] = "536870912", // swap alone: memory+swap - memory
            ["v2/memory.max"] = "536870912",
            ["v2/memory.low"] = "268435456",
            ["v2/io.weight"] = "4950",             // 1 + (500 - 10) * 9999 / 990
            ["v2/io.max"] = "8:16 wiops=100",      // the last of the throttles
            ["v2/cpu.weight"] = "20",              // 1 + (512 - 2) * 9999 / 262142
            ["v2/cpu.max"] = "50000 100000",
            ["v2/cpuset.cpus"] = "0-1",
            ["v2/cpuset.mems"] = "0",
            ["v2/hugetlb.2MB.max"] = "209715200",
            ["v2/memory.high"] = "400000000",
        }, Written());
    }

    [Theory]
    [InlineData(536870912, 536870912, "536870912", "0")]     // equal: no swap at all
    [InlineData(536870912, -1, "536870912", "max")]         // unlimited swap
    [InlineData(-1, 0, "max", "max")]                       // unlimited memory: swap too
    [InlineData(536870912, 0, "536870912", "")]             // no swap value: left alone
    public void V2_memory_and_swap(long limit, long swap, string memoryMax, string swapMax)
    {
        string dir = V2Cgroup();
        V2Resources.Apply(dir, UnitSpec.Resources($$"""{ "memory": { "limit": {{limit}}, "swap": {{swap}} } }"""));
        Assert.Equal(memoryMax, File.ReadAllText(Path.Combine(dir, "memory.max")));
        Assert.Equal(swapMax, File.ReadAllText(Path.Combine(dir, "memory.swap.max")));
    }

    [Theory]
    [InlineData(0, 100, "unable to set swap limit without memory limit")]
    [InlineData(200, 100, "memory+swap limit should be >= memory limit")]
    public void V2_impossible_swap_values_are_runcs_errors(long limit, long swap, string message)
    {
        var e = Assert.Throws<RuntimeError>(() => V2Resources.Apply(V2Cgroup(), UnitSpec.Resources($$"""{ "memory": { "limit": {{limit}}, "swap": {{swap}} } }""")));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void V2_without_swap_unlimited_swap_holds_already()
    {
        string dir = Controller("noswap", "memory.max");
        V2Resources.Apply(dir, UnitSpec.Resources("""{ "memory": { "limit": 536870912, "swap": -1 } }"""));
        Assert.Equal("536870912", File.ReadAllText(Path.Combine(dir, "memory.max")));
        Assert.False(File.Exists(Path.Combine(dir, "memory.swap.max")));
    }

    [Fact]
    public void V2_quota_without_period_and_unlimited_quota()
    {
        string dir = V2Cgroup();
        V2Resources.Apply(dir, UnitSpec.Resources("""{ "cpu": { "quota": 20000 } }"""));
        Assert.Equal("20000", File.ReadAllText(Path.Combine(dir, "cpu.max")));
        V2Resources.Apply(dir, UnitSpec.Resources("""{ "cpu": { "quota": -1, "period": 50000 } }"""));
        Assert.Equal("max 50000", File.ReadAllText(Path.Combine(dir, "cpu.max")));
    }

    [Fact]
    public void V2_unified_key_of_a_missing_controller_names_it()
    {
        string dir = V2Cgroup();
        var e = Assert.Throws<RuntimeError>(() => V2Resources.Apply(dir, UnitSpec.Resources("""{ "unified": { "rdma.max": "mlx4_0 hca_handle=2" } }""")));
        Assert.Equal("linux.resources.unified: \"rdma.max\" can't be set: controller \"rdma\" not available", e.Message);
    }
}
