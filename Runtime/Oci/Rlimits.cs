namespace Runcs.Oci;

/// <summary>The setrlimit(2) resources, by config.json name and Linux number.</summary>
public static class Rlimits
{
    /// <summary>All known rlimits, index = resource number (RLIMIT_CPU = 0 ... RLIMIT_RTTIME = 15).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
        "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];

    /// <summary>The resource number of a name such as "RLIMIT_NOFILE" (case-sensitive, as runc).</summary>
    public static bool TryGetNumber(string name, out int number)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal)) { number = i; return true; }
        }
        number = -1;
        return false;
    }
}
