using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// A hostile host-side process swaps a rootfs directory with a symlink to a host directory
/// (renameat2(RENAME_EXCHANGE) in a loop) while containers are created: a mount target resolved
/// as a string and mounted by name could land on the host's directory. Each create must either
/// fail or have the mount inside the container's root. Runtime-agnostic (RUNCS_BINARY=/usr/sbin/runc);
/// RACE_RUNS sets the number of creates (300 by default).
/// </summary>
[Collection("containers")]
public sealed partial class MountRaceTests
{
    private const int AT_FDCWD = -100;
    private const uint RENAME_EXCHANGE = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [Fact]
    public void Directory_swapped_for_a_symlink_during_create_never_gets_a_mount_outside_the_root()
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("RACE_RUNS"), out int n) ? n : 300;
        using var b = new Bundle(["sleep", "60"]);
        string outside = Path.Combine(b.Dir, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "mnt"));
        string real = Path.Combine(b.Rootfs, "a"), swap = Path.Combine(b.Rootfs, "a-swap");
        Directory.CreateDirectory(Path.Combine(real, "mnt"));
        File.CreateSymbolicLink(swap, outside);
        const string marker = "size=1236k";
        b.Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/a/mnt", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray(marker),
        });
        b.Save();

        bool stop = false;
        long swaps = 0;
        var racer = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
                if (renameat2(AT_FDCWD, real, AT_FDCWD, swap, RENAME_EXCHANGE) == 0)
                    swaps++;
        }) { IsBackground = true };
        racer.Start();
        string baseId = b.Id;
        int created = 0;
        var escaped = new List<string>();
        try
        {
            for (int i = 0; i < runs; i++)
            {
                b.Id = $"{baseId}-{i}";
                var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
                if (r.ExitCode == 0)
                {
                    created++;
                    var state = JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!;
                    int pid = (int)state["pid"]!;
                    string mountinfo = File.ReadAllText($"/proc/{pid}/mountinfo");
                    // After pivot_root only mounts inside the root are left: one outside is gone.
                    if (!mountinfo.Contains(marker, StringComparison.Ordinal))
                        escaped.Add(b.Id);
                }
                b.Runcs("delete", "--force", b.Id);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            racer.Join();
            // Leave the directories as they were for the bundle's clean-up.
            if (new FileInfo(real).LinkTarget is not null)
                renameat2(AT_FDCWD, real, AT_FDCWD, swap, RENAME_EXCHANGE);
            b.Id = baseId;
        }
        Assert.True(swaps > 0, "the racer never swapped");
        Assert.True(created > 0, $"no create of {runs} succeeded: the test proved nothing");
        Assert.True(escaped.Count == 0, $"{escaped.Count} of {created} created containers ({runs} runs) lost the tmpfs outside their root: {string.Join(' ', escaped)}");
    }
}
