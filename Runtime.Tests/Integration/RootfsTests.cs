using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>The container's filesystem, seen from inside: mounts and their flags, /dev, masked and read-only paths.</summary>
[Collection("containers")]
public sealed class RootfsTests
{
    private static Dictionary<string, (string Type, string Options)> Mounts(string mountinfo)
    {
        var map = new Dictionary<string, (string, string)>();
        foreach (string line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            map[f[4]] = (f[dash + 1], f[5]);
        }
        return map;
    }

    [Fact]
    public void Mountinfo_has_exactly_the_configured_mounts_with_their_flags()
    {
        using var b = new Bundle(["cat", "/proc/self/mountinfo"]);
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        var mounts = Mounts(r.Stdout);
        var expected = new List<string> { "/" };
        expected.AddRange(b.Config["mounts"]!.AsArray().Select(m => (string)m!["destination"]!));
        // runc's default config mounts cgroup as one tmpfs with a directory per v1 hierarchy.
        var cgroupHierarchies = mounts.Keys.Where(k => k.StartsWith("/sys/fs/cgroup/")).ToList();
        expected.AddRange(cgroupHierarchies);
        expected.AddRange(b.Config["linux"]!["maskedPaths"]!.AsArray().Select(p => (string)p!).Where(p => mounts.ContainsKey(p)));
        expected.AddRange(b.Config["linux"]!["readonlyPaths"]!.AsArray().Select(p => (string)p!).Where(p => mounts.ContainsKey(p)));
        Assert.Equal(expected.Distinct().Order(), mounts.Keys.Order());
        Assert.Equal("proc", mounts["/proc"].Type);
        Assert.Equal("sysfs", mounts["/sys"].Type);
        Assert.StartsWith("ro,nosuid,nodev,noexec", mounts["/sys"].Options);
        Assert.Contains("nosuid", mounts["/dev"].Options);
        Assert.Equal("devpts", mounts["/dev/pts"].Type);
        Assert.Equal("mqueue", mounts["/dev/mqueue"].Type);
        Assert.StartsWith("ro", mounts["/proc/sys"].Options);
        Assert.NotEmpty(cgroupHierarchies);
        Assert.All(cgroupHierarchies, h => Assert.StartsWith("ro", mounts[h].Options));
    }

    [Fact]
    public void Masked_paths_read_empty_and_readonly_paths_refuse_writes()
    {
        using var b = new Bundle(["sh", "-c", "wc -c < /proc/keys; ls /proc/acpi | wc -l; echo x > /proc/sys/kernel/domainname"]);
        var r = b.Run();
        Assert.Equal(["0", "0"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.NotEqual(0, r.ExitCode);
    }

    [Fact]
    public void Readonly_root_refuses_writes()
    {
        using var b = new Bundle(["sh", "-c", "touch /newfile"]);
        b.Config["root"]!["readonly"] = true;
        b.Save();
        var r = b.Run();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Read-only file system", r.Stderr);
    }

    [Fact]
    public void Default_and_configured_devices_exist_with_their_numbers()
    {
        using var b = new Bundle(["sh", "-c", "for d in null zero full random urandom tty fuse0; do stat -c '%n %F %t:%T %a' /dev/$d; done; for l in ptmx fd stdin; do readlink /dev/$l; done"]);
        b.Config["linux"]!["devices"] = new JsonArray(new JsonObject
        {
            ["path"] = "/dev/fuse0", ["type"] = "c", ["major"] = 10, ["minor"] = 229, ["fileMode"] = 432, ["uid"] = 0, ["gid"] = 0,
        });
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/dev/null character special file 1:3 666", lines[0]);
        Assert.Equal("/dev/zero character special file 1:5 666", lines[1]);
        Assert.Equal("/dev/full character special file 1:7 666", lines[2]);
        Assert.Equal("/dev/random character special file 1:8 666", lines[3]);
        Assert.Equal("/dev/urandom character special file 1:9 666", lines[4]);
        Assert.Equal("/dev/tty character special file 5:0 666", lines[5]);
        Assert.Equal("/dev/fuse0 character special file a:e5 660", lines[6]);
        Assert.Equal(["pts/ptmx", "/proc/self/fd", "/proc/self/fd/0"], lines[7..]);
    }

    [Fact]
    public void Symlink_in_the_image_cannot_redirect_a_mount_to_the_host()
    {
        using var b = new Bundle(["sh", "-c", "grep -c ' /etc/runcs-escape ' /proc/self/mountinfo"]);
        string marker = "/etc/runcs-escape";
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "evil"), "/etc");
        var mounts = b.Config["mounts"]!.AsArray();
        mounts.Add(new JsonObject { ["destination"] = "/evil/runcs-escape", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("nosuid") });
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1\n", r.Stdout);
        Assert.False(Directory.Exists(marker), "the mount target was created on the host");
        Assert.True(Directory.Exists(Path.Combine(b.Rootfs, "etc/runcs-escape")));
    }

    [Fact]
    public void Bind_mount_read_only_with_relative_source()
    {
        using var b = new Bundle(["sh", "-c", "cat /data/hello; touch /data/x"]);
        Directory.CreateDirectory(Path.Combine(b.Dir, "data"));
        File.WriteAllText(Path.Combine(b.Dir, "data/hello"), "from host\n");
        b.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/data", ["type"] = "bind", ["source"] = "data", ["options"] = new JsonArray("rbind", "ro") });
        b.Save();
        var r = b.Run();
        Assert.Equal("from host\n", r.Stdout);
        Assert.Contains("Read-only file system", r.Stderr);
    }

    [Fact]
    public void User_namespace_maps_ids_and_is_seen_inside()
    {
        using var b = new Bundle(["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /bin/busybox | awk '{print $3}'"]);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "user" });
        linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        b.Save();
        // The rootfs must belong to the mapped root and its bundle be reachable, as with runc.
        RuncsBinary.Exec("/bin/chown", ["-R", "-h", "100000:100000", b.Rootfs]);
        File.SetUnixFileMode(b.Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Equal(["0 100000 65536", "0 100000 65536", "0", "0"], lines);
    }

    [Fact]
    public void Sysctl_is_applied_and_host_namespace_keys_are_refused()
    {
        using var b = new Bundle(["cat", "/proc/sys/kernel/shmmni"]);
        b.Config["linux"]!["sysctl"] = new JsonObject { ["kernel.shmmni"] = "1234" };
        b.Save();
        var r = b.Run();
        Assert.Equal("1234\n", r.Stdout);

        b.Config["linux"]!["sysctl"] = new JsonObject { ["vm.swappiness"] = "10" };
        b.Save();
        var bad = b.Run();
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("linux.sysctl.vm.swappiness: sysctl", bad.Stderr);
        Assert.Contains("vm.swappiness", bad.Stderr);
        Assert.Contains("is not in a separate kernel namespace", bad.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Cwd_is_created_and_used()
    {
        using var b = new Bundle(["pwd"]);
        b.Config["process"]!["cwd"] = "/work/dir";
        b.Save();
        var r = b.Run();
        Assert.Equal("/work/dir\n", r.Stdout);
    }

    [Fact]
    public void No_pivot_runs_the_container_too()
    {
        using var b = new Bundle(["sh", "-c", "ls /; echo $$"]);
        var r = b.Run("--no-pivot");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("bin\n", r.Stdout);
        Assert.EndsWith("1\n", r.Stdout);
    }
}
