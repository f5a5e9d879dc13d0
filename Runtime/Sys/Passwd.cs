using System.Globalization;

namespace Runcs.Sys;

/// <summary>
/// /etc/passwd read directly (a static binary has no NSS), parsed the way runc's
/// libcontainer/user does: lines are trimmed, blank ones skipped, an unparsable uid counts
/// as 0 (Go's strconv.Atoi with the error ignored), and the first matching line wins.
/// </summary>
public static class Passwd
{
    public const string DefaultFile = "/etc/passwd";

    /// <summary>A larger /etc/passwd is treated as unreadable (runc's line scanner gives up on a 64 KiB line).</summary>
    public const int MaxFileBytes = 16 << 20;

    /// <summary>The fields of one passwd line runcs uses; Home is "" when the line has none.</summary>
    public sealed record Entry(string Name, long Uid, string Home);

    /// <summary>The first line (name:password:uid:gid:gecos:home:shell) whose uid is <paramref name="uid"/>.</summary>
    public static Entry? Find(IEnumerable<string> lines, uint uid)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            var fields = line.Split(':');
            long lineUid = 0;
            if (fields.Length > 2 && !long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out lineUid))
                lineUid = 0;
            if (lineUid == uid)
                return new Entry(fields[0], lineUid, fields.Length > 5 ? fields[5] : "");
        }
        return null;
    }

    /// <summary>The entry for <paramref name="uid"/> in <paramref name="file"/>; null if absent or unreadable.</summary>
    public static Entry? Lookup(uint uid, string file = DefaultFile)
    {
        string[] lines;
        try
        {
            // The container's file: a symlink to /dev/zero or a FIFO there must not hang or
            // exhaust the init. Symlinks are followed (inside the container's root).
            lines = SmallFile.SplitLines(System.Text.Encoding.UTF8.GetString(SmallFile.ReadRegular(file, MaxFileBytes, noFollow: false)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Find(lines, uid);
    }

    /// <summary>The user name as `runc list` shows it in OWNER: "#UID" when the uid has no entry.</summary>
    public static string NameOrNumber(uint uid, string file = DefaultFile)
        => Lookup(uid, file)?.Name ?? "#" + uid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The home directory for HOME inside the container: "/" when there is none.</summary>
    public static string HomeOf(uint uid, string file = DefaultFile)
        => Lookup(uid, file)?.Home is { Length: > 0 } home ? home : "/";
}
