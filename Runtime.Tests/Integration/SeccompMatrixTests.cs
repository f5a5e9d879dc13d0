using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// The seccomp behaviours where runc's filter differs from a plain libseccomp one, on real
/// containers; runtime-agnostic: RUNCS_BINARY=/usr/sbin/runc runs the same matrix against runc.
/// errno-default profiles that name only what busybox sh (and runc's own init) needs, several
/// conditions on one argument (ORed), -ENOSYS for numbers above the profile's, hooks under the filter.
/// </summary>
[Collection("containers")]
public sealed class SeccompMatrixTests
{
    /// <summary>What busybox sh and ls need, and what runc's Go init needs after its filter is on; no close_range, no clone3.</summary>
    private static readonly string[] BusyboxSyscalls =
    [
        "read", "write", "writev", "readv", "open", "openat", "close", "fstat", "newfstatat", "stat", "lstat", "statx", "lseek",
        "mmap", "munmap", "mprotect", "madvise", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
        "ioctl", "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "clone", "fork", "vfork", "wait4", "execve", "exit",
        "exit_group", "getdents64", "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getpgrp",
        "setpgid", "getcwd", "chdir", "fchdir", "uname", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
        "prlimit64", "access", "faccessat", "readlink", "readlinkat", "kill", "tgkill", "futex", "nanosleep", "sched_yield",
        "getrandom", "capget", "capset", "prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid", "umask",
        "epoll_create1", "epoll_ctl", "epoll_pwait", "clock_gettime", "statfs", "fstatfs",
    ];

    private static JsonArray Names(IEnumerable<string> names) => new([.. names.Select(n => (JsonNode)JsonValue.Create(n)!)]);

    private static JsonObject Arg(int index, ulong value, string op = "SCMP_CMP_EQ") =>
        new() { ["index"] = index, ["value"] = value, ["op"] = op };

    private static void SetProfile(Bundle b, string defaultAction, JsonArray rules, bool noNewPrivileges = true)
    {
        b.Config["root"]!["readonly"] = false;
        b.Config["process"]!["noNewPrivileges"] = noNewPrivileges;
        b.Config["linux"]!["seccomp"] = new JsonObject
        {
            ["defaultAction"] = defaultAction,
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = rules,
        };
        b.Save();
    }

    private static JsonObject Allow(IEnumerable<string> names) => new() { ["names"] = Names(names), ["action"] = "SCMP_ACT_ALLOW" };

    [Theory]
    [InlineData(true)] // the filter goes on after the user switch
    [InlineData(false)] // the filter goes on before the user switch: the init's own work runs under it
    public void An_errno_default_profile_naming_only_what_busybox_needs_runs_a_shell(bool noNewPrivileges)
    {
        using var b = new Bundle(["sh", "-c", "echo hi; ls / >/dev/null && echo ok; mkdir /tmp/x 2>/dev/null || echo mkdir-denied"]);
        SetProfile(b, "SCMP_ACT_ERRNO", [Allow(BusyboxSyscalls)], noNewPrivileges);
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi\nok\nmkdir-denied\n", r.Stdout);
    }

    [Fact]
    public void An_exec_runs_under_an_errno_default_profile_too()
    {
        using var b = new Bundle(["sleep", "60"]);
        SetProfile(b, "SCMP_ACT_ERRNO", [Allow([.. BusyboxSyscalls, "restart_syscall", "clock_nanosleep"])], noNewPrivileges: false);
        Assert.Equal(0, b.Run("-d").ExitCode);
        var r = b.Runcs("exec", b.Id, "sh", "-c", "echo exec-ok");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("exec-ok\n", r.Stdout);
    }

    [Fact]
    public void Conditions_on_the_same_argument_are_ored_and_on_different_arguments_anded()
    {
        using var b = new Bundle(["sh", "-c", "for a in 100 9001 101; do probe 310 $a; done; probe 311 100 7; probe 311 100 8; probe 311 5000 7"]);
        SyscallProbe.Install(b);
        JsonObject Rule(string name, params JsonObject[] args) =>
            new() { ["names"] = Names([name]), ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = 22, ["args"] = new JsonArray(args) };
        SetProfile(b, "SCMP_ACT_ALLOW",
        [
            Rule("process_vm_readv", Arg(0, 100), Arg(0, 9001)),
            Rule("process_vm_writev", Arg(0, 100), Arg(1, 7)),
        ]);
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        // process_vm_readv(100) and (9001): EINVAL from the rule; (101): the call itself (nothing
        // to copy: 0). process_vm_writev: only (100, 7) matches both conditions.
        Assert.Equal("errno 22\nerrno 22\nok\nerrno 22\nok\nok\n", r.Stdout);
    }

    [Theory]
    [InlineData("SCMP_ACT_ERRNO", "errno 38\nerrno 1\n")] // above the highest named: ENOSYS; below: the default
    [InlineData("SCMP_ACT_KILL_PROCESS", "errno 38\n")] // ENOSYS even when the default kills; then killed
    [InlineData("SCMP_ACT_ALLOW", "errno 38\nok\n")] // no stub: the kernel's own ENOSYS for 1000, personality allowed
    public void Syscalls_above_the_profiles_highest_number_get_enosys(string defaultAction, string expected)
    {
        // 1000: no such syscall; 135 (personality, a query): below the profile's highest number, not named.
        using var b = new Bundle(["sh", "-c", "probe 1000; probe 135 0xffffffff"]);
        SyscallProbe.Install(b);
        var rules = defaultAction == "SCMP_ACT_ALLOW"
            ? new JsonArray(new JsonObject { ["names"] = Names(["mkdirat"]), ["action"] = "SCMP_ACT_ERRNO" })
            : new JsonArray(Allow(BusyboxSyscalls));
        SetProfile(b, defaultAction, rules);
        var r = b.Run();
        Assert.StartsWith(expected, r.Stdout);
        if (defaultAction == "SCMP_ACT_KILL_PROCESS")
            Assert.True(r.ExitCode == 159, r.ToString()); // the shell's child killed by SIGSYS; the shell exits with it
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StartContainer_hooks_run_under_the_containers_filter_with_state_created(bool noNewPrivileges)
    {
        using var b = new Bundle(["true"]);
        SetProfile(b, "SCMP_ACT_ALLOW", [new JsonObject { ["names"] = Names(["mkdir", "mkdirat"]), ["action"] = "SCMP_ACT_ERRNO" }], noNewPrivileges);
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "hostlog"));
        b.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/hostlog", ["type"] = "bind", ["source"] = b.Dir, ["options"] = new JsonArray("rbind") });
        b.Config["hooks"] = new JsonObject
        {
            ["startContainer"] = new JsonArray(new JsonObject
            {
                ["path"] = "/bin/sh",
                ["args"] = new JsonArray("sh", "-c", "cat > /hostlog/state.json; grep Seccomp: /proc/self/status > /hostlog/seccomp; mkdir /tmp/hook-dir"),
            }),
        };
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode != 0, r.ToString());
        // runc 1.1.5: "error running hook #0: error running hook: exit status 1, ..."; the hook's own words follow.
        Assert.Matches("error running (startContainer )?hook #0", r.Stderr);
        Assert.Contains("mkdir", r.Stderr);
        Assert.Contains("\"status\":\"created\"", File.ReadAllText(Path.Combine(b.Dir, "state.json")));
        Assert.Equal("Seccomp:\t2\n", File.ReadAllText(Path.Combine(b.Dir, "seccomp")));
    }

    [Theory]
    [InlineData("SCMP_ARCH_X86_64", "errno 38\n")]
    [InlineData("SCMP_ARCH_X86", "errno 1\n")] // x86_64 is in the filter (the native arch) but gets no stub
    [InlineData("", "errno 1\n")] // no architectures listed: runc's stub has no limit to compare with
    public void The_enosys_limit_applies_only_to_the_listed_architectures(string arch, string expected)
    {
        using var b = new Bundle(["probe", "1000"]);
        SyscallProbe.Install(b);
        SetProfile(b, "SCMP_ACT_ERRNO", [Allow(BusyboxSyscalls)]);
        b.Config["linux"]!["seccomp"]!["architectures"] = arch.Length == 0 ? new JsonArray() : new JsonArray(arch);
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected, r.Stdout);
    }
}
