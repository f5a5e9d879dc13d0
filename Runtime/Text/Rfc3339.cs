using System.Globalization;

namespace Runcs.Text;

/// <summary>
/// Go's time.RFC3339 ("2006-01-02T15:04:05Z07:00") and time.RFC3339Nano
/// ("2006-01-02T15:04:05.999999999Z07:00"): the fraction loses its trailing zeros and
/// disappears entirely when zero; the zone is "Z" for offset 0. .NET keeps 100 ns ticks,
/// so at most 7 fraction digits come out.
/// </summary>
public static class Rfc3339
{
    /// <summary>time.RFC3339: whole seconds (logrus's timestamps).</summary>
    public static string Format(DateTimeOffset value) => Format(value, nano: false);

    /// <summary>time.RFC3339Nano (state.json's and `state`'s "created").</summary>
    public static string FormatNano(DateTimeOffset value) => Format(value, nano: true);

    private static string Format(DateTimeOffset value, bool nano)
    {
        var sb = new System.Text.StringBuilder(36);
        var t = value.DateTime; // the wall clock in value's own offset, like Go's location
        sb.Append(t.Year.ToString("D4", CultureInfo.InvariantCulture)).Append('-')
          .Append(t.Month.ToString("D2", CultureInfo.InvariantCulture)).Append('-')
          .Append(t.Day.ToString("D2", CultureInfo.InvariantCulture)).Append('T')
          .Append(t.Hour.ToString("D2", CultureInfo.InvariantCulture)).Append(':')
          .Append(t.Minute.ToString("D2", CultureInfo.InvariantCulture)).Append(':')
          .Append(t.Second.ToString("D2", CultureInfo.InvariantCulture));

        long frac = nano ? t.Ticks % TimeSpan.TicksPerSecond : 0; // 7 digits
        if (frac != 0)
        {
            var digits = frac.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
            sb.Append('.').Append(digits);
        }

        var off = value.Offset;
        if (off == TimeSpan.Zero)
        {
            sb.Append('Z');
        }
        else
        {
            sb.Append(off < TimeSpan.Zero ? '-' : '+');
            var a = off.Duration();
            sb.Append(a.Hours.ToString("D2", CultureInfo.InvariantCulture)).Append(':')
              .Append(a.Minutes.ToString("D2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Parses RFC 3339 with any number of fraction digits (beyond 7 are truncated).</summary>
    public static bool TryParse(string s, out DateTimeOffset value)
    {
        value = default;
        // yyyy-MM-ddTHH:mm:ss = 19 chars, then optional fraction, then zone.
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't')
            || s[13] != ':' || s[16] != ':')
            return false;
        if (!Num(s, 0, 4, out int year) || !Num(s, 5, 2, out int month) || !Num(s, 8, 2, out int day)
            || !Num(s, 11, 2, out int hour) || !Num(s, 14, 2, out int minute) || !Num(s, 17, 2, out int second))
            return false;

        int i = 19;
        long fracTicks = 0;
        if (s[i] == '.')
        {
            i++;
            int start = i;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9')
                i++;
            int n = i - start;
            if (n == 0)
                return false;
            long scale = TimeSpan.TicksPerSecond / 10;
            for (int k = 0; k < n && k < 7; k++, scale /= 10)
                fracTicks += (s[start + k] - '0') * scale;
        }
        if (i >= s.Length)
            return false;

        TimeSpan offset;
        if ((s[i] == 'Z' || s[i] == 'z') && i == s.Length - 1)
        {
            offset = TimeSpan.Zero;
        }
        else if ((s[i] == '+' || s[i] == '-') && s.Length - i == 6 && s[i + 3] == ':'
                 && Num(s, i + 1, 2, out int oh) && Num(s, i + 4, 2, out int om) && oh < 24 && om < 60)
        {
            offset = new TimeSpan(oh, om, 0);
            if (s[i] == '-')
                offset = -offset;
        }
        else
        {
            return false;
        }

        try
        {
            if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
                || hour > 23 || minute > 59 || second > 59)
                return false;
            var dt = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fracTicks);
            value = new DateTimeOffset(dt, offset);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool Num(string s, int at, int len, out int v)
    {
        v = 0;
        for (int k = 0; k < len; k++)
        {
            char c = s[at + k];
            if (c < '0' || c > '9')
                return false;
            v = v * 10 + (c - '0');
        }
        return true;
    }
}
