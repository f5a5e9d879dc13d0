using System.Diagnostics;
using Xunit;

namespace Runcs.Tests.Integration.Engines;

[CollectionDefinition("docker", DisableParallelization = true)]
public sealed class DockerCollection : ICollectionFixture<DockerFixture>;

/// <summary>
/// A private dockerd (Debian's docker.io 20.10) shared by the docker scenarios: its own data
/// root, exec root, pid file, socket, daemon.json, cgroup parent (cgroupfs driver) and bridge,
/// with out/runcs registered as the runtime `runcs` next to docker's default `runc` (Debian's
/// runc 1.1.5, the oracle). dockerd starts its own containerd, whose log goes to the same file.
/// The image is a busybox-static rootfs imported offline (`docker import`).
/// Installs docker.io when it is missing; when that cannot be done every test is skipped.
/// </summary>
public sealed class DockerFixture : IDisposable
{
    public const string Image = "busybox:runcs";

    /// <summary>The oracle first, then the runtime under test (docker's runtime names).</summary>
    public string[] Runtimes { get; }

    public const string DockerCli = "/usr/bin/docker"; // /usr/local/bin/docker may be another docker CLI

    private Process? _daemon;
    private static int s_counter;

    public DockerFixture()
    {
        Runtimes = EngineScenario.RuntimesUnderTest(["runc", "runcs"]);
        SkipReason = EngineHost.EnsurePackages("docker.io", "iptables", "containerd", "runc", "busybox-static");
        if (SkipReason is null && !File.Exists(RuncsBinary.Path))
            SkipReason = "runtime under test not found: " + RuncsBinary.Path;
        Dir = Directory.CreateTempSubdirectory("runcs-docker-").FullName;
        // --userns-remap's root (uid 100000) must be able to traverse to its graph root.
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        Socket = Path.Combine(Dir, "docker.sock");
        LogPath = Path.Combine(Dir, "dockerd.log");
        CgroupParent = $"/runcs-docker-{Environment.ProcessId}";
        int n = Environment.ProcessId;
        Bridge = $"rcsdk{n % 100000}";
        Subnet = $"172.30.{n % 250}";
        if (SkipReason is not null)
            return;
        try
        {
            File.WriteAllText(Path.Combine(Dir, "daemon.json"), "{}\n");
            MakeBridge();
            Start();
            ImportImage();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why the docker scenarios cannot run on this machine, or null.</summary>
    public string? SkipReason { get; }
    public string Dir { get; }
    public string Socket { get; }
    public string LogPath { get; }
    public string CgroupParent { get; }
    public string Bridge { get; }
    public string Subnet { get; }

    /// <summary>The mounts dockerd itself keeps below <see cref="Dir"/>: its data root, and the host's netns once a bridge network was set up.</summary>
    /// <summary>dockerd's own mounts: its data root (with --userns-remap also the remapped root
    /// data/UID.GID), and the default network namespace.</summary>
    private bool IsDaemonMount(string mountPoint) =>
        mountPoint == Path.Combine(Dir, "data") || mountPoint == Path.Combine(Dir, "exec", "netns", "default")
        || (Path.GetDirectoryName(mountPoint) == Path.Combine(Dir, "data")
            && System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(mountPoint), @"^\d+\.\d+$"));

    /// <summary>The extra dockerd flags of the daemon now running (e.g. --live-restore).</summary>
    public string[] DaemonFlags { get; private set; } = [];

    public string ContainerdSocket => Path.Combine(Dir, "exec", "containerd", "containerd.sock");

    /// <summary>Where the shim keeps the runtime's state (the `--root` it passes): dockerd 20.10 gives every runtime exec-root/runtime-runc.</summary>
    public string RuntimeRoot => Path.Combine(Dir, "exec", "runtime-runc", "moby");

    public void RequireDocker() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");

    /// <summary>A container name unique to this run and runtime.</summary>
    public string NewName(string prefix, string runtime) => $"rcs-{prefix}-{runtime}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";

    public CommandResult Docker(params string[] args) => DockerWith(null, 60000, args);

    public CommandResult DockerWith(string? stdin, int timeoutMs, params string[] args) =>
        RuncsBinary.Exec(DockerCli, [.. CliFlags, .. args], stdin, timeoutMs);

    /// <summary>The global flags that point the docker CLI at this daemon (and a private CLI config).</summary>
    public string[] CliFlags => ["--config", Path.Combine(Dir, "cli"), "-H", "unix://" + Socket];

    private void MakeBridge()
    {
        RuncsBinary.Exec("ip", ["link", "del", Bridge]);
        foreach (string[] cmd in new[]
        {
            new[] { "link", "add", Bridge, "type", "bridge" },
            ["addr", "add", Subnet + ".1/24", "dev", Bridge],
            ["link", "set", Bridge, "up"],
        })
        {
            var r = RuncsBinary.Exec("ip", cmd);
            if (r.ExitCode != 0)
                throw new InvalidOperationException($"ip {string.Join(' ', cmd)}: {r}");
        }
    }

    /// <summary>Starts dockerd with these extra flags and waits until it answers.</summary>
    public void Start(params string[] flags)
    {
        DaemonFlags = flags;
        string cmd = string.Join(' ', new[]
        {
            "/usr/sbin/dockerd",
            "--config-file", $"'{Dir}/daemon.json'",
            "--data-root", $"'{Dir}/data'",
            "--exec-root", $"'{Dir}/exec'",
            "--pidfile", $"'{Dir}/dockerd.pid'",
            "-H", $"'unix://{Socket}'",
            "--exec-opt", "native.cgroupdriver=cgroupfs",
            "--cgroup-parent", CgroupParent,
            "--add-runtime", $"runcs='{RuncsBinary.Path}'",
            "--bridge", Bridge,
            "--iptables=true",
            "--storage-driver", "overlay2",
            "--log-level", "info",
        }.Concat(flags));
        _daemon = EngineHost.StartDaemon(cmd, LogPath);
        int pid = _daemon.Id;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Socket) || Docker("version").ExitCode != 0)
        {
            if (DateTime.UtcNow > deadline || !EngineHost.Alive(pid))
                throw new InvalidOperationException("dockerd did not start:\n" + string.Join('\n', EngineHost.LogLinesSince(LogPath, 0).TakeLast(40)));
            Thread.Sleep(200);
        }
    }

    /// <summary>Stops dockerd (SIGTERM, as `systemctl stop docker`); with --live-restore its containers live on.</summary>
    public void StopDaemon()
    {
        if (_daemon is null)
            return;
        EngineHost.Stop(_daemon.Id, 30000);
        _daemon.WaitForExit(5000);
        _daemon.Dispose();
        _daemon = null;
        // The containerd dockerd started stops with it (unless live-restore keeps it: then stop it here).
        foreach (var (pid, _) in EngineHost.ProcessesMentioning(Path.Combine(Dir, "exec", "containerd", "containerd.toml")))
            EngineHost.Stop(pid);
    }

    public void Restart(params string[] flags)
    {
        StopDaemon();
        Start(flags);
    }

    public void ImportImage()
    {
        string rootfs = Path.Combine(Dir, "image-rootfs");
        if (Directory.Exists(rootfs))
            Directory.Delete(rootfs, recursive: true);
        Bundle.MakeRootfs(rootfs);
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        string tar = Path.Combine(Dir, "image.tar");
        var t = RuncsBinary.Exec("tar", ["-C", rootfs, "-cf", tar, "."]);
        if (t.ExitCode != 0)
            throw new InvalidOperationException("tar: " + t);
        var r = Docker("import", "-c", "CMD [\"sh\"]", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tar, Image);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("docker import failed: " + r);
        Directory.Delete(rootfs, recursive: true);
    }

    public long LogLength => EngineHost.LengthOf(LogPath);

    /// <summary>
    /// The error lines dockerd (and its containerd) logged since <paramref name="from"/>, minus
    /// <paramref name="allowed"/> (errors the scenario provoked on purpose).
    /// </summary>
    public string[] LogErrorsSince(long from, IEnumerable<string> allowed) =>
        [.. EngineHost.LogLinesSince(LogPath, from)
            .Where(l => l.Contains("level=error"))
            // containerd 1.6's own plumbing (seen with runc): a shim's log pipe closing as it exits.
            .Where(l => !l.Contains("msg=\"copy shim log\""))
            .Where(l => !l.Contains("msg=\"failed sending message on channel\""))
            // dockerd 20.10 when a start fails (any runtime): its stdio copiers and the containerd
            // container it already removed. The runtime's error itself is in a line the scenario allows.
            .Where(l => !l.Contains("msg=\"stream copy error: reading from a closed fifo\""))
            .Where(l => !l.Contains("cleanup: failed to delete container from containerd: no such container"))
            .Where(l => !allowed.Any(l.Contains))];

    /// <summary>
    /// What a scenario must not leave: a container, a runtime state directory, a cgroup, a mount,
    /// a shim or a runtime process. Polled briefly: shims and cgroups go shortly after `rm`.
    /// </summary>
    public string Leftovers()
    {
        string found = "";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            var problems = new List<string>();
            string ps = Docker("ps", "-aq").Stdout.Trim();
            if (ps != "")
                problems.Add("containers: " + ps.Replace('\n', ' '));
            if (Directory.Exists(RuntimeRoot) && Directory.GetFileSystemEntries(RuntimeRoot).Length > 0)
                problems.Add("runtime state: " + string.Join(' ', Directory.GetFileSystemEntries(RuntimeRoot)));
            var cgroups = EngineHost.CgroupsBelow(CgroupParent);
            if (cgroups.Count > 0)
                problems.Add("cgroups: " + string.Join(' ', cgroups));
            var mounts = EngineHost.MountsBelow(Dir).Where(m => !IsDaemonMount(m)).ToList();
            if (mounts.Count > 0)
                problems.Add("mounts: " + string.Join(' ', mounts));
            var procs = EngineHost.ProcessesMentioning(ContainerdSocket)
                .Concat(EngineHost.ProcessesMentioning(RuntimeRoot))
                .ToList();
            if (procs.Count > 0)
                problems.Add("processes: " + string.Join("; ", procs.Select(p => $"{p.Pid} {p.Cmdline}")));
            found = string.Join('\n', problems);
            if (found == "")
                return "";
            Thread.Sleep(200);
        }
        while (DateTime.UtcNow < deadline);
        return found;
    }

    /// <summary>Removes every container, then the cgroups they left (after a failed scenario, so the next one starts clean).</summary>
    public void RemoveAllContainers()
    {
        string ps = Docker("ps", "-aq").Stdout.Trim();
        if (ps != "")
            Docker(["rm", "-f", .. ps.Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
        EngineHost.RemoveCgroupParent(CgroupParent);
    }

    public void Dispose()
    {
        try
        {
            if (_daemon is not null)
                RemoveAllContainers();
            Docker("volume", "prune", "-f");
        }
        catch (Exception)
        {
        }
        StopDaemon();
        foreach (var (pid, _) in EngineHost.ProcessesMentioning(ContainerdSocket))
            EngineHost.Stop(pid, 3000);
        EngineHost.UnmountBelow(Dir);
        RuncsBinary.Exec("ip", ["link", "del", Bridge]);
        EngineHost.RemoveCgroupParent(CgroupParent);
        try
        {
            // The daemon's log outlives the run, next to the test assembly, for a post-mortem.
            if (File.Exists(LogPath))
                File.Copy(LogPath, Path.Combine(AppContext.BaseDirectory, $"dockerd-{Environment.ProcessId}.log"), overwrite: true);
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception)
        {
            // Kept for a post-mortem when it cannot be removed.
        }
    }
}
