using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

[CollectionDefinition("containers", DisableParallelization = true)]
public sealed class ContainersCollection;

/// <summary>Real busybox containers: the process model, exit codes, states and runc's error strings.</summary>
[Collection("containers")]
public sealed class ContainerLifecycleTests
{
    [Fact]
    public void Process_is_pid_1_with_the_configured_hostname()
    {
        using var b = new Bundle(["sh", "-c", "echo $$; hostname"]);
        b.Config["hostname"] = "box-42";
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1\nbox-42\n", r.Stdout);
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    public void Run_exits_with_the_container_status(string script, int expected)
    {
        using var b = new Bundle(["sh", "-c", script]);
        var r = b.Run();
        Assert.True(expected == r.ExitCode, r.ToString());
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)), "run without --keep deletes the container");
    }

    [Fact]
    public async Task Foreground_run_killed_from_outside_exits_128_plus_signal()
    {
        using var b = new Bundle(["sleep", "60"]);
        var run = Task.Run(() => b.Run());
        WaitFor(() => Status(b) == "running");
        Assert.Equal(0, b.Runcs("kill", b.Id, "KILL").ExitCode);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(137, result.ExitCode);
    }

    [Fact]
    public void Debug_logs_each_start_up_phase_including_the_inits()
    {
        using var b = new Bundle(["true"]);
        string log = Path.Combine(b.Dir, "debug.log");
        var r = b.Runcs("--debug", "--log", log, "--log-format", "json", "run", "--bundle", b.Dir, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        var phases = File.ReadAllLines(log).Select(l => (string?)JsonNode.Parse(l)!["msg"] ?? "")
            .Where(m => m.StartsWith("phase ")).Select(m => m[6..m.IndexOf(':')]).ToList();
        // Parent and init write concurrently: the set matters, not the order of the lines.
        string[] expected = ["parsed", "config parsed", "config loaded", "cgroup set", "init forked", "init in cgroup",
            "init request sent", "init runtime started", "init request read", "rootfs ready", "init ready", "state written", "started",
            "process exec", "process exited", "deleted"];
        Assert.Equal(expected.Order(), phases.Order());
    }

    [Fact]
    public void Exec_with_a_process_file_reads_no_config_json_and_without_one_reads_the_bundles()
    {
        using var b = new Bundle(["sleep", "60"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        string process = Path.Combine(b.Dir, "process.json");
        File.WriteAllText(process, """{"args": ["sh", "-c", "echo $FROM_FILE"], "env": ["PATH=/bin", "FROM_FILE=1"], "cwd": "/", "user": {"uid": 0, "gid": 0}}""");
        // As runc: a later edit of config.json, even a broken one, does not reach --process exec
        // (containerd's way: the container's config is the one saved at create)...
        File.WriteAllText(b.ConfigPath, "{ not json");
        var r = b.Runcs("exec", "--process", process, b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1\n", r.Stdout);
        // ...while exec without --process takes its process from the bundle's config.json.
        var bare = b.Runcs("exec", b.Id, "true");
        Assert.Equal(255, bare.ExitCode);
        Assert.Contains("exec failed", bare.Stderr); // runcs names config.json and the position; runc only the JSON error
    }

    [Fact]
    public void Only_stdio_fds_reach_the_container()
    {
        using var b = new Bundle(["sh", "-c", "ls /proc/self/fd"]);
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        // ls's own directory fd is the fourth entry.
        Assert.Equal(["0", "1", "2", "3"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Preserve_fds_passes_extra_fds()
    {
        using var b = new Bundle(["sh", "-c", "ls /proc/self/fd"]);
        // bash opens fd 3 and 4 for runcs; --preserve-fds 1 keeps only 3.
        var r = RuncsBinary.Exec("/bin/bash", ["-c", $"exec 3</dev/null 4</dev/null; exec {RuncsBinary.Path} --root {b.StateRoot} run --preserve-fds 1 --bundle {b.Dir} {b.Id}"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["0", "1", "2", "3", "4"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Missing_executable_fails_create_like_runc_and_is_logged()
    {
        using var b = new Bundle(["no-such-binary"]);
        string log = Path.Combine(b.Dir, "log.json");
        var r = b.Runcs("--log", log, "--log-format", "json", "create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        const string message = "runcs create failed: unable to start container process: exec: \"no-such-binary\": executable file not found in $PATH";
        Assert.Equal(message + "\n", r.Stderr);
        var entry = JsonNode.Parse(File.ReadLines(log).Last())!;
        Assert.Equal("error", (string?)entry["level"]);
        Assert.Equal(message, (string?)entry["msg"]);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)), "a failed create leaves no state");
    }

    [Fact]
    public void State_transitions_and_error_strings_match_runc()
    {
        using var b = new Bundle(["sleep", "60"]);
        string pidFile = Path.Combine(b.Dir, "init.pid");
        var create = b.Runcs("create", "--bundle", b.Dir, "--pid-file", pidFile, b.Id);
        Assert.True(create.ExitCode == 0, create.ToString());
        int pid = int.Parse(File.ReadAllText(pidFile));
        Assert.True(Directory.Exists($"/proc/{pid}"));
        Assert.Equal("created", Status(b));

        var again = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("container with given ID already exists", again.Stderr);

        Assert.Equal(0, b.Runcs("start", b.Id).ExitCode);
        Assert.Equal("running", Status(b));
        Assert.Contains("cannot start an already running container", b.Runcs("start", b.Id).Stderr);
        var del = b.Runcs("delete", b.Id);
        Assert.Equal(1, del.ExitCode);
        Assert.Contains($"cannot delete container {b.Id} that is not stopped: running", del.Stderr);

        Assert.Equal(0, b.Runcs("kill", b.Id, "KILL").ExitCode);
        WaitFor(() => Status(b) == "stopped");
        Assert.Contains("\"pid\": 0", b.Runcs("state", b.Id).Stdout);
        Assert.Contains("container not running", b.Runcs("kill", b.Id).Stderr);
        Assert.Contains("cannot start a container that has stopped", b.Runcs("start", b.Id).Stderr);
        Assert.Equal(0, b.Runcs("delete", b.Id).ExitCode);
        var gone = b.Runcs("state", b.Id);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("container does not exist", gone.Stderr);
        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("SIGTERM")]
    [InlineData("15")]
    public void Kill_accepts_names_and_numbers(string signal)
    {
        // pid 1 ignores signals it has no handler for: the shell installs one.
        using var b = new Bundle(["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]);
        Assert.Equal(0, b.Run("-d").ExitCode);
        var kill = b.Runcs("kill", b.Id, signal);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        WaitFor(() => Status(b) == "stopped");
    }

    [Fact]
    public void Delete_of_a_created_container_kills_its_init()
    {
        using var b = new Bundle(["sleep", "60"]);
        string pidFile = Path.Combine(b.Dir, "init.pid");
        Assert.Equal(0, b.Runcs("create", "--bundle", b.Dir, "--pid-file", pidFile, b.Id).ExitCode);
        int pid = int.Parse(File.ReadAllText(pidFile));
        Assert.Equal(0, b.Runcs("delete", b.Id).ExitCode);
        WaitFor(() => !IsAlive(pid));
    }

    [Fact]
    public void Kill_all_reaches_every_process_without_a_pid_namespace()
    {
        using var b = new Bundle(["sh", "-c", "sleep 60 & sleep 60 & wait"]);
        var ns = b.Config["linux"]!["namespaces"]!.AsArray();
        ns.Remove(ns.First(n => (string?)n!["type"] == "pid"));
        b.Save();
        Assert.Equal(0, b.Run("-d").ExitCode);
        WaitFor(() => Pids(b).Count == 3);
        var pids = Pids(b);
        Assert.Equal(0, b.Runcs("kill", "--all", b.Id, "9").ExitCode);
        WaitFor(() => pids.All(p => !IsAlive(p)));
    }

    internal static List<int> Pids(Bundle b)
    {
        var r = b.Runcs("ps", "--format", "json", b.Id);
        return r.ExitCode != 0 ? [] : JsonNode.Parse(r.Stdout)!.AsArray().Select(n => (int)n!).ToList();
    }

    internal static string Status(Bundle b)
    {
        var r = b.Runcs("state", b.Id);
        return r.ExitCode == 0 ? (string?)JsonNode.Parse(r.Stdout)?["status"] ?? "" : "";
    }

    internal static bool IsAlive(int pid)
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

    internal static void WaitFor(Func<bool> condition, int timeoutMs = 10000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met in time");
            Thread.Sleep(20);
        }
    }
}
