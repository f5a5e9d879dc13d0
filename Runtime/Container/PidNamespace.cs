namespace Runcs.Container;

/// <summary>The processes of a pid namespace, found by their /proc/PID/ns/pid links.</summary>
internal static class PidNamespace
{
    /// <summary>
    /// Every process (as runcs sees it) in <paramref name="initPid"/>'s pid namespace. The links
    /// of processes runcs may not inspect (another user's) cannot be read: they are not its.
    /// </summary>
    public static List<int> Members(int initPid)
    {
        var pids = new List<int>();
        string? target = Link(initPid);
        if (target is null)
            return pids;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out int pid) && Link(pid) == target)
                pids.Add(pid);
        pids.Sort();
        return pids;
    }

    private static string? Link(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile, or not runcs's to see
        }
    }
}
