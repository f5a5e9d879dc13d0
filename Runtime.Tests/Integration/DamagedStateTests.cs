using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Issue 16's fuzz asks for runcs's own files and the container id too: a damaged state.json
/// or config.bin, and hostile ids, end every verb with a runc exit code (0, 1, 255 for exec)
/// and one error line, never a .NET trace or a hang, and nothing is made outside the root.
/// </summary>
[Collection("containers")]
public sealed class DamagedStateTests
{
    private const string Runc = "/usr/sbin/runc";

    private static void AssertCleanFailure(CommandResult r, string what, params int[] allowed)
    {
        Assert.True(allowed.Contains(r.ExitCode), $"{what}: {r}");
        Assert.False(r.Stderr.Contains("Exception") || r.Stderr.Contains("   at "), $"{what}: a .NET trace: {r}");
    }

    public static TheoryData<string, string> Damages() => new()
    {
        { "state.json", "truncated" },
        { "state.json", "garbage" },
        { "state.json", "empty object" },
        { "state.json", "deep nesting" },
        { "config.bin", "truncated" },
        { "config.bin", "garbage" },
        { "config.bin", "empty" },
    };

    private static byte[] Damage(byte[] original, string how) => how switch
    {
        "truncated" => original[..(original.Length / 2)],
        "garbage" => [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))],
        "empty object" => "{}"u8.ToArray(),
        "deep nesting" => System.Text.Encoding.ASCII.GetBytes(new string('[', 100_000)),
        "empty" => [],
        _ => throw new ArgumentException(how),
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_state_file_fails_every_verb_cleanly(string file, string how)
    {
        using var b = new Bundle(["sleep", "60"]);
        var created = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(created.ExitCode == 0, created.ToString());
        int pid = int.Parse(b.Runcs("state", b.Id).Stdout.Split("\"pid\":")[1].Split(',')[0]);
        string path = Path.Combine(b.StateRoot, b.Id, file);
        Assert.True(File.Exists(path), $"runcs keeps {file}");
        File.WriteAllBytes(path, Damage(File.ReadAllBytes(path), how));
        try
        {
            AssertCleanFailure(b.Runcs("state", b.Id), "state", 0, 1);
            AssertCleanFailure(b.Runcs("list"), "list", 0, 1);
            AssertCleanFailure(b.Runcs("ps", b.Id), "ps", 0, 1);
            AssertCleanFailure(b.Runcs("kill", b.Id, "0"), "kill", 0, 1);
            AssertCleanFailure(b.Runcs("exec", b.Id, "true"), "exec", 0, 255);
            AssertCleanFailure(b.Runcs("pause", b.Id), "pause", 0, 1);
            AssertCleanFailure(b.Runcs("resume", b.Id), "resume", 0, 1);
            AssertCleanFailure(b.Runcs("update", "--pids-limit", "100", b.Id), "update", 0, 1);
            AssertCleanFailure(b.Runcs("delete", "--force", b.Id), "delete --force", 0, 1);
        }
        finally
        {
            // A delete that refused (an unreadable state.json is kept, as runc) leaves the init to us.
            Sys_kill(pid);
            if (Directory.Exists(Path.Combine(b.StateRoot, b.Id)))
                Directory.Delete(Path.Combine(b.StateRoot, b.Id), recursive: true);
            foreach (string dir in Directory.EnumerateDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, b.Id)).Where(Directory.Exists))
                ContainerLifecycleTests.WaitFor(() => { try { Directory.Delete(dir); return true; } catch (IOException) { return false; } });
        }
    }

    /// <summary>
    /// A config.bin another runcs wrote (one from before the header, or of another layout: an
    /// upgrade while the container ran) is never decoded: `exec` starts from the bundle's
    /// config.json, as for a container without config.bin, and says so.
    /// </summary>
    [Theory]
    [InlineData("another layout")]
    [InlineData("no header")]
    public void An_exec_after_a_config_bin_of_another_runcs_uses_the_bundle_config(string how)
    {
        using var b = new Bundle(["sleep", "60"]);
        var created = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(created.ExitCode == 0, created.ToString());
        string path = Path.Combine(b.StateRoot, b.Id, "config.bin");
        byte[] data = File.ReadAllBytes(path);
        if (how == "another layout")
            data[8] ^= 1;
        else
            data = data[12..];
        File.WriteAllBytes(path, data);

        var exec = b.Runcs("exec", b.Id, "echo", "from-exec");
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("from-exec\n", exec.Stdout);
        string reason = how == "another layout" ? "it was written by another version of runcs (layout " : "it has no runcs config header";
        Assert.Contains($"{path}: {reason}", exec.Stderr);
        Assert.Contains($": using {b.ConfigPath}", exec.Stderr);
    }

    [Fact]
    public void A_config_bin_of_another_runcs_without_the_bundle_config_is_an_error_naming_both()
    {
        using var b = new Bundle(["sleep", "60"]);
        var created = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(created.ExitCode == 0, created.ToString());
        string path = Path.Combine(b.StateRoot, b.Id, "config.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[12..]);
        File.Delete(b.ConfigPath);

        var exec = b.Runcs("exec", b.Id, "true");
        AssertCleanFailure(exec, "exec", 255);
        Assert.Contains($"{path}: it has no runcs config header", exec.Stderr);
        Assert.Contains("config.json not found", exec.Stderr);
    }

    [Fact]
    public void A_damaged_config_bin_fails_exec_with_an_error_naming_it()
    {
        using var b = new Bundle(["sleep", "60"]);
        var created = b.Runcs("run", "-d", "--bundle", b.Dir, b.Id);
        Assert.True(created.ExitCode == 0, created.ToString());
        string path = Path.Combine(b.StateRoot, b.Id, "config.bin");
        byte[] data = File.ReadAllBytes(path);
        File.WriteAllBytes(path, data[..(data.Length - 3)]);

        var exec = b.Runcs("exec", b.Id, "true");
        AssertCleanFailure(exec, "exec", 255);
        Assert.Contains($"unable to load the config of container {b.Id}: {path}: damaged (compact binary data: truncated)", exec.Stderr);
        Assert.Equal(0, b.Runcs("delete", "--force", b.Id).ExitCode);
    }

    /// <summary>
    /// A create killed after config.bin and before state.json leaves a directory whose config.bin
    /// names its cgroups: `delete --force` removes the cgroup of the config's cgroupsPath (config.bin
    /// carries it), not the default one.
    /// </summary>
    [Fact]
    public void Delete_of_a_killed_create_removes_the_cgroup_of_its_cgroups_path()
    {
        using var b = new Bundle(["sleep", "60"]);
        string name = "runcs-test-" + b.Id;
        b.Config["linux"]!["cgroupsPath"] = "/" + name;
        b.Save();
        var created = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.True(created.ExitCode == 0, created.ToString());
        int pid = (int)System.Text.Json.Nodes.JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!["pid"]!;
        var cgroups = Directory.EnumerateDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, name)).Where(Directory.Exists).ToList();
        Assert.NotEmpty(cgroups);
        // What a create killed before it wrote state.json leaves: its init dies with it.
        Sys_kill(pid);
        ContainerLifecycleTests.WaitFor(() => !Directory.Exists($"/proc/{pid}"));
        File.Delete(Path.Combine(b.StateRoot, b.Id, "state.json"));

        try
        {
            var deleted = b.Runcs("delete", "--force", b.Id);
            Assert.True(deleted.ExitCode == 0, deleted.ToString());
            Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
            Assert.Empty(cgroups.Where(Directory.Exists));
        }
        finally
        {
            foreach (string dir in cgroups.Where(Directory.Exists))
                Directory.Delete(dir);
        }
    }

    private static void Sys_kill(int pid)
    {
        try
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    public static TheoryData<string> HostileIds() => new()
    {
        "../escape", "a/b", ".", "..", "/abs", "", " ", "x\ny", new string('x', 5000), "-dash", "id\\back",
    };

    /// <summary>runc judges ids by its own rules; runcs must give the same verdict (exit code) and
    /// make nothing outside its root, whatever the id.</summary>
    [Theory]
    [MemberData(nameof(HostileIds))]
    public void A_hostile_container_id_is_judged_as_runc_judges_it_and_makes_nothing_outside_the_root(string id)
    {
        Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 (/usr/sbin/runc) is not installed");
        using var b = new Bundle(["true"]);
        string parent = Path.GetDirectoryName(b.StateRoot)!;
        var before = Directory.GetFileSystemEntries(parent).ToHashSet();
        var ours = b.Runcs("create", "--bundle", b.Dir, "--", id);
        // One container at a time: both would use the cgroup the id names.
        var deleted = b.Runcs("delete", "--force", "--", id);
        AssertCleanFailure(ours, "create", 0, 1);
        if (ours.ExitCode == 0)
            AssertCleanFailure(deleted, "delete", 0);
        string runcRoot = Path.Combine(b.Dir, "runc-state");
        var theirs = RuncsBinary.Exec(Runc, ["--root", runcRoot, "create", "--bundle", b.Dir, "--", id]);
        RuncsBinary.Exec(Runc, ["--root", runcRoot, "delete", "--force", "--", id]);
        Assert.True(ours.ExitCode == theirs.ExitCode, $"id {id}: runcs {ours}\nrunc {theirs}");
        var after = Directory.GetFileSystemEntries(parent).Where(e => e != runcRoot && e != b.StateRoot).ToHashSet();
        before.Remove(b.StateRoot);
        Assert.Equal(before.OrderBy(e => e), after.OrderBy(e => e));
        if (Directory.Exists(b.StateRoot))
            Assert.Empty(Directory.GetDirectories(b.StateRoot));
    }
}
