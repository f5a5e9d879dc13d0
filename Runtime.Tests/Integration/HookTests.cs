using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>The six hooks: order, moment, namespace, the state they read, and the failure rules.</summary>
[Collection("containers")]
public sealed class HookTests
{
    /// <summary>A hook that appends "name status pid-present mntns" to the log file.</summary>
    private static JsonObject Recorder(string log, string name, int? timeout = null)
    {
        var hook = new JsonObject
        {
            ["path"] = "/bin/sh",
            ["args"] = new JsonArray("sh", "-c",
                $"s=$(cat); echo \"{name} $(echo \"$s\" | grep -o '\"status\":\"[a-z]*\"') $(readlink /proc/self/ns/mnt)\" >> {log}"),
        };
        if (timeout is int t)
            hook["timeout"] = t;
        return hook;
    }

    private static Bundle WithHooks(string[] args, Func<string, JsonObject> hooks)
    {
        var b = new Bundle(args);
        string log = Path.Combine(b.Dir, "hooks.log");
        // startContainer runs inside the container: give it a path to the same log.
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "hostlog"));
        b.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/hostlog", ["type"] = "bind", ["source"] = b.Dir, ["options"] = new JsonArray("rbind") });
        b.Config["hooks"] = hooks(log);
        b.Save();
        return b;
    }

    private static string[] Log(Bundle b) =>
        File.Exists(Path.Combine(b.Dir, "hooks.log")) ? File.ReadAllLines(Path.Combine(b.Dir, "hooks.log")) : [];

    [Fact]
    public void Each_hook_runs_once_in_order_at_its_moment()
    {
        using var b = WithHooks(["sleep", "60"], log => new JsonObject
        {
            ["prestart"] = new JsonArray(Recorder(log, "prestart")),
            ["createRuntime"] = new JsonArray(Recorder(log, "createRuntime")),
            ["createContainer"] = new JsonArray(Recorder(log, "createContainer")),
            ["startContainer"] = new JsonArray(Recorder("/hostlog/hooks.log", "startContainer")),
            ["poststart"] = new JsonArray(Recorder(log, "poststart")),
            ["poststop"] = new JsonArray(Recorder(log, "poststop")),
        });
        string hostNs = File.ReadAllText("/proc/self/mountinfo").Length > 0 ? new FileInfo("/proc/self/ns/mnt").LinkTarget! : "";
        Assert.Equal(0, b.Runcs("create", "--bundle", b.Dir, b.Id).ExitCode);
        var afterCreate = Log(b);
        Assert.Equal(["prestart", "createRuntime", "createContainer"], afterCreate.Select(l => l.Split(' ')[0]));
        Assert.All(afterCreate, l => Assert.Contains("\"status\":\"creating\"", l));
        Assert.EndsWith(hostNs, afterCreate[0]);
        Assert.EndsWith(hostNs, afterCreate[1]);
        Assert.DoesNotContain(hostNs, afterCreate[2]);

        Assert.Equal(0, b.Runcs("start", b.Id).ExitCode);
        ContainerLifecycleTests.WaitFor(() => Log(b).Length == 5);
        var afterStart = Log(b)[3..];
        Assert.Equal("startContainer", afterStart[0].Split(' ')[0]);
        Assert.DoesNotContain(hostNs, afterStart[0]);
        Assert.StartsWith("poststart \"status\":\"running\"", afterStart[1]);

        // An exec'd process runs no hook (runc's setns init runs none).
        Assert.Equal(0, b.Runcs("exec", b.Id, "true").ExitCode);
        Assert.Equal(5, Log(b).Length);

        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
        var all = Log(b);
        Assert.Equal(6, all.Length);
        Assert.StartsWith("poststop \"status\":\"stopped\"", all[5]);
    }

    [Theory]
    [InlineData("prestart")]
    [InlineData("createRuntime")]
    [InlineData("createContainer")]
    public void A_failing_create_hook_fails_create_and_destroys_the_container(string kind)
    {
        using var b = WithHooks(["sleep", "60"], _ => new JsonObject
        {
            [kind] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "echo broken >&2; exit 3") }),
        });
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error running {kind} hook #0", r.Stderr);
        Assert.Contains("exit status 3", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void A_failing_poststart_hook_fails_start()
    {
        using var b = WithHooks(["sleep", "60"], _ => new JsonObject
        {
            ["poststart"] = new JsonArray(new JsonObject { ["path"] = "/bin/false" }),
        });
        Assert.Equal(0, b.Runcs("create", "--bundle", b.Dir, b.Id).ExitCode);
        var r = b.Runcs("start", b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error running poststart hook #0", r.Stderr);
        ContainerLifecycleTests.WaitFor(() => ContainerLifecycleTests.Status(b) == "stopped");
    }

    [Fact]
    public void A_failing_poststop_hook_is_a_warning_and_delete_completes()
    {
        using var b = WithHooks(["true"], _ => new JsonObject
        {
            ["poststop"] = new JsonArray(new JsonObject { ["path"] = "/bin/false" }),
        });
        var r = b.Run();
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("error running poststop hook #0", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void A_hook_past_its_timeout_is_killed_and_reported()
    {
        using var b = WithHooks(["true"], _ => new JsonObject
        {
            ["createRuntime"] = new JsonArray(new JsonObject { ["path"] = "/bin/sleep", ["args"] = new JsonArray("sleep", "30"), ["timeout"] = 1 }),
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = b.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("hook ran past specified timeout of 1.0s", r.Stderr); // runc's "%.1fs"
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc"), d => ReadCmdline(d) == "sleep\030\0");
    }

    private static string ReadCmdline(string procDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDir, "cmdline"));
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    [Fact]
    public void Hook_with_a_missing_path_is_a_clear_error()
    {
        using var b = WithHooks(["true"], _ => new JsonObject
        {
            ["createRuntime"] = new JsonArray(new JsonObject { ["path"] = "/no/such/hook" }),
        });
        var r = b.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/no/such/hook", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Hooks_get_their_args_and_env_only()
    {
        using var b = WithHooks(["true"], log => new JsonObject
        {
            ["createRuntime"] = new JsonArray(new JsonObject
            {
                ["path"] = "/bin/sh",
                ["args"] = new JsonArray("sh", "-c", $"echo \"$0 $FOO $HOME\" >> {log}", "first"),
                ["env"] = new JsonArray("FOO=bar"),
            }),
        });
        Assert.Equal(0, b.Run().ExitCode);
        // HOME is not inherited from runcs: the hook's env is exactly its own.
        Assert.Equal("first bar ", Log(b).Single());
    }

    private const string Runc = "/usr/sbin/runc";

    /// <summary>runcs, or runc 1.1.5 (the oracle) with its own --root, on the same bundle.</summary>
    private static CommandResult With(string runtime, Bundle b, params string[] args) =>
        runtime == "runcs" ? b.Runcs(args) : RuncsBinary.Exec(Runc, ["--root", b.StateRoot + "-runc", .. args]);

    private static void RequireRunc() => Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 (/usr/sbin/runc) is not installed");

    private static readonly string[] Kinds = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    /// <summary>The hook log of `run` with the given runtime, sorted (runc 1.1.5 runs poststart before startContainer).</summary>
    private static string[] RunAndLog(string runtime, Bundle b)
    {
        File.Delete(Path.Combine(b.Dir, "hooks.log"));
        string id = b.Id + (runtime == "runcs" ? "" : "-runc");
        try
        {
            var r = With(runtime, b, "run", "--bundle", b.Dir, id);
            Assert.True(r.ExitCode == 0, $"{runtime}: {r}");
        }
        finally
        {
            With(runtime, b, "delete", "--force", id);
        }
        return [.. Log(b).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Docker's hook is {"path": "/proc/DOCKERD/exe", "args": ["libnetwork-setkey", "-exec-root=...", ...]}:
    /// the program picks what to do by its argv[0]. Here a host busybox process plays dockerd
    /// (busybox picks its applet by argv[0]); startContainer, inside the container, runs the
    /// container's busybox the same way. A hook without args gets [path] as its argv.
    /// </summary>
    [Fact]
    public void Hooks_get_their_args_as_the_whole_argv_including_argv0_as_runc_does()
    {
        RequireRunc();
        using var b = WithHooks(["true"], _ => new JsonObject());
        string hostBin = Path.Combine(b.Dir, "hostbin");
        Directory.CreateDirectory(hostBin);
        File.Copy("/bin/busybox", Path.Combine(hostBin, "busybox"));
        File.CreateSymbolicLink(Path.Combine(hostBin, "true"), "busybox");
        var dockerd = RuncsBinary.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(hostBin, "busybox"), ["sleep", "120"]));
        try
        {
            var hooks = new JsonObject();
            foreach (string kind in Kinds)
            {
                bool inside = kind == "startContainer";
                string log = inside ? "/hostlog/hooks.log" : Path.Combine(b.Dir, "hooks.log");
                hooks[kind] = new JsonArray(
                    new JsonObject
                    {
                        ["path"] = inside ? "/bin/busybox" : $"/proc/{dockerd.Id}/exe",
                        ["args"] = new JsonArray("sh", "-c", $"echo {kind} \"$@\" >> {log}", "libnetwork-setkey", "-exec-root=/var/run/docker", b.Id),
                    },
                    // No args: argv is [path], and busybox runs its "true" applet.
                    new JsonObject { ["path"] = inside ? "/bin/true" : Path.Combine(hostBin, "true") },
                    new JsonObject { ["path"] = inside ? "/bin/true" : Path.Combine(hostBin, "true"), ["args"] = new JsonArray() });
            }
            b.Config["hooks"] = hooks;
            b.Save();

            var ours = RunAndLog("runcs", b);
            Assert.Equal([.. Kinds.Select(k => $"{k} -exec-root=/var/run/docker {b.Id}").Order(StringComparer.Ordinal)], ours);
            Assert.Equal(RunAndLog("runc", b), ours);
        }
        finally
        {
            dockerd.Kill();
            dockerd.WaitForExit();
        }
    }

    /// <summary>`create`, `start`, wait for the process's end, `delete`: the sorted hook log.</summary>
    private static string[] LifecycleLog(string runtime, Bundle b)
    {
        File.Delete(Path.Combine(b.Dir, "hooks.log"));
        string id = b.Id + (runtime == "runcs" ? "" : "-runc");
        try
        {
            Assert.Equal(0, With(runtime, b, "create", "--bundle", b.Dir, id).ExitCode);
            Assert.Equal(0, With(runtime, b, "start", id).ExitCode);
            ContainerLifecycleTests.WaitFor(() => With(runtime, b, "state", id).Stdout.Contains("\"stopped\""));
            Assert.Equal(0, With(runtime, b, "delete", id).ExitCode);
        }
        finally
        {
            With(runtime, b, "delete", "--force", id);
        }
        return [.. Log(b).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Where each hook runs and with which environment, as runc: prestart, createRuntime and
    /// poststart in the bundle directory (runc's create works there), createContainer in the
    /// container's root (relative paths resolve inside it), startContainer in the process's cwd,
    /// poststop where `delete` runs (in the bundle directory for `run`). A hook without env
    /// gets its runner's: the runtime's own, the process's for the two that run in the init.
    /// </summary>
    [Fact]
    public void Hooks_run_in_runcs_working_directories_with_runcs_environments_as_runc()
    {
        RequireRunc();
        using var b = WithHooks(["true"], _ => new JsonObject());
        b.Config["process"]!["cwd"] = "/etc";
        b.Config["process"]!["env"] = new JsonArray("PATH=/bin", "A=process");
        File.WriteAllText(Path.Combine(b.Dir, "marker"), "bundle");
        File.WriteAllText(Path.Combine(b.Rootfs, "marker"), "rootfs");
        File.WriteAllText(Path.Combine(b.Rootfs, "etc", "marker"), "cwd");
        var hooks = new JsonObject();
        foreach (string kind in Kinds)
        {
            string log = kind == "startContainer" ? "/hostlog/hooks.log" : Path.Combine(b.Dir, "hooks.log");
            JsonObject Hook(string variant, JsonArray? env)
            {
                string script = $"echo \"{kind} {variant} cwd=$(pwd) marker=$(cat marker 2>/dev/null) A=${{A-unset}} " +
                    $"env=$(env | grep -v -e ^PWD= -e ^SHLVL= -e ^_= -e ^OLDPWD= | sort | md5sum | cut -c1-8)\" >> {log}";
                var hook = new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", script) };
                if (env is not null)
                    hook["env"] = env;
                return hook;
            }
            hooks[kind] = new JsonArray(Hook("inherited", null), Hook("own", new JsonArray("A=hook")), Hook("empty", new JsonArray()));
        }
        b.Config["hooks"] = hooks;
        b.Save();

        var ours = RunAndLog("runcs", b);
        string Line(string kind, string variant) => ours.Single(l => l.StartsWith($"{kind} {variant} ", StringComparison.Ordinal));
        Assert.Contains($"cwd={b.Dir} marker=bundle", Line("prestart", "inherited"));
        Assert.Contains($"cwd={b.Rootfs} marker=rootfs A=process", Line("createContainer", "inherited"));
        Assert.Contains("cwd=/etc marker=cwd A=process", Line("startContainer", "inherited"));
        Assert.Contains("A=hook", Line("createContainer", "own"));
        Assert.Contains("A=unset", Line("poststart", "empty"));
        Assert.Equal(RunAndLog("runc", b), ours);
        Assert.Equal(LifecycleLog("runc", b), LifecycleLog("runcs", b));
    }

    /// <summary>
    /// A hook starts clean, as runc's Go child: its signal mask and ignored signals are runc's
    /// (the .NET runtime ignores SIGPIPE; glibc's posix_spawn would leave its signals 32 and 33
    /// ignored), and it has only fds 0-2 (runc's createContainer hooks also get fds of its init).
    /// </summary>
    [Fact]
    public void Hooks_inherit_only_stdio_and_runcs_signal_dispositions()
    {
        RequireRunc();
        // test(1) opens nothing itself: any fd 3-31 it sees is inherited.
        var noFdAbove2 = new JsonArray("test");
        for (int fd = 3; fd < 32; fd++)
        {
            if (fd > 3)
                noFdAbove2.Add("-a");
            noFdAbove2.Add("!");
            noFdAbove2.Add("-e");
            noFdAbove2.Add($"/proc/self/fd/{fd}");
        }
        JsonArray Probes(string kind, string log) => new(
            new JsonObject { ["path"] = "/bin/busybox", ["args"] = noFdAbove2.DeepClone() },
            new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", $"echo {kind} $(grep -E '^Sig(Blk|Ign)' /proc/self/status) >> {log}") });
        using var b = WithHooks(["true"], log => new JsonObject
        {
            ["createRuntime"] = Probes("createRuntime", log),
            ["createContainer"] = Probes("createContainer", log),
        });
        var ours = RunAndLog("runcs", b);
        Assert.Equal(2, ours.Length);
        b.Config["hooks"]!["createContainer"]!.AsArray().RemoveAt(0); // runc's would fail: it leaks fds
        b.Save();
        Assert.Equal(RunAndLog("runc", b), ours);
    }
}
