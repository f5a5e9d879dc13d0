using System.Text;
using Runcs.Text;

namespace Runcs.State;

/// <summary>`runcs state ID` output, byte for byte as runc 1.1 prints it.</summary>
public static class StateFormatter
{
    /// <summary>
    /// runc's containerState marshalled with json.MarshalIndent(v, "", "  "), no trailing
    /// newline. "owner" is always "" (runc's state command never fills it in); pass pid 0
    /// for a stopped container (see <see cref="StatusProbe.VisiblePid"/>).
    /// </summary>
    public static string StateJson(ContainerState s, ContainerStatus status, int pid)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sb = new StringBuilder(512);
        sb.Append("{\n");
        Field(sb, "ociVersion", s.OciVersion);
        sb.Append("  \"id\": ");
        GoJson.WriteString(sb, s.Id);
        sb.Append(",\n  \"pid\": ").Append(GoJson.Int(pid)).Append(",\n");
        Field(sb, "status", status.ToRuncString());
        Field(sb, "bundle", s.Bundle);
        Field(sb, "rootfs", s.Rootfs);
        Field(sb, "created", Rfc3339.FormatNano(s.Created));
        var annotations = OutputAnnotations.Of(s);
        if (annotations is not null)
        {
            sb.Append("  \"annotations\": {\n");
            int i = 0;
            foreach (var (k, v) in annotations)
            {
                sb.Append("    ");
                GoJson.WriteString(sb, k);
                sb.Append(": ");
                GoJson.WriteString(sb, v);
                sb.Append(++i < annotations.Count ? ",\n" : "\n");
            }
            sb.Append("  },\n");
        }
        sb.Append("  \"owner\": \"\"\n}");
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, string name, string value)
    {
        sb.Append("  \"").Append(name).Append("\": ");
        GoJson.WriteString(sb, value);
        sb.Append(",\n");
    }
}

/// <summary>`runcs list` output in its three forms, byte for byte as runc 1.1 prints them.</summary>
public static class ListFormatter
{
    /// <summary>
    /// The default table: Go's tabwriter (minwidth 12, tabwidth 1, padding 3, ' ', flags 0)
    /// over "ID PID STATUS BUNDLE CREATED OWNER"; every line ends in '\n'.
    /// </summary>
    public static string Table(IEnumerable<ListEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sb = new StringBuilder();
        sb.Append("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n");
        foreach (var e in entries)
        {
            sb.Append(e.State.Id).Append('\t')
              .Append(GoJson.Int(e.Pid)).Append('\t')
              .Append(e.Status.ToRuncString()).Append('\t')
              .Append(e.State.Bundle).Append('\t')
              .Append(Rfc3339.FormatNano(e.State.Created)).Append('\t')
              .Append(e.Owner).Append('\n');
        }
        return TabWriter.Format(sb.ToString(), minWidth: 12, padding: 3, padChar: ' ');
    }

    /// <summary>`list --format json`: one compact line (json.Encoder) and '\n'; "null\n" when empty.</summary>
    public static string Json(IEnumerable<ListEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sb = new StringBuilder();
        bool any = false;
        foreach (var e in entries)
        {
            sb.Append(any ? ',' : '[');
            any = true;
            sb.Append("{\"ociVersion\":");
            GoJson.WriteString(sb, e.State.OciVersion);
            sb.Append(",\"id\":");
            GoJson.WriteString(sb, e.State.Id);
            sb.Append(",\"pid\":").Append(GoJson.Int(e.Pid));
            sb.Append(",\"status\":");
            GoJson.WriteString(sb, e.Status.ToRuncString());
            sb.Append(",\"bundle\":");
            GoJson.WriteString(sb, e.State.Bundle);
            sb.Append(",\"rootfs\":");
            GoJson.WriteString(sb, e.State.Rootfs);
            sb.Append(",\"created\":");
            GoJson.WriteString(sb, Rfc3339.FormatNano(e.State.Created));
            var annotations = OutputAnnotations.Of(e.State);
            if (annotations is not null)
            {
                sb.Append(",\"annotations\":{");
                int i = 0;
                foreach (var (k, v) in annotations)
                {
                    if (i++ > 0)
                        sb.Append(',');
                    GoJson.WriteString(sb, k);
                    sb.Append(':');
                    GoJson.WriteString(sb, v);
                }
                sb.Append('}');
            }
            sb.Append(",\"owner\":");
            GoJson.WriteString(sb, e.Owner);
            sb.Append('}');
        }
        sb.Append(any ? "]\n" : "null\n");
        return sb.ToString();
    }

    /// <summary>`list -q`: the ids, one per line.</summary>
    public static string Quiet(IEnumerable<ListEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sb = new StringBuilder();
        foreach (var e in entries)
            sb.Append(e.State.Id).Append('\n');
        return sb.ToString();
    }
}

/// <summary>
/// The annotations runc prints. runc stores them as "key=value" labels next to its own
/// "bundle=PATH" label and splits them back at the first '=', so a "bundle" annotation
/// never shows and "a=b":"c" shows as "a":"b=c". Sorted like Go sorts map keys; null if empty.
/// </summary>
internal static class OutputAnnotations
{
    public static SortedDictionary<string, string>? Of(ContainerState s)
    {
        if (s.Annotations is null || s.Annotations.Count == 0)
            return null;
        var result = new SortedDictionary<string, string>(GoStringComparer.Instance);
        foreach (var (k, v) in s.Annotations.OrderBy(p => p.Key, GoStringComparer.Instance))
        {
            var label = k + "=" + v;
            int eq = label.IndexOf('=');
            var key = label[..eq];
            if (key == "bundle")
                continue;
            result[key] = label[(eq + 1)..];
        }
        return result.Count == 0 ? null : result;
    }
}
