using Runcs.Cgroups;
using Runcs.Oci;
using Xunit;

namespace Runcs.Tests.Cgroups;

/// <summary>
/// The generated BPF_PROG_TYPE_CGROUP_DEVICE program, run by a tiny interpreter of the
/// instructions it uses, against runc's semantics (last matching rule wins, default deny);
/// and, as root with cgroup2, loading, attaching and replacing it in a real cgroup.
/// </summary>
public sealed class DeviceFilterTests
{
    private const int R = DeviceFilter.AccRead, W = DeviceFilter.AccWrite, M = DeviceFilter.AccMknod;
    private const int C = DeviceFilter.DevChar, B = DeviceFilter.DevBlock;

    private static LinuxDeviceCgroup Rule(bool allow, string? type, long? major, long? minor, string? access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>Runs the program on struct bpf_cgroup_dev_ctx { access_type = access &lt;&lt; 16 | type, major, minor }.</summary>
    private static long Run(ulong[] prog, int type, int access, uint major, uint minor)
    {
        uint[] ctx = [(uint)(access << 16 | type), major, minor];
        var reg = new ulong[11];
        for (int pc = 0, steps = 0; ; pc++, steps++)
        {
            Assert.True(pc < prog.Length && steps < 10000, "ran off the program");
            ulong insn = prog[pc];
            byte code = (byte)insn;
            int dst = (int)(insn >> 8) & 0xf, src = (int)(insn >> 12) & 0xf;
            short off = (short)(insn >> 16);
            int imm = (int)(insn >> 32);
            switch (code)
            {
                case DeviceFilter.LdxMemW:
                    Assert.Equal(1, src);
                    reg[dst] = ctx[off / 4];
                    break;
                case DeviceFilter.Alu32AndK: reg[dst] = (uint)reg[dst] & (uint)imm; break;
                case DeviceFilter.Alu32RshK: reg[dst] = (uint)reg[dst] >> imm; break;
                case DeviceFilter.Alu32MovX: reg[dst] = (uint)reg[src]; break;
                case DeviceFilter.Alu64MovK: reg[dst] = (ulong)(long)imm; break;
                case DeviceFilter.JneK: if (reg[dst] != (ulong)(long)imm) pc += off; break;
                case DeviceFilter.JneX: if (reg[dst] != reg[src]) pc += off; break;
                case DeviceFilter.Exit: return (long)reg[0];
                default: Assert.Fail($"unknown opcode 0x{code:x2} at {pc}"); break;
            }
        }
    }

    private static bool Allowed(IReadOnlyList<LinuxDeviceCgroup> rules, int type, int access, uint major, uint minor) =>
        Run(DeviceFilter.Generate(rules), type, access, major, minor) == 1;

    [Fact]
    public void Nothing_listed_is_denied()
    {
        Assert.False(Allowed([], C, R, 1, 3));
        Assert.False(Allowed([Rule(true, "c", 1, 3, "rwm")], C, R, 1, 5));
        Assert.False(Allowed([Rule(true, "c", 1, 3, "rwm")], B, R, 1, 3));
    }

    [Fact]
    public void Default_list_after_deny_all_allows_its_devices_only()
    {
        var spec = new Spec { Linux = new Linux { Resources = new LinuxResources { Devices = [Rule(false, null, null, null, "rwm")] } } };
        var rules = DeviceRules.For(spec);
        Assert.True(Allowed(rules, C, R | W, 1, 3));
        Assert.True(Allowed(rules, C, R, 1, 9));
        Assert.True(Allowed(rules, C, R | W, 136, 7));
        Assert.True(Allowed(rules, B, M, 8, 0));
        Assert.False(Allowed(rules, B, R, 8, 0));
        Assert.False(Allowed(rules, C, W, 1, 11));
        Assert.False(Allowed(rules, C, R, 1, 11));
    }

    [Fact]
    public void Every_requested_access_must_be_in_the_rule()
    {
        LinuxDeviceCgroup[] rules = [Rule(true, "c", 1, 11, "w")];
        Assert.True(Allowed(rules, C, W, 1, 11));
        Assert.False(Allowed(rules, C, R, 1, 11));
        Assert.False(Allowed(rules, C, R | W, 1, 11));
    }

    [Fact]
    public void The_last_matching_rule_wins()
    {
        LinuxDeviceCgroup[] rules = [Rule(true, "c", 1, null, "rwm"), Rule(false, "c", 1, 9, "w")];
        Assert.True(Allowed(rules, C, R, 1, 9));
        Assert.False(Allowed(rules, C, W, 1, 9));
        Assert.True(Allowed(rules, C, W, 1, 8));
        LinuxDeviceCgroup[] reversed = [Rule(false, "c", 1, 9, "w"), Rule(true, "c", 1, null, "rwm")];
        Assert.True(Allowed(reversed, C, W, 1, 9));
    }

    [Fact]
    public void An_allow_all_rule_ends_the_program_without_unreachable_code()
    {
        LinuxDeviceCgroup[] rules = [Rule(false, "c", 1, 9, "rwm"), Rule(true, "a", null, null, "rwm")];
        var prog = DeviceFilter.Generate(rules);
        Assert.Equal(6 + 2, prog.Length);
        Assert.True(Allowed(rules, C, W, 1, 9));
        Assert.True(Allowed(rules, B, R | W | M, 8, 0));
    }

    /// <summary>Root and cgroup2 (here at /sys/fs/cgroup/unified): load, attach, then a second Apply replaces the first program.</summary>
    [Fact]
    public void A_second_apply_replaces_the_attached_program()
    {
        string? root = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup"
            : File.Exists("/sys/fs/cgroup/unified/cgroup.controllers") ? "/sys/fs/cgroup/unified" : null;
        Assert.SkipWhen(root is null || !Runcs.Tests.Integration.RuncsBinary.IsRoot, "needs root and a cgroup2 hierarchy");
        string dir = Path.Combine(root, $"runcs-bpf-test-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            Assert.Empty(DeviceFilter.Attached(dir));
            DeviceFilter.Apply(dir, [Rule(true, "c", 1, 3, "rwm")]);
            uint[] first = DeviceFilter.Attached(dir);
            Assert.Single(first);
            DeviceFilter.Apply(dir, [Rule(true, "c", 1, 5, "rwm")]);
            uint[] second = DeviceFilter.Attached(dir);
            Assert.Single(second);
            Assert.NotEqual(first[0], second[0]);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
