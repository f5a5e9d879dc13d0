using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>
/// A real systemd to test `--systemd-cgroup` against, since this machine's PID 1 is not one: a
/// Debian rootfs (minbase + systemd + dbus, made once by mmdebstrap and cached in
/// <see cref="CacheDir"/>) booted by runc as a container whose PID 1 is systemd, in its own
/// cgroup namespace with writable cgroup hierarchies (v1 + name=systemd, as this hybrid host
/// has them, or a private cgroup2 mount for <see cref="Unified"/>). The rootfs is an overlay
/// over the cache, so each boot starts clean. out/runcs, runc and busybox bundles are
/// bind-mounted in at /host; tests drive them through `runc exec`.
/// </summary>
public abstract class SystemdHost : IDisposable
{
    public const string CacheDir = "/var/cache/runcs-tests/debian-systemd";
    private const string Runc = "/usr/sbin/runc";

    private readonly string _dir = "";
    private readonly string _state = "";
    private readonly string _rootfs = "";
    private bool _mounted;
    private bool _started;

    protected SystemdHost(bool unified)
    {
        Unified = unified;
        Name = $"runcs-sd-{(unified ? "v2" : "v1")}-{Environment.ProcessId}";
        SkipReason = Prerequisites();
        if (SkipReason is not null)
            return;
        _dir = Directory.CreateTempSubdirectory("runcs-systemd-").FullName;
        _state = Path.Combine(_dir, "state");
        _rootfs = Path.Combine(_dir, "bundle", "rootfs");
        try
        {
            SkipReason = Boot();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>systemd mounts cgroup2 alone (unified mode) instead of the v1 hierarchies.</summary>
    public bool Unified { get; }

    /// <summary>The systemd container's id (for runc).</summary>
    public string Name { get; }

    /// <summary>Why these tests cannot run here, or null.</summary>
    public string? SkipReason { get; }

    /// <summary>Host directory seen as /host inside the systemd container.</summary>
    public string HostDir => Path.Combine(_dir, "host");

    private static string? Prerequisites()
    {
        if (!RuncsBinary.IsRoot)
            return "needs root";
        if (!File.Exists(Runc))
            return "needs runc (/usr/sbin/runc) to boot systemd in a container";
        if (!File.Exists(RuncsBinary.Path))
            return $"runcs binary not built ({RuncsBinary.Path})";
        return EnsureRootfs();
    }

    /// <summary>The cached Debian rootfs, made by mmdebstrap the first time (about two minutes).</summary>
    private static string? EnsureRootfs()
    {
        if (File.Exists(Path.Combine(CacheDir, "lib/systemd/systemd")))
            return null;
        if (!File.Exists("/usr/bin/mmdebstrap"))
            return "mmdebstrap is not installed (apt-get install mmdebstrap): it makes the Debian rootfs systemd boots from";
        const string sources = "/etc/apt/sources.list.d/debian.sources";
        string tmp = CacheDir + ".tmp";
        if (Directory.Exists(tmp))
            RuncsBinary.Exec("rm", ["-rf", tmp]);
        Directory.CreateDirectory(Path.GetDirectoryName(CacheDir)!);
        // The host's own Debian sources: the same mirror apt-get uses here.
        var made = RuncsBinary.Exec("/usr/bin/mmdebstrap",
            ["--variant=minbase", "--include=systemd,systemd-sysv,dbus", "--mode=root", "bookworm", tmp, .. File.Exists(sources) ? new[] { sources } : []],
            stdin: "", timeoutMs: 15 * 60 * 1000);
        if (made.ExitCode != 0)
            return "mmdebstrap could not make the Debian rootfs: " + made.Stderr.Trim().Split('\n').LastOrDefault();
        Directory.Move(tmp, CacheDir);
        return null;
    }

    private string? Boot()
    {
        string bundle = Path.Combine(_dir, "bundle");
        string upper = Path.Combine(_dir, "upper"), work = Path.Combine(_dir, "work");
        foreach (string d in new[] { _rootfs, upper, work, HostDir })
            Directory.CreateDirectory(d);
        var mount = RuncsBinary.Exec("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={CacheDir},upperdir={upper},workdir={work}", _rootfs]);
        if (mount.ExitCode != 0)
            return "cannot mount an overlay over the cached rootfs: " + mount.Stderr.Trim();
        _mounted = true;
        File.Copy(RuncsBinary.Path, Path.Combine(HostDir, "runcs"));

        var spec = RuncsBinary.Exec(Runc, ["spec", "--bundle", bundle]);
        Assert.True(spec.ExitCode == 0, spec.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!.AsObject();
        var process = config["process"]!;
        process["terminal"] = false;
        process["args"] = new JsonArray("/lib/systemd/systemd");
        process["env"]!.AsArray().Add("container=runcs-test");
        // systemd needs most capabilities; this host's bounding set has no CAP_SYS_RESOURCE.
        var caps = new JsonArray([.. new[]
        {
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP", "CAP_SYS_NICE",
            "CAP_IPC_LOCK", "CAP_LINUX_IMMUTABLE", "CAP_SYS_BOOT", "CAP_BPF",
        }.Select(c => (JsonNode)JsonValue.Create(c)!)]);
        process["capabilities"] = new JsonObject
        {
            ["bounding"] = caps.DeepClone(), ["effective"] = caps.DeepClone(), ["permitted"] = caps.DeepClone(),
        };
        config["root"]!["readonly"] = false;
        var linux = config["linux"]!;
        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "cgroup" });
        linux["cgroupsPath"] = "/" + Name;
        // containerd's default spec gives its containers /dev/console (c 5:1): the device
        // cgroups below this one can only allow it if this one does.
        linux["resources"]!["devices"]!.AsArray().Add(new JsonObject
        {
            ["allow"] = true, ["type"] = "c", ["major"] = 5, ["minor"] = 1, ["access"] = "rwm",
        });
        linux["maskedPaths"] = new JsonArray();
        linux["readonlyPaths"] = new JsonArray();
        var mounts = config["mounts"]!.AsArray();
        foreach (var m in mounts.ToList())
            if ((string?)m!["destination"] == "/sys/fs/cgroup")
                mounts.Remove(m);
        mounts.Add(Unified
            ? Mount("/sys/fs/cgroup", "cgroup2", "cgroup2", "nosuid", "noexec", "nodev", "rw")
            : Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "rw"));
        mounts.Add(Mount("/run", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=755"));
        mounts.Add(Mount("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev"));
        mounts.Add(Mount("/host", "bind", HostDir, "rbind", "rw"));
        mounts.Add(Mount("/usr/sbin/runc", "bind", Runc, "bind", "ro"));
        File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());

        // Detached: systemd keeps the fds it is given, so it gets none of the test's pipes.
        var run = RuncsBinary.Exec("/bin/sh", ["-c", $"exec {Runc} --root \"$0\" run -d --bundle \"$1\" \"$2\" </dev/null >/dev/null 2>\"$1/runc.log\"", _state, bundle, Name]);
        _started = true;
        if (run.ExitCode != 0)
            return "runc could not boot systemd in a container: " + File.ReadAllText(Path.Combine(bundle, "runc.log")).Trim();
        string status = "";
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            status = Sh("systemctl is-system-running").Stdout.Trim();
            if (status is "running" or "degraded")
                return null;
            Thread.Sleep(100);
        }
        return $"systemd did not finish booting in a container (systemctl is-system-running: {status}): {Sh("systemctl --failed --no-pager").Stdout}";
    }

    private static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = new JsonArray([.. options.Select(o => (JsonNode)JsonValue.Create(o)!)]),
    };

    /// <summary>Runs a shell script inside the systemd container (stdin empty); detached containers started by it must not keep its stdout.</summary>
    public CommandResult Sh(string script, int timeoutMs = 60000) =>
        RuncsBinary.Exec(Runc, ["--root", _state, "exec", Name, "sh", "-c", script], stdin: "", timeoutMs: timeoutMs);

    /// <summary>A busybox bundle under /host/&lt;name&gt; inside; its config is edited by <paramref name="edit"/>.</summary>
    public string MakeBundle(string name, string[] args, Action<JsonObject>? edit = null)
    {
        string dir = Path.Combine(HostDir, name);
        Directory.CreateDirectory(dir);
        Bundle.MakeRootfs(Path.Combine(dir, "rootfs"));
        var spec = RuncsBinary.Run(["spec", "--bundle", dir]);
        Assert.True(spec.ExitCode == 0, spec.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray([.. args.Select(a => (JsonNode)JsonValue.Create(a)!)]);
        edit?.Invoke(config);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return "/host/" + name;
    }

    public void Dispose()
    {
        if (_started)
            RuncsBinary.Exec(Runc, ["--root", _state, "delete", "--force", Name], timeoutMs: 60000);
        if (_mounted)
            RuncsBinary.Exec("umount", ["-l", _rootfs]);
        if (_dir.Length > 0)
            RuncsBinary.Exec("rm", ["-rf", "--one-file-system", _dir]);
        GC.SuppressFinalize(this);
    }
}

/// <summary>systemd on the v1 hierarchies (legacy mode), as on this hybrid host.</summary>
public sealed class SystemdV1Host() : SystemdHost(unified: false);

/// <summary>systemd on a private cgroup2 mount (unified mode). Only the controllers cgroup2 has here (few on a hybrid host).</summary>
public sealed class SystemdV2Host() : SystemdHost(unified: true);
