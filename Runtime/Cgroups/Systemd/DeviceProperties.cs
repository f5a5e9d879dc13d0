using System.Globalization;
using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// The device cgroup rules as systemd's DevicePolicy and DeviceAllow, as runc 1.1.5's
/// generateDeviceProperties makes them: systemd writes the unit's device cgroup itself (on v1 it
/// rewrites it whenever it realizes the unit), so it must know the container's rules. What
/// systemd cannot say (deny lists, "*:n" rules, majors /proc/devices does not name) is left to
/// the device cgroup code, which runs after it, as in runc.
/// </summary>
internal static class DeviceProperties
{
    public static List<UnitProperty> For(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        DeviceEmulator wanted;
        try
        {
            wanted = DeviceEmulator.FromRules(rules);
        }
        catch (RuntimeError e)
        {
            throw new RuntimeError($"unable to apply rule for systemd: {e.Message}");
        }
        if (wanted.DefaultAllow)
        {
            // An allow-all list is systemd's default policy with no entries; any other deny list it cannot hold.
            if (wanted.AllowsAll)
                return [UnitProperty.String("DevicePolicy", "auto"), UnitProperty.DeviceAllow([])];
            Logging.Log.Warn("systemd doesn't support blacklist device rules -- applying temporary deny-all rule");
            return [UnitProperty.String("DevicePolicy", "strict"), UnitProperty.DeviceAllow([])];
        }
        var allow = new List<(string Path, string Access)>();
        string? procDevices = null;
        // Strict: systemd denies all but the list; the rules a deny-all cgroup needs to get there.
        foreach (var rule in new DeviceEmulator().Transition(wanted))
        {
            char type = rule.Type![0];
            string access = rule.Access ?? "";
            if (rule.Major is not long major)
            {
                if (rule.Minor is long minor)
                {
                    Logging.Log.Warn($"systemd doesn't support '*:n' device rules -- temporarily ignoring rule: {GoRule(type, -1, minor, access)}");
                    continue;
                }
                allow.Add((GroupPrefix(type) + "*", access));
            }
            else if (rule.Minor is long minor)
                allow.Add(($"/dev/{(type == 'b' ? "block" : "char")}/{major}:{minor}", access));
            else
            {
                procDevices ??= ReadProcDevices();
                string? group = FindGroup(procDevices, type, major);
                if (group is null)
                {
                    Logging.Log.Warn($"could not find device group for '{(int)type}/{major}' in /proc/devices -- temporarily ignoring rule: {GoRule(type, major, -1, access)}");
                    continue;
                }
                allow.Add((group, access));
            }
        }
        return [UnitProperty.String("DevicePolicy", "strict"), UnitProperty.DeviceAllow([]), UnitProperty.DeviceAllow(allow)];
    }

    private static string GroupPrefix(char type) => type == 'b' ? "block-" : "char-";

    /// <summary>A rule as Go prints runc's devices.Rule with %v: {type major minor access allow}.</summary>
    private static string GoRule(char type, long major, long minor, string access) =>
        string.Create(CultureInfo.InvariantCulture, $"{{{(int)type} {major} {minor} {access} true}}");

    private static string ReadProcDevices()
    {
        try
        {
            return File.ReadAllText("/proc/devices");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError($"unable to find device: open /proc/devices: {e.Message}");
        }
    }

    /// <summary>
    /// runc's findDeviceGroup: the name /proc/devices gives <paramref name="major"/> in the
    /// section of <paramref name="type"/>, prefixed "char-" or "block-" (the first if several), or null.
    /// </summary>
    internal static string? FindGroup(string procDevices, char type, long major)
    {
        char section = '\0';
        foreach (string raw in procDevices.Split('\n'))
        {
            string line = raw.Trim();
            switch (line)
            {
                case "Block devices:":
                    section = 'b';
                    continue;
                case "Character devices:":
                    section = 'c';
                    continue;
                case "":
                    continue;
            }
            if (section != type)
                continue;
            string[] fields = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !long.TryParse(fields[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
                throw new RuntimeError($"unable to find device '{(int)type}/{major}': scan /proc/devices line \"{line}\": wrong number of fields");
            if (number == major)
                return GroupPrefix(type) + fields[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
        }
        return null;
    }
}
