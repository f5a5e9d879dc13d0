using System.Text.Json.Nodes;
using Runcs.Seccomp;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>linux.seccomp in real containers: the compiled filter is what the container's process lives under.</summary>
[Collection("containers")]
public sealed class SeccompTests
{
    private static JsonObject Rule(string action, string[] names, JsonArray? args = null, uint? errno = null)
    {
        var rule = new JsonObject { ["names"] = new JsonArray([.. names.Select(n => (JsonNode)JsonValue.Create(n)!)]), ["action"] = action };
        if (args is not null) rule["args"] = args;
        if (errno is uint e) rule["errnoRet"] = e;
        return rule;
    }

    private static void SetProfile(Bundle b, string defaultAction, params JsonObject[] rules)
    {
        b.Config["root"]!["readonly"] = false; // so only the filter can refuse a mkdir
        b.Config["linux"]!["seccomp"] = new JsonObject
        {
            ["defaultAction"] = defaultAction,
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = new JsonArray([.. rules]),
        };
        b.Save();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // loaded before the user switch, while CAP_SYS_ADMIN is held
    public void An_errno_rule_makes_mkdir_fail_with_operation_not_permitted(bool noNewPrivileges)
    {
        using var b = new Bundle(["sh", "-c", "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched"]);
        b.Config["process"]!["noNewPrivileges"] = noNewPrivileges;
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["mkdir", "mkdirat"]));
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Operation not permitted", r.Stderr);
        Assert.Equal("rc=1\ntouched\n", r.Stdout);
    }

    [Fact]
    public void Errno_ret_chooses_the_error()
    {
        using var b = new Bundle(["mkdir", "/tmp/x"]);
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["mkdir", "mkdirat"], errno: 28 /* ENOSPC */));
        var r = b.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("No space left on device", r.Stderr);
    }

    [Fact]
    public void Kill_process_kills_with_sigsys()
    {
        using var b = new Bundle(["mkdir", "/tmp/x"]);
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_KILL_PROCESS", ["mkdir", "mkdirat"]));
        var r = b.Run();
        Assert.True(r.ExitCode == 159, r.ToString()); // 128 + SIGSYS
    }

    [Fact]
    public void A_masked_argument_rule_matches_only_the_intended_values()
    {
        // personality(PER_LINUX32 = 8) is refused; personality(PER_LINUX = 0) is not.
        using var b = new Bundle(["sh", "-c", "linux64 echo linux64-ok; linux32 echo linux32-ran; echo done"]);
        var arg = new JsonObject { ["index"] = 0, ["value"] = 0xff, ["valueTwo"] = 8, ["op"] = "SCMP_CMP_MASKED_EQ" };
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["personality"], new JsonArray(arg)));
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("linux64-ok\ndone\n", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    [Fact]
    public void A_docker_style_allow_list_runs_busybox_normally()
    {
        using var b = new Bundle(["sh", "-c", "ls / >/dev/null && echo ok; mkdir /tmp/x 2>/dev/null || echo mkdir-denied"]);
        string[] allowed = [.. SyscallTable.X86_64.Keys.Where(n => n is not ("mkdir" or "mkdirat" or "reboot" or "kexec_load")).Order(StringComparer.Ordinal)];
        Assert.True(allowed.Length > 300);
        SetProfile(b, "SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", allowed));
        b.Config["linux"]!["seccomp"]!["defaultErrnoRet"] = 1;
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ok\nmkdir-denied\n", r.Stdout);
        // and without the filter, the same mkdir works
        b.Config["linux"]!.AsObject().Remove("seccomp");
        b.Save();
        b.Id += "n";
        Assert.Equal("ok\n", b.Run().Stdout);
    }

    [Fact]
    public void Exec_processes_get_the_containers_filter()
    {
        using var b = new Bundle(["sleep", "60"]);
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["mkdir", "mkdirat"]));
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = b.Runcs("exec", b.Id, "mkdir", "/tmp/x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Operation not permitted", r.Stderr);
        var s = b.Runcs("exec", b.Id, "grep", "Seccomp:", "/proc/self/status");
        Assert.Equal("Seccomp:\t2\n", s.Stdout);
    }

    [Fact]
    public void A_bad_profile_fails_create_naming_the_path_and_leaves_nothing()
    {
        using var b = new Bundle(["true"]);
        SetProfile(b, "SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["mkdir"]), Rule("SCMP_ACT_FOO", ["rmdir"]));
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("config.json: linux.seccomp.syscalls[1].action: unknown action \\\"SCMP_ACT_FOO\\\"", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }
}
