using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Runcs.Tests.Integration.Containerd;

[CollectionDefinition("containerd", DisableParallelization = true)]
public sealed class ContainerdCollection : ICollectionFixture<ContainerdFixture>;

/// <summary>
/// A private containerd (own root, state, socket, config) whose PATH starts with a directory
/// holding `runc` → the runtime under test: out/runcs, or $CONTAINERD_TEST_RUNTIME
/// (e.g. /usr/bin/runc) to run the same suite against real runc. Imports a busybox image
/// built offline with umoci. Stops containerd by pid and kills the shims it started.
/// </summary>
public sealed partial class ContainerdFixture : IDisposable
{
    public const string Image = "docker.io/library/busybox:runcs";

    private readonly int _pid;
    private readonly Process _containerd;

    public ContainerdFixture() : this(null)
    {
    }

    /// <summary>A containerd whose PATH `runc` is <paramref name="pathRuntime"/> (the runtime under test stays <see cref="RuntimeBinary"/>).</summary>
    public static ContainerdFixture WithPathRuntime(string pathRuntime) => new(pathRuntime);

    private ContainerdFixture(string? pathRuntime)
    {
        Dir = Directory.CreateTempSubdirectory("runcs-ctd-").FullName;
        Socket = Path.Combine(Dir, "containerd.sock");
        LogPath = Path.Combine(Dir, "containerd.log");
        Namespace = $"runcs-test-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        string? env = Environment.GetEnvironmentVariable("CONTAINERD_TEST_RUNTIME");
        RuntimeBinary = string.IsNullOrEmpty(env) ? RuncsBinary.Path : env;
        if (!File.Exists(RuntimeBinary))
            throw new InvalidOperationException($"runtime under test not found: {RuntimeBinary}");
        string bin = Path.Combine(Dir, "bin");
        Directory.CreateDirectory(bin);
        File.CreateSymbolicLink(Path.Combine(bin, "runc"), pathRuntime ?? RuntimeBinary);
        File.WriteAllText(Path.Combine(Dir, "config.toml"), $$"""
            version = 2
            root = "{{Dir}}/root"
            state = "{{Dir}}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
            [grpc]
              address = "{{Socket}}"
            [ttrpc]
              address = "{{Socket}}.ttrpc"
            [debug]
              level = "info"
            [plugins."io.containerd.monitor.v1.cgroups"]
              no_prometheus = true
            """);

        // containerd's own output goes to the log file; setsid keeps it out of the test's session.
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec setsid containerd --config '{Dir}/config.toml' >>'{LogPath}' 2>&1 </dev/null");
        info.Environment["PATH"] = $"{bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _containerd = RuncsBinary.Start(info);
        _pid = _containerd.Id;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!File.Exists(Socket) || Ctr("version").ExitCode != 0)
            {
                if (DateTime.UtcNow > deadline || !Directory.Exists($"/proc/{_pid}"))
                    throw new InvalidOperationException("containerd did not start:\n" + File.ReadAllText(LogPath));
                Thread.Sleep(100);
            }
            ImportImage();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Dir { get; }
    public string Socket { get; }
    public string LogPath { get; }
    public string Namespace { get; }
    public string RuntimeBinary { get; }

    /// <summary>The shim's default --root for this namespace (containerd passes it to the runtime).</summary>
    public string RuntimeRoot => $"/run/containerd/runc/{Namespace}";

    public bool IsRuncs => Path.GetFileName(RuntimeBinary) != "runc";

    private static int s_counter;

    /// <summary>A container id unique to this run.</summary>
    public string NewId(string prefix) => $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";

    /// <summary>`ctr -a SOCK -n NS args...`: stdin (if any) is written and closed at once.</summary>
    public CommandResult Ctr(params string[] args) => CtrWithTimeout(20000, args);

    public CommandResult CtrWithTimeout(int timeoutMs, params string[] args) =>
        RuncsBinary.Exec("/usr/bin/ctr", ["-a", Socket, "-n", Namespace, .. args], null, timeoutMs);

    /// <summary>A shell command line where `$CTR` is ctr with this containerd and namespace.</summary>
    public CommandResult Shell(string script, int timeoutMs = 20000) =>
        RuncsBinary.Exec("/bin/bash", ["-c", $"CTR='/usr/bin/ctr -a {Socket} -n {Namespace}'; {script}"], null, timeoutMs);

    public long LogLength => new FileInfo(LogPath).Length;

    /// <summary>The `level=error` lines containerd logged since <paramref name="from"/>, minus the allowed ones.</summary>
    public string[] LogErrorsSince(long from, params string[] allowed)
    {
        using var fs = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(from, SeekOrigin.Begin);
        string text = new StreamReader(fs).ReadToEnd();
        return text.Split('\n')
            .Where(l => l.Contains("level=error"))
            // containerd 1.6's own plumbing, not the runtime: a shim's log pipe closing as the shim
            // exits, and its event channel to a shim that already went away (seen with runc too).
            .Where(l => !l.Contains("msg=\"copy shim log\""))
            .Where(l => !l.Contains("msg=\"failed sending message on channel\""))
            .Where(l => !allowed.Any(l.Contains))
            .ToArray();
    }

    private void ImportImage()
    {
        string layout = Path.Combine(Dir, "image", "layout");
        string bundle = Path.Combine(Dir, "image", "bundle");
        Run("umoci", "init", "--layout", layout);
        Run("umoci", "new", "--image", layout + ":runcs");
        Run("umoci", "unpack", "--image", layout + ":runcs", bundle);
        string rootfs = Path.Combine(bundle, "rootfs");
        Bundle.MakeRootfs(rootfs);
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        Run("umoci", "config", "--image", layout + ":runcs", "--config.cmd", "sh",
            "--config.env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        Run("umoci", "repack", "--image", layout + ":runcs", bundle);
        string tar = Path.Combine(Dir, "image", "image.tar");
        Run("tar", "-C", layout, "-cf", tar, ".");
        // The layout names the manifest "runcs"; --base-name makes that docker.io/library/busybox:runcs.
        var r = Ctr("image", "import", "--base-name", "docker.io/library/busybox", tar);
        if (r.ExitCode != 0 || !Ctr("image", "ls", "-q").Stdout.Contains(Image))
            throw new InvalidOperationException($"image import failed: {r}\n{Ctr("image", "ls")}");
        Directory.Delete(Path.Combine(Dir, "image"), recursive: true);
    }

    private static void Run(string file, params string[] args)
    {
        var r = RuncsBinary.Exec(file, args, null, 60000);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {r}");
    }

    public void Dispose()
    {
        // Tasks first (so no container outlives the run), then containerd, then its shims.
        try
        {
            foreach (string line in Ctr("task", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Ctr("task", "kill", "-s", "SIGKILL", line.Trim());
                Ctr("task", "delete", "-f", line.Trim());
            }
            foreach (string line in Ctr("container", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Ctr("container", "delete", line.Trim());
        }
        catch (Exception)
        {
        }
        Stop(_pid);
        _containerd.WaitForExit(5000);
        _containerd.Dispose();
        foreach (int shim in Shims())
            Stop(shim);
        foreach (string cg in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
        {
            try
            {
                string ns = Path.Combine(cg, Namespace);
                if (Directory.Exists(ns))
                    Directory.Delete(ns);
            }
            catch (IOException)
            {
            }
        }
        try
        {
            Directory.Delete(RuntimeRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        // Overlay snapshots may still be mounted if a test failed half-way.
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo").Reverse())
        {
            string mp = line.Split(' ')[4];
            if (mp.StartsWith(Dir + "/", StringComparison.Ordinal))
                umount2(mp, 2 /* MNT_DETACH */);
        }
        try
        {
            // containerd's log outlives the run, next to the test assembly, for a post-mortem.
            File.Copy(LogPath, Path.Combine(AppContext.BaseDirectory, $"containerd-{Namespace}.log"), overwrite: true);
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception)
        {
            // Keep the directory (and containerd.log) for a post-mortem when it cannot be removed.
        }
    }

    /// <summary>Shims whose command line names this containerd's socket.</summary>
    public IEnumerable<int> Shims()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            string[] argv = cmdline.Split('\0');
            if (argv[0].EndsWith("containerd-shim-runc-v2", StringComparison.Ordinal) && argv.Contains(Socket))
                yield return pid;
        }
    }

    private static void Stop(int pid)
    {
        if (kill(pid, 15) != 0)
            return;
        for (int i = 0; i < 50 && Alive(pid); i++)
            Thread.Sleep(100);
        if (Alive(pid))
            kill(pid, 9);
    }

    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
