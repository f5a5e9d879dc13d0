using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Init;

/// <summary>
/// The container process's own attributes, applied by the init after the filesystem is
/// ready and just before exec, in runc's order: rlimits, bounding set, user, cwd, the
/// other capability sets, then the fd table and signals are cleaned for exec.
/// </summary>
public sealed unsafe class ProcessSetup(ISyscalls sys, Process process, bool inUserNamespace, bool rootlessEuid = false)
{
    private const int PR_SET_KEEPCAPS = 8, PR_CAPBSET_DROP = 24, PR_SET_NO_NEW_PRIVS = 38, PR_CAP_AMBIENT = 47,
        PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>The environment the process gets: the config's, with HOME filled in as runc does.</summary>
    public List<string> Environment { get; } = [.. process.Env ?? []];

    public void ApplyRlimits()
    {
        foreach (var r in process.Rlimits ?? [])
        {
            if (!Rlimits.TryGetNumber(r.Type, out int resource))
                throw new RuntimeError($"unknown rlimit type \"{r.Type}\"");
            if (sys.SetRlimit(resource, r.Soft, r.Hard) < 0)
                throw SysError.Last($"error setting rlimit type {resource}");
        }
    }

    /// <summary>Bounding set, user switch (keeping capabilities), cwd, remaining capability sets.</summary>
    public void ApplyIdentity()
    {
        var caps = process.Capabilities;
        if (caps is not null)
        {
            DropBoundingSet(caps.Bounding);
            Prctl(PR_SET_KEEPCAPS, 1, "keep capabilities");
        }
        // As runc: the cwd is entered while still root (a directory only root may enter, such
        // as /root, works for any user), and only on a permission error once more as the user
        // (a directory the user may enter and root may not, e.g. on a root-squashing mount).
        string cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        bool chdirAsUser = sys.TryChdir(cwd) < 0;
        if (chdirAsUser && Marshal.GetLastPInvokeError() is not (Errno.EACCES or Errno.EPERM))
            throw SysError.Last($"chdir to cwd (\"{cwd}\") set in config.json failed");
        FixStdioOwner(process.User.Uid);
        SwitchUser();
        if (chdirAsUser && sys.TryChdir(cwd) < 0)
            throw SysError.Last($"chdir to cwd (\"{cwd}\") set in config.json failed");
        if (caps is not null)
        {
            SetCapabilities(caps);
            Prctl(PR_SET_KEEPCAPS, 0, "drop keep-capabilities");
        }
        if (process.NoNewPrivileges == true)
            Prctl(PR_SET_NO_NEW_PRIVS, 1, "set no_new_privs");
        if (process.User.Umask is uint mask)
            sys.Umask(mask);
        else
            sys.Umask(0x12 /* 022 */);
    }

    /// <summary>
    /// runc's fixStdioPermissions: fds 0-2 (the pty slave, which /dev/console is, or runcs's
    /// pipes) belong to the process's user, so it can use its own terminal; the group stays
    /// (devpts gives the tty group). /dev/null and fds the user already owns are left alone,
    /// and so is an fd whose owner cannot be changed here (unmapped owner, read-only /dev).
    /// </summary>
    private void FixStdioOwner(uint uid)
    {
        bool haveNull = sys.TryStat("/dev/null", out var devNull);
        for (int fd = 0; fd <= 2; fd++)
        {
            FileStat.Stat st;
            try
            {
                st = sys.Fstat(fd);
            }
            catch (SysError)
            {
                continue; // a closed stdio fd has no owner to fix
            }
            if (st.Uid == uid || haveNull && FileStat.KindOf(st.Mode) == FileKind.CharDevice && st.Rdev == devNull.Rdev)
                continue;
            if (sys.Fchown(fd, uid, st.Gid) < 0 && Marshal.GetLastPInvokeError() is not (Errno.EINVAL or Errno.EPERM or Errno.EROFS))
                throw SysError.Last($"fchown fd {fd}");
        }
    }

    private void Prctl(int option, ulong arg, string what)
    {
        if (sys.Prctl(option, arg, 0, 0, 0) < 0)
            throw SysError.Last(what);
    }

    private int LastKernelCap()
    {
        try
        {
            return int.Parse(sys.ReadFile("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return Capabilities.Last;
        }
    }

    /// <summary>Capability numbers for names, skipping (with a warning, as runc) those the kernel lacks.</summary>
    private static ulong Mask(IEnumerable<string>? names, int lastCap)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            if (!Capabilities.TryGetNumber(name, out int n))
                throw new RuntimeError($"unknown capability \"{name}\"");
            if (n > lastCap)
            {
                Log.Warn($"ignoring capability {name}: not supported by the running kernel");
                continue;
            }
            mask |= 1UL << n;
        }
        return mask;
    }

    private void DropBoundingSet(IEnumerable<string>? bounding)
    {
        int last = LastKernelCap();
        ulong keep = Mask(bounding, last);
        for (int cap = 0; cap <= last; cap++)
            if ((keep & (1UL << cap)) == 0 && sys.Prctl(PR_CAPBSET_DROP, (ulong)cap, 0, 0, 0) < 0)
                throw SysError.Last($"drop capability {Capabilities.NameOf(cap)} from the bounding set");
    }

    private void SetCapabilities(LinuxCapabilities caps)
    {
        int last = LastKernelCap();
        ulong effective = Mask(caps.Effective, last), permitted = Mask(caps.Permitted, last),
            inheritable = Mask(caps.Inheritable, last), ambient = Mask(caps.Ambient, last);
        if (sys.Capset(effective, permitted, inheritable) < 0)
            throw SysError.Last("unable to apply caps"); // runc's words
        sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (int cap = 0; cap <= last; cap++)
            if ((ambient & (1UL << cap)) != 0 && sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (ulong)cap, 0, 0) < 0)
                // runc ignores these too: ambient needs the capability in permitted and inheritable.
                Log.DebugMessage($"can't raise ambient capability {Capabilities.NameOf(cap)}: {SysError.Describe(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>
    /// Raw syscalls, as runc's locked init thread makes them: they change this thread's
    /// credentials only, which are the ones execve hands to the process. glibc's wrappers would
    /// stop every runtime thread with a signal to change theirs too (the setxid broadcast), for
    /// threads that the exec ends anyway.
    /// </summary>
    private void SwitchUser()
    {
        var user = process.User;
        // runc's setupUser: an unprivileged runcs cannot give groups (setgroups is denied, or
        // the helper-made namespace is not its to widen), so asking for any is an error and the
        // empty list is not set either.
        if (rootlessEuid && user.AdditionalGids is { Count: > 0 })
            throw new RuntimeError("unable to setup user: cannot set any additional groups in a rootless container");
        bool setgroupsAllowed = !rootlessEuid && (!inUserNamespace || ReadSetgroups() != "deny");
        if (setgroupsAllowed)
        {
            uint[] groups = [.. user.AdditionalGids ?? []];
            if (sys.Setgroups(groups) < 0)
                throw SysError.Last("setgroups");
        }
        if (sys.Setresgid(user.Gid) < 0)
            throw SysError.Last($"setgid {user.Gid}");
        if (sys.Setresuid(user.Uid) < 0)
            throw SysError.Last($"setuid {user.Uid}");
        if (!Environment.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
            Environment.Add("HOME=" + Passwd.HomeOf(user.Uid));
    }

    private string ReadSetgroups()
    {
        try
        {
            return sys.ReadFile("/proc/self/setgroups").Trim();
        }
        catch (IOException)
        {
            return "allow";
        }
    }

    /// <summary>Go's exec.LookPath with the container's PATH, worded as runc reports it.</summary>
    public string LookPath()
    {
        string name = process.Args![0];
        if (name.Contains('/'))
        {
            CheckExecutable(name, name);
            return name;
        }
        string path = Environment.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? "";
        foreach (string dir in path.Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (sys.TryStat(candidate, out var st) && FileStat.KindOf(st.Mode) != FileKind.Directory && (st.Mode & 0x49) != 0)
                return candidate;
        }
        throw new RuntimeError($"exec: \"{name}\": executable file not found in $PATH");
    }

    private void CheckExecutable(string name, string path)
    {
        if (!sys.TryStat(path, out var st))
            throw new RuntimeError($"exec: \"{name}\": stat {path}: no such file or directory");
        if (FileStat.KindOf(st.Mode) == FileKind.Directory || (st.Mode & 0x49) == 0)
            throw new RuntimeError($"exec: \"{name}\": permission denied");
    }

    /// <summary>
    /// runc's check against CVE-2024-21626: a cwd reached through an fd that leads out of the
    /// container (`/proc/self/fd/N` of a host directory) is outside this mount namespace's root,
    /// which getcwd(2) reports as "(unreachable)/..." (glibc's getcwd as ENOENT).
    /// </summary>
    public void VerifyCwd()
    {
        const int size = 4096;
        byte* buffer = stackalloc byte[size];
        long n = sys.Getcwd(buffer, size);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ENOENT)
                throw new RuntimeError("current working directory is outside of container mount namespace root -- possible container breakout detected");
            // A seccomp profile that denies getcwd(2) (the filter may be on by now): nothing to
            // check with. A path too long for the buffer is inside: "(unreachable)" is short.
            if (errno is Errno.ERANGE or Errno.ENAMETOOLONG || Seccomp.SeccompLoader.Loaded)
                return;
            throw new SysError("failed to verify if current working directory is safe: getcwd", errno);
        }
        if (n == 0 || buffer[0] != (byte)'/')
        {
            string cwd = new((sbyte*)buffer, 0, (int)Math.Max(0, n - 1), System.Text.Encoding.UTF8);
            if (cwd.StartsWith("(unreachable)", StringComparison.Ordinal)) // glibc's ENOENT
                throw new RuntimeError("current working directory is outside of container mount namespace root -- possible container breakout detected");
            throw new RuntimeError($"current working directory is not absolute -- possible container breakout detected: cwd is \"{cwd}\"");
        }
    }

    /// <summary>
    /// Undoes what the .NET runtime changed that exec would keep: SIGPIPE ignored, signals
    /// blocked. Called before seccomp is loaded, whose profile may refuse these calls.
    /// </summary>
    public void ResetSignals() => sys.ResetSignals();

    public void Exec(string path)
    {
        sys.Execve(path, process.Args!, Environment);
        throw SysError.Last($"exec {path}");
    }
}
