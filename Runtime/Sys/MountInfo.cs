namespace Runcs.Sys;

/// <summary>One line of /proc/PID/mountinfo.</summary>
public sealed record MountInfoEntry(string Root, string MountPoint, string Options, string Optional, string FsType, string Source, string SuperOptions)
{
    /// <summary>Parses the text of a mountinfo file (see proc(5)); octal escapes (\040) are decoded.
    /// With <paramref name="fsType"/>, only the mounts of that file system type (the others are not parsed:
    /// a host may have hundreds).</summary>
    public static List<MountInfoEntry> Parse(string text, string? fsType = null)
    {
        var list = new List<MountInfoEntry>();
        string? marker = fsType is null ? null : $" - {fsType} ";
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (marker is not null && !line.Contains(marker, StringComparison.Ordinal))
                continue;
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-", 6);
            if (f.Length < 10 || dash < 0 || dash + 3 >= f.Length + 1)
                continue;
            if (fsType is not null && f[dash + 1] != fsType)
                continue;
            list.Add(new MountInfoEntry(Unescape(f[3]), Unescape(f[4]), f[5], string.Join(' ', f[6..dash]),
                f[dash + 1], Unescape(f[dash + 2]), dash + 3 < f.Length ? f[dash + 3] : ""));
        }
        return list;
    }

    public static List<MountInfoEntry> ReadSelf(string? fsType = null) => Parse(SmallFile.ReadAllText("/proc/self/mountinfo"), fsType);

    private static string Unescape(string s)
    {
        if (!s.Contains('\\'))
            return s;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
                sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
