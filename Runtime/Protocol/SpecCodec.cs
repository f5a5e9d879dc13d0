using Runcs.Oci;
using Runcs.Text;

namespace Runcs.Protocol;

/// <summary>
/// The config in <see cref="CompactWriter"/> form, limited to what `runcs init` and `exec`
/// read (see <see cref="InitRequest.Spec"/>). Fields are written and read in the same order; a
/// field added to that work must be added to both halves, and InitRequestTests checks the
/// round trip and that every model field is either carried or listed as the parent's alone.
/// </summary>
internal static class SpecCodec
{
    public static byte[] Encode(Spec spec)
    {
        var w = new CompactWriter();
        Write(w, spec);
        return w.Written.ToArray();
    }

    public static Spec Decode(byte[] data)
    {
        var r = new CompactReader(data);
        var spec = Read(r);
        r.End();
        return spec;
    }

    public static void Write(CompactWriter w, Spec s)
    {
        w.String(s.OciVersion);
        w.String(s.Hostname);
        w.String(s.Domainname);
        w.Map(s.Annotations);
        if (w.Present(s.Root is not null))
        {
            w.String(s.Root!.Path);
            WriteBool(w, s.Root.Readonly);
        }
        w.List(s.Mounts, (w, m) =>
        {
            w.String(m.Destination);
            w.String(m.Type);
            w.String(m.Source);
            w.Strings(m.Options);
        });
        if (w.Present(s.Hooks is not null))
            foreach (var (_, hooks) in s.Hooks!.All())
                w.List(hooks, WriteHook);
        if (w.Present(s.Process is not null))
            WriteProcess(w, s.Process!);
        if (w.Present(s.Linux is not null))
            WriteLinux(w, s.Linux!);
    }

    public static Spec Read(CompactReader r)
    {
        var s = new Spec
        {
            OciVersion = r.String(),
            Hostname = r.NullableString(),
            Domainname = r.NullableString(),
            Annotations = r.Map(),
        };
        if (r.Present())
            s.Root = new Root { Path = r.String(), Readonly = ReadBool(r) };
        s.Mounts = r.List(r => new Mount
        {
            Destination = r.String(),
            Type = r.NullableString(),
            Source = r.NullableString(),
            Options = r.Strings(),
        });
        if (r.Present())
        {
            // the order of Hooks.All()
            s.Hooks = new Hooks
            {
                Prestart = r.List(ReadHook),
                CreateRuntime = r.List(ReadHook),
                CreateContainer = r.List(ReadHook),
                StartContainer = r.List(ReadHook),
                Poststart = r.List(ReadHook),
                Poststop = r.List(ReadHook),
            };
        }
        if (r.Present())
            s.Process = ReadProcess(r);
        if (r.Present())
            s.Linux = ReadLinux(r);
        return s;
    }

    private static void WriteBool(CompactWriter w, bool? b) => w.Int(b is null ? -1 : b.Value ? 1 : 0);
    private static bool? ReadBool(CompactReader r) => r.Int() switch { -1 => null, 0 => false, _ => true };
    private static void WriteInt(CompactWriter w, int? v)
    {
        if (w.Present(v is not null))
            w.Int(v!.Value);
    }
    private static int? ReadInt(CompactReader r) => r.Present() ? r.Int() : null;
    private static void WriteULong(CompactWriter w, ulong? v)
    {
        if (w.Present(v is not null))
            w.ULong(v!.Value);
    }
    private static ulong? ReadULong(CompactReader r) => r.Present() ? r.ULong() : null;
    private static void WriteUInt(CompactWriter w, uint? v)
    {
        if (w.Present(v is not null))
            w.UInt(v!.Value);
    }
    private static uint? ReadUInt(CompactReader r) => r.Present() ? r.UInt() : null;

    private static void WriteHook(CompactWriter w, Hook h)
    {
        w.String(h.Path);
        w.Strings(h.Args);
        w.Strings(h.Env);
        WriteInt(w, h.Timeout);
    }

    private static Hook ReadHook(CompactReader r) =>
        new() { Path = r.String(), Args = r.Strings(), Env = r.Strings(), Timeout = ReadInt(r) };

    private static void WriteProcess(CompactWriter w, Process p)
    {
        WriteBool(w, p.Terminal);
        if (w.Present(p.ConsoleSize is not null))
        {
            w.UInt(p.ConsoleSize!.Height);
            w.UInt(p.ConsoleSize.Width);
        }
        w.UInt(p.User.Uid);
        w.UInt(p.User.Gid);
        WriteUInt(w, p.User.Umask);
        w.List(p.User.AdditionalGids, (w, g) => w.UInt(g));
        w.String(p.User.Username);
        w.Strings(p.Args);
        w.String(p.CommandLine);
        w.Strings(p.Env);
        w.String(p.Cwd);
        if (w.Present(p.Capabilities is not null))
            foreach (var (_, caps) in p.Capabilities!.All())
                w.Strings(caps);
        w.List(p.Rlimits, (w, l) =>
        {
            w.String(l.Type);
            w.ULong(l.Hard);
            w.ULong(l.Soft);
        });
        WriteBool(w, p.NoNewPrivileges);
        w.String(p.ApparmorProfile);
        WriteInt(w, p.OomScoreAdj);
        if (w.Present(p.Scheduler is not null))
        {
            var s = p.Scheduler!;
            w.String(s.Policy);
            WriteInt(w, s.Nice);
            WriteInt(w, s.Priority);
            w.Strings(s.Flags);
            WriteULong(w, s.Runtime);
            WriteULong(w, s.Deadline);
            WriteULong(w, s.Period);
        }
        w.String(p.SelinuxLabel);
        if (w.Present(p.IOPriority is not null))
        {
            w.String(p.IOPriority!.Class);
            w.Int(p.IOPriority.Priority);
        }
        if (w.Present(p.ExecCpuAffinity is not null))
        {
            w.String(p.ExecCpuAffinity!.Initial);
            w.String(p.ExecCpuAffinity.Final);
        }
    }

    private static Process ReadProcess(CompactReader r)
    {
        var p = new Process { Terminal = ReadBool(r) };
        if (r.Present())
            p.ConsoleSize = new Box { Height = r.UInt(), Width = r.UInt() };
        p.User = new User
        {
            Uid = r.UInt(),
            Gid = r.UInt(),
            Umask = ReadUInt(r),
            AdditionalGids = r.List(r => r.UInt()),
            Username = r.NullableString(),
        };
        p.Args = r.Strings();
        p.CommandLine = r.NullableString();
        p.Env = r.Strings();
        p.Cwd = r.String();
        if (r.Present())
        {
            // the order of LinuxCapabilities.All()
            p.Capabilities = new LinuxCapabilities
            {
                Bounding = r.Strings(),
                Effective = r.Strings(),
                Inheritable = r.Strings(),
                Permitted = r.Strings(),
                Ambient = r.Strings(),
            };
        }
        p.Rlimits = r.List(r => new PosixRlimit { Type = r.String(), Hard = r.ULong(), Soft = r.ULong() });
        p.NoNewPrivileges = ReadBool(r);
        p.ApparmorProfile = r.NullableString();
        p.OomScoreAdj = ReadInt(r);
        if (r.Present())
        {
            p.Scheduler = new Scheduler
            {
                Policy = r.String(),
                Nice = ReadInt(r),
                Priority = ReadInt(r),
                Flags = r.Strings(),
                Runtime = ReadULong(r),
                Deadline = ReadULong(r),
                Period = ReadULong(r),
            };
        }
        p.SelinuxLabel = r.NullableString();
        if (r.Present())
            p.IOPriority = new LinuxIOPriority { Class = r.String(), Priority = r.Int() };
        if (r.Present())
            p.ExecCpuAffinity = new CpuAffinity { Initial = r.NullableString(), Final = r.NullableString() };
        return p;
    }

    private static void WriteIdMapping(CompactWriter w, LinuxIdMapping m)
    {
        w.UInt(m.ContainerId);
        w.UInt(m.HostId);
        w.UInt(m.Size);
    }

    private static LinuxIdMapping ReadIdMapping(CompactReader r) =>
        new() { ContainerId = r.UInt(), HostId = r.UInt(), Size = r.UInt() };

    private static void WriteSeccomp(CompactWriter w, LinuxSeccomp s)
    {
        w.String(s.DefaultAction);
        WriteUInt(w, s.DefaultErrnoRet);
        w.Strings(s.Architectures);
        w.Strings(s.Flags);
        w.String(s.ListenerPath);
        w.String(s.ListenerMetadata);
        w.List(s.Syscalls, (w, c) =>
        {
            w.Strings(c.Names);
            w.String(c.Action);
            WriteUInt(w, c.ErrnoRet);
            w.List(c.Args, (w, a) =>
            {
                w.UInt(a.Index);
                w.ULong(a.Value);
                WriteULong(w, a.ValueTwo);
                w.String(a.Op);
            });
        });
    }

    private static LinuxSeccomp ReadSeccomp(CompactReader r) => new()
    {
        DefaultAction = r.String(),
        DefaultErrnoRet = ReadUInt(r),
        Architectures = r.Strings(),
        Flags = r.Strings(),
        ListenerPath = r.NullableString(),
        ListenerMetadata = r.NullableString(),
        Syscalls = r.List(r => new LinuxSyscall
        {
            Names = r.Strings() ?? [],
            Action = r.String(),
            ErrnoRet = ReadUInt(r),
            Args = r.List(r => new LinuxSeccompArg { Index = r.UInt(), Value = r.ULong(), ValueTwo = ReadULong(r), Op = r.String() }),
        }),
    };

    private static void WriteLinux(CompactWriter w, Linux l)
    {
        w.List(l.UidMappings, WriteIdMapping);
        w.List(l.GidMappings, WriteIdMapping);
        if (w.Present(l.Seccomp is not null))
            WriteSeccomp(w, l.Seccomp!);
        w.Map(l.Sysctl);
        w.List(l.Namespaces, (w, ns) =>
        {
            w.String(ns.Type);
            w.String(ns.Path);
        });
        w.List(l.Devices, (w, d) =>
        {
            w.String(d.Path);
            w.String(d.Type);
            w.Long(d.Major);
            w.Long(d.Minor);
            WriteUInt(w, d.FileMode);
            WriteUInt(w, d.Uid);
            WriteUInt(w, d.Gid);
        });
        w.String(l.RootfsPropagation);
        w.Strings(l.MaskedPaths);
        w.Strings(l.ReadonlyPaths);
        w.String(l.MountLabel);
        if (w.Present(l.Personality is not null))
        {
            w.String(l.Personality!.Domain);
            w.Strings(l.Personality.Flags);
        }
    }

    private static Linux ReadLinux(CompactReader r)
    {
        var l = new Linux
        {
            UidMappings = r.List(ReadIdMapping),
            GidMappings = r.List(ReadIdMapping),
            Seccomp = r.Present() ? ReadSeccomp(r) : null,
            Sysctl = r.Map(),
            Namespaces = r.List(r => new LinuxNamespace { Type = r.String(), Path = r.NullableString() }),
            Devices = r.List(r => new LinuxDevice
            {
                Path = r.String(),
                Type = r.String(),
                Major = r.Long(),
                Minor = r.Long(),
                FileMode = ReadUInt(r),
                Uid = ReadUInt(r),
                Gid = ReadUInt(r),
            }),
            RootfsPropagation = r.NullableString(),
            MaskedPaths = r.Strings(),
            ReadonlyPaths = r.Strings(),
            MountLabel = r.NullableString(),
        };
        if (r.Present())
            l.Personality = new LinuxPersonality { Domain = r.String(), Flags = r.Strings() };
        return l;
    }
}
