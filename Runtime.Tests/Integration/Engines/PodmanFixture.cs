using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Xunit;

namespace Runcs.Tests.Integration.Engines;

[CollectionDefinition("podman", DisableParallelization = true)]
public sealed class PodmanCollection : ICollectionFixture<PodmanFixture>;

/// <summary>
/// Debian's podman 4.3 (conmon, cgroupfs manager, file events logger) with its own storage root,
/// run root, tmp dir, volume path and CNI config dir, and the containers.conf the README documents:
/// runcs registered in [engine.runtimes] and named in runtime_supports_json (without it podman
/// shows the runtime's raw log lines instead of its error). `default_ulimits` keeps nofile and
/// nproc within what this machine allows (podman's defaults for root, 1048576, are refused).
/// The image is a busybox-static rootfs imported offline (`podman import`).
/// </summary>
public sealed partial class PodmanFixture : IDisposable
{
    public const string Image = "localhost/busybox:runcs";
    public const string PodmanCli = "/usr/bin/podman";

    private static int s_counter;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly HashSet<string> _baselineRuntimeState = [];

    public PodmanFixture()
    {
        Runtimes = EngineScenario.RuntimesUnderTest(["runc", "runcs"]);
        SkipReason = EngineHost.EnsurePackages("podman", "conmon", "containernetworking-plugins", "catatonit", "uidmap", "runc", "busybox-static");
        if (SkipReason is null && !File.Exists(RuncsBinary.Path))
            SkipReason = "runtime under test not found: " + RuncsBinary.Path;
        Dir = Directory.CreateTempSubdirectory("runcs-podman-").FullName;
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        CgroupParent = $"/runcs-podman-{Environment.ProcessId}";
        if (SkipReason is not null)
            return;
        try
        {
            foreach (string d in new[] { "tmp", "cni", "volumes" })
                Directory.CreateDirectory(Path.Combine(Dir, d));
            File.WriteAllText(ConfPath, ContainersConf(Dir, RuncsBinary.Path));
            // Every podman the tests start (also on a pty) reads this configuration.
            Environment.SetEnvironmentVariable("CONTAINERS_CONF", ConfPath);
            foreach (string root in RuntimeStateRoots)
                if (Directory.Exists(root))
                    _baselineRuntimeState.UnionWith(Directory.GetDirectories(root));
            ImportImage();
            BaselineMounts = EngineHost.MountsBelow(Dir);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The test's containers.conf: what the README documents for runcs (the [engine.runtimes]
    /// entry and runtime_supports_json), plus this machine's ulimits and the private directories.
    /// `runcs-nojson` is runcs left out of runtime_supports_json, to show why the list matters.
    /// </summary>
    private static string ContainersConf(string dir, string runcs) => $$"""
        [containers]
        default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

        [network]
        network_config_dir = "{{dir}}/cni"

        [engine]
        cgroup_manager = "cgroupfs"
        events_logger = "file"
        events_logfile_path = "{{dir}}/events.log"
        tmp_dir = "{{dir}}/tmp"
        volume_path = "{{dir}}/volumes"
        runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "runcs"]

        [engine.runtimes]
        runcs = ["{{runcs}}"]
        runcs-nojson = ["{{runcs}}"]
        runc = ["/usr/sbin/runc"]
        """;

    public string? SkipReason { get; }
    public string Dir { get; }
    public string ConfPath => Path.Combine(Dir, "containers.conf");
    public string CgroupParent { get; }
    public string[] Runtimes { get; }
    private List<string> BaselineMounts { get; } = [];

    /// <summary>conmon passes no --root: each runtime keeps its state in its default root.</summary>
    private static readonly string[] RuntimeStateRoots = ["/run/runc", "/run/runcs"];

    public void RequirePodman() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");

    public string NewName(string prefix, string runtime) => $"rcs-{prefix}-{runtime}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";

    /// <summary>The global flags: private storage, cgroupfs, file events, and the runtime by its containers.conf name.</summary>
    public string[] GlobalFlags(string runtime) =>
    [
        "--root", Path.Combine(Dir, "root"), "--runroot", Path.Combine(Dir, "run"), "--storage-driver", "overlay",
        "--tmpdir", Path.Combine(Dir, "tmp"), "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", runtime,
    ];

    public CommandResult Podman(string runtime, params string[] args) => PodmanWith(runtime, null, 60000, args);

    public CommandResult PodmanWith(string runtime, string? stdin, int timeoutMs, params string[] args)
    {
        var r = RuncsBinary.Exec(PodmanCli, [.. GlobalFlags(runtime), .. args], stdin, timeoutMs);
        foreach (string line in r.Stderr.Split('\n').Where(IsErrorLine))
            _errors.Enqueue(line);
        return r;
    }

    /// <summary>podman's own error lines (logrus text or terminal form) and conmon's (`[conmon:e]`).</summary>
    private static bool IsErrorLine(string line) =>
        line.Contains("level=error") || line.StartsWith("ERRO[", StringComparison.Ordinal) || line.Contains("[conmon:e]");

    /// <summary>The error lines podman printed (its own and conmon's, which it relays) since <paramref name="mark"/>.</summary>
    public long ErrorCount => _errors.Count;

    public string[] ErrorsSince(long mark, IEnumerable<string> allowed) =>
        [.. _errors.Skip((int)mark).Where(l => !allowed.Any(l.Contains))];

    private void ImportImage()
    {
        string rootfs = Path.Combine(Dir, "image-rootfs");
        Bundle.MakeRootfs(rootfs);
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        string tar = Path.Combine(Dir, "image.tar");
        var t = RuncsBinary.Exec("tar", ["-C", rootfs, "-cf", tar, "."]);
        if (t.ExitCode != 0)
            throw new InvalidOperationException("tar: " + t);
        var r = Podman("runc", "import", "-q", "-c", "CMD [\"sh\"]", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tar, Image);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("podman import failed: " + r);
        Directory.Delete(rootfs, recursive: true);
        File.Delete(tar);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ContainerId();

    /// <summary>What a scenario must not leave: a container, a pod, runtime state, a cgroup, a mount, a conmon or runtime process.</summary>
    public string Leftovers()
    {
        string found = "";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            var problems = new List<string>();
            string ps = Podman("runc", "ps", "-aq").Stdout.Trim();
            if (ps != "")
                problems.Add("containers: " + ps.Replace('\n', ' '));
            string pods = Podman("runc", "pod", "ps", "-q").Stdout.Trim();
            if (pods != "")
                problems.Add("pods: " + pods.Replace('\n', ' '));
            foreach (string root in RuntimeStateRoots.Where(Directory.Exists))
            {
                var state = Directory.GetDirectories(root).Where(d => ContainerId().IsMatch(Path.GetFileName(d)) && !_baselineRuntimeState.Contains(d)).ToList();
                if (state.Count > 0)
                    problems.Add("runtime state: " + string.Join(' ', state));
            }
            // conmon's own cgroup (podman moves it to PARENT/conmon with cgroupfs) is podman's, not a container's.
            var cgroups = EngineHost.CgroupsBelow(CgroupParent).Where(c => Path.GetFileName(c) != "conmon").ToList();
            if (cgroups.Count > 0)
                problems.Add("cgroups: " + string.Join(' ', cgroups));
            var mounts = EngineHost.MountsBelow(Dir).Except(BaselineMounts).ToList();
            if (mounts.Count > 0)
                problems.Add("mounts: " + string.Join(' ', mounts));
            var procs = EngineHost.ProcessesMentioning(Dir).Where(p => !p.Cmdline.Contains(" ps -aq") && !p.Cmdline.Contains(" pod ps ")).ToList();
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

    /// <summary>Removes every pod and container, then the cgroups they left (after a failed scenario, so the next starts clean).</summary>
    public void RemoveAll()
    {
        Podman("runc", "pod", "rm", "-af", "-t", "0");
        Podman("runc", "rm", "-af", "-t", "0");
        EngineHost.RemoveCgroupParent(CgroupParent);
    }

    public void Dispose()
    {
        if (SkipReason is null)
        {
            try
            {
                RemoveAll();
                Podman("runc", "volume", "prune", "-f");
            }
            catch (Exception)
            {
            }
        }
        foreach (var (pid, _) in EngineHost.ProcessesMentioning(Dir))
            EngineHost.Stop(pid, 3000);
        EngineHost.UnmountBelow(Dir);
        EngineHost.RemoveCgroupParent(CgroupParent);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception)
        {
            // Kept for a post-mortem when it cannot be removed.
        }
    }
}
