using System.Globalization;

namespace Runcs.State;

/// <summary>
/// uid → user name from /etc/passwd, the way runc's list does it (libcontainer/user):
/// the first line whose uid field matches wins; no match → "#UID".
/// </summary>
internal static class Passwd
{
    internal static string PasswdFile { get; set; } = "/etc/passwd";

    public static string NameOrNumber(uint uid)
        => LookupName(uid) ?? "#" + uid.ToString(CultureInfo.InvariantCulture);

    public static string? LookupName(uint uid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(PasswdFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Find(lines, uid);
    }

    internal static string? Find(IEnumerable<string> lines, uint uid)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            var fields = line.Split(':');
            // name:password:uid:gid:gecos:home:shell; like Go's strconv.Atoi with the error
            // ignored, an unparsable uid counts as 0.
            long lineUid = 0;
            if (fields.Length > 2 && !long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out lineUid))
                lineUid = 0;
            if (lineUid == uid)
                return fields[0];
        }
        return null;
    }
}

/// <summary>Orders strings like Go compares them: by UTF-8 bytes, i.e. by code point.</summary>
internal sealed class GoStringComparer : IComparer<string>
{
    public static readonly GoStringComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        var ex = x.EnumerateRunes();
        var ey = y.EnumerateRunes();
        while (true)
        {
            bool hx = ex.MoveNext();
            bool hy = ey.MoveNext();
            if (!hx || !hy)
                return hx == hy ? 0 : (hx ? 1 : -1);
            int c = ex.Current.Value.CompareTo(ey.Current.Value);
            if (c != 0)
                return c;
        }
    }
}
