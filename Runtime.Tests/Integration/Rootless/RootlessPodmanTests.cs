using Runcs.Tests.Integration.Engines;
using Xunit;

namespace Runcs.Tests.Integration.Rootless;

/// <summary>
/// Rootless podman (Debian's 4.3) run by the test's ordinary user, with runc and with runcs as
/// its runtime: podman makes the user namespace (newuidmap over the user's /etc/subuid range)
/// and runs the runtime as uid 0 inside it, where runcs must honour XDG_RUNTIME_DIR and bind
/// device nodes. Storage (vfs) and containers.conf are in the user's home; `default_ulimits`
/// keeps RLIMIT_NOFILE within what this machine allows. The image is imported offline.
/// </summary>
public sealed class RootlessPodmanTests : IClassFixture<RootlessPodmanTests.Fixture>
{
    private const string Image = "localhost/busybox:rootless";
    private readonly Fixture _f;

    public RootlessPodmanTests(Fixture f) => _f = f;

    public sealed class Fixture : IDisposable
    {
        public RootlessUser User { get; } = new();
        public string? SkipReason { get; }

        public Fixture()
        {
            SkipReason = User.SkipReason ?? EngineHost.EnsurePackages("podman", "conmon", "uidmap", "slirp4netns", "busybox-static");
            if (SkipReason is not null)
                return;
            string conf = Path.Combine(User.Home, ".config/containers");
            Directory.CreateDirectory(conf);
            File.WriteAllText(Path.Combine(conf, "containers.conf"), $$"""
                [containers]
                default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "runcs"]

                [engine.runtimes]
                runcs = ["{{User.RuncsPath}}"]
                runc = ["/usr/sbin/runc"]
                """);
            string rootfs = Path.Combine(User.Home, "image-rootfs");
            Bundle.MakeRootfs(rootfs);
            string tar = Path.Combine(User.Home, "image.tar");
            var t = RuncsBinary.Exec("tar", ["-C", rootfs, "-cf", tar, "."]);
            if (t.ExitCode != 0)
                throw new InvalidOperationException("tar: " + t);
            RuncsBinary.Exec("/usr/bin/chown", ["-R", $"{User.Name}:{User.Name}", User.Home]);
            var import = Podman("runc", "import", "-q", "-c", "CMD [\"sh\"]", tar, Image);
            if (import.ExitCode != 0)
                SkipReason = "rootless podman cannot import an image here: " + import;
        }

        public string[] PodmanArgv(string runtime, params string[] args) =>
            User.AsUser(["/usr/bin/podman", "--runtime", runtime, .. args]);

        public CommandResult Podman(string runtime, params string[] args)
        {
            string[] argv = PodmanArgv(runtime, args);
            return RuncsBinary.Exec(argv[0], argv[1..], null, 60000);
        }

        public void Dispose()
        {
            if (SkipReason is null)
                Podman("runc", "rm", "-af", "-t", "0");
            User.Dispose();
        }
    }

    private void Ready() => Assert.SkipWhen(_f.SkipReason is not null, _f.SkipReason ?? "");

    private string Runcs => _f.User.RuncsPath;
    private string[] Both => ["runc", Runcs];

    private string Name(string runtime, string what) => $"rl-{what}-{Path.GetFileName(runtime)}-{Environment.ProcessId}";

    [Fact]
    public void Run_rm_as_with_runc()
    {
        Ready();
        var outputs = Both.Select(rt => _f.Podman(rt, "run", "--rm", "--network", "none", Image,
            "sh", "-c", "id; cat /proc/self/uid_map; ls -ln /dev/null | cut -c1-10; echo done")).ToArray();
        Assert.True(outputs[0].ExitCode == 0, "podman with runc: " + outputs[0]);
        Assert.True(outputs[1].ExitCode == 0, "podman with runcs: " + outputs[1]);
        Assert.Contains($"{_f.User.SubId}", outputs[1].Stdout);
        Assert.Equal(outputs[0].Stdout, outputs[1].Stdout);
        Assert.Equal("", _f.Podman("runc", "ps", "-aq").Stdout.Trim());
    }

    [Fact]
    public void Detached_exec_stop_as_with_runc()
    {
        Ready();
        var transcripts = new List<string>();
        foreach (string rt in Both)
        {
            string name = Name(rt, "d");
            var run = _f.Podman(rt, "run", "-d", "--name", name, "--network", "none", Image, "sleep", "300");
            Assert.True(run.ExitCode == 0, $"{rt}: {run}");
            var exec = _f.Podman(rt, "exec", name, "sh", "-c", "id; echo exec-ok");
            Assert.True(exec.ExitCode == 0, $"{rt} exec: {exec}");
            var stop = _f.Podman(rt, "stop", "-t", "1", name);
            Assert.True(stop.ExitCode == 0, $"{rt} stop: {stop}");
            string status = _f.Podman(rt, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name).Stdout.Trim();
            transcripts.Add(exec.Stdout + status);
            Assert.Equal(0, _f.Podman(rt, "rm", name).ExitCode);
        }
        Assert.Equal("uid=0(root) gid=0(root)\nexec-ok\nexited 137", transcripts[1]);
        Assert.Equal(transcripts[0], transcripts[1]);
    }

    [Fact]
    public void Interactive_terminal_as_with_runc()
    {
        Ready();
        foreach (string rt in Both)
        {
            using var pty = HostPty.Open(24, 80);
            using var p = Spawned.Start(new Stdio.Terminal(pty.SlavePath),
                _f.PodmanArgv(rt, "run", "--rm", "-it", "--network", "none", Image, "sh", "-c", "tty; echo ready; read x; echo got:$x; exit 5"));
            pty.Expect(@"/dev/pts/\d+\r\n", 30000);
            pty.Expect("ready\r\n", 10000);
            pty.Write("typed\r");
            pty.Expect("got:typed\r\n");
            Assert.Equal(5, p.WaitForExit(30000, () => $"{rt}: " + TtyMaster.Escape(pty.Transcript)));
        }
    }
}
