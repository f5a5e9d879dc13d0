using System.Text;
using Runcs.Errors;
using Runcs.Launch;
using Runcs.Logging;
using Runcs.OciHooks;
using Runcs.Protocol;
using Runcs.Seccomp;
using Runcs.Sys;

namespace Runcs.Init;

/// <summary>
/// `runcs init`: what happens inside the container before the user's process runs. It
/// runs in the namespaces nsexec.c made, reads its instructions from the sync socket,
/// builds the container, reports ready (or the precise error) to the parent, waits for
/// `start` on exec.fifo, and execs the process.
/// </summary>
public static class InitProcess
{
    /// <summary>
    /// The container's own set-up (rootfs, hooks, console, hostname, sysctls) is under way: runc
    /// reports what fails before its init is ready as "error during container init: ...", and
    /// what fails in the process's set-up (caps, user, cwd, the executable) without it.
    /// </summary>
    private static bool s_buildingContainer;

    public static int Run()
    {
        long entered = System.Diagnostics.Stopwatch.GetTimestamp();
        string? fdText = Environment.GetEnvironmentVariable(InitEnvironment.SyncFdVariable);
        if (fdText is null || !int.TryParse(fdText, out int fd))
        {
            Stdio.Error("runcs init: must be started by runcs itself\n");
            return 1;
        }
        using var channel = new SyncChannel(fd);
        try
        {
            var (tag, _, payload) = channel.ReceiveWithFds(out int[] mountSourceFds);
            if (tag != SyncChannel.Config)
                return 1; // the parent gave up on us; it reports why
            var request = InitRequest.Decode(payload);
            // First, before any path is resolved: nothing inherited from runcs's caller may reach
            // the container's process (CVE-2024-21626 class), whatever happens below.
            InheritedFds.MarkCloseOnExec(request.PreserveFds);
            if (mountSourceFds.Length != request.MountSourceIndexes.Count)
                throw new RuntimeError($"received {mountSourceFds.Length} mount source fds for {request.MountSourceIndexes.Count} mounts");
            for (int i = 0; i < mountSourceFds.Length; i++)
                MountSourceFds[request.MountSourceIndexes[i]] = mountSourceFds[i];
            Log.ConfigureInit(request.DebugFd, request.JsonLog ? LogFormat.Json : LogFormat.Text, request.Origin);
            Log.Phase("init runtime started", entered);
            Log.Phase("init request read");
            Execute(request, channel);
            return 1; // not reached: Execute execs or throws
        }
        catch (Exception e)
        {
            // One line, never a .NET stack trace (that goes to the --debug log).
            string message = e is RuntimeError ? e.Message : $"init: unexpected {e.GetType().Name}: {e.Message}";
            if (e is not RuntimeError)
                Log.DebugMessage(e.ToString());
            if (s_buildingContainer)
                message = "error during container init: " + message;
            try
            {
                channel.Send(SyncChannel.InitError, Encoding.UTF8.GetBytes(message));
            }
            catch (RuntimeError)
            {
                Stdio.Error(message + "\n");
            }
            return 1;
        }
    }

    /// <summary>Bind sources runcs opened on the host, by index in the config's mounts.</summary>
    private static readonly Dictionary<int, int> MountSourceFds = [];

    private static void Execute(InitRequest request, SyncChannel channel)
    {
        var spec = request.Spec;
        var process = spec.Process ?? throw new RuntimeError("config has no process");
        var sys = LinuxSyscalls.Instance;
        s_buildingContainer = !request.IsExec;
        if (!request.IsExec)
        {
            var rootfs = new Rootfs(sys, spec, request.Rootfs, request.InUserNamespace) { MountSourceFds = MountSourceFds };
            rootfs.Prepare();
            foreach (int fd in MountSourceFds.Values)
                LibC.close(fd);
            RunCreateHooks(request, channel);
            // Without a mount namespace nothing is mounted in the rootfs, /proc included:
            // exec.fifo is reopened through the host's /proc, opened before the chroot.
            if (!rootfs.HasMountNamespace && request.FifoFd >= 0)
                s_procSelfFd = sys.OpenDirectory("/proc/self/fd");
            rootfs.PivotInto(request.NoPivot);
            if (process.Terminal == true)
                SetupConsole(request, process, bindDevConsole: rootfs.HasMountNamespace);
            if (!string.IsNullOrEmpty(spec.Hostname))
                sys.SetHostname(spec.Hostname);
            if (!string.IsNullOrEmpty(spec.Domainname))
                sys.SetDomainname(spec.Domainname);
            foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
                sys.WriteFile("/proc/sys/" + key.Replace('.', '/'), value);
            rootfs.Finish();
            Log.Phase("rootfs ready");
        }
        else
        {
            // Joining the init's mount namespace put this process in the container's root;
            // without one it is still the host's (runc leaves it there): enter the rootfs.
            if (spec.Linux?.FindNamespace("mount") is null)
            {
                sys.Chroot(request.Rootfs);
                sys.Chdir("/");
            }
            if (process.Terminal == true)
                SetupConsole(request, process, bindDevConsole: false);
        }
        s_buildingContainer = false;
        var setup = new ProcessSetup(sys, process, request.InUserNamespace, request.RootlessEuid);
        setup.ApplyRlimits();
        KernelAttributes.Apply(process, spec.Linux?.Personality, spec.Linux?.MemoryPolicy, oomScoreSet: request.IsExec);
        new Lsm(HostLsm.Instance).ApplyExecLabels(process);
        // Again, for what the init opened itself (pty, mount fds): the profile may deny close_range.
        InheritedFds.MarkCloseOnExec(request.PreserveFds);
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before the user
        // switch, as runc does. With it, after the user switch and the executable's lookup, before
        // ready (a load error is still create's error, and the agent gets a notify listener then).
        //
        // From the filter to execve the init makes only these syscalls, which the profile must
        // allow (runc's init needs the same or more): without no_new_privs, prctl (bounding set,
        // keep-caps, ambient), setgroups, setresgid, setresuid, openat/read/close
        // (/proc/self/setgroups, /proc/sys/kernel/cap_last_cap, /etc/passwd for HOME), chdir,
        // getcwd, capset, umask, newfstatat (the executable's lookup); then in both cases write
        // (ready, the listener fd; the --debug log), close, openat of exec.fifo, write to it, the
        // startContainer hooks (clone, pipe2, execve, wait4, read/write: they run under the filter,
        // as runc's), rt_sigaction and rt_sigprocmask (ignored when refused), execve. The .NET
        // runtime may add mmap/munmap/madvise/mprotect and futex on this thread; its other threads
        // are filtered only with SECCOMP_FILTER_FLAG_TSYNC. Nothing here depends on close_range.
        var seccomp = request.Seccomp;
        bool noNewPrivileges = process.NoNewPrivileges == true;
        if (seccomp is not null && !noNewPrivileges)
            InstallSeccomp(seccomp, channel);
        setup.ApplyIdentity();
        setup.VerifyCwd();
        string executable = setup.LookPath();
        if (seccomp is not null && noNewPrivileges)
            InstallSeccomp(seccomp, channel);

        // nsexec.c armed PR_SET_PDEATHSIG (a runcs killed while the init boots takes it along);
        // from here runcs may exit at any time. A `create` killed before state.json names the
        // init must not leave it behind: it waits for runcs's word that the state is written,
        // and the channel's EOF ends it if runcs dies first.
        LibC.prctl(1 /* PR_SET_PDEATHSIG */, 0, 0, 0, 0);
        channel.Send(SyncChannel.Ready);
        if (!request.IsExec && channel.Receive().Tag != SyncChannel.Committed)
            throw new RuntimeError("runcs went away before the container was recorded");
        channel.Dispose();
        int fifo = request.FifoFd >= 0 ? WaitForStart(request.FifoFd) : -1;
        if (!request.IsExec) // as runc: an exec'd process is not the container's start
            // In the process's cwd, as its user; a hook without env gets the process's, as runc's.
            HookRunner.Run("startContainer", spec.Hooks?.StartContainer, StateForHooks(request, "created"),
                inheritedEnv: setup.Environment);
        if (fifo >= 0)
            ConfirmStart(fifo);
        Log.Phase("process exec");
        setup.ResetSignals();
        setup.Exec(executable);
    }

    /// <summary>
    /// Loads the filter; a notify listener goes to the parent, which copies it with pidfd_getfd
    /// and gives it to the seccomp agent. Until the agent has it, a notified syscall here would
    /// wait forever: so one write(2) (never notified: the profile may not) and one read(2).
    /// </summary>
    private static void InstallSeccomp(SeccompLoader.Filter filter, SyncChannel channel)
    {
        int listener = SeccompLoader.Install(filter);
        if (listener < 0)
            return;
        byte tag;
        try
        {
            channel.SendValue(SyncChannel.SeccompListener, listener);
            tag = channel.Receive().Tag;
        }
        finally
        {
            LibC.close(listener);
        }
        if (tag != SyncChannel.SeccompListenerTaken)
            throw new RuntimeError("the seccomp listener was not handed to the seccomp agent");
    }

    /// <summary>
    /// The mounts are made and pivot_root is still to come: the parent runs prestart and
    /// createRuntime hooks (in the runtime's namespaces), then createContainer hooks run
    /// here, in the container's, as the spec and runc order them.
    /// </summary>
    private static void RunCreateHooks(InitRequest request, SyncChannel channel)
    {
        var hooks = request.Spec.Hooks;
        if (hooks is null)
            return;
        if (hooks.Prestart is { Count: > 0 } || hooks.CreateRuntime is { Count: > 0 })
        {
            channel.Send(SyncChannel.RunCreateRuntimeHooks);
            var (tag, _, _) = channel.Receive();
            if (tag != SyncChannel.HooksDone)
                throw new RuntimeError("runtime hooks did not complete");
        }
        // As runc's: in the container's root (relative paths resolve inside it), and a hook
        // without env gets the process's (runc's init runs with the process's environment).
        HookRunner.Run("createContainer", hooks.CreateContainer, StateForHooks(request, "creating"),
            request.Rootfs, request.Spec.Process?.Env ?? []);
    }

    private static string StateForHooks(InitRequest request, string status) =>
        HookRunner.StateJson(request.Spec.OciVersion, request.ContainerId, status, Environment.ProcessId,
            request.Bundle, request.Spec.Annotations);

    /// <summary>
    /// A pty from the container's own devpts: the master goes to the console socket (to
    /// runcs, or to the caller of a detached runcs), the slave becomes this process's
    /// controlling terminal and stdio, and, for the container's init, /dev/console.
    /// </summary>
    private static void SetupConsole(InitRequest request, Oci.Process process, bool bindDevConsole)
    {
        if (request.ConsoleFd < 0)
            throw new RuntimeError("process.terminal is set but no console socket was given to the init");
        var (master, slave) = Terminal.OpenPty();
        try
        {
            if (process.ConsoleSize is { } size && size.Height > 0 && size.Width > 0)
                Terminal.SetSize(master, new Terminal.WinSize { Rows = (ushort)size.Height, Cols = (ushort)size.Width });
            if (bindDevConsole)
            {
                var sys = LinuxSyscalls.Instance;
                if (sys.Kind("/dev/console") is null)
                    sys.CreateFile("/dev/console", 0x1b6);
                sys.Mount(slave, "/dev/console", "bind", Oci.MountOptions.MS_BIND, null);
            }
            UnixSocket.SendFd(request.ConsoleFd, master, slave, "terminal master");
        }
        finally
        {
            LibC.close(master);
            LibC.close(request.ConsoleFd);
        }
        Terminal.BecomeControllingTerminal(slave);
    }

    /// <summary>Blocks until `runcs start` opens exec.fifo for reading.</summary>
    private static int s_procSelfFd = -1;

    private static int WaitForStart(int fifoFd)
    {
        int fd = s_procSelfFd >= 0
            ? LibC.openat(s_procSelfFd, fifoFd.ToString(System.Globalization.CultureInfo.InvariantCulture), OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC, 0)
            : LibC.open($"/proc/self/fd/{fifoFd}", OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last("open exec fifo");
        LibC.close(fifoFd);
        return fd;
    }

    /// <summary>
    /// startContainer hooks are done: one byte tells `start` so; the fd stays open and closes
    /// at exec (close-on-exec), which is how `start` knows the process runs before poststart.
    /// </summary>
    private static unsafe void ConfirmStart(int fifo)
    {
        byte zero = (byte)'0';
        if (LibC.write(fifo, &zero, 1) != 1)
            throw SysError.Last("write exec fifo");
    }
}
