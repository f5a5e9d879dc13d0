using System.Text;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Launch;

/// <summary>Turns linux.namespaces (and the id maps, time offsets) into a <see cref="LaunchPlan"/>.</summary>
public static class NamespacePlan
{
    public static LaunchPlan For(Spec spec, List<int> inheritFds, int[] stdio, int preserveFds)
    {
        var namespaces = spec.Linux?.Namespaces ?? [];
        // No mount namespace is allowed (the init then makes no mounts), but masking needs one, as in runc.
        if (!namespaces.Any(n => n.Type == "mount") && (spec.Linux?.MaskedPaths is { Count: > 0 } || spec.Linux?.ReadonlyPaths is { Count: > 0 }))
            throw new ConfigError("config.json", spec.Linux.MaskedPaths is { Count: > 0 } ? "linux.maskedPaths" : "linux.readonlyPaths",
                "unable to restrict sys entries without a private MNT namespace");
        ulong flags = 0;
        var join = new List<(string, int)>();
        // The user namespace is joined first: the others are owned by it.
        foreach (var ns in namespaces.OrderBy(n => n.Type == "user" ? 0 : 1))
        {
            ulong flag = Namespaces.ToCloneFlag(ns.Type);
            if (string.IsNullOrEmpty(ns.Path))
                flags |= flag;
            else
                join.Add((ns.Path, (int)flag));
        }
        bool newUser = (flags & Namespaces.CloneNewUser) != 0;
        return new LaunchPlan
        {
            CloneFlags = (int)flags,
            Join = join,
            UidMappings = newUser ? spec.Linux?.UidMappings : null,
            GidMappings = newUser ? spec.Linux?.GidMappings : null,
            TimeOffsets = (flags & Namespaces.CloneNewTime) != 0 ? TimeOffsets(spec) : null,
            InheritFds = inheritFds,
            Stdio = stdio,
            PreserveFds = preserveFds,
        };
    }

    /// <summary>/proc/self/timens_offsets lines for linux.timeOffsets.</summary>
    private static string? TimeOffsets(Spec spec)
    {
        var offsets = spec.Linux?.TimeOffsets;
        if (offsets is null || offsets.Count == 0)
            return null;
        var sb = new StringBuilder();
        foreach (var (clock, o) in offsets)
        {
            if (clock is not ("monotonic" or "boottime"))
                throw new ConfigError("config.json", $"linux.timeOffsets.{clock}", "unknown clock (monotonic or boottime)");
            sb.Append(clock).Append(' ').Append(o.Secs ?? 0).Append(' ').Append(o.Nanosecs ?? 0).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The container's namespaces as /proc/PID/ns files: what `exec` joins.</summary>
    public static Dictionary<string, string> PathsOf(Spec spec, int pid) =>
        (spec.Linux?.Namespaces ?? []).ToDictionary(n => n.Type, n => $"/proc/{pid}/ns/{Namespaces.ProcName(n.Type)}");
}
