using System.Text;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Logging;
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
            var (tag, _, payload) = channel.Receive();
            if (tag != SyncChannel.Config)
                return 1; // the parent gave up on us; it reports why
            var request = InitRequest.Decode(payload);
            Log.ConfigureInit(request.DebugFd, request.JsonLog ? LogFormat.Json : LogFormat.Text, request.Origin);
            Log.Phase("init runtime started", entered);
            Log.Phase("init request read");
            Execute(request, channel);
            return 1; // not reached: Execute execs or throws
        }
        catch (Exception e)
        {
            string message = e is RuntimeError ? e.Message : e.ToString();
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

    private static void Execute(InitRequest request, SyncChannel channel)
    {
        var spec = request.Spec;
        var process = spec.Process ?? throw new RuntimeError("config has no process");
        var sys = LinuxSyscalls.Instance;
        if (!request.IsExec)
        {
            var rootfs = new Rootfs(sys, spec, request.Rootfs, request.InUserNamespace);
            rootfs.Prepare();
            RunCreateHooks(request, channel);
            rootfs.PivotInto(request.NoPivot);
            if (process.Terminal == true)
                SetupConsole(request, process, bindDevConsole: true);
            if (!string.IsNullOrEmpty(spec.Hostname))
                sys.SetHostname(spec.Hostname);
            if (!string.IsNullOrEmpty(spec.Domainname))
                sys.SetDomainname(spec.Domainname);
            foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
                sys.WriteFile("/proc/sys/" + key.Replace('.', '/'), value);
            rootfs.Finish();
            Log.Phase("rootfs ready");
        }
        else if (process.Terminal == true)
        {
            SetupConsole(request, process, bindDevConsole: false);
        }
        var setup = new ProcessSetup(process, request.InUserNamespace);
        setup.ApplyRlimits();
        KernelAttributes.Apply(process, spec.Linux?.Personality, oomScoreSet: request.IsExec);
        new Lsm(HostLsm.Instance).ApplyExecLabels(process);
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before the
        // user switch, as runc does. With it, load as late as possible (just before exec),
        // unless the seccomp agent needs the listener: the parent hands it over before ready.
        var seccomp = request.Seccomp;
        bool noNewPrivileges = process.NoNewPrivileges == true;
        if (seccomp is not null && !noNewPrivileges)
            InstallSeccomp(seccomp, channel);
        setup.ApplyIdentity();
        if (seccomp is { WantsListener: true } && noNewPrivileges)
            InstallSeccomp(seccomp, channel);
        bool seccompLate = seccomp is { WantsListener: false } && noNewPrivileges;
        string executable = setup.LookPath();
        ProcessSetup.MarkFdsCloseOnExec(request.PreserveFds);

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
            HookRunner.Run("startContainer", spec.Hooks?.StartContainer, StateForHooks(request, "running"));
        if (fifo >= 0)
            ConfirmStart(fifo);
        Log.Phase("process exec");
        ProcessSetup.ResetSignals();
        // Last: from here on the profile may refuse what runcs itself would call.
        if (seccompLate)
            SeccompLoader.Install(seccomp!);
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
        HookRunner.Run("createContainer", hooks.CreateContainer, StateForHooks(request, "creating"));
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
    private static int WaitForStart(int fifoFd)
    {
        int fd = LibC.open($"/proc/self/fd/{fifoFd}", OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC, 0);
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
