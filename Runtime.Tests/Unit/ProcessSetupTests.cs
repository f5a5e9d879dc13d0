using System.Text;
using Runcs.Errors;
using Runcs.Init;
using Runcs.Oci;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>
/// What <see cref="ProcessSetup"/> does to the init before exec, in which order, against the
/// recording fake; the steps are called in <see cref="InitProcess"/>'s order.
/// </summary>
public sealed class ProcessSetupTests
{
    private const string Process = """
        {
          "user": { "uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63 },
          "args": ["sh", "-c", "true"],
          "env": ["PATH=/usr/bin:/bin", "HOME=/home/u"],
          "cwd": "/home/u",
          "capabilities": {
            "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]
          },
          "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512 }, { "type": "RLIMIT_CORE", "hard": 0, "soft": 0 } ],
          "noNewPrivileges": true
        }
        """;

    private static Process Read(string json) => SpecReader.ReadProcess("process.json", Encoding.UTF8.GetBytes(json));

    /// <summary>A kernel whose last capability is 40 (CAP_CHECKPOINT_RESTORE), sh in /bin only.</summary>
    private static RecordingSyscalls Container() => new RecordingSyscalls()
        .File("/proc/sys/kernel/cap_last_cap", "40\n")
        .File("/proc/self/setgroups", "allow\n")
        .File("/bin/sh", "", mode: 0x1ed).Directory("/usr/bin").Directory("/home/u");

    /// <summary>InitProcess's sequence (seccomp left out): rlimits, identity, cwd check, lookup, signals, exec.</summary>
    private static void RunAll(ProcessSetup setup)
    {
        setup.ApplyRlimits();
        setup.ApplyIdentity();
        setup.VerifyCwd();
        string path = setup.LookPath();
        setup.ResetSignals();
        var e = Assert.Throws<SysError>(() => setup.Exec(path)); // the fake's exec fails, so this returns
        Assert.StartsWith("exec /bin/sh: ", e.Message);
    }

    [Fact]
    public void Steps_come_in_runcs_order()
    {
        var sys = Container();
        RunAll(new ProcessSetup(sys, Read(Process), inUserNamespace: false));
        // CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10 stay in the bounding set; the rest of 0..40 goes.
        var dropped = Enumerable.Range(0, 41).Where(c => c is not (0 or 5 or 10)).Select(c => $"prctl PR_CAPBSET_DROP {c}");
        Assert.Equal(
        [
            "prlimit 7 512 1024", "prlimit 4 0 0",
            .. dropped,
            // Capabilities survive the uid switch; the cwd is entered while still root.
            "prctl PR_SET_KEEPCAPS 1",
            "chdir /home/u",
            // Raw syscalls (this thread only): groups, then gid, then uid.
            "setgroups [10,20]", "setresgid 1000", "setresuid 1000",
            "capset effective=0x20 permitted=0x420 inheritable=0x400",
            "prctl PR_CAP_AMBIENT_CLEAR_ALL", "prctl PR_CAP_AMBIENT_RAISE 10",
            "prctl PR_SET_KEEPCAPS 0",
            "prctl PR_SET_NO_NEW_PRIVS 1",
            "umask 077",
            "reset signals",
            "execve /bin/sh [sh -c true] [PATH=/usr/bin:/bin HOME=/home/u]",
        ], sys.Calls);
    }

    [Fact]
    public void Without_capabilities_and_no_new_privs_only_the_user_and_umask_change()
    {
        var sys = Container();
        new ProcessSetup(sys, Read("""{ "user": { "uid": 0, "gid": 0 }, "args": ["sh"], "env": ["HOME=/"], "cwd": "/" }"""), false).ApplyIdentity();
        Assert.Equal(["chdir /", "setgroups []", "setresgid 0", "setresuid 0", "umask 022"], sys.Calls);
    }

    [Fact]
    public void A_cwd_root_may_not_enter_is_entered_again_as_the_user()
    {
        var sys = Container();
        sys.Fail("chdir /home/u", Errno.EACCES); // e.g. a root-squashing NFS home
        new ProcessSetup(sys, Read(Process), false).ApplyIdentity();
        Assert.Equal(["chdir /home/u", "setresuid 1000", "chdir /home/u"], sys.Calls.Only("chdir", "setresuid"));
    }

    [Fact]
    public void A_missing_cwd_is_runcs_error()
    {
        var sys = Container();
        sys.Fail("chdir /home/u", Errno.ENOENT);
        var e = Assert.Throws<SysError>(() => new ProcessSetup(sys, Read(Process), false).ApplyIdentity());
        Assert.Equal("chdir to cwd (\"/home/u\") set in config.json failed: no such file or directory", e.Message);
        Assert.DoesNotContain(sys.Calls, c => c.StartsWith("setresuid", StringComparison.Ordinal));
    }

    [Fact]
    public void A_refused_capset_is_runcs_error()
    {
        var sys = Container();
        sys.Fail("capset effective=0x20 permitted=0x420 inheritable=0x400", Errno.EPERM);
        var e = Assert.Throws<SysError>(() => new ProcessSetup(sys, Read(Process), false).ApplyIdentity());
        Assert.Equal("unable to apply caps: operation not permitted", e.Message);
    }

    [Fact]
    public void In_a_user_namespace_with_setgroups_denied_the_groups_are_left_alone()
    {
        var sys = Container().File("/proc/self/setgroups", "deny\n");
        new ProcessSetup(sys, Read(Process), inUserNamespace: true).ApplyIdentity();
        Assert.Empty(sys.Calls.Only("setgroups"));
        Assert.Contains("setresuid 1000", sys.Calls);
    }

    [Fact]
    public void Capabilities_the_kernel_lacks_are_skipped()
    {
        // cap_last_cap 4: CAP_KILL (5) and CAP_NET_BIND_SERVICE (10) are unknown to this kernel.
        var sys = Container().File("/proc/sys/kernel/cap_last_cap", "4\n");
        new ProcessSetup(sys, Read(Process), false).ApplyIdentity();
        Assert.Equal(["prctl PR_CAPBSET_DROP 1", "prctl PR_CAPBSET_DROP 2", "prctl PR_CAPBSET_DROP 3", "prctl PR_CAPBSET_DROP 4"], sys.Calls.Only("prctl PR_CAPBSET_DROP"));
        Assert.Contains("capset effective=0x0 permitted=0x0 inheritable=0x0", sys.Calls);
    }

    [Fact]
    public void LookPath_searches_the_containers_PATH_as_Go_does()
    {
        var sys = Container().File("/usr/bin/env", "", mode: 0x1ed).File("/usr/bin/data", "", mode: 0x1a4);
        Assert.Equal("/usr/bin/env", Setup(sys, "env").LookPath());
        Assert.Equal("/bin/sh", Setup(sys, "sh").LookPath());
        Assert.Equal("exec: \"data\": executable file not found in $PATH", Assert.Throws<RuntimeError>(() => Setup(sys, "data").LookPath()).Message);
        Assert.Equal("exec: \"/usr/bin/data\": permission denied", Assert.Throws<RuntimeError>(() => Setup(sys, "/usr/bin/data").LookPath()).Message);
        Assert.Equal("exec: \"/x\": stat /x: no such file or directory", Assert.Throws<RuntimeError>(() => Setup(sys, "/x").LookPath()).Message);

        static ProcessSetup Setup(RecordingSyscalls sys, string arg0) =>
            new(sys, Read($$"""{ "user": { "uid": 0, "gid": 0 }, "args": ["{{arg0}}"], "env": ["PATH=/usr/bin:/bin"], "cwd": "/" }"""), false);
    }

    [Fact]
    public void A_cwd_outside_the_containers_root_is_refused()
    {
        // getcwd(2) of a directory reached through a leaked host fd (CVE-2024-21626).
        var sys = Container();
        sys.Cwd = "(unreachable)/etc";
        var e = Assert.Throws<RuntimeError>(() => new ProcessSetup(sys, Read(Process), false).VerifyCwd());
        Assert.Equal("current working directory is outside of container mount namespace root -- possible container breakout detected", e.Message);
    }
}
