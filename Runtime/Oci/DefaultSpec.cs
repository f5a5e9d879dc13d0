namespace Runcs.Oci;

/// <summary>The config.json `runcs spec` writes: runc 1.1's example spec (libcontainer/specconv),
/// except that ociVersion is the version runcs implements (<see cref="Features.OciVersionMaximum"/>)
/// where runc 1.1.5 writes "1.0.2-dev".</summary>
public static class DefaultSpec
{
    /// <summary>The default spec; rootless as `runc spec --rootless` (mappings for the caller's
    /// effective uid and gid).</summary>
    public static Spec Create(bool rootless) =>
        rootless ? Create(true, (uint)Tmds.Linux.LibC.geteuid(), (uint)Tmds.Linux.LibC.getegid()) : Create(false, 0, 0);

    /// <summary>The default spec; when rootless, maps container root to hostUid/hostGid.</summary>
    public static Spec Create(bool rootless, uint hostUid, uint hostGid)
    {
        List<string> caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        var spec = new Spec
        {
            OciVersion = Features.OciVersionMaximum,
            Process = new Process
            {
                Terminal = true,
                User = new User { Uid = 0, Gid = 0 },
                Args = ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                Capabilities = new LinuxCapabilities
                {
                    Bounding = [.. caps],
                    Effective = [.. caps],
                    Permitted = [.. caps],
                    Ambient = [.. caps],
                },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new Root { Path = "rootfs", Readonly = true },
            Hostname = "runc",
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new Linux
            {
                Resources = new LinuxResources
                {
                    Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }],
                },
                Namespaces =
                [
                    new LinuxNamespace { Type = "pid" },
                    new LinuxNamespace { Type = "network" },
                    new LinuxNamespace { Type = "ipc" },
                    new LinuxNamespace { Type = "uts" },
                    new LinuxNamespace { Type = "mount" },
                ],
                MaskedPaths =
                [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
        if (rootless) ToRootless(spec, hostUid, hostGid);
        return spec;
    }

    /// <summary>runc's specconv.ToRootless: a user namespace instead of a network namespace, the
    /// caller mapped to root, /sys bind-mounted, no uid=/gid= mount options, no cgroup resources.</summary>
    public static void ToRootless(Spec spec, uint hostUid, uint hostGid)
    {
        var linux = spec.Linux ??= new Linux();
        var namespaces = new List<LinuxNamespace>();
        foreach (var ns in linux.Namespaces ?? [])
        {
            if (ns.Type is not ("network" or "user")) namespaces.Add(ns);
        }
        namespaces.Add(new LinuxNamespace { Type = "user" });
        linux.Namespaces = namespaces;
        linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostUid, Size = 1 }];
        linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostGid, Size = 1 }];

        if (spec.Mounts is { } mounts)
        {
            for (int i = 0; i < mounts.Count; i++)
            {
                var m = mounts[i];
                if (Path.TrimEndingDirectorySeparator(m.Destination) == "/sys")
                {
                    mounts[i] = new Mount
                    {
                        Destination = "/sys",
                        Type = "none",
                        Source = "/sys",
                        Options = ["rbind", "nosuid", "noexec", "nodev", "ro"],
                    };
                    continue;
                }
                m.Options?.RemoveAll(o => o.StartsWith("gid=", StringComparison.Ordinal) || o.StartsWith("uid=", StringComparison.Ordinal));
                if (m.Options is { Count: 0 }) m.Options = null;
            }
        }
        linux.Resources = null;
    }

    /// <summary>config.json text as runc writes it: tab indent, runc's field order, no trailing newline.</summary>
    public static string ToJson(Spec spec) => SpecJson.Serialize(spec);
}
