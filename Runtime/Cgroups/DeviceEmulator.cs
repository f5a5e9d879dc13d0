using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Cgroups;

/// <summary>
/// A device cgroup's state as the kernel's v1 devices controller keeps it: a default (allow or
/// deny every device) and exceptions per (type, major, minor) with their access. runc 1.1.5
/// goes through the same model (libcontainer/cgroups/devices emulator) both to compute the
/// smallest set of writes that takes a live v1 cgroup from its devices.list to the wanted rules
/// (never denying for a moment what both allow) and to clean the rule list before generating
/// the v2 eBPF program, so the v1 devices.list and the v2 program say what runc's say.
/// </summary>
public sealed class DeviceEmulator
{
    private const int Read = 1, Write = 2, Mknod = 4, All = Read | Write | Mknod;

    /// <summary>A rule's match: 'c' or 'b', major and minor (-1: any).</summary>
    private readonly record struct Match(char Type, long Major, long Minor)
    {
        public override string ToString() => $"{{{(int)Type} {Major} {Minor}}}";
    }

    private Dictionary<Match, int> _exceptions = [];

    /// <summary>True: every device is allowed except the exceptions (a "black list").</summary>
    public bool DefaultAllow { get; private set; }

    /// <summary>Every device allowed, no exception (runc's IsAllowAll).</summary>
    public bool AllowsAll => DefaultAllow && _exceptions.Count == 0;

    /// <summary>The state the rules build, applied in order on a default-deny cgroup (runc's buildEmulator).</summary>
    public static DeviceEmulator FromRules(IEnumerable<LinuxDeviceCgroup> rules)
    {
        var e = new DeviceEmulator();
        foreach (var rule in rules)
            e.Apply(rule);
        return e;
    }

    /// <summary>
    /// The state a v1 devices.list shows: its lines are what is allowed; "a *:* rwm" means allow
    /// all, and then the deny exceptions cannot be known (the transition starts over then).
    /// </summary>
    public static DeviceEmulator FromList(string devicesList)
    {
        var e = new DeviceEmulator();
        foreach (string line in devicesList.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] mm = f.Length == 3 ? f[1].Split(':') : [];
            if (mm.Length != 2 || f[0] is not ("a" or "b" or "c"))
                throw new RuntimeError($"parsing line \"{line}\" of devices.list: line doesn't match devices.list format");
            if (f[0] == "a")
            {
                e.Reset(defaultAllow: true);
                continue;
            }
            e.Allow(new Match(f[0][0], Number(mm[0]), Number(mm[1])), Bits(f[2]));
        }
        return e;

        static long Number(string s) => s == "*" ? -1 : long.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Applies one rule as the kernel would (runc's Emulator.Apply).</summary>
    public void Apply(LinuxDeviceCgroup rule)
    {
        int perms = Bits(string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access);
        if (rule.Type is null or "" or "a")
        {
            // "a" is always every device with every access, whatever the numbers say.
            Reset(defaultAllow: rule.Allow);
            return;
        }
        var match = new Match(rule.Type[0], rule.Major is long ma and >= 0 ? ma : -1, rule.Minor is long mi and >= 0 ? mi : -1);
        if (rule.Allow)
            Allow(match, perms);
        else if (DefaultAllow)
            Add(match, perms);
        else
            Remove(match, perms, "remove 'allow' exception");
    }

    private void Allow(Match match, int perms)
    {
        if (DefaultAllow)
            Remove(match, perms, "remove 'deny' exception");
        else
            Add(match, perms);
    }

    private void Reset(bool defaultAllow)
    {
        DefaultAllow = defaultAllow;
        _exceptions = [];
    }

    private void Add(Match match, int perms) => _exceptions[match] = _exceptions.GetValueOrDefault(match) | perms;

    /// <summary>
    /// Takes access away from an exception. The kernel silently ignores removing part of a
    /// wildcard exception ("c 1:*" cannot lose "c 1:3"), so that is refused, as runc does.
    /// </summary>
    private void Remove(Match match, int perms, string what)
    {
        foreach (var partial in new[] { match with { Major = -1 }, match with { Minor = -1 }, match with { Major = -1, Minor = -1 } })
        {
            if (partial == match)
                continue;
            int partialPerms = _exceptions.GetValueOrDefault(partial);
            if ((partialPerms & perms) != 0)
                throw new RuntimeError($"{what}: requested rule [{match} {Text(perms)}] not supported by devices cgroupv1 " +
                    $"(cannot punch hole in existing wildcard rule [{partial} {Text(partialPerms)}])");
        }
        int left = _exceptions.GetValueOrDefault(match) & ~perms;
        if (left == 0)
            _exceptions.Remove(match);
        else
            _exceptions[match] = left;
    }

    /// <summary>The state as a rule list: the default ("a *:* rwm") first, then the exceptions in runc's order.</summary>
    public List<LinuxDeviceCgroup> Rules()
    {
        var rules = new List<LinuxDeviceCgroup> { Rule('a', -1, -1, All, DefaultAllow) };
        foreach (var (match, perms) in Ordered(_exceptions))
            if (perms != 0)
                rules.Add(Rule(match.Type, match.Major, match.Minor, perms, !DefaultAllow));
        return rules;
    }

    /// <summary>
    /// The fewest rules that take a cgroup in this state to <paramref name="target"/>: an
    /// "everything" rule only when the default changes (or this state is allow-all, whose deny
    /// exceptions devices.list does not show), then access taken away, then access added.
    /// </summary>
    public List<LinuxDeviceCgroup> Transition(DeviceEmulator target)
    {
        var rules = new List<LinuxDeviceCgroup>();
        var old = _exceptions;
        if (DefaultAllow || DefaultAllow != target.DefaultAllow)
        {
            rules.Add(Rule('a', -1, -1, All, target.DefaultAllow));
            old = [];
        }
        foreach (var (match, perms) in Ordered(old))
        {
            int dropped = perms & ~target._exceptions.GetValueOrDefault(match);
            if (dropped != 0)
                rules.Add(Rule(match.Type, match.Major, match.Minor, dropped, target.DefaultAllow));
        }
        foreach (var (match, perms) in Ordered(target._exceptions))
        {
            int gained = perms & ~old.GetValueOrDefault(match);
            if (gained != 0)
                rules.Add(Rule(match.Type, match.Major, match.Minor, gained, !target.DefaultAllow));
        }
        return rules;
    }

    /// <summary>runc's order: by major, then minor (wildcards, -1, first), then type.</summary>
    private static IEnumerable<KeyValuePair<Match, int>> Ordered(Dictionary<Match, int> exceptions) =>
        exceptions.OrderBy(e => e.Key.Major).ThenBy(e => e.Key.Minor).ThenBy(e => e.Key.Type);

    private static LinuxDeviceCgroup Rule(char type, long major, long minor, int perms, bool allow) => new()
    {
        Allow = allow,
        Type = type.ToString(),
        Major = major >= 0 ? major : null,
        Minor = minor >= 0 ? minor : null,
        Access = Text(perms),
    };

    /// <summary>Access letters as bits; letters other than r, w and m count for nothing, as in runc.</summary>
    private static int Bits(string access)
    {
        int bits = 0;
        foreach (char c in access)
            bits |= c switch { 'r' => Read, 'w' => Write, 'm' => Mknod, _ => 0 };
        return bits;
    }

    private static string Text(int bits) =>
        ((bits & Read) != 0 ? "r" : "") + ((bits & Write) != 0 ? "w" : "") + ((bits & Mknod) != 0 ? "m" : "");
}
