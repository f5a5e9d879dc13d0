using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// The errors of the process's start, side by side with runc 1.1.5 on the same bundle: the
/// engines read these texts (docker maps "executable file not found" to exit code 127 and
/// "permission denied" to 126), so after the verb's prefix they must be runc's words.
/// </summary>
[Collection("containers")]
public sealed class StartErrorTests
{
    private const string Runc = "/usr/sbin/runc";

    private static void RequireRunc() => Assert.SkipUnless(File.Exists(Runc), "runc 1.1.5 (/usr/sbin/runc) is not installed");

    private static CommandResult With(string runtime, Bundle b, params string[] args) =>
        runtime == "runcs" ? b.Runcs(args) : RuncsBinary.Exec(Runc, ["--root", b.StateRoot + "-runc", .. args]);

    private static string IdFor(string runtime, Bundle b) => b.Id + (runtime == "runcs" ? "" : "-runc");

    /// <summary>The last logged error without its timestamp and without the runtime's own name.</summary>
    private static string Message(CommandResult r)
    {
        string line = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.Contains("msg=")) ?? r.Stderr;
        int at = line.IndexOf("msg=", StringComparison.Ordinal);
        string message = at < 0 ? line.Trim() : line[(at + 4)..].Trim();
        return message.Replace("\"runcs ", "\"RUNTIME ").Replace("\"runc ", "\"RUNTIME ");
    }

    private static Bundle NewBundle(string[] args)
    {
        var b = new Bundle(args);
        File.WriteAllText(Path.Combine(b.Rootfs, "bin", "noexec"), "not a program\n");
        File.SetUnixFileMode(Path.Combine(b.Rootfs, "bin", "noexec"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "d"));
        return b;
    }

    /// <summary>An effective capability outside the permitted set: capset(2) refuses it.</summary>
    private static JsonObject ImpossibleCaps() => new()
    {
        ["bounding"] = new JsonArray("CAP_KILL", "CAP_SYS_ADMIN"),
        ["effective"] = new JsonArray("CAP_KILL", "CAP_SYS_ADMIN"),
        ["permitted"] = new JsonArray("CAP_KILL"),
    };

    [Theory]
    [InlineData("missing", "nosuch", "/")]
    [InlineData("missing-path", "/nosuch", "/")]
    [InlineData("not-executable", "/bin/noexec", "/")]
    [InlineData("directory", "/d", "/")]
    [InlineData("cwd-is-a-file", "true", "/etc/passwd")]
    [InlineData("cwd-created", "true", "/new/dir")]
    [InlineData("capset", "true", "/")]
    public void Run_errors_are_runcs(string name, string program, string cwd)
    {
        RequireRunc();
        using var b = NewBundle([program]);
        b.Config["process"]!["cwd"] = cwd;
        if (name == "capset")
            b.Config["process"]!["capabilities"] = ImpossibleCaps();
        b.Save();
        var results = new Dictionary<string, CommandResult>();
        foreach (string runtime in new[] { "runcs", "runc" })
        {
            try
            {
                results[runtime] = With(runtime, b, "run", "--bundle", b.Dir, IdFor(runtime, b));
            }
            finally
            {
                With(runtime, b, "delete", "--force", IdFor(runtime, b));
            }
        }
        var (ours, theirs) = (results["runcs"], results["runc"]);
        Assert.True(ours.ExitCode == theirs.ExitCode, $"{name}: runcs {ours}\nrunc {theirs}");
        if (theirs.ExitCode != 0)
            Assert.Equal(Message(theirs), Message(ours));
        if (name == "missing")
            Assert.Equal("\"RUNTIME run failed: unable to start container process: exec: \\\"nosuch\\\": executable file not found in $PATH\"", Message(ours));
    }

    [Theory]
    [InlineData("missing", "nosuch", null)]
    [InlineData("missing-path", "/nosuch", null)]
    [InlineData("not-executable", "/bin/noexec", null)]
    [InlineData("not-executable-as-a-user", "/bin/noexec", "--user=1000")]
    [InlineData("directory", "/d", null)]
    [InlineData("cwd-is-a-file", "true", "--cwd=/bin/sh")]
    [InlineData("cwd-missing", "true", "--cwd=/nonexistent")]
    [InlineData("capset", "true", "--process")]
    public void Exec_errors_are_runcs(string name, string program, string? flag)
    {
        RequireRunc();
        using var b = NewBundle(["sleep", "60"]);
        string processFile = Path.Combine(b.Dir, "process.json");
        var process = b.Config["process"]!.DeepClone().AsObject();
        process["args"] = new JsonArray(program);
        process["capabilities"] = ImpossibleCaps();
        File.WriteAllText(processFile, process.ToJsonString());
        var results = new Dictionary<string, CommandResult>();
        foreach (string runtime in new[] { "runcs", "runc" })
        {
            string id = IdFor(runtime, b);
            try
            {
                Assert.Equal(0, With(runtime, b, "run", "-d", "--bundle", b.Dir, id).ExitCode);
                string[] args = flag switch
                {
                    null => ["exec", id, program],
                    "--process" => ["exec", "--process", processFile, id],
                    _ => ["exec", flag, id, program],
                };
                results[runtime] = With(runtime, b, args);
            }
            finally
            {
                With(runtime, b, "delete", "--force", id);
            }
        }
        var (ours, theirs) = (results["runcs"], results["runc"]);
        Assert.True(ours.ExitCode == theirs.ExitCode, $"{name}: runcs {ours}\nrunc {theirs}");
        if (theirs.ExitCode != 0)
            Assert.Equal(Message(theirs), Message(ours));
        if (name == "missing")
            Assert.Equal("\"exec failed: unable to start container process: exec: \\\"nosuch\\\": executable file not found in $PATH\"", Message(ours));
    }
}
