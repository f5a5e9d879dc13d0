using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Rootfs, cwd and terminal set-ups where runc 1.1.5 starts a container (or refuses one) and runcs
/// must do the same. Runtime-agnostic: RUNCS_BINARY=/usr/sbin/runc runs them against runc.
/// </summary>
[Collection("containers")]
public sealed class RootfsParityTests
{
    private static bool IsRunc => Path.GetFileName(RuncsBinary.Path) == "runc";

    private static JsonArray Mounts(Bundle b) => b.Config["mounts"]!.AsArray();

    private static JsonObject Mount(Bundle b, string destination) =>
        Mounts(b).Select(m => m!.AsObject()).First(m => (string)m["destination"]! == destination);

    [Theory]
    [InlineData("shared")]
    [InlineData("rshared")]
    [InlineData("slave")]
    [InlineData("rslave")]
    [InlineData("private")]
    [InlineData("rprivate")]
    public void Rootfs_propagation_starts_the_container(string propagation)
    {
        using var b = new Bundle(["sh", "-c", "test -x /bin/busybox && echo ok"]);
        b.Config["linux"]!["rootfsPropagation"] = propagation;
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ok\n", r.Stdout);
    }

    /// <summary>runc binds the rootfs onto itself after "/" is made unbindable: the kernel refuses.</summary>
    [Theory]
    [InlineData("unbindable")]
    [InlineData("runbindable")]
    public void Unbindable_rootfs_propagation_fails_as_in_runc(string propagation)
    {
        using var b = new Bundle(["true"]);
        b.Config["linux"]!["rootfsPropagation"] = propagation;
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("invalid argument", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Theory]
    [InlineData("proc", "/proc")]
    [InlineData("sysfs", "/sys")]
    public void Proc_or_sys_through_a_symlink_is_refused(string type, string destination)
    {
        using var b = new Bundle(["true"]);
        string dir = Path.Combine(b.Rootfs, destination.TrimStart('/'));
        Directory.Delete(dir);
        File.CreateSymbolicLink(dir, "/elsewhere");
        var r = b.Run();
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"error mounting \\\"{type}\\\" to rootfs at \\\"{destination}\\\"", r.Stderr);
        Assert.Contains($"filesystem \\\"{type}\\\" must be mounted on ordinary directory", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.Rootfs, "elsewhere")), "the symlink's target was created");
    }

    [Fact]
    public void Proc_below_a_symlinked_directory_is_refused()
    {
        Assert.SkipWhen(IsRunc, "runc 1.1.5 checks the last component only (a documented difference)");
        using var b = new Bundle(["true"]);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "real/proc"));
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "link"), "real");
        Mounts(b).Add(new JsonObject { ["destination"] = "/link/proc", ["type"] = "proc", ["source"] = "proc" });
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("filesystem \\\"proc\\\" must be mounted on ordinary directory", r.Stderr);
    }

    [Fact]
    public void Readonly_dev_is_filled_then_made_readonly()
    {
        using var b = new Bundle(["sh", "-c", "stat -c '%t:%T' /dev/null; test -c /dev/pts/ptmx && echo pts; readlink /dev/fd; touch /dev/x"]);
        Mount(b, "/dev")["options"]!.AsArray().Add("ro");
        b.Save();
        var r = b.Run();
        Assert.Equal("1:3\npts\n/proc/self/fd\n", r.Stdout);
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void Readonly_tmpfs_with_tmpcopyup_keeps_the_image_content()
    {
        using var b = new Bundle(["sh", "-c", "cat /data/hello; touch /data/x"]);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "data"));
        File.WriteAllText(Path.Combine(b.Rootfs, "data/hello"), "from image\n");
        Mounts(b).Add(new JsonObject
        {
            ["destination"] = "/data", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("ro", "tmpcopyup"),
        });
        b.Save();
        var r = b.Run();
        Assert.Equal("from image\n", r.Stdout);
        Assert.Contains("Read-only file system", r.Stderr);
    }

    /// <summary>
    /// tmpcopyup fills the new tmpfs in a staging directory under /tmp: a fixed name there (it was
    /// /tmp/runcs-tmpcopyup-1, the init being pid 1) let any local user make every such container
    /// fail by creating that file first. The staging directory is private and randomly named, and
    /// is gone afterwards.
    /// </summary>
    [Fact]
    public void Tmpcopyup_staging_directory_cannot_be_taken_by_another_user()
    {
        using var b = new Bundle(["cat", "/data/hello"]);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "data"));
        File.WriteAllText(Path.Combine(b.Rootfs, "data/hello"), "from image\n");
        Mounts(b).Add(new JsonObject
        {
            ["destination"] = "/data", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("tmpcopyup"),
        });
        b.Save();
        const string squatted = "/tmp/runcs-tmpcopyup-1";
        bool created = !Path.Exists(squatted);
        if (created)
            File.WriteAllText(squatted, "");
        var before = Directory.GetFileSystemEntries("/tmp").ToHashSet();
        try
        {
            var r = b.Run();
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("from image\n", r.Stdout);
        }
        finally
        {
            if (created)
                File.Delete(squatted);
        }
        var left = Directory.GetFileSystemEntries("/tmp").Where(e => !before.Contains(e) && e.Contains("tmpcopyup")).ToList();
        Assert.Empty(left);
    }

    /// <summary>
    /// --no-pivot leaves the host's tree under the rootfs: a full host procfs there would let a
    /// user namespace in the container mount a new procfs (the kernel looks for an unmasked one
    /// in the mount namespace). runc's bats test: unshare -mrpf, then mount -t proc.
    /// </summary>
    [Fact]
    public void No_pivot_leaves_no_host_procfs_to_mount_proc_from()
    {
        using var b = new Bundle(["unshare", "-mrpf", "sh", "-c", "mount -t proc none /proc && echo mounted"]);
        // Mapping root in a new user namespace needs CAP_SETFCAP (Linux 5.12+).
        foreach (var set in b.Config["process"]!["capabilities"]!.AsObject())
            foreach (string cap in new[] { "CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP" })
                set.Value!.AsArray().Add(cap);
        b.Save();
        var pivot = b.Run();
        Assert.True(pivot.ExitCode == 1, "with pivot_root: " + pivot);
        b.Id += "n";
        var r = b.Run("--no-pivot");
        Assert.DoesNotContain("mounted", r.Stdout);
        Assert.Contains("permission denied", r.Stderr);
        Assert.True(r.ExitCode == 1, r.ToString());
    }

    [Fact]
    public void Cwd_only_root_may_enter_works_for_another_user()
    {
        using var b = new Bundle(["pwd"]);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "root"));
        File.SetUnixFileMode(Path.Combine(b.Rootfs, "root"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        b.Config["process"]!["cwd"] = "/root";
        b.Config["process"]!["user"] = new JsonObject { ["uid"] = 42, ["gid"] = 42 };
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("/root\n", r.Stdout);
    }

    /// <summary>The pty slave (and /dev/console, the same inode for the init) belongs to the process's user; devpts's gid=5 gives the group.</summary>
    [Fact]
    public void Terminal_belongs_to_the_process_user_for_run_and_exec()
    {
        using var b = new Bundle(["sh", "-c", "stat -L -c 'run %u %g' /proc/self/fd/0 /dev/console; sleep 30"]);
        b.Config["process"]!["terminal"] = true;
        b.Config["process"]!["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        b.Save();
        using var receiver = new ConsoleSocketReceiver(b.Dir);
        var r = b.Runcs("run", "-d", "--console-socket", receiver.Path, "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var console = receiver.Receive();
        console.Expect(@"run 1000 5\r?\nrun 1000 5\r?\n");

        var e = b.Runcs("exec", "-d", "-t", "--console-socket", receiver.Path, b.Id, "sh", "-c", "stat -L -c 'exec %u %g' /proc/self/fd/0; sleep 1");
        Assert.True(e.ExitCode == 0, e.ToString());
        using var execConsole = receiver.Receive();
        execConsole.Expect(@"exec 1000 5\r?\n");
    }

    /// <summary>
    /// With a user namespace the container's root is another host uid, which cannot reach a bind
    /// source under a 0700 root-owned directory: the runtime opens the source on the host side.
    /// </summary>
    [Fact]
    public void Bind_source_the_container_root_cannot_reach_is_mounted_for_run_and_exec()
    {
        using var b = new Bundle(["sh", "-c", "cat /data/hello; sleep 30"]);
        string secret = Path.Combine(b.Dir, "secret");
        Directory.CreateDirectory(Path.Combine(secret, "data"));
        File.WriteAllText(Path.Combine(secret, "data/hello"), "from host\n");
        File.SetUnixFileMode(Path.Combine(secret, "data/hello"), (UnixFileMode)Convert.ToInt32("644", 8));
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "user" });
        linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        Mounts(b).Add(new JsonObject
        {
            ["destination"] = "/data", ["type"] = "bind", ["source"] = Path.Combine(secret, "data"), ["options"] = new JsonArray("rbind", "ro"),
        });
        b.Save();
        RuncsBinary.Exec("/bin/chown", ["-R", "-h", "100000:100000", b.Rootfs]);
        File.SetUnixFileMode(b.Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        var r = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        var e = b.Runcs("exec", b.Id, "cat", "/data/hello");
        Assert.True(e.ExitCode == 0, e.ToString());
        Assert.Equal("from host\n", e.Stdout);
    }

    /// <summary>
    /// No mount namespace listed: the container runs in the runtime's (runc mounts the config's
    /// mounts there and leaves them; runcs makes none), chrooted into the rootfs. The whole test runs
    /// in a throw-away mount namespace (unshare -m) so that neither runtime can touch the host's.
    /// </summary>
    [Fact]
    public void Config_without_a_mount_namespace_runs_in_the_rootfs()
    {
        using var b = new Bundle(["sh", "-c", "ls /bin/busybox; test -e /work || echo no-host-root"]);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"] = new JsonArray([.. linux["namespaces"]!.AsArray().Where(n => (string)n!["type"]! != "mount").Select(n => n!.DeepClone())]);
        linux["maskedPaths"] = new JsonArray();
        linux["readonlyPaths"] = new JsonArray();
        b.Config["mounts"] = new JsonArray(new JsonObject { ["destination"] = "/proc", ["type"] = "proc", ["source"] = "proc" });
        b.Save();
        string script = "before=$(wc -l < /proc/self/mountinfo); \"$0\" --root \"$1\" run --bundle \"$2\" \"$3\"; echo \"status $?\"; "
            + "after=$(wc -l < /proc/self/mountinfo); [ \"$before\" = \"$after\" ] && echo 'mounts unchanged'";
        var r = RuncsBinary.Exec("/usr/bin/unshare", ["-m", "--propagation", "unchanged", "sh", "-c", script, RuncsBinary.Path, b.StateRoot, b.Dir, b.Id]);
        Assert.Contains("/bin/busybox\nno-host-root\nstatus 0\n", r.Stdout);
        if (!IsRunc)
            Assert.Contains("mounts unchanged", r.Stdout);
    }

    /// <summary>runcs chroots an exec'd process into the rootfs too (runc 1.1.5 leaves it in the host's root: a documented difference).</summary>
    [Fact]
    public void Exec_into_a_container_without_a_mount_namespace_is_in_the_rootfs()
    {
        Assert.SkipWhen(IsRunc, "runc 1.1.5's exec lands in the host's root (a documented difference)");
        using var b = new Bundle(["sleep", "30"]);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"] = new JsonArray([.. linux["namespaces"]!.AsArray().Where(n => (string)n!["type"]! != "mount").Select(n => n!.DeepClone())]);
        linux["maskedPaths"] = new JsonArray();
        linux["readonlyPaths"] = new JsonArray();
        b.Config["mounts"] = new JsonArray();
        b.Save();
        string script = "\"$0\" --root \"$1\" run -d --bundle \"$2\" \"$3\" </dev/null >/dev/null; echo \"run $?\"; "
            + "\"$0\" --root \"$1\" exec \"$3\" sh -c 'test -x /bin/busybox && test ! -e /work && echo in-rootfs'; "
            + "\"$0\" --root \"$1\" delete -f \"$3\"";
        var r = RuncsBinary.Exec("/usr/bin/unshare", ["-m", "--propagation", "unchanged", "sh", "-c", script, RuncsBinary.Path, b.StateRoot, b.Dir, b.Id]);
        Assert.True(r.Stdout.Contains("run 0\nin-rootfs\n"), r.ToString());
    }

    [Fact]
    public void Config_without_a_mount_namespace_refuses_masked_paths()
    {
        using var b = new Bundle(["true"]);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"] = new JsonArray([.. linux["namespaces"]!.AsArray().Where(n => (string)n!["type"]! != "mount").Select(n => n!.DeepClone())]);
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("unable to restrict sys entries without a private MNT namespace", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }
}
