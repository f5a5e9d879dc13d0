using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Pre-existing cgroups and `exec --cgroup` on cgroup v2, compared with runc 1.1.5. As in
/// <see cref="CgroupV2Tests"/>, on this hybrid host every command runs in a private mount
/// namespace whose /sys/fs/cgroup is the kernel's cgroup2 hierarchy, which the test reads at
/// /sys/fs/cgroup/unified.
/// </summary>
[Collection("containers")]
public sealed class CgroupV2ParityTests
{
    private const string RuncPath = "/usr/sbin/runc";

    private static string? HostRoot =>
        File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup"
        : File.Exists("/sys/fs/cgroup/unified/cgroup.controllers") ? "/sys/fs/cgroup/unified" : null;

    private const string Script = "mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && exec \"$0\" \"$@\"";

    public static TheoryData<string> Runtimes() => ["runcs", "runc"];

    private sealed class V2Runtime(string name, Bundle b)
    {
        public string StateRoot => name == "runcs" ? b.StateRoot : b.StateRoot + "-runc";

        /// <summary>The cgroup in the v2 hierarchy (absolute cgroupsPath).</summary>
        public string Cgroup => $"/runcs-v2par-{b.Id}-{name}";

        public string HostDir => HostRoot + Cgroup;

        public CommandResult Cmd(params string[] args) =>
            RuncsBinary.Exec("unshare", ["-m", "sh", "-c", Script, name == "runcs" ? RuncsBinary.Path : RuncPath, "--root", StateRoot, .. args]);

        public void UseCgroup()
        {
            b.Config["linux"]!["cgroupsPath"] = Cgroup;
            b.Config["root"]!["readonly"] = false;
            b.Save();
        }

        public void Cleanup()
        {
            Cmd("delete", "--force", b.Id);
            CgroupParityTests.RemoveCgroupTree(HostDir);
        }
    }

    private static V2Runtime For(string name, Bundle b)
    {
        Assert.SkipUnless(RuncsBinary.IsRoot && HostRoot is not null, "needs root and a cgroup2 hierarchy");
        if (name == "runc")
            Assert.SkipUnless(File.Exists(RuncPath), "runc 1.1.5 is not installed at " + RuncPath);
        return new V2Runtime(name, b);
    }

    private static System.Diagnostics.Process SleeperIn(string dir)
    {
        var p = RuncsBinary.Start(new System.Diagnostics.ProcessStartInfo("sleep", "120"));
        File.WriteAllText(Path.Combine(dir, "cgroup.procs"), p.Id.ToString());
        return p;
    }

    private static void Stop(System.Diagnostics.Process p, string dir)
    {
        if (File.Exists(Path.Combine(dir, "cgroup.freeze")))
            File.WriteAllText(Path.Combine(dir, "cgroup.freeze"), "0");
        p.Kill();
        p.WaitForExit();
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_non_empty_pre_existing_cgroup_is_joined_with_runcs_warning(string runtime)
    {
        using var b = new Bundle(["true"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        Directory.CreateDirectory(rt.HostDir);
        var sleeper = SleeperIn(rt.HostDir);
        string log = Path.Combine(b.Dir, "log.json");
        try
        {
            var r = rt.Cmd("--log", log, "--log-format", "json", "run", "--bundle", b.Dir, b.Id);
            Assert.True(r.ExitCode == 0, r.ToString());
            var warnings = File.ReadAllLines(log).Select(l => JsonNode.Parse(l)!)
                .Where(j => (string?)j["level"] == "warning").Select(j => (string)j["msg"]!).Take(2);
            Assert.Equal(
            [
                "container's cgroup is not empty: 1 process(es) found",
                "DEPRECATED: running container in a non-empty cgroup won't be supported in runc 1.2; https://github.com/opencontainers/runc/issues/3132",
            ], warnings);
        }
        finally
        {
            Stop(sleeper, rt.HostDir);
            rt.Cleanup();
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public void A_frozen_pre_existing_cgroup_is_refused_and_nothing_is_left(string runtime)
    {
        using var b = new Bundle(["true"]);
        var rt = For(runtime, b);
        rt.UseCgroup();
        Directory.CreateDirectory(rt.HostDir);
        var sleeper = SleeperIn(rt.HostDir);
        File.WriteAllText(Path.Combine(rt.HostDir, "cgroup.freeze"), "1");
        try
        {
            var r = rt.Cmd("run", "--bundle", b.Dir, b.Id);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"{runtime} run failed: container's cgroup unexpectedly frozen", r.Stderr);
            Assert.False(Directory.Exists(Path.Combine(rt.StateRoot, b.Id)));
            Assert.Equal([sleeper.Id.ToString()], File.ReadAllLines(Path.Combine(rt.HostDir, "cgroup.procs")));
            Assert.Empty(Directory.GetDirectories(rt.HostDir));
        }
        finally
        {
            Stop(sleeper, rt.HostDir);
            rt.Cleanup();
        }
    }

    [Fact]
    public void Exec_cgroup_joins_a_sub_cgroup_as_runc_does()
    {
        using var b = new Bundle(["sleep", "60"]);
        var runtimes = new[] { For("runcs", b), For("runc", b) };
        var outcomes = new List<string[]>();
        try
        {
            foreach (var rt in runtimes)
            {
                rt.UseCgroup();
                var run = rt.Cmd("run", "-d", "--bundle", b.Dir, b.Id);
                Assert.True(run.ExitCode == 0, run.ToString());
                Directory.CreateDirectory(Path.Combine(rt.HostDir, "sub"));
                string Exec(params string[] flags)
                {
                    var r = rt.Cmd(["exec", .. flags, b.Id, "cat", "/proc/self/cgroup"]);
                    string err = r.ExitCode == 0 ? "" : r.Stderr[(r.Stderr.IndexOf("exec failed: ") + "exec failed: ".Length)..];
                    string zero = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("0::")) ?? "";
                    return $"exit {r.ExitCode} {zero} {err}".Replace(rt.Cgroup, "CG");
                }
                outcomes.Add([Exec("--cgroup", "sub"), Exec("--cgroup", "/sub"), Exec("--cgroup", "../x"), Exec("--cgroup", "cpu:sub")]);
                var missing = rt.Cmd("exec", "--cgroup", "nosuch", b.Id, "true");
                Assert.Equal(255, missing.ExitCode);
                Assert.Contains($"{rt.Cgroup}/nosuch/cgroup.procs: no such file or directory", missing.Stderr);
            }
            Assert.Equal(outcomes[1], outcomes[0]);
            Assert.StartsWith("exit 0 0::CG/sub", outcomes[0][0]);
        }
        finally
        {
            foreach (var rt in runtimes)
                rt.Cleanup();
        }
    }
}
