namespace Runcs.Oci;

// The "linux" object of config.json, and its resources (also update's --resources document).
internal static partial class SpecReader
{
    private static Linux Linux(ref JsonCursor c)
    {
        var l = new Linux();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "uidmappings": l.UidMappings = c.OptObjects(IdMapping); break;
                case "gidmappings": l.GidMappings = c.OptObjects(IdMapping); break;
                case "sysctl": l.Sysctl = c.OptStringMap(); break;
                case "resources": l.Resources = c.OptObject(Resources); break;
                case "cgroupspath": l.CgroupsPath = c.OptString(); break;
                case "namespaces": l.Namespaces = c.OptObjects(Namespace); break;
                case "devices": l.Devices = c.OptObjects(Device); break;
                case "seccomp": l.Seccomp = c.OptObject(Seccomp); break;
                case "rootfspropagation": l.RootfsPropagation = c.OptString(); break;
                case "maskedpaths": l.MaskedPaths = c.OptStrings(); break;
                case "readonlypaths": l.ReadonlyPaths = c.OptStrings(); break;
                case "mountlabel": l.MountLabel = c.OptString(); break;
                case "intelrdt": l.IntelRdt = c.OptObject(IntelRdt); break;
                case "personality": l.Personality = c.OptObject(Personality); break;
                case "timeoffsets": l.TimeOffsets = c.OptObjectMap(TimeOffset); break;
                case "netdevices": l.NetDevices = c.OptObjectMap(NetDevice); break;
                default: c.Skip(); break;
            }
        }
        return l;
    }

    private static LinuxIdMapping IdMapping(ref JsonCursor c)
    {
        var m = new LinuxIdMapping();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "containerid": m.ContainerId = c.UInt(); break;
                case "hostid": m.HostId = c.UInt(); break;
                case "size": m.Size = c.UInt(); break;
                default: c.Skip(); break;
            }
        }
        return m;
    }

    private static LinuxNamespace Namespace(ref JsonCursor c)
    {
        var ns = new LinuxNamespace();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "type": ns.Type = c.String(); break;
                case "path": ns.Path = c.OptString(); break;
                default: c.Skip(); break;
            }
        }
        return ns;
    }

    private static LinuxDevice Device(ref JsonCursor c)
    {
        var d = new LinuxDevice();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "path": d.Path = c.String(); break;
                case "type": d.Type = c.String(); break;
                case "major": d.Major = c.Long(); break;
                case "minor": d.Minor = c.Long(); break;
                case "filemode": d.FileMode = c.OptUInt(); break;
                case "uid": d.Uid = c.OptUInt(); break;
                case "gid": d.Gid = c.OptUInt(); break;
                default: c.Skip(); break;
            }
        }
        return d;
    }

    private static LinuxSeccomp Seccomp(ref JsonCursor c)
    {
        var s = new LinuxSeccomp();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "defaultaction": s.DefaultAction = c.String(); break;
                case "defaulterrnoret": s.DefaultErrnoRet = c.OptUInt(); break;
                case "architectures": s.Architectures = c.OptStrings(); break;
                case "flags": s.Flags = c.OptStrings(); break;
                case "listenerpath": s.ListenerPath = c.OptString(); break;
                case "listenermetadata": s.ListenerMetadata = c.OptString(); break;
                case "syscalls": s.Syscalls = c.OptObjects(Syscall); break;
                default: c.Skip(); break;
            }
        }
        return s;
    }

    private static LinuxSyscall Syscall(ref JsonCursor c)
    {
        var s = new LinuxSyscall();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "names": s.Names = c.OptStrings() ?? throw c.NotNull(); break;
                case "action": s.Action = c.String(); break;
                case "errnoret": s.ErrnoRet = c.OptUInt(); break;
                case "args": s.Args = c.OptObjects(SeccompArg); break;
                default: c.Skip(); break;
            }
        }
        return s;
    }

    private static LinuxSeccompArg SeccompArg(ref JsonCursor c)
    {
        var a = new LinuxSeccompArg();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "index": a.Index = c.UInt(); break;
                case "value": a.Value = c.ULong(); break;
                case "valuetwo": a.ValueTwo = c.OptULong(); break;
                case "op": a.Op = c.String(); break;
                default: c.Skip(); break;
            }
        }
        return a;
    }

    private static LinuxIntelRdt IntelRdt(ref JsonCursor c)
    {
        var r = new LinuxIntelRdt();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "closid": r.ClosId = c.OptString(); break;
                case "schemata": r.Schemata = c.OptString(); break;
                case "l3cacheschema": r.L3CacheSchema = c.OptString(); break;
                case "membwschema": r.MemBwSchema = c.OptString(); break;
                case "enablecmt": r.EnableCmt = c.OptBool(); break;
                case "enablembm": r.EnableMbm = c.OptBool(); break;
                default: c.Skip(); break;
            }
        }
        return r;
    }

    private static LinuxPersonality Personality(ref JsonCursor c)
    {
        var p = new LinuxPersonality();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "domain": p.Domain = c.String(); break;
                case "flags": p.Flags = c.OptStrings(); break;
                default: c.Skip(); break;
            }
        }
        return p;
    }

    private static LinuxTimeOffset TimeOffset(ref JsonCursor c)
    {
        var t = new LinuxTimeOffset();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "secs": t.Secs = c.OptLong(); break;
                case "nanosecs": t.Nanosecs = c.OptUInt(); break;
                default: c.Skip(); break;
            }
        }
        return t;
    }

    private static LinuxNetDevice NetDevice(ref JsonCursor c)
    {
        var d = new LinuxNetDevice();
        while (c.NextProperty(out string name))
        {
            if (name == "name") d.Name = c.OptString();
            else c.Skip();
        }
        return d;
    }

    private static LinuxResources Resources(ref JsonCursor c)
    {
        var r = new LinuxResources();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "devices": r.Devices = c.OptObjects(DeviceCgroup); break;
                case "memory": r.Memory = c.OptObject(Memory); break;
                case "cpu": r.Cpu = c.OptObject(Cpu); break;
                case "pids": r.Pids = c.OptObject(Pids); break;
                case "blockio": r.BlockIO = c.OptObject(BlockIO); break;
                case "hugepagelimits": r.HugepageLimits = c.OptObjects(HugepageLimit); break;
                case "network": r.Network = c.OptObject(Network); break;
                case "rdma": r.Rdma = c.OptObjectMap(Rdma); break;
                case "unified": r.Unified = c.OptStringMap(); break;
                default: c.Skip(); break;
            }
        }
        return r;
    }

    private static LinuxDeviceCgroup DeviceCgroup(ref JsonCursor c)
    {
        var d = new LinuxDeviceCgroup();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "allow": d.Allow = c.OptBool() ?? false; break; // Go leaves a bool alone for null
                case "type": d.Type = c.OptString(); break;
                case "major": d.Major = c.OptLong(); break;
                case "minor": d.Minor = c.OptLong(); break;
                case "access": d.Access = c.OptString(); break;
                default: c.Skip(); break;
            }
        }
        return d;
    }

    private static LinuxMemory Memory(ref JsonCursor c)
    {
        var m = new LinuxMemory();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "limit": m.Limit = c.OptLong(); break;
                case "reservation": m.Reservation = c.OptLong(); break;
                case "swap": m.Swap = c.OptLong(); break;
                case "kernel": m.Kernel = c.OptLong(); break;
                case "kerneltcp": m.KernelTcp = c.OptLong(); break;
                case "swappiness": m.Swappiness = c.OptULong(); break;
                case "disableoomkiller": m.DisableOomKiller = c.OptBool(); break;
                case "usehierarchy": m.UseHierarchy = c.OptBool(); break;
                case "checkbeforeupdate": m.CheckBeforeUpdate = c.OptBool(); break;
                default: c.Skip(); break;
            }
        }
        return m;
    }

    private static LinuxCpu Cpu(ref JsonCursor c)
    {
        var cpu = new LinuxCpu();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "shares": cpu.Shares = c.OptULong(); break;
                case "quota": cpu.Quota = c.OptLong(); break;
                case "burst": cpu.Burst = c.OptULong(); break;
                case "period": cpu.Period = c.OptULong(); break;
                case "realtimeruntime": cpu.RealtimeRuntime = c.OptLong(); break;
                case "realtimeperiod": cpu.RealtimePeriod = c.OptULong(); break;
                case "cpus": cpu.Cpus = c.OptString(); break;
                case "mems": cpu.Mems = c.OptString(); break;
                case "idle": cpu.Idle = c.OptLong(); break;
                default: c.Skip(); break;
            }
        }
        return cpu;
    }

    private static LinuxPids Pids(ref JsonCursor c)
    {
        var p = new LinuxPids();
        while (c.NextProperty(out string name))
        {
            if (name == "limit") p.Limit = c.Long();
            else c.Skip();
        }
        return p;
    }

    private static LinuxBlockIO BlockIO(ref JsonCursor c)
    {
        var b = new LinuxBlockIO();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "weight": b.Weight = c.OptUShort(); break;
                case "leafweight": b.LeafWeight = c.OptUShort(); break;
                case "weightdevice": b.WeightDevice = c.OptObjects(WeightDevice); break;
                case "throttlereadbpsdevice": b.ThrottleReadBpsDevice = c.OptObjects(ThrottleDevice); break;
                case "throttlewritebpsdevice": b.ThrottleWriteBpsDevice = c.OptObjects(ThrottleDevice); break;
                case "throttlereadiopsdevice": b.ThrottleReadIopsDevice = c.OptObjects(ThrottleDevice); break;
                case "throttlewriteiopsdevice": b.ThrottleWriteIopsDevice = c.OptObjects(ThrottleDevice); break;
                default: c.Skip(); break;
            }
        }
        return b;
    }

    private static LinuxWeightDevice WeightDevice(ref JsonCursor c)
    {
        var d = new LinuxWeightDevice();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "major": d.Major = c.Long(); break;
                case "minor": d.Minor = c.Long(); break;
                case "weight": d.Weight = c.OptUShort(); break;
                case "leafweight": d.LeafWeight = c.OptUShort(); break;
                default: c.Skip(); break;
            }
        }
        return d;
    }

    private static LinuxThrottleDevice ThrottleDevice(ref JsonCursor c)
    {
        var d = new LinuxThrottleDevice();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "major": d.Major = c.Long(); break;
                case "minor": d.Minor = c.Long(); break;
                case "rate": d.Rate = c.ULong(); break;
                default: c.Skip(); break;
            }
        }
        return d;
    }

    private static LinuxHugepageLimit HugepageLimit(ref JsonCursor c)
    {
        var h = new LinuxHugepageLimit();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "pagesize": h.PageSize = c.String(); break;
                case "limit": h.Limit = c.ULong(); break;
                default: c.Skip(); break;
            }
        }
        return h;
    }

    private static LinuxNetwork Network(ref JsonCursor c)
    {
        var n = new LinuxNetwork();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "classid": n.ClassId = c.OptUInt(); break;
                case "priorities": n.Priorities = c.OptObjects(InterfacePriority); break;
                default: c.Skip(); break;
            }
        }
        return n;
    }

    private static LinuxInterfacePriority InterfacePriority(ref JsonCursor c)
    {
        var p = new LinuxInterfacePriority();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "name": p.Name = c.String(); break;
                case "priority": p.Priority = c.UInt(); break;
                default: c.Skip(); break;
            }
        }
        return p;
    }

    private static LinuxRdma Rdma(ref JsonCursor c)
    {
        var r = new LinuxRdma();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "hcahandles": r.HcaHandles = c.OptUInt(); break;
                case "hcaobjects": r.HcaObjects = c.OptUInt(); break;
                default: c.Skip(); break;
            }
        }
        return r;
    }
}
