using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;

namespace Runcs.Seccomp;

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
public readonly record struct SockFilter(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>
/// Compiles linux.seccomp into a classic BPF program for seccomp(SECCOMP_SET_MODE_FILTER), as
/// libseccomp does for runc: the architecture is checked first (x86_64 always, i386 and x32 when
/// listed; any other arch, and x32 syscalls unless SCMP_ARCH_X32 is listed, are killed), then the
/// syscall number is found by a balanced binary search over the numbers that have rules, then that
/// syscall's rules are tried in order (args within a rule ANDed, 64-bit compares on the hi and lo
/// words); no match gives the default action. In front of it all, runc's -ENOSYS stub
/// (libcontainer/seccomp/patchbpf): a syscall newer than the profile fails with ENOSYS.
/// </summary>
public static class SeccompCompiler
{
    public const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003;
    public const uint X32_SYSCALL_BIT = 0x40000000;
    public const uint RET_KILL_THREAD = 0, RET_KILL_PROCESS = 0x80000000, RET_TRAP = 0x00030000,
        RET_ERRNO = 0x00050000, RET_TRACE = 0x7ff00000, RET_ALLOW = 0x7fff0000, RET_LOG = 0x7ffc0000,
        RET_USER_NOTIF = 0x7fc00000;
    private const uint EPERM = 1;
    private const int MaxInstructions = 4096; // BPF_MAXINSNS

    // BPF opcodes
    private const ushort LD_W_ABS = 0x20, JEQ_K = 0x15, JGT_K = 0x25, JGE_K = 0x35, JSET_K = 0x45, JA = 0x05, RET_K = 0x06, AND_K = 0x54;
    private const uint ENOSYS = 38;

    public static readonly IReadOnlyList<string> Actions =
    [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
    ];

    public static readonly IReadOnlyList<string> Operators =
        ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"];

    /// <summary>The architectures compiled into the filter.</summary>
    public static readonly IReadOnlyList<string> Archs = ["SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"];

    /// <summary>libseccomp's other architecture names: accepted, and left out of the filter (this is an x86 binary).</summary>
    private static readonly string[] ForeignArchs =
    [
        "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ];

    /// <summary>linux.seccomp.flags and their SECCOMP_FILTER_FLAG_* values.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Flags = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SECCOMP_FILTER_FLAG_TSYNC"] = 1,
        ["SECCOMP_FILTER_FLAG_LOG"] = 2,
        ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] = 4,
        ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] = 32,
    };

    /// <summary>Checks the profile; each problem is a ConfigError naming the JSON path.</summary>
    public static void Validate(LinuxSeccomp seccomp, string file)
    {
        const string p = "linux.seccomp";
        if (string.IsNullOrEmpty(seccomp.DefaultAction))
            throw new ConfigError(file, p + ".defaultAction", "must not be empty");
        if (!IsAction(seccomp.DefaultAction))
            throw new ConfigError(file, p + ".defaultAction", $"unknown action \"{seccomp.DefaultAction}\"");
        if (seccomp.DefaultAction == "SCMP_ACT_NOTIFY")
            throw new ConfigError(file, p + ".defaultAction", "SCMP_ACT_NOTIFY cannot be used as default action");
        var archs = seccomp.Architectures ?? [];
        for (int i = 0; i < archs.Count; i++)
            if (!Archs.Contains(archs[i]) && !ForeignArchs.Contains(archs[i]))
                throw new ConfigError(file, $"{p}.architectures[{i}]", $"unknown architecture \"{archs[i]}\"");
        var flags = seccomp.Flags ?? [];
        for (int i = 0; i < flags.Count; i++)
            if (!Flags.TryGetValue(flags[i], out uint flag))
                throw new ConfigError(file, $"{p}.flags[{i}]", $"unknown flag \"{flags[i]}\"");
            else if (!SeccompLoader.KernelSupportsFlag(flag))
                throw new ConfigError(file, $"{p}.flags[{i}]", $"flag \"{flags[i]}\" is not supported by the running kernel");
        var rules = seccomp.Syscalls ?? [];
        for (int i = 0; i < rules.Count; i++)
        {
            string rp = $"{p}.syscalls[{i}]";
            var rule = rules[i] ?? throw new ConfigError(file, rp, "must not be null");
            if (rule.Names is not { Count: > 0 })
                throw new ConfigError(file, rp + ".names", "must not be empty");
            if (!IsAction(rule.Action))
                throw new ConfigError(file, rp + ".action", $"unknown action \"{rule.Action}\"");
            if (rule.Action == "SCMP_ACT_NOTIFY")
            {
                if (string.IsNullOrEmpty(seccomp.ListenerPath))
                    throw new ConfigError(file, rp + ".action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath (the seccomp agent's socket)");
                // The init reports the listener fd with write(2): notifying it would deadlock.
                if (rule.Names.Contains("write"))
                    throw new ConfigError(file, rp + ".names", "SCMP_ACT_NOTIFY cannot be used for the write syscall");
            }
            var args = rule.Args ?? [];
            for (int j = 0; j < args.Count; j++)
            {
                var a = args[j] ?? throw new ConfigError(file, $"{rp}.args[{j}]", "must not be null");
                if (a.Index > 5)
                    throw new ConfigError(file, $"{rp}.args[{j}].index", $"argument index {a.Index} out of range (0-5)");
                if (!Operators.Contains(a.Op))
                    throw new ConfigError(file, $"{rp}.args[{j}].op", $"unknown operator \"{a.Op}\"");
            }
        }
    }

    private static bool IsAction(string name) => Actions.Contains(name);

    /// <summary>The SECCOMP_RET_* value of an action.</summary>
    public static uint ActionValue(string action, uint? errnoRet)
    {
        uint data = (errnoRet ?? EPERM) & 0xffff;
        return action switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => RET_KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS" => RET_KILL_PROCESS,
            "SCMP_ACT_TRAP" => RET_TRAP,
            "SCMP_ACT_ERRNO" => RET_ERRNO | data,
            "SCMP_ACT_TRACE" => RET_TRACE | data,
            "SCMP_ACT_ALLOW" => RET_ALLOW,
            "SCMP_ACT_LOG" => RET_LOG,
            "SCMP_ACT_NOTIFY" => RET_USER_NOTIF,
            _ => throw new RuntimeError($"unknown seccomp action \"{action}\""),
        };
    }

    /// <summary>Whether the filter returns SECCOMP_RET_USER_NOTIF anywhere, so a listener fd is needed.</summary>
    public static bool UsesNotify(LinuxSeccomp seccomp) =>
        seccomp.Syscalls?.Any(r => r?.Action == "SCMP_ACT_NOTIFY") == true;

    /// <summary>The filter flags for seccomp(2).</summary>
    public static uint FlagValue(LinuxSeccomp seccomp)
    {
        uint flags = 0;
        foreach (string f in seccomp.Flags ?? [])
            flags |= Flags.TryGetValue(f, out uint v) ? v : throw new RuntimeError($"unknown seccomp flag \"{f}\"");
        return flags;
    }

    /// <summary>A rule resolved for one architecture: the action value and the argument conditions.</summary>
    public sealed record Rule(uint Action, IReadOnlyList<LinuxSeccompArg> Args);

    /// <summary>
    /// Rules per syscall number for one table, in profile order. Names the table lacks are skipped,
    /// as are rules whose action is the default one (libseccomp refuses them; runc skips them).
    /// </summary>
    public static List<KeyValuePair<uint, List<Rule>>> RulesFor(LinuxSeccomp seccomp, IReadOnlyDictionary<string, int> table, uint numberBits, string archName)
    {
        uint defaultAction = ActionValue(seccomp.DefaultAction, seccomp.DefaultErrnoRet);
        var result = new Dictionary<uint, List<Rule>>();
        foreach (var s in seccomp.Syscalls ?? [])
        {
            uint action = ActionValue(s.Action, s.ErrnoRet);
            if (action == defaultAction)
                continue;
            foreach (string name in s.Names)
            {
                if (!table.TryGetValue(name, out int nr))
                {
                    if (Log.Debug) // not even the message's string without --debug: profiles list hundreds
                        Log.DebugMessage($"seccomp: syscall \"{name}\" unknown on {archName}, skipped");
                    continue;
                }
                uint key = (uint)nr | numberBits;
                if (!result.TryGetValue(key, out var list))
                    result[key] = list = [];
                AddRules(list, action, s.Args ?? []);
            }
        }
        // Sorted once at the end: a sorted tree per insert cost a big profile about 0.3 ms.
        var sorted = result.ToList();
        sorted.Sort((x, y) => x.Key.CompareTo(y.Key));
        return sorted;
    }

    /// <summary>
    /// runc's rule (libcontainer/seccomp): libseccomp refuses two conditions on the same argument
    /// in one rule, so when any argument index repeats, every condition of the rule becomes a rule
    /// of its own (all of them ORed, those on other arguments too); otherwise they are ANDed.
    /// </summary>
    private static void AddRules(List<Rule> list, uint action, IReadOnlyList<LinuxSeccompArg> args)
    {
        if (HasRepeatedIndex(args))
            foreach (var arg in args)
                list.Add(new Rule(action, [arg]));
        else
            list.Add(new Rule(action, args));
    }

    public static bool HasRepeatedIndex(IReadOnlyList<LinuxSeccompArg> args)
    {
        uint seen = 0;
        foreach (var a in args)
        {
            uint bit = 1u << (int)Math.Min(a.Index, 31);
            if ((seen & bit) != 0)
                return true;
            seen |= bit;
        }
        return false;
    }

    public static bool HasArch(LinuxSeccomp seccomp, string arch) => seccomp.Architectures?.Contains(arch) == true;

    /// <summary>Compiles the profile into a cBPF program.</summary>
    public static SockFilter[] Compile(LinuxSeccomp seccomp)
    {
        uint defaultAction = ActionValue(seccomp.DefaultAction, seccomp.DefaultErrnoRet);
        var e = new Emitter();

        // Sections are emitted last-first: every jump goes forward to code already emitted.
        Target? i386 = null;
        if (HasArch(seccomp, "SCMP_ARCH_X86"))
        {
            var rules = RulesFor(seccomp, SyscallTable.I386, 0, "x86");
            Search(e, rules, defaultAction);
            i386 = e.Emit(LD_W_ABS, 0, 0, 0);
        }
        Target x32Target;
        if (HasArch(seccomp, "SCMP_ARCH_X32"))
        {
            var rules = RulesFor(seccomp, SyscallTable.X32, X32_SYSCALL_BIT, "x32");
            x32Target = Search(e, rules, defaultAction);
        }
        else
        {
            x32Target = e.Ret(RET_KILL_THREAD);
        }
        {
            var rules = RulesFor(seccomp, SyscallTable.X86_64, 0, "x86_64");
            var search = Search(e, rules, defaultAction);
            e.Jump(JGE_K, X32_SYSCALL_BIT, x32Target, search);
            e.Emit(LD_W_ABS, 0, 0, 0);
        }
        var x86_64 = e.Next;

        // The architecture dispatch: anything else is killed (libseccomp's bad-arch action).
        var badArch = e.Ret(RET_KILL_THREAD);
        if (i386 is { } t32)
            e.Jump(JEQ_K, AUDIT_ARCH_I386, t32, badArch);
        e.Jump(JEQ_K, AUDIT_ARCH_X86_64, x86_64, e.Next);
        e.Emit(LD_W_ABS, 0, 0, 4);
        EnosysStub(e, seccomp);

        var program = e.ToProgram();
        if (program.Length > MaxInstructions)
            throw new RuntimeError($"seccomp: the filter has {program.Length} instructions, more than the kernel's {MaxInstructions}");
        return program;
    }

    /// <summary>
    /// The highest number the profile names on one architecture (0: none, or only syscall 0), as
    /// runc's findLastSyscalls: every rule's names count, whatever their action.
    /// </summary>
    public static uint LastSyscall(LinuxSeccomp seccomp, IReadOnlyDictionary<string, int> table, uint numberBits)
    {
        uint last = 0;
        foreach (var rule in seccomp.Syscalls ?? [])
            foreach (string name in rule?.Names ?? [])
                if (table.TryGetValue(name, out int nr))
                    last = Math.Max(last, (uint)nr | numberBits);
        return last;
    }

    /// <summary>
    /// Whether runc prepends its -ENOSYS stub: unless the default action lets calls through
    /// (ALLOW, LOG, TRACE: a tracer handles new syscalls itself).
    /// </summary>
    public static bool WantsEnosysStub(LinuxSeccomp seccomp) =>
        seccomp.DefaultAction is not ("SCMP_ACT_ALLOW" or "SCMP_ACT_LOG" or "SCMP_ACT_TRACE");

    /// <summary>
    /// runc's patchbpf stub, run before the filter: per listed architecture with named syscalls, a
    /// number above the highest the profile names returns -ENOSYS, so a program falls back from a
    /// syscall newer than its profile (clone3, openat2, faccessat2) instead of getting EPERM. On
    /// x86_64, bit 30 picks the x32 limit (only with SCMP_ARCH_X32 listed) or the x86_64 one (only
    /// with SCMP_ARCH_X86_64 listed); a mode without its own limit goes straight to the filter.
    /// </summary>
    private static void EnosysStub(Emitter e, LinuxSeccomp seccomp)
    {
        if (!WantsEnosysStub(seccomp))
            return;
        uint last64 = HasArch(seccomp, "SCMP_ARCH_X86_64") ? LastSyscall(seccomp, SyscallTable.X86_64, 0) : 0;
        uint lastX32 = HasArch(seccomp, "SCMP_ARCH_X32") ? LastSyscall(seccomp, SyscallTable.X32, X32_SYSCALL_BIT) : 0;
        uint last32 = HasArch(seccomp, "SCMP_ARCH_X86") ? LastSyscall(seccomp, SyscallTable.I386, 0) : 0;
        if (last64 == 0 && lastX32 == 0 && last32 == 0)
            return;
        var filter = e.Next;
        var enosys = e.Ret(RET_ERRNO | ENOSYS);
        Target? i386 = null;
        if (last32 != 0)
        {
            e.Jump(JGT_K, last32, enosys, filter);
            i386 = e.Emit(LD_W_ABS, 0, 0, 0);
        }
        Target? x86_64 = null;
        if (last64 != 0 || lastX32 != 0)
        {
            var x32Check = lastX32 != 0 ? e.Jump(JGT_K, lastX32, enosys, filter) : filter;
            var check64 = last64 != 0 ? e.Jump(JGT_K, last64, enosys, filter) : filter;
            e.Jump(JSET_K, X32_SYSCALL_BIT, x32Check, check64);
            x86_64 = e.Emit(LD_W_ABS, 0, 0, 0);
        }
        var other = filter; // any other architecture: the filter's own check
        if (i386 is { } t32)
            other = e.Jump(JEQ_K, AUDIT_ARCH_I386, t32, other);
        if (x86_64 is { } t64)
            e.Jump(JEQ_K, AUDIT_ARCH_X86_64, t64, other);
        e.Emit(LD_W_ABS, 0, 0, 4);
    }

    /// <summary>A run of consecutive syscall numbers from Start with the same rules (null: the default action).</summary>
    private sealed record Interval(uint Start, List<Rule>? Rules);

    /// <summary>Whether two syscalls' rule lists act alike (so their numbers can share an interval).</summary>
    private static bool SameRules(List<Rule> a, List<Rule> b)
    {
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].Action != b[i].Action || a[i].Args.Count != b[i].Args.Count)
                return false;
            for (int j = 0; j < a[i].Args.Count; j++)
            {
                LinuxSeccompArg x = a[i].Args[j], y = b[i].Args[j];
                if (x.Index != y.Index || x.Op != y.Op || x.Value != y.Value || x.ValueTwo != y.ValueTwo)
                    return false;
            }
        }
        return true;
    }

    /// <summary>Numbers with rules, as intervals covering 0..2^32: neighbours with equal rules are merged.</summary>
    private static List<Interval> Intervals(List<KeyValuePair<uint, List<Rule>>> rules)
    {
        var result = new List<Interval> { new(0, null) };
        List<Rule>? lastRules = null;
        uint? last = null;
        foreach (var (nr, list) in rules)
        {
            if (last is uint l && l + 1 == nr && SameRules(list, lastRules!))
            {
                last = nr; // extends the current interval
                continue;
            }
            if (last is uint prev && prev + 1 != nr)
                result.Add(new Interval(prev + 1, null)); // the gap
            if (result.Count == 1 && nr == 0)
                result.Clear();
            result.Add(new Interval(nr, list));
            last = nr;
            lastRules = list;
        }
        if (last is uint end && end != uint.MaxValue)
            result.Add(new Interval(end + 1, null));
        return result;
    }

    /// <summary>Balanced binary search (JGE splits) over the intervals, with nr in A.</summary>
    private static Target Search(Emitter e, List<KeyValuePair<uint, List<Rule>>> rules, uint defaultAction) =>
        Search(e, Intervals(rules), 0, -1, defaultAction);

    private static Target Search(Emitter e, List<Interval> intervals, int lo, int hi, uint defaultAction)
    {
        if (hi < 0)
            hi = intervals.Count;
        if (hi - lo == 1)
            return intervals[lo].Rules is { } list ? RuleChain(e, list, defaultAction) : e.Ret(defaultAction);
        int mid = (lo + hi) / 2;
        var high = Search(e, intervals, mid, hi, defaultAction);
        var low = Search(e, intervals, lo, mid, defaultAction);
        return e.Jump(JGE_K, intervals[mid].Start, high, low);
    }

    /// <summary>One syscall's rules, tried in order; the first whose conditions all hold gives its action.</summary>
    private static Target RuleChain(Emitter e, List<Rule> rules, uint defaultAction)
    {
        // A rule without args always matches: the rules after it, and the default, are unreachable.
        int unconditional = rules.FindIndex(r => r.Args.Count == 0);
        var next = unconditional >= 0 ? e.Ret(rules[unconditional].Action) : e.Ret(defaultAction);
        for (int r = (unconditional >= 0 ? unconditional : rules.Count) - 1; r >= 0; r--)
        {
            var rule = rules[r];
            var onTrue = e.Ret(rule.Action);
            for (int a = rule.Args.Count - 1; a >= 0; a--)
                onTrue = Condition(e, rule.Args[a], onTrue, next);
            next = onTrue;
        }
        return next;
    }

    /// <summary>A 64-bit comparison of one argument, split into its hi and lo 32-bit words.</summary>
    private static Target Condition(Emitter e, LinuxSeccompArg arg, Target onTrue, Target onFalse)
    {
        uint lo = 16 + 8 * arg.Index, hi = lo + 4;
        ulong v = arg.Value;
        switch (arg.Op)
        {
            case "SCMP_CMP_EQ": return Eq(e, hi, lo, v, onTrue, onFalse);
            case "SCMP_CMP_NE": return Eq(e, hi, lo, v, onFalse, onTrue);
            case "SCMP_CMP_GT": return Greater(e, JGT_K, hi, lo, v, onTrue, onFalse);
            case "SCMP_CMP_GE": return Greater(e, JGE_K, hi, lo, v, onTrue, onFalse);
            case "SCMP_CMP_LE": return Greater(e, JGT_K, hi, lo, v, onFalse, onTrue);
            case "SCMP_CMP_LT": return Greater(e, JGE_K, hi, lo, v, onFalse, onTrue);
            case "SCMP_CMP_MASKED_EQ":
            {
                ulong mask = v, expected = arg.ValueTwo ?? 0;
                e.Jump(JEQ_K, (uint)expected, onTrue, onFalse);
                e.Emit(AND_K, 0, 0, (uint)mask);
                e.Emit(LD_W_ABS, 0, 0, lo);
                e.Jump(JEQ_K, (uint)(expected >> 32), e.Next, onFalse);
                e.Emit(AND_K, 0, 0, (uint)(mask >> 32));
                e.Emit(LD_W_ABS, 0, 0, hi);
                return e.Next;
            }
            default: throw new RuntimeError($"unknown seccomp operator \"{arg.Op}\"");
        }
    }

    private static Target Eq(Emitter e, uint hi, uint lo, ulong v, Target onTrue, Target onFalse)
    {
        e.Jump(JEQ_K, (uint)v, onTrue, onFalse);
        e.Emit(LD_W_ABS, 0, 0, lo);
        e.Jump(JEQ_K, (uint)(v >> 32), e.Next, onFalse);
        e.Emit(LD_W_ABS, 0, 0, hi);
        return e.Next;
    }

    /// <summary>arg > v (JGT) or arg >= v (JGE): hi > vh, or hi == vh and lo compares.</summary>
    private static Target Greater(Emitter e, ushort op, uint hi, uint lo, ulong v, Target onTrue, Target onFalse)
    {
        e.Jump(op, (uint)v, onTrue, onFalse);
        e.Emit(LD_W_ABS, 0, 0, lo);
        e.Jump(JEQ_K, (uint)(v >> 32), e.Next, onFalse);
        e.Jump(JGT_K, (uint)(v >> 32), onTrue, e.Next);
        e.Emit(LD_W_ABS, 0, 0, hi);
        return e.Next;
    }

    /// <summary>An emitted instruction: its index counted from the program's end, and the value if it is a RET.</summary>
    private readonly record struct Target(int Pos, uint? Ret);

    /// <summary>
    /// Builds the program backwards, so jump targets are always known. A conditional jump can
    /// reach 255 instructions; a farther target gets a trampoline (a copy of the RET, or a JA).
    /// </summary>
    private sealed class Emitter
    {
        private readonly List<SockFilter> _reversed = [];

        /// <summary>The instruction emitted last, i.e. the one that follows the next emitted.</summary>
        public Target Next => new(_reversed.Count - 1, _reversed[^1].Code == RET_K ? _reversed[^1].K : null);

        public Target Emit(ushort code, byte jt, byte jf, uint k)
        {
            _reversed.Add(new SockFilter(code, jt, jf, k));
            return Next;
        }

        public Target Ret(uint value) => Emit(RET_K, 0, 0, value);

        private int Reachable(Target t)
        {
            // Up to two trampolines may come between: keep a margin of 2.
            int distance = _reversed.Count - t.Pos - 1;
            if (distance <= 253)
                return t.Pos;
            if (t.Ret is uint value)
                return Ret(value).Pos;
            return Emit(JA, 0, 0, (uint)(_reversed.Count - t.Pos - 1)).Pos;
        }

        public Target Jump(ushort code, uint k, Target onTrue, Target onFalse)
        {
            int t = Reachable(onTrue), f = Reachable(onFalse);
            int at = _reversed.Count;
            return Emit(code, (byte)(at - t - 1), (byte)(at - f - 1), k);
        }

        public SockFilter[] ToProgram()
        {
            var program = _reversed.ToArray();
            Array.Reverse(program);
            return program;
        }
    }
}
