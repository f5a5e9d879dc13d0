using Runcs.Errors;
using Runcs.Oci;
using Runcs.Seccomp;
using Xunit;
using static Runcs.Seccomp.SeccompCompiler;

namespace Runcs.Tests.Seccomp;

public sealed class SeccompCompilerTests
{
    private static readonly string[] AllOps = [.. Operators];
    private static readonly string[] RuleActions =
        ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_KILL_THREAD"];
    private static readonly ulong[] Edges =
    [
        0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000, 0x100000001, 0x1ffffffff,
        0x7fffffffffffffff, 0x8000000000000000, 0xffffffff00000000, 0xfffffffffffffffe, ulong.MaxValue,
    ];

    // ---- the reference: the action computed directly from the profile ----

    private static bool Holds(LinuxSeccompArg a, ulong v) => a.Op switch
    {
        "SCMP_CMP_EQ" => v == a.Value,
        "SCMP_CMP_NE" => v != a.Value,
        "SCMP_CMP_LT" => v < a.Value,
        "SCMP_CMP_LE" => v <= a.Value,
        "SCMP_CMP_GT" => v > a.Value,
        "SCMP_CMP_GE" => v >= a.Value,
        "SCMP_CMP_MASKED_EQ" => (v & a.Value) == (a.ValueTwo ?? 0),
        _ => throw new ArgumentException(a.Op),
    };

    /// <summary>runc's -ENOSYS stub: the highest number named on a listed architecture, or 0.</summary>
    private static uint Highest(LinuxSeccomp p, string arch, IReadOnlyDictionary<string, int> table, uint bits) =>
        HasArch(p, arch)
            ? (p.Syscalls ?? []).SelectMany(s => s.Names).Where(table.ContainsKey).Select(n => (uint)table[n] | bits).DefaultIfEmpty(0u).Max()
            : 0;

    private static uint? Enosys(LinuxSeccomp p, uint arch, uint nr)
    {
        if (p.DefaultAction is "SCMP_ACT_ALLOW" or "SCMP_ACT_LOG" or "SCMP_ACT_TRACE")
            return null;
        uint highest = arch switch
        {
            AUDIT_ARCH_X86_64 when (nr & X32_SYSCALL_BIT) != 0 => Highest(p, "SCMP_ARCH_X32", SyscallTable.X32, X32_SYSCALL_BIT),
            AUDIT_ARCH_X86_64 => Highest(p, "SCMP_ARCH_X86_64", SyscallTable.X86_64, 0),
            AUDIT_ARCH_I386 => Highest(p, "SCMP_ARCH_X86", SyscallTable.I386, 0),
            _ => 0,
        };
        return highest != 0 && nr > highest ? RET_ERRNO | 38 : null;
    }

    /// <summary>runc: when an argument index repeats in a rule, each condition is a rule of its own.</summary>
    private static bool Matches(LinuxSyscall rule, ulong[] args)
    {
        var conditions = rule.Args ?? [];
        bool repeated = conditions.GroupBy(a => a.Index).Any(g => g.Count() > 1);
        return repeated ? conditions.Any(a => Holds(a, args[a.Index])) : conditions.All(a => Holds(a, args[a.Index]));
    }

    private static uint Expected(LinuxSeccomp p, uint arch, uint nr, ulong[] args)
    {
        if (Enosys(p, arch, nr) is uint enosys)
            return enosys;
        uint def = ActionValue(p.DefaultAction, p.DefaultErrnoRet);
        IReadOnlyDictionary<string, int> table;
        uint bits = 0;
        if (arch == AUDIT_ARCH_X86_64)
        {
            if (nr >= X32_SYSCALL_BIT)
            {
                if (!HasArch(p, "SCMP_ARCH_X32"))
                    return RET_KILL_THREAD;
                table = SyscallTable.X32;
                bits = X32_SYSCALL_BIT;
            }
            else
            {
                table = SyscallTable.X86_64;
            }
        }
        else if (arch == AUDIT_ARCH_I386 && HasArch(p, "SCMP_ARCH_X86"))
        {
            table = SyscallTable.I386;
        }
        else
        {
            return RET_KILL_THREAD;
        }
        foreach (var rule in p.Syscalls ?? [])
        {
            uint action = ActionValue(rule.Action, rule.ErrnoRet);
            if (action == def)
                continue;
            if (!rule.Names.Any(n => table.TryGetValue(n, out int x) && ((uint)x | bits) == nr))
                continue;
            if (Matches(rule, args))
                return action;
        }
        return def;
    }

    // ---- random profiles ----

    private static ulong RandomValue(Random r) => r.Next(3) switch
    {
        0 => Edges[r.Next(Edges.Length)],
        1 => (ulong)r.NextInt64() ^ ((ulong)r.Next(2) << 63),
        _ => (ulong)r.Next(0, 64),
    };

    private static LinuxSeccomp RandomProfile(Random r, string[] names)
    {
        var p = new LinuxSeccomp
        {
            DefaultAction = r.Next(4) switch { 0 or 1 => "SCMP_ACT_ERRNO", 2 => "SCMP_ACT_ALLOW", _ => RuleActions[r.Next(RuleActions.Length)] },
            DefaultErrnoRet = r.Next(3) == 0 ? (uint)r.Next(1, 200) : null,
            Architectures = [.. new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" }.Where(_ => r.Next(2) == 0)],
            Syscalls = [],
        };
        int rules = r.Next(1, 40);
        for (int i = 0; i < rules; i++)
        {
            var rule = new LinuxSyscall
            {
                Names = [.. Enumerable.Range(0, r.Next(1, 6)).Select(_ => r.Next(20) == 0 ? "no_such_syscall" : names[r.Next(names.Length)])],
                Action = RuleActions[r.Next(RuleActions.Length)],
                ErrnoRet = r.Next(2) == 0 ? (uint)r.Next(1, 100) : null,
                Args = [],
            };
            int args = r.Next(4) == 0 ? 0 : r.Next(1, 4);
            for (int j = 0; j < args; j++)
            {
                string op = AllOps[r.Next(AllOps.Length)];
                rule.Args.Add(new LinuxSeccompArg
                {
                    // often the same argument as the previous condition: those rules are ORed
                    Index = j > 0 && r.Next(3) == 0 ? rule.Args[j - 1].Index : (uint)r.Next(6),
                    Op = op,
                    Value = RandomValue(r),
                    ValueTwo = op == "SCMP_CMP_MASKED_EQ" ? RandomValue(r) : null,
                });
            }
            p.Syscalls.Add(rule);
        }
        return p;
    }

    /// <summary>Argument values near the profile's own: equal, one off, masked, and the edges.</summary>
    private static ulong ArgFor(Random r, LinuxSeccomp p)
    {
        var values = (p.Syscalls ?? []).SelectMany(s => s.Args ?? []).ToList();
        if (values.Count == 0 || r.Next(4) == 0)
            return RandomValue(r);
        var a = values[r.Next(values.Count)];
        return r.Next(7) switch
        {
            0 => a.Value,
            1 => a.Value + 1,
            2 => a.Value - 1,
            3 => a.ValueTwo ?? a.Value,
            4 => (a.ValueTwo ?? 0) | (~a.Value & (ulong)r.NextInt64()),
            5 => a.Value ^ (1UL << 32),
            _ => a.Value ^ 0xffffffff,
        };
    }

    private static uint RandomNr(Random r, LinuxSeccomp p, uint arch)
    {
        var table = arch == AUDIT_ARCH_I386 ? SyscallTable.I386 : SyscallTable.X86_64;
        switch (r.Next(8))
        {
            case 0: return r.Next(3) == 0 ? (uint)r.Next(300, 2000) : (uint)r.Next(0, 600);
            case 1: return Edges[r.Next(Edges.Length)] is var e && e <= uint.MaxValue ? (uint)e : uint.MaxValue;
            case 2: return X32_SYSCALL_BIT | (uint)r.Next(0, 600);
            default:
                var names = (p.Syscalls ?? []).SelectMany(s => s.Names).ToList();
                string name = names[r.Next(names.Count)];
                bool x32 = arch == AUDIT_ARCH_X86_64 && r.Next(4) == 0;
                var t = x32 ? SyscallTable.X32 : table;
                return t.TryGetValue(name, out int nr) ? (uint)nr | (x32 ? X32_SYSCALL_BIT : 0) : 999;
        }
    }

    [Fact]
    public void Random_profiles_give_the_action_the_profile_says_for_every_call()
    {
        var r = new Random(20261129);
        string[] names = [.. SyscallTable.X86_64.Keys.Take(80), "mkdir", "personality", "socket", "clone", "ioctl"];
        uint[] arches = [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0xC00000B7 /* aarch64 */];
        int checkedCalls = 0;
        for (int profile = 0; profile < 300; profile++)
        {
            var p = RandomProfile(r, names);
            var program = Compile(p);
            for (int call = 0; call < 300; call++)
            {
                uint arch = arches[r.Next(arches.Length)];
                uint nr = RandomNr(r, p, arch);
                var args = Enumerable.Range(0, 6).Select(_ => ArgFor(r, p)).ToArray();
                uint got = BpfInterpreter.Run(program, BpfInterpreter.Data(arch, nr, args));
                uint want = Expected(p, arch, nr, args);
                if (got != want)
                    Assert.Fail($"profile {profile}, arch 0x{arch:x}, nr {nr}, args [{string.Join(", ", args.Select(a => "0x" + a.ToString("x")))}]: got 0x{got:x}, want 0x{want:x}");
                checkedCalls++;
            }
        }
        Assert.Equal(90000, checkedCalls);
    }

    [Theory]
    [InlineData("SCMP_CMP_EQ")]
    [InlineData("SCMP_CMP_NE")]
    [InlineData("SCMP_CMP_LT")]
    [InlineData("SCMP_CMP_LE")]
    [InlineData("SCMP_CMP_GT")]
    [InlineData("SCMP_CMP_GE")]
    [InlineData("SCMP_CMP_MASKED_EQ")]
    public void Every_operator_is_exact_on_the_word_boundaries(string op)
    {
        foreach (ulong value in Edges)
            foreach (ulong two in new ulong[] { 0, 1, 0x100000000, 0xffffffff, value })
            {
                var p = new LinuxSeccomp
                {
                    DefaultAction = "SCMP_ACT_ALLOW",
                    Syscalls = [new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ERRNO", Args = [new LinuxSeccompArg { Index = 0, Op = op, Value = value, ValueTwo = two }] }],
                };
                var program = Compile(p);
                foreach (ulong v in Edges.Concat(Edges.Select(e => e ^ value)).Concat([value, value + 1, value - 1, two]))
                {
                    uint want = Expected(p, AUDIT_ARCH_X86_64, 135, [v, 0, 0, 0, 0, 0]);
                    Assert.Equal(want, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 135, v)));
                }
            }
    }

    private static LinuxSeccomp DockerStyle() => new()
    {
        DefaultAction = "SCMP_ACT_ERRNO",
        DefaultErrnoRet = 38,
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Syscalls =
        [
            new LinuxSyscall { Names = [.. SyscallTable.X86_64.Keys.Where(n => n is not ("personality" or "mkdir"))], Action = "SCMP_ACT_ALLOW" },
            new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ALLOW", Args = [new LinuxSeccompArg { Index = 0, Op = "SCMP_CMP_EQ", Value = 0 }] },
            new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ALLOW", Args = [new LinuxSeccompArg { Index = 0, Op = "SCMP_CMP_EQ", Value = 0xffffffff }] },
        ],
    };

    [Fact]
    public void A_big_allow_list_is_a_binary_search_with_far_jumps_resolved()
    {
        var p = DockerStyle();
        var program = Compile(p);
        Assert.True(program.Length < 4096, program.Length.ToString());
        int worst = 0;
        foreach (var (name, nr) in SyscallTable.X86_64)
        {
            uint got = BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, (uint)nr, 0), out int steps);
            Assert.Equal(name == "mkdir" ? RET_ERRNO | 38 : RET_ALLOW, got); // personality(0) is allowed
            worst = Math.Max(worst, steps);
        }
        // the -ENOSYS stub (arch load and check, nr load, x32 bit, limit), then the filter: arch
        // load, arch check, nr load, x32 check, ~log2(360) splits, a short JEQ chain, the rule.
        Assert.True(worst <= 19, $"{worst} instructions executed for one syscall, program {program.Length}");
        Assert.True(program.Length < 400, $"{program.Length} instructions: neighbours with the same rules are one interval");
        Assert.Equal(RET_ERRNO | 38, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 135, 8)));
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 135, 0xffffffff)));
        Assert.Equal(RET_ERRNO | 38, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 135, 0x1ffffffff)));
        // x32 and i386 names are looked up in their own tables.
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 0, 0)));
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_I386, 3 /* read */, 0)));
        Assert.Equal(RET_ERRNO | 38, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_I386, 39 /* mkdir */, 0)));
        Assert.Equal(RET_KILL_THREAD, BpfInterpreter.Run(program, BpfInterpreter.Data(0xC00000B7, 0, 0)));
    }

    [Fact]
    public void A_program_longer_than_a_conditional_jump_reaches_every_target()
    {
        // a different errno for every syscall: nothing merges, targets are up to ~1000 instructions away
        var p = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [.. SyscallTable.X86_64.Select(s => new LinuxSyscall { Names = [s.Key], Action = "SCMP_ACT_ERRNO", ErrnoRet = (uint)s.Value + 1,
                Args = s.Value % 3 == 0 ? [new LinuxSeccompArg { Index = 1, Op = "SCMP_CMP_NE", Value = 7 }] : null })],
        };
        var program = Compile(p);
        Assert.True(program.Length > 700, program.Length.ToString());
        foreach (var (name, nr) in SyscallTable.X86_64)
        {
            Assert.Equal(RET_ERRNO | (uint)(nr + 1), BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, (uint)nr, 0, 0)));
            Assert.Equal(nr % 3 == 0 ? RET_ALLOW : RET_ERRNO | (uint)(nr + 1), BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, (uint)nr, 0, 7)));
        }
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 9999, 0)));
    }

    [Fact]
    public void X32_calls_are_killed_unless_x32_is_listed()
    {
        var p = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }] };
        var program = Compile(p);
        Assert.Equal(RET_KILL_THREAD, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 83, 0)));
        Assert.Equal(RET_KILL_THREAD, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_I386, 39, 0)));
        Assert.Equal(RET_ERRNO | 1, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 83, 0)));
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 84, 0)));
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", null, 0u)]
    [InlineData("SCMP_ACT_KILL_THREAD", null, 0u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", null, 0x80000000u)]
    [InlineData("SCMP_ACT_TRAP", null, 0x00030000u)]
    [InlineData("SCMP_ACT_ERRNO", null, 0x00050001u)]
    [InlineData("SCMP_ACT_ERRNO", 38u, 0x00050026u)]
    [InlineData("SCMP_ACT_TRACE", 5u, 0x7ff00005u)]
    [InlineData("SCMP_ACT_ALLOW", null, 0x7fff0000u)]
    [InlineData("SCMP_ACT_LOG", null, 0x7ffc0000u)]
    [InlineData("SCMP_ACT_NOTIFY", null, 0x7fc00000u)]
    public void Actions_have_the_kernel_values(string action, uint? errno, uint value) =>
        Assert.Equal(value, ActionValue(action, errno));

    private static string ValidationError(string json)
    {
        var seccomp = SpecLoader.ParseSpec("config.json", "{\"linux\": {\"seccomp\": " + json + "}}").Linux!.Seccomp!;
        return Assert.Throws<ConfigError>(() => Validate(seccomp, "config.json")).Message;
    }

    [Theory]
    [InlineData("""{"defaultAction": ""}""", "config.json: linux.seccomp.defaultAction: must not be empty")]
    [InlineData("""{"defaultAction": "SCMP_ACT_NOPE"}""", "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"]}""", "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]}""", "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO"}, {"names": ["a"], "action": "SCMP_ACT_ERRNO"}, {"names": ["b"], "action": "SCMP_ACT_ERRNO"}, {"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]}""", "config.json: linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}""", "config.json: linux.seccomp.syscalls[0].names: must not be empty")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 1, "op": "SCMP_CMP_FOO"}]}]}""", "config.json: linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}""", "config.json: linux.seccomp.syscalls[0].args[0].index: argument index 6 out of range (0-5)")]
    [InlineData("""{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/agent.sock"}""", "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}""", "config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath (the seccomp agent's socket)")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock", "syscalls": [{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]}""", "config.json: linux.seccomp.syscalls[0].names: SCMP_ACT_NOTIFY cannot be used for the write syscall")]
    public void Bad_profiles_are_config_errors_naming_the_path(string json, string message) =>
        Assert.Equal(message, ValidationError(json));

    [Fact]
    public void A_flag_the_kernel_lacks_is_a_config_error()
    {
        foreach (var (name, value) in Flags)
        {
            var p = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Flags = ["SECCOMP_FILTER_FLAG_TSYNC", name] };
            if (SeccompLoader.KernelSupportsFlag(value))
                Validate(p, "config.json");
            else
                Assert.Equal($"config.json: linux.seccomp.flags[1]: flag \"{name}\" is not supported by the running kernel",
                    Assert.Throws<ConfigError>(() => Validate(p, "config.json")).Message);
        }
    }

    [Fact]
    public void Unknown_syscall_names_are_skipped_and_foreign_archs_accepted()
    {
        var p = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
            Syscalls = [new LinuxSyscall { Names = ["no_such_call", "mkdir"], Action = "SCMP_ACT_ERRNO" }],
        };
        Validate(p, "config.json");
        var program = Compile(p);
        Assert.Equal(RET_ERRNO | 1, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 83, 0)));
    }

    private static LinuxSeccompArg Eq(uint index, ulong value) => new() { Index = index, Op = "SCMP_CMP_EQ", Value = value };

    [Fact]
    public void Conditions_on_the_same_argument_are_ored_as_runc_adds_them_as_separate_rules()
    {
        const uint process_vm_readv = 310;
        var p = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls =
            [
                new LinuxSyscall { Names = ["process_vm_readv"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 22, Args = [Eq(0, 100), Eq(0, 9001)] },
                // no repeated index: ANDed
                new LinuxSyscall { Names = ["process_vm_writev"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 22, Args = [Eq(0, 100), Eq(1, 7)] },
                // a repeated index makes every condition its own rule, the other argument's too (runc)
                new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 22, Args = [Eq(0, 1), Eq(0, 2), Eq(1, 7)] },
            ],
        };
        var program = Compile(p);
        uint Run(uint nr, ulong a0, ulong a1 = 0) => BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, nr, a0, a1));
        Assert.Equal(RET_ERRNO | 22, Run(process_vm_readv, 100));
        Assert.Equal(RET_ERRNO | 22, Run(process_vm_readv, 9001));
        Assert.Equal(RET_ALLOW, Run(process_vm_readv, 101));
        Assert.Equal(RET_ERRNO | 22, Run(311, 100, 7));
        Assert.Equal(RET_ALLOW, Run(311, 100, 8));
        Assert.Equal(RET_ALLOW, Run(311, 99, 7));
        Assert.Equal(RET_ERRNO | 22, Run(135, 2));
        Assert.Equal(RET_ERRNO | 22, Run(135, 5, 7));
        Assert.Equal(RET_ALLOW, Run(135, 5, 8));
    }

    [Theory]
    [InlineData("SCMP_ACT_ERRNO", true)]
    [InlineData("SCMP_ACT_KILL", true)]
    [InlineData("SCMP_ACT_KILL_PROCESS", true)]
    [InlineData("SCMP_ACT_TRAP", true)]
    [InlineData("SCMP_ACT_ALLOW", false)]
    [InlineData("SCMP_ACT_LOG", false)]
    [InlineData("SCMP_ACT_TRACE", false)]
    public void Syscalls_newer_than_the_profile_get_enosys_unless_the_default_lets_calls_through(string defaultAction, bool enosys)
    {
        var p = new LinuxSeccomp
        {
            DefaultAction = defaultAction,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls = [new LinuxSyscall { Names = ["read", "write", "openat", "mkdir"], Action = defaultAction == "SCMP_ACT_ERRNO" ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO" }],
        };
        var program = Compile(p);
        uint def = ActionValue(defaultAction, null);
        uint Run(uint arch, uint nr) => BpfInterpreter.Run(program, BpfInterpreter.Data(arch, nr, 0));
        uint newer = enosys ? RET_ERRNO | 38 : def;
        Assert.Equal(newer, Run(AUDIT_ARCH_X86_64, 1000));
        Assert.Equal(newer, Run(AUDIT_ARCH_X86_64, 258)); // above openat (257), the highest named
        Assert.Equal(def, Run(AUDIT_ARCH_X86_64, 257 - 1)); // below it, not named: the default
        Assert.Equal(newer, Run(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 1000));
        Assert.Equal(def, Run(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 200));
        Assert.Equal(newer, Run(AUDIT_ARCH_I386, 296)); // above openat, 295 on i386
        Assert.Equal(def, Run(AUDIT_ARCH_I386, 200));
        Assert.Equal(RET_KILL_THREAD, Run(0xC00000B7, 1000)); // another architecture: the filter kills it
    }

    [Fact]
    public void The_enosys_limit_is_per_listed_architecture_as_runcs_stub()
    {
        // Only i386 listed: x86_64 (always in the filter) gets no stub, i386 does.
        var p = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Architectures = ["SCMP_ARCH_X86"],
            Syscalls = [new LinuxSyscall { Names = ["read"], Action = "SCMP_ACT_ALLOW" }, new LinuxSyscall { Names = ["getpid"], Action = "SCMP_ACT_ALLOW" }],
        };
        var program = Compile(p);
        Assert.Equal(RET_ERRNO | 1, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 1000, 0)));
        Assert.Equal(RET_ERRNO | 38, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_I386, 1000, 0)));
        Assert.Equal(RET_ALLOW, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_I386, 20, 0)));
        // No architectures listed: runc's stub has nothing to compare with.
        p.Architectures = null;
        program = Compile(p);
        Assert.Equal(RET_ERRNO | 1, BpfInterpreter.Run(program, BpfInterpreter.Data(AUDIT_ARCH_X86_64, 1000, 0)));
    }
}
