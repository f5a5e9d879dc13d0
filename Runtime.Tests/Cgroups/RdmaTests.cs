using Runcs.Cgroups;
using Runcs.Oci;
using Xunit;

namespace Runcs.Tests.Cgroups;

public sealed class RdmaTests
{
    [Fact]
    public void Rdma_limits_become_one_rdma_max_line_per_device()
    {
        var rdma = new Dictionary<string, LinuxRdma>
        {
            ["mlx5_1"] = new() { HcaObjects = 100 },
            ["mlx4_0"] = new() { HcaHandles = 2, HcaObjects = 2000 },
            ["none"] = new(),
        };
        Assert.Equal(["mlx4_0 hca_handle=2 hca_object=2000", "mlx5_1 hca_object=100"], V1Resources.RdmaMax(rdma));
        Assert.Empty(V1Resources.RdmaMax(null));
    }
}
