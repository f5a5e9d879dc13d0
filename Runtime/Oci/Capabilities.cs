namespace Runcs.Oci;

/// <summary>The Linux capabilities runcs knows, by name (as written in config.json) and number.</summary>
public static class Capabilities
{
    /// <summary>All known capabilities, index = capability number (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The highest capability number known (CAP_LAST_CAP of the table).</summary>
    public static int Last => Names.Count - 1;

    private static readonly Dictionary<string, int> s_numbers = BuildNumbers();

    private static Dictionary<string, int> BuildNumbers()
    {
        var d = new Dictionary<string, int>(Names.Count, StringComparer.Ordinal);
        for (int i = 0; i < Names.Count; i++) d[Names[i]] = i;
        return d;
    }

    /// <summary>The number of a capability name such as "CAP_SYS_ADMIN" (case-sensitive, as runc).</summary>
    public static bool TryGetNumber(string name, out int number) => s_numbers.TryGetValue(name, out number);

    /// <summary>The name of a capability number, or null when unknown.</summary>
    public static string? NameOf(int number) => number >= 0 && number < Names.Count ? Names[number] : null;

    /// <summary>A 64-bit capability mask of the named capabilities; unknown names are ignored.</summary>
    public static ulong ToMask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        if (names is null) return mask;
        foreach (var n in names)
            if (TryGetNumber(n, out int c)) mask |= 1UL << c;
        return mask;
    }
}
