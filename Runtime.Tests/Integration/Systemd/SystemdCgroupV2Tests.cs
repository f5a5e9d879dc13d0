using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>
/// `--systemd-cgroup` with systemd in unified mode (<see cref="SystemdV2Host"/>: a private cgroup2
/// mount). On this hybrid host cgroup2 has almost no controllers, so no limits here: the unit, the
/// init and exec'd processes in it, freezing through cgroup.freeze, and nothing left after delete.
/// The same script runs with runc and with runcs and the transcripts must be equal.
/// </summary>
[Collection("containers")]
public sealed class SystemdCgroupV2Tests(SystemdV2Host host) : IClassFixture<SystemdV2Host>
{
    [Fact]
    public void Run_exec_pause_resume_kill_delete_in_a_scope_on_cgroup2()
    {
        Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
        string id = $"v2{Environment.ProcessId}";
        string bundle = host.MakeBundle("v2", ["sleep", "1000"], c => c["linux"]!["cgroupsPath"] = $"runcstest-v2.slice:pfx:{id}");
        string unit = $"pfx-{id}.scope", path = $"/runcstest.slice/runcstest-v2.slice/{unit}";
        var outputs = new Dictionary<string, string>();
        foreach (string rt in new[] { "runc", "/host/runcs" })
        {
            var r = host.Sh($$"""
                RT='{{rt}} --systemd-cgroup'; ID={{id}}
                status() { $RT state "$ID" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
                wait_status() { for i in $(seq 1 200); do [ "$(status)" = "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1"; }
                $RT run -d --bundle {{bundle}} "$ID" </dev/null >/dev/null 2>/tmp/err || cat /tmp/err
                P=$($RT state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
                echo "fs: $(stat -f -c %T /sys/fs/cgroup)"
                echo "active: $(systemctl is-active {{unit}})"
                systemctl show -p Slice -p Delegate -p DefaultDependencies -p ControlGroup {{unit}} | sort
                systemctl show -p DevicePolicy -p DeviceAllow {{unit}}
                systemctl status {{unit}} --no-pager | grep -q "─$P sleep 1000" && echo "status lists the init"
                echo "init: $(grep '^0::' /proc/$P/cgroup)"
                echo "exec: $($RT exec "$ID" grep '^0::' /proc/self/cgroup)"
                $RT pause "$ID"; echo "paused: $(status) $(cat /sys/fs/cgroup{{path}}/cgroup.freeze)"
                $RT resume "$ID"; echo "resumed: $(status) $(cat /sys/fs/cgroup{{path}}/cgroup.freeze)"
                $RT kill "$ID" KILL; wait_status stopped
                $RT delete "$ID" && echo deleted
                echo "after: $(systemctl is-active {{unit}}) $(ls -d /sys/fs/cgroup{{path}} 2>/dev/null) $($RT list -q | grep -x "$ID")"
                """, timeoutMs: 120000);
            outputs[rt] = r.Stdout;
        }
        Assert.True(outputs["runc"] == outputs["/host/runcs"], $"runc:\n{outputs["runc"]}\nruncs:\n{outputs["/host/runcs"]}");
        string o = outputs["/host/runcs"];
        Assert.Contains("fs: cgroup2fs", o);
        Assert.Contains("active: active", o);
        Assert.Contains("Delegate=yes", o);
        Assert.Contains($"ControlGroup={path}", o);
        Assert.Contains("status lists the init", o);
        Assert.Contains("DevicePolicy=strict\nDeviceAllow=char-pts rwm\nDeviceAllow=/dev/char/10:200 rwm\n", o);
        Assert.Contains($"init: 0::{path}", o);
        Assert.Contains($"exec: 0::{path}", o);
        Assert.Contains("paused: paused 1", o);
        Assert.Contains("resumed: running 0", o);
        Assert.Contains("deleted", o);
        Assert.Contains("after: inactive  \n", o + "\n");
    }

    [Fact]
    public void Allow_all_device_rules_are_systemds_auto_policy_with_no_list()
    {
        Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
        string id = $"v2all{Environment.ProcessId}";
        string bundle = host.MakeBundle("v2all", ["sleep", "1000"], c =>
        {
            c["linux"]!["cgroupsPath"] = $"system.slice:all:{id}";
            c["linux"]!["resources"]!["devices"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"allow":true,"access":"rwm"}]""");
        });
        var outputs = new Dictionary<string, string>();
        foreach (string rt in new[] { "runc", "/host/runcs" })
        {
            outputs[rt] = host.Sh($$"""
                RT='{{rt}} --systemd-cgroup'
                $RT run -d --bundle {{bundle}} {{id}} </dev/null >/dev/null 2>/tmp/err; echo "exit $?"; cat /tmp/err
                systemctl show -p DevicePolicy -p DeviceAllow all-{{id}}.scope
                $RT delete -f {{id}}
                echo "after: $(systemctl is-active all-{{id}}.scope)"
                """, timeoutMs: 120000).Stdout;
        }
        Assert.True(outputs["runc"] == outputs["/host/runcs"], $"runc:\n{outputs["runc"]}\nruncs:\n{outputs["/host/runcs"]}");
        Assert.Contains("exit 0\nDevicePolicy=auto\nafter: inactive", outputs["/host/runcs"]);
    }
}
