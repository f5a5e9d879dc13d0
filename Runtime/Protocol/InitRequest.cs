using Runcs.Oci;
using Runcs.Seccomp;
using Runcs.Text;

namespace Runcs.Protocol;

/// <summary>
/// What the parent tells `runcs init` over the sync socket: the parts of the config the init
/// acts on, plus what only the parent knows (fd numbers it handed over, paths resolved on the
/// host, the compiled seccomp filter). Sent in a compact binary form, not JSON: the init is a
/// fresh process, and System.Text.Json's metadata cold start for the whole config graph cost
/// it ~2.5 ms and ~1 MB of heap charged to the container, for data the parent had parsed already.
/// </summary>
public sealed class InitRequest
{
    /// <summary>True for `exec`: join a running container, no rootfs work.</summary>
    public bool IsExec { get; set; }
    public string ContainerId { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public string Bundle { get; set; } = "";
    public bool NoPivot { get; set; }
    /// <summary>O_PATH fd of exec.fifo (create), or -1 (exec starts at once).</summary>
    public int FifoFd { get; set; } = -1;
    /// <summary>Socket that receives the pty master, or -1 when there is no terminal.</summary>
    public int ConsoleFd { get; set; } = -1;
    /// <summary>Fds 3 .. 3+N-1 stay open in the container (--preserve-fds, LISTEN_FDS).</summary>
    public int PreserveFds { get; set; }
    /// <summary>Whether this process has its own user namespace (devices become bind mounts).</summary>
    public bool InUserNamespace { get; set; }
    /// <summary>runcs is not root (runc's RootlessEUID): no supplementary groups can be set.</summary>
    public bool RootlessEuid { get; set; }
    /// <summary>
    /// Indexes in Spec.Mounts of the bind mounts whose source runcs opened on the host (sent
    /// with the request, SCM_RIGHTS, in this order): the init mounts those through the fd.
    /// </summary>
    public List<int> MountSourceIndexes { get; set; } = [];
    /// <summary>--debug: fd for the init's phase timestamps (-1: none), their format and origin.</summary>
    public int DebugFd { get; set; } = -1;
    public bool JsonLog { get; set; }
    public long Origin { get; set; }
    /// <summary>linux.seccomp compiled by the parent, or null.</summary>
    public SeccompLoader.Filter? Seccomp { get; set; }
    /// <summary>
    /// The config, as far as the init and `exec` read it: linux.resources, cgroupsPath, time
    /// offsets, intelRdt and net devices are the parent's and do not travel.
    /// </summary>
    public Spec Spec { get; set; } = new();

    public byte[] Encode()
    {
        var w = new CompactWriter();
        w.Bool(IsExec);
        w.String(ContainerId);
        w.String(Rootfs);
        w.String(Bundle);
        w.Bool(NoPivot);
        w.Int(FifoFd);
        w.Int(ConsoleFd);
        w.Int(PreserveFds);
        w.Bool(InUserNamespace);
        w.Bool(RootlessEuid);
        w.List(MountSourceIndexes, (w, i) => w.Int(i));
        w.Int(DebugFd);
        w.Bool(JsonLog);
        w.Long(Origin);
        if (w.Present(Seccomp is not null))
            WriteSeccomp(w, Seccomp!);
        SpecCodec.Write(w, Spec);
        return w.Written.ToArray();
    }

    public static InitRequest Decode(byte[] data)
    {
        var r = new CompactReader(data);
        var request = new InitRequest
        {
            IsExec = r.Bool(),
            ContainerId = r.String(),
            Rootfs = r.String(),
            Bundle = r.String(),
            NoPivot = r.Bool(),
            FifoFd = r.Int(),
            ConsoleFd = r.Int(),
            PreserveFds = r.Int(),
            InUserNamespace = r.Bool(),
            RootlessEuid = r.Bool(),
            MountSourceIndexes = r.List(r => r.Int()) ?? [],
            DebugFd = r.Int(),
            JsonLog = r.Bool(),
            Origin = r.Long(),
            Seccomp = r.Present() ? ReadSeccomp(r) : null,
            Spec = SpecCodec.Read(r),
        };
        r.End();
        return request;
    }

    private static void WriteSeccomp(CompactWriter w, SeccompLoader.Filter f)
    {
        w.Int(f.Program.Length);
        foreach (var i in f.Program)
        {
            w.Int(i.Code | i.Jt << 16 | i.Jf << 24);
            w.UInt(i.K);
        }
        w.UInt(f.Flags);
        w.Strings(f.FlagNames.ToList());
        w.Bool(f.WantsListener);
    }

    private static SeccompLoader.Filter ReadSeccomp(CompactReader r)
    {
        var program = r.List(r =>
        {
            int op = r.Int();
            return new SockFilter((ushort)op, (byte)(op >> 16), (byte)(op >> 24), r.UInt());
        }) ?? [];
        return new SeccompLoader.Filter([.. program], r.UInt(), r.Strings() ?? [], r.Bool());
    }
}
