using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>Fifty create/start/kill/delete cycles leave nothing on the host.</summary>
[Collection("containers")]
public sealed class LeakTests
{
    /// <summary>Mounts whose mount point or source lies under the test's bundle (its rootfs, its
    /// state root): other programs on the host may mount and unmount meanwhile.</summary>
    internal static int MountCount(string bundleDir) =>
        File.ReadAllLines("/proc/self/mountinfo").Count(l => l.Contains(bundleDir, StringComparison.Ordinal));
    internal static int MountCount() => File.ReadAllLines("/proc/self/mountinfo").Length;
    /// <summary>runcs processes working on this test's --root (other runcs may run on the machine).</summary>
    internal static int RuncsProcesses(string stateRoot) =>
        Directory.EnumerateDirectories("/proc").Count(d =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(d, "comm")).Trim() == "runcs"
                    && File.ReadAllText(Path.Combine(d, "cmdline")).Contains(stateRoot);
            }
            catch (IOException)
            {
                return false;
            }
        });

    internal static List<string> CgroupDirs(string id) =>
        Directory.EnumerateDirectories("/sys/fs/cgroup").SelectMany(h =>
        {
            try
            {
                return Directory.EnumerateDirectories(h, "*" + id + "*", SearchOption.AllDirectories).ToList();
            }
            catch (IOException)
            {
                return [];
            }
            catch (UnauthorizedAccessException)
            {
                return [];
            }
        }).ToList();

    /// <summary>Processes whose root is the bundle's rootfs (the containers' processes), or
    /// which still run from it: other test collections start children meanwhile.</summary>
    internal static int ContainerProcesses(string rootfs) =>
        Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Count(d =>
        {
            try
            {
                string? root = new DirectoryInfo(Path.Combine(d, "root")).LinkTarget;
                return root is not null && root.StartsWith(rootfs, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });

    [Fact]
    public void Fifty_lifecycles_leave_no_mount_process_state_or_cgroup()
    {
        using var b = new Bundle(["sleep", "60"]);
        string baseId = b.Id;
        int mounts = MountCount(b.Dir);
        for (int i = 0; i < 50; i++)
        {
            b.Id = $"{baseId}-{i}";
            Assert.Equal(0, b.Runcs("create", "--bundle", b.Dir, b.Id).ExitCode);
            Assert.Equal(0, b.Runcs("start", b.Id).ExitCode);
            Assert.Equal(0, b.Runcs("kill", b.Id, "KILL").ExitCode);
            ContainerLifecycleTests.WaitFor(() => ContainerLifecycleTests.Status(b) == "stopped");
            var del = b.Runcs("delete", b.Id);
            Assert.True(del.ExitCode == 0, del.ToString());
        }
        Assert.Empty(Directory.GetDirectories(b.StateRoot));
        Assert.Empty(CgroupDirs(baseId));
        Assert.Equal(mounts, MountCount(b.Dir));
        Assert.Equal(0, RuncsProcesses(b.StateRoot));
        ContainerLifecycleTests.WaitFor(() => ContainerProcesses(b.Rootfs) == 0);
    }
}
