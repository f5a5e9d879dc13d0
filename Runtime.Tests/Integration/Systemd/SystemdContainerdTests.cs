using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>
/// containerd with the systemd cgroup driver (the runc shim's `SystemdCgroup = true`, which
/// `ctr run --runc-systemd-cgroup` sets as CRI does) inside a real systemd: the host's
/// containerd, shim and ctr run in the booted Debian (same libc), as a transient service with
/// its root on a tmpfs, and import a busybox image made offline with umoci. The same script
/// runs with `--runc-binary runc` and with runcs; the transcripts must be equal.
/// </summary>
[Collection("containers")]
public sealed class SystemdContainerdTests(SystemdV1Host host) : IClassFixture<SystemdV1Host>
{
    private static readonly string[] Binaries = ["/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/ctr"];

    [Fact]
    public void Containerd_with_SystemdCgroup_runs_pods_containers_in_scopes_of_kubepods_slices()
    {
        Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
        Assert.SkipUnless(Binaries.All(File.Exists), "needs containerd (apt-get install containerd)");
        Assert.SkipUnless(File.Exists("/usr/bin/umoci"), "needs umoci to make the image offline (apt-get install umoci)");
        string dir = Path.Combine(host.HostDir, "ctd");
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        foreach (string b in Binaries)
            File.Copy(b, Path.Combine(dir, "bin", Path.GetFileName(b)), overwrite: true);
        MakeImage(Path.Combine(dir, "image.tar"));
        File.WriteAllText(Path.Combine(dir, "config.toml"), """
            version = 2
            root = "/var/lib/ctd-test/root"
            state = "/run/ctd-test/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
            [grpc]
              address = "/run/ctd-test/containerd.sock"
            [plugins."io.containerd.monitor.v1.cgroups"]
              no_prometheus = true
            """);
        // The systemd container's root is an overlay: the snapshots go on a tmpfs.
        var started = host.Sh("""
            mkdir -p /var/lib/ctd-test && mount -t tmpfs tmpfs /var/lib/ctd-test
            systemd-run --quiet --unit=ctd-test -E PATH=/host/ctd/bin:/usr/sbin:/usr/bin:/sbin:/bin /host/ctd/bin/containerd --config /host/ctd/config.toml
            C="/host/ctd/bin/ctr -a /run/ctd-test/containerd.sock -n test"
            for i in $(seq 1 200); do $C version >/dev/null 2>&1 && break; sleep 0.05; done
            $C image import --base-name docker.io/library/busybox /host/ctd/image.tar >/dev/null && $C image ls -q
            """);
        Assert.True(started.Stdout.Contains("docker.io/library/busybox:runcs"), $"containerd did not start: {started}\n{host.Sh("journalctl -u ctd-test --no-pager | tail -20").Stdout}");

        var outputs = new Dictionary<string, string>();
        foreach (string rt in new[] { "/usr/sbin/runc", "/host/runcs" })
        {
            string id = rt == "/host/runcs" ? "cs" : "c";
            string unit = $"cri-containerd-{id}.scope";
            string path = $"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/{unit}";
            string output = host.Sh($$"""
                C="/host/ctd/bin/ctr -a /run/ctd-test/containerd.sock -n test"; RUN="$C run --runc-systemd-cgroup --runc-binary {{rt}}"
                $RUN --rm --cgroup machine.slice:ctr:fg{{id}} docker.io/library/busybox:runcs fg{{id}} sh -c 'grep -E "name=systemd|:pids:" /proc/self/cgroup; exit 3'
                echo "foreground exit $?"
                $RUN -d --memory-limit 67108864 --cgroup kubepods-besteffort-pod1.slice:cri-containerd:{{id}} docker.io/library/busybox:runcs {{id}} sleep 1000; echo "run exit $?"
                echo "active: $(systemctl is-active {{unit}})"
                systemctl status {{unit}} --no-pager | grep -q "─[0-9]* sleep 1000" && echo "status lists the process"
                systemctl status {{unit}} --no-pager | grep -oE "Memory: .*\(limit: [0-9.]+M\)" | sed 's/Memory: [^ ]* /Memory: /'
                systemctl show -p Delegate -p DevicePolicy -p MemoryLimit {{unit}}
                echo "exec: $($C task exec --exec-id e1 {{id}} grep :pids: /proc/self/cgroup)"
                $C task pause {{id}}; echo "paused: $($C task ls | grep -o PAUSED) $(cat /sys/fs/cgroup/freezer{{path}}/freezer.state)"
                $C task resume {{id}}; echo "resumed: $($C task ls | grep -o RUNNING)"
                $C task kill -s KILL {{id}}
                for i in $(seq 1 100); do $C task ls | grep -q STOPPED && break; sleep 0.05; done
                $C task delete {{id}} >/dev/null; $C container delete {{id}}
                echo "after: $(systemctl is-active {{unit}}) $(ls -d /sys/fs/cgroup/*{{path}} 2>/dev/null)"
                """, timeoutMs: 120000).Stdout;
            outputs[rt] = output.Replace($"-{id}.scope", "-ID.scope").Replace($"fg{id}", "fgID");
        }
        string runcs = outputs["/host/runcs"];
        Assert.True(outputs["/usr/sbin/runc"] == runcs, $"runc:\n{outputs["/usr/sbin/runc"]}\nruncs:\n{runcs}");
        Assert.Contains("name=systemd:/machine.slice/ctr-fgID.scope", runcs);
        Assert.Contains("foreground exit 3", runcs);
        Assert.Contains("run exit 0", runcs);
        Assert.Contains("active: active", runcs);
        Assert.Contains("status lists the process", runcs);
        Assert.Contains("Memory: (limit: 64.0M)", runcs);
        Assert.Contains("Delegate=yes", runcs);
        Assert.Contains("DevicePolicy=strict", runcs);
        Assert.Contains(":pids:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-ID.scope\n", runcs);
        Assert.Contains("paused: PAUSED FROZEN", runcs);
        Assert.Contains("resumed: RUNNING", runcs);
        Assert.Contains("after: inactive \n", runcs + "\n");
    }

    /// <summary>A busybox OCI image as a tar, made offline with umoci (as the containerd suite's).</summary>
    private static void MakeImage(string tar)
    {
        string work = Directory.CreateTempSubdirectory("runcs-sd-image-").FullName;
        try
        {
            string layout = Path.Combine(work, "layout"), bundle = Path.Combine(work, "bundle");
            Run("umoci", "init", "--layout", layout);
            Run("umoci", "new", "--image", layout + ":runcs");
            Run("umoci", "unpack", "--image", layout + ":runcs", bundle);
            Bundle.MakeRootfs(Path.Combine(bundle, "rootfs"));
            Run("umoci", "config", "--image", layout + ":runcs", "--config.cmd", "sh", "--config.env", "PATH=/bin");
            Run("umoci", "repack", "--image", layout + ":runcs", bundle);
            Run("tar", "-C", layout, "-cf", tar, ".");
        }
        finally
        {
            RuncsBinary.Exec("rm", ["-rf", work]);
        }
    }

    private static void Run(string file, params string[] args)
    {
        var r = RuncsBinary.Exec(file, args, null, 60000);
        Assert.True(r.ExitCode == 0, $"{file} {string.Join(' ', args)}: {r}");
    }
}
