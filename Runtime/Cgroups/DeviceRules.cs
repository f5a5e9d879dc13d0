using Runcs.Oci;

namespace Runcs.Cgroups;

/// <summary>
/// The device cgroup rules of a new container, as runc 1.1.5 builds them: linux.resources.devices,
/// then runc's always-allowed devices (specconv.AllowedDevices). linux.devices only makes the
/// nodes: a device listed there gets no access the resources rules do not give it (docker's
/// `--device /dev/kmsg:/dev/kmsg:r` is a node plus a "c 1:11 r" rule, and must stay read-only).
/// </summary>
public static class DeviceRules
{
    private static LinuxDeviceCgroup Allow(string type, long? major, long? minor, string access = "rwm") =>
        new() { Allow = true, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>runc's AllowedDevices: mknod of anything, the standard character devices, ptys and tun.</summary>
    private static readonly LinuxDeviceCgroup[] AllowedByDefault =
    [
        Allow("c", null, null, "m"),
        Allow("b", null, null, "m"),
        Allow("c", 1, 3),   // /dev/null
        Allow("c", 1, 8),   // /dev/random
        Allow("c", 1, 7),   // /dev/full
        Allow("c", 5, 0),   // /dev/tty
        Allow("c", 1, 5),   // /dev/zero
        Allow("c", 1, 9),   // /dev/urandom
        Allow("c", 136, null), // /dev/pts/*
        Allow("c", 5, 2),   // /dev/ptmx
        Allow("c", 10, 200), // /dev/net/tun
    ];

    public static List<LinuxDeviceCgroup> For(Spec spec)
    {
        var rules = new List<LinuxDeviceCgroup>(spec.Linux?.Resources?.Devices ?? []);
        rules.AddRange(AllowedByDefault);
        return rules;
    }
}
