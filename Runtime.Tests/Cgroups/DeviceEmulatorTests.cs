using Runcs.Cgroups;
using Runcs.Errors;
using Runcs.Oci;
using Xunit;

namespace Runcs.Tests.Cgroups;

/// <summary>
/// The device cgroup model runc's emulator implements: what a rule list builds, what a
/// devices.list says, and the writes that take one state to another (the order and texts
/// runc's writes have, which is what devices.list shows afterwards).
/// </summary>
public sealed class DeviceEmulatorTests
{
    private static LinuxDeviceCgroup Rule(bool allow, string? type, long? major, long? minor, string? access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    private static string Text(LinuxDeviceCgroup r) =>
        $"{(r.Allow ? "allow" : "deny")} {r.Type} {(r.Major is long a ? a.ToString() : "*")}:{(r.Minor is long i ? i.ToString() : "*")} {r.Access}";

    private static string[] Texts(IEnumerable<LinuxDeviceCgroup> rules) => [.. rules.Select(Text)];

    [Fact]
    public void A_device_node_gets_only_the_access_its_rule_gives_in_runcs_order()
    {
        // docker --device /dev/kmsg:/dev/kmsg:r: deny all, "c 1:11 r", then runc's default list.
        var spec = new Spec
        {
            Linux = new Linux
            {
                Devices = [new LinuxDevice { Path = "/dev/kmsg", Type = "c", Major = 1, Minor = 11 }],
                Resources = new LinuxResources { Devices = [Rule(false, null, null, null, "rwm"), Rule(true, "c", 1, 11, "r")] },
            },
        };
        var writes = DeviceEmulator.FromList("a *:* rwm\n").Transition(DeviceEmulator.FromRules(DeviceRules.For(spec)));
        // What runc 1.1.5 writes here (its devices.list shows these lines in this order).
        Assert.Equal(
        [
            "deny a *:* rwm", "allow b *:* m", "allow c *:* m", "allow c 1:3 rwm", "allow c 1:5 rwm", "allow c 1:7 rwm",
            "allow c 1:8 rwm", "allow c 1:9 rwm", "allow c 1:11 r", "allow c 5:0 rwm", "allow c 5:2 rwm",
            "allow c 10:200 rwm", "allow c 136:* rwm",
        ], Texts(writes));
    }

    [Fact]
    public void A_live_allow_list_changes_by_the_difference_only()
    {
        var current = DeviceEmulator.FromList("c 1:3 rwm\nc 1:5 rwm\nc 1:11 rw\n");
        var target = DeviceEmulator.FromRules([Rule(true, "c", 1, 3, "rwm"), Rule(true, "c", 1, 11, "r"), Rule(true, "c", 1, 9, "rwm")]);
        // No "deny all" moment: /dev/null, allowed before and after, is never denied.
        Assert.Equal(["deny c 1:5 rwm", "deny c 1:11 w", "allow c 1:9 rwm"], Texts(current.Transition(target)));
        Assert.Empty(target.Transition(target));
    }

    [Fact]
    public void An_allow_all_cgroup_starts_over_and_a_change_of_default_too()
    {
        var target = DeviceEmulator.FromRules([Rule(true, "a", null, null, "rwm"), Rule(false, "c", 1, 11, "w")]);
        Assert.True(target.DefaultAllow);
        Assert.Equal(["allow a *:* rwm", "deny c 1:11 w"], Texts(DeviceEmulator.FromList("a *:* rwm").Transition(target)));
        Assert.Equal(["allow a *:* rwm", "deny c 1:11 w"], Texts(DeviceEmulator.FromList("c 1:3 rwm").Transition(target)));
    }

    [Fact]
    public void Access_letters_other_than_rwm_count_for_nothing_and_rules_merge()
    {
        var e = DeviceEmulator.FromRules([Rule(true, "c", 1, 12, "rwa"), Rule(true, "c", 1, 12, "m"), Rule(true, "c", 1, 13, "x")]);
        Assert.Equal(["deny a *:* rwm", "allow c 1:12 rwm"], Texts(e.Rules()));
    }

    [Fact]
    public void Punching_a_hole_in_a_wildcard_exception_is_refused_as_runc_does()
    {
        var e = new DeviceEmulator();
        e.Apply(Rule(true, "c", 1, null, "rwm"));
        var error = Assert.Throws<RuntimeError>(() => e.Apply(Rule(false, "c", 1, 9, "w")));
        Assert.Contains("cannot punch hole in existing wildcard rule", error.Message);
    }
}
