namespace Runcs.Oci;

/// <summary>
/// config.json (and exec's process.json, update's resources) into the model, by hand over
/// <see cref="JsonCursor"/>. System.Text.Json's serializer builds metadata for each type it meets
/// (about 80 µs a type, and its attribute lookups start the reflection runtime): for the ~40
/// types of a spec that cost every `create` and `run` 2 to 4 ms and 2 MB of RSS. Names are
/// matched case-insensitively and unknown fields skipped, as Go's encoding/json does; each
/// reader lists the fields of its type (SpecJsonTests checks that a spec with every field set
/// reads back whole).
/// </summary>
internal static partial class SpecReader
{
    public static Spec ReadSpec(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, Spec);

    public static Process ReadProcess(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, Process);

    public static LinuxResources ReadResources(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, Resources);

    public static Hooks ReadHooks(string file, ReadOnlySpan<byte> utf8Json) => JsonCursor.ReadDocument(file, utf8Json, Hooks);

    private static Spec Spec(ref JsonCursor c)
    {
        var s = new Spec();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "ociversion": s.OciVersion = c.String(); break;
                case "process": s.Process = c.OptObject(Process); break;
                case "root": s.Root = c.OptObject(Root); break;
                case "hostname": s.Hostname = c.OptString(); break;
                case "domainname": s.Domainname = c.OptString(); break;
                case "mounts": s.Mounts = c.OptObjects(Mount); break;
                case "hooks": s.Hooks = c.OptObject(Hooks); break;
                case "annotations": s.Annotations = c.OptStringMap(); break;
                case "linux": s.Linux = c.OptObject(Linux); break;
                default: c.Skip(); break;
            }
        }
        return s;
    }

    private static Root Root(ref JsonCursor c)
    {
        var r = new Root();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "path": r.Path = c.String(); break;
                case "readonly": r.Readonly = c.OptBool(); break;
                default: c.Skip(); break;
            }
        }
        return r;
    }

    private static Mount Mount(ref JsonCursor c)
    {
        var m = new Mount();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "destination": m.Destination = c.String(); break;
                case "type": m.Type = c.OptString(); break;
                case "source": m.Source = c.OptString(); break;
                case "options": m.Options = c.OptStrings(); break;
                case "uidmappings": m.UidMappings = c.OptObjects(IdMapping); break;
                case "gidmappings": m.GidMappings = c.OptObjects(IdMapping); break;
                default: c.Skip(); break;
            }
        }
        return m;
    }

    private static Hooks Hooks(ref JsonCursor c)
    {
        var h = new Hooks();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "prestart": h.Prestart = c.OptObjects(Hook); break;
                case "createruntime": h.CreateRuntime = c.OptObjects(Hook); break;
                case "createcontainer": h.CreateContainer = c.OptObjects(Hook); break;
                case "startcontainer": h.StartContainer = c.OptObjects(Hook); break;
                case "poststart": h.Poststart = c.OptObjects(Hook); break;
                case "poststop": h.Poststop = c.OptObjects(Hook); break;
                default: c.Skip(); break;
            }
        }
        return h;
    }

    private static Hook Hook(ref JsonCursor c)
    {
        var h = new Hook();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "path": h.Path = c.String(); break;
                case "args": h.Args = c.OptStrings(); break;
                case "env": h.Env = c.OptStrings(); break;
                case "timeout": h.Timeout = c.OptInt(); break;
                default: c.Skip(); break;
            }
        }
        return h;
    }

    private static Process Process(ref JsonCursor c)
    {
        var p = new Process();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "terminal": p.Terminal = c.OptBool(); break;
                case "consolesize": p.ConsoleSize = c.OptObject(Box); break;
                case "user": p.User = c.Object(User); break;
                case "args": p.Args = c.OptStrings(); break;
                case "commandline": p.CommandLine = c.OptString(); break;
                case "env": p.Env = c.OptStrings(); break;
                case "cwd": p.Cwd = c.String(); break;
                case "capabilities": p.Capabilities = c.OptObject(Capabilities); break;
                case "rlimits": p.Rlimits = c.OptObjects(Rlimit); break;
                case "nonewprivileges": p.NoNewPrivileges = c.OptBool(); break;
                case "apparmorprofile": p.ApparmorProfile = c.OptString(); break;
                case "oomscoreadj": p.OomScoreAdj = c.OptInt(); break;
                case "scheduler": p.Scheduler = c.OptObject(Scheduler); break;
                case "selinuxlabel": p.SelinuxLabel = c.OptString(); break;
                case "iopriority": p.IOPriority = c.OptObject(IOPriority); break;
                case "execcpuaffinity": p.ExecCpuAffinity = c.OptObject(CpuAffinity); break;
                default: c.Skip(); break;
            }
        }
        return p;
    }

    private static Box Box(ref JsonCursor c)
    {
        var b = new Box();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "height": b.Height = c.UInt(); break;
                case "width": b.Width = c.UInt(); break;
                default: c.Skip(); break;
            }
        }
        return b;
    }

    private static User User(ref JsonCursor c)
    {
        var u = new User();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "uid": u.Uid = c.UInt(); break;
                case "gid": u.Gid = c.UInt(); break;
                case "umask": u.Umask = c.OptUInt(); break;
                case "additionalgids": u.AdditionalGids = c.OptUInts(); break;
                case "username": u.Username = c.OptString(); break;
                default: c.Skip(); break;
            }
        }
        return u;
    }

    private static LinuxCapabilities Capabilities(ref JsonCursor c)
    {
        var caps = new LinuxCapabilities();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "bounding": caps.Bounding = c.OptStrings(); break;
                case "effective": caps.Effective = c.OptStrings(); break;
                case "inheritable": caps.Inheritable = c.OptStrings(); break;
                case "permitted": caps.Permitted = c.OptStrings(); break;
                case "ambient": caps.Ambient = c.OptStrings(); break;
                default: c.Skip(); break;
            }
        }
        return caps;
    }

    private static PosixRlimit Rlimit(ref JsonCursor c)
    {
        var r = new PosixRlimit();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "type": r.Type = c.String(); break;
                case "hard": r.Hard = c.ULong(); break;
                case "soft": r.Soft = c.ULong(); break;
                default: c.Skip(); break;
            }
        }
        return r;
    }

    private static Scheduler Scheduler(ref JsonCursor c)
    {
        var s = new Scheduler();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "policy": s.Policy = c.String(); break;
                case "nice": s.Nice = c.OptInt(); break;
                case "priority": s.Priority = c.OptInt(); break;
                case "flags": s.Flags = c.OptStrings(); break;
                case "runtime": s.Runtime = c.OptULong(); break;
                case "deadline": s.Deadline = c.OptULong(); break;
                case "period": s.Period = c.OptULong(); break;
                default: c.Skip(); break;
            }
        }
        return s;
    }

    private static LinuxIOPriority IOPriority(ref JsonCursor c)
    {
        var io = new LinuxIOPriority();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "class": io.Class = c.String(); break;
                case "priority": io.Priority = c.Int(); break;
                default: c.Skip(); break;
            }
        }
        return io;
    }

    private static CpuAffinity CpuAffinity(ref JsonCursor c)
    {
        var a = new CpuAffinity();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "initial": a.Initial = c.OptString(); break;
                case "final": a.Final = c.OptString(); break;
                default: c.Skip(); break;
            }
        }
        return a;
    }
}
