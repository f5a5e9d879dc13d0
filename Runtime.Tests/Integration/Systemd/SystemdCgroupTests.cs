using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration.Systemd;

/// <summary>
/// `--systemd-cgroup` against a real systemd (v1 hierarchies, as this hybrid host has them),
/// booted in a container by <see cref="SystemdV1Host"/>. Each scenario is one shell script run
/// inside that systemd, once with runc and once with runcs, printing only facts that do not
/// depend on pids or times; the two transcripts must be equal, and runcs's is checked too.
/// </summary>
[Collection("containers")]
public sealed class SystemdCgroupTests(SystemdV1Host host) : IClassFixture<SystemdV1Host>
{
    private const string Runc = "runc";
    private const string Runcs = "/host/runcs";

    private static readonly string[] Runtimes = [Runc, Runcs];

    private void SkipUnlessBooted() => Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");

    /// <summary>The script for one runtime: $RT is the runtime with --systemd-cgroup, $B the bundle, $ID the container.</summary>
    private CommandResult RunScript(string runtime, string bundle, string id, string script) =>
        host.Sh($"RT='{runtime} --systemd-cgroup'; B='{bundle}'; ID='{id}'; cd \"$B\"\n{Helpers}\n{script}", timeoutMs: 120000);

    /// <summary>Shell helpers shared by the scenarios.</summary>
    private const string Helpers = """
        status() { $RT state "$ID" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
        initpid() { $RT state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
        wait_status() { for i in $(seq 1 200); do [ "$(status)" = "$1" ] && return 0; sleep 0.05; done; echo "timeout waiting for $1"; }
        props() { systemctl show -p Slice -p Delegate -p DefaultDependencies -p Description -p MemoryAccounting -p CPUAccounting -p BlockIOAccounting -p TasksAccounting -p MemoryLimit -p TasksMax -p CPUShares -p CPUQuotaPerSecUSec -p AllowedCPUs "$1" | sort; }
        files() { for f in memory/memory.limit_in_bytes pids/pids.max cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus; do echo "$f=$(cat /sys/fs/cgroup/${f%%/*}$1/${f#*/} 2>&1)"; done; }
        leftovers() { ls -d /sys/fs/cgroup/*$1 2>/dev/null; $RT list -q | grep -x "$ID"; }
        """;

    private static string Normalize(string s, string runtime) =>
        s.Replace(runtime == Runcs ? "runcs " : "runc ", "RUNTIME ", StringComparison.Ordinal);

    /// <summary>Runs a scenario with runc and with runcs; returns runcs's transcript after checking both are the same.</summary>
    private string CompareWithRunc(string bundle, string id, string script)
    {
        var outputs = new Dictionary<string, CommandResult>();
        foreach (string rt in Runtimes)
            outputs[rt] = RunScript(rt, bundle, id, script);
        string runc = Normalize(outputs[Runc].Stdout, Runc), runcs = Normalize(outputs[Runcs].Stdout, Runcs);
        Assert.True(runc == runcs, $"runc:\n{outputs[Runc]}\nruncs:\n{outputs[Runcs]}");
        return outputs[Runcs].Stdout;
    }

    [Fact]
    public void Create_start_exec_update_pause_resume_kill_delete_in_a_scope_of_a_nested_slice()
    {
        SkipUnlessBooted();
        string id = $"life{Environment.ProcessId}";
        string bundle = host.MakeBundle("life", ["sleep", "1000"], c =>
        {
            c["linux"]!["cgroupsPath"] = $"runcstest-life.slice:pfx:{id}";
            c["linux"]!["resources"] = JsonNode.Parse("""
                {"memory":{"limit":67108864},"pids":{"limit":20},"cpu":{"shares":512,"quota":20000,"period":100000,"cpus":"0"}}
                """);
        });
        string unit = $"pfx-{id}.scope";
        string path = $"/runcstest.slice/runcstest-life.slice/{unit}";
        string output = CompareWithRunc(bundle, id, $$"""
            $RT create --bundle "$B" "$ID" </dev/null >/dev/null 2>/tmp/err || cat /tmp/err
            echo "created: $(status)"
            $RT start "$ID"; wait_status running
            P=$(initpid)
            echo "active: $(systemctl is-active {{unit}})"
            props {{unit}}
            systemctl status {{unit}} --no-pager | grep -q "─$P sleep 1000" && echo "status lists the init"
            systemctl status {{unit}} --no-pager | grep -oE "Tasks: [0-9]+ \(limit: [0-9]+\)|Memory: .*\(limit: [0-9.]+M\)" | sed 's/Memory: [^ ]* /Memory: /'
            grep -v -e '^0::' -e ':devices:' /proc/$P/cgroup | cut -d: -f2- | sort
            files {{path}}
            echo "exec: $($RT exec "$ID" cat /proc/self/cgroup | grep name=systemd | cut -d: -f3)"
            $RT update --memory 134217728 --pids-limit 30 --cpu-quota 50000 "$ID" && echo updated
            props {{unit}} | grep -E 'MemoryLimit|TasksMax|CPUQuota'
            files {{path}}
            $RT pause "$ID"; echo "paused: $(status) $(cat /sys/fs/cgroup/freezer{{path}}/freezer.state)"
            $RT resume "$ID"; echo "resumed: $(status) $(cat /sys/fs/cgroup/freezer{{path}}/freezer.state)"
            $RT kill "$ID" KILL; wait_status stopped; echo "killed: $(status)"
            $RT delete "$ID" && echo deleted
            echo "after delete: $(systemctl is-active {{unit}}) $(leftovers {{path}})"
            """);
        Assert.Contains("created: created", output);
        Assert.Contains("active: active", output);
        Assert.Contains("status lists the init", output);
        Assert.Contains("Tasks: 1 (limit: 20)", output);
        Assert.Contains("Memory: (limit: 64.0M)", output);
        Assert.Contains($"name=systemd:{path}", output);
        Assert.Contains($"memory/memory.limit_in_bytes=67108864", output);
        Assert.Contains("pids/pids.max=20", output);
        Assert.Contains("cpu/cpu.shares=512", output);
        Assert.Contains("cpu/cpu.cfs_quota_us=20000", output);
        Assert.Contains("cpuset/cpuset.cpus=0", output);
        Assert.Contains("Delegate=yes", output);
        Assert.Contains("DefaultDependencies=no", output);
        Assert.Contains("Slice=runcstest-life.slice", output);
        Assert.Contains($"exec: {path}", output);
        Assert.Contains("MemoryLimit=134217728", output);
        Assert.Contains("TasksMax=30", output);
        Assert.Contains("CPUQuotaPerSecUSec=500ms", output);
        Assert.Contains("pids/pids.max=30", output);
        Assert.Contains("paused: paused FROZEN", output);
        Assert.Contains("resumed: running THAWED", output);
        Assert.Contains("killed: stopped", output);
        Assert.Contains("after delete: inactive \n", output + "\n");
    }

    [Fact]
    public void Run_in_the_foreground_with_the_default_unit_name_in_system_slice()
    {
        SkipUnlessBooted();
        string id = $"fg{Environment.ProcessId}";
        string bundle = host.MakeBundle("fg", ["sh", "-c", "grep -E 'name=systemd|pids' /proc/self/cgroup; exit 3"]);
        string output = CompareWithRunc(bundle, id, $$"""
            $RT run --bundle "$B" "$ID" </dev/null; echo "exit $?"
            $RT delete "$ID" 2>/dev/null
            echo "after: $(systemctl is-active runc-$ID.scope) $(leftovers /system.slice/runc-$ID.scope)"
            """);
        Assert.Contains($"name=systemd:/system.slice/runc-{id}.scope", output);
        Assert.Contains($"pids:/system.slice/runc-{id}.scope", output);
        Assert.Contains("exit 3", output);
        Assert.Contains("after: inactive \n", output + "\n");
    }

    [Fact]
    public void A_cgroups_path_not_in_slice_prefix_name_form_or_a_bad_slice_is_runcs_error_and_leaves_nothing()
    {
        SkipUnlessBooted();
        string id = $"bad{Environment.ProcessId}";
        string bundle = host.MakeBundle("bad", ["true"], c => c["linux"]!["cgroupsPath"] = "x");
        string output = CompareWithRunc(bundle, id, """
            for p in '/plain/path' 'a:b' 'bad:pfx:name' 'a--b.slice:pfx:name'; do
              sed -i "s|\"cgroupsPath\":\"[^\"]*\"|\"cgroupsPath\":\"$p\"|" config.json
              $RT run --bundle "$B" "$ID" </dev/null 2>&1 | sed 's/.*msg="//; s/"$//'
              echo "left: $($RT list -q)"
            done
            """);
        Assert.Contains("""run failed: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"/plain/path\" instead""", output);
        Assert.Contains("""got \"a:b\" instead""", output);
        Assert.Contains("run failed: invalid slice name: bad", output);
        Assert.Contains("run failed: invalid slice name: a--b.slice", output);
        Assert.DoesNotContain("left: b", output);
    }

    [Fact]
    public void A_unit_that_exists_already_is_an_error_that_leaves_the_other_container_alone()
    {
        // runc 1.1.5 puts the second container into the first one's scope (with a warning);
        // runcs refuses, as runc 1.2 does: a README difference.
        SkipUnlessBooted();
        string bundle = host.MakeBundle("dup", ["sleep", "1000"], c => c["linux"]!["cgroupsPath"] = "system.slice:dup:one");
        var r = RunScript(Runcs, bundle, "dup1", """
            $RT run -d --bundle "$B" dup1 </dev/null >/dev/null 2>&1; echo "first: $?"
            $RT run -d --bundle "$B" dup2 </dev/null >/dev/null 2>/tmp/err; echo "second: $?"
            sed 's/.*msg="//; s/"$//' /tmp/err
            echo "list: $($RT list -q | tr '\n' ' ')"
            echo "unit: $(systemctl is-active dup-one.scope)"
            echo "first: $(status)"
            ID=dup1; $RT delete -f dup1
            echo "after: $(systemctl is-active dup-one.scope) $(leftovers /system.slice/dup-one.scope)"
            """);
        Assert.Contains("first: 0", r.Stdout);
        Assert.Contains("second: 1", r.Stdout);
        Assert.Contains("""runcs run failed: unable to start unit \"dup-one.scope\": Unit dup-one.scope was already loaded or has a fragment file.""", r.Stdout);
        Assert.Contains("list: dup1 \n", r.Stdout);
        Assert.DoesNotContain("cleanup", r.Stdout);
        Assert.Contains("unit: active", r.Stdout);
        Assert.Contains("first: running", r.Stdout);
        Assert.Contains("after: inactive \n", r.Stdout + "\n");
    }

    [Fact]
    public void A_bus_that_cannot_be_reached_is_an_error_that_leaves_nothing()
    {
        SkipUnlessBooted();
        string bundle = host.MakeBundle("nobus", ["sleep", "1000"], c => c["linux"]!["cgroupsPath"] = "system.slice:nobus:x");
        // Neither the system bus (a socket that does not exist) nor systemd's private socket (hidden by /dev/null).
        string output = CompareWithRunc(bundle, "nobus", """
            unshare -m sh -c 'mount --bind /dev/null /run/systemd/private; DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/nonexistent "$@"' sh $RT run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>/tmp/err
            echo "exit $?"
            grep -o 'failed to connect to dbus' /tmp/err
            echo "left: $(systemctl is-active nobus-x.scope) $(leftovers /system.slice/nobus-x.scope)"
            """);
        Assert.Contains("exit 1", output);
        Assert.Contains("failed to connect to dbus", output);
        Assert.Contains("left: inactive \n", output + "\n");
        var r = RunScript(Runcs, bundle, "nobus", """
            unshare -m sh -c 'mount --bind /dev/null /run/systemd/private; DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/nonexistent "$@"' sh $RT run -d --bundle "$B" "$ID" </dev/null >/dev/null
            """);
        Assert.Contains("dial unix /run/nonexistent: connect: no such file or directory", r.Stderr);
        Assert.Contains("dial unix /run/systemd/private: connect: ", r.Stderr);
        Assert.DoesNotContain("cleanup", r.Stderr);
    }

    [Fact]
    public void Without_the_system_bus_every_call_goes_through_systemds_private_socket_without_a_stall()
    {
        // As go-systemd (runc) does as root, when the system bus socket is absent: systemd's
        // private socket. systemd 252 leaves a message sent right after the authentication
        // unanswered until more bytes come; each call must still be prompt, every time.
        SkipUnlessBooted();
        string id = $"priv{Environment.ProcessId}";
        string unit = $"priv-{id}.scope";
        string bundle = host.MakeBundle("private", ["sleep", "1000"], c =>
        {
            c["linux"]!["cgroupsPath"] = $"system.slice:priv:{id}";
            c["linux"]!["resources"] = JsonNode.Parse("""{"pids":{"limit":20}}""");
        });
        string output = CompareWithRunc(bundle, id, $$"""
            # The bus socket absent (an empty /run/dbus in a mount namespace of its own); each call timed.
            nobus() {
              t0=$(date +%s%N)
              unshare -m sh -c 'mount -t tmpfs tmpfs /run/dbus && exec "$@"' sh "$@"; rc=$?
              [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 1500 ] && echo "slow: $3"
              return $rc
            }
            for round in 1 2 3 4 5 6; do
              nobus $RT create --bundle "$B" "$ID" </dev/null >/dev/null 2>/tmp/err || cat /tmp/err
              nobus $RT start "$ID"; wait_status running
              echo "$round unit: $(systemctl is-active {{unit}}) $(systemctl show -p TasksMax {{unit}})"
              nobus $RT update --pids-limit $((30 + round)) "$ID" || echo "update failed"
              echo "$round updated: $(systemctl show -p TasksMax {{unit}}) $(cat /sys/fs/cgroup/pids/system.slice/{{unit}}/pids.max)"
              nobus $RT delete -f "$ID" || echo "delete failed"
              echo "$round after: $(systemctl is-active {{unit}}) $(leftovers /system.slice/{{unit}})"
            done
            """);
        for (int round = 1; round <= 6; round++)
        {
            Assert.Contains($"{round} unit: active TasksMax=20", output);
            Assert.Contains($"{round} updated: TasksMax={30 + round} {30 + round}", output);
            Assert.Contains($"{round} after: inactive \n", output);
        }
        Assert.DoesNotContain("slow:", output);
        Assert.DoesNotContain("failed", output);
    }

    [Fact]
    public void Device_rules_become_DevicePolicy_and_DeviceAllow_as_runc_sets_them_and_survive_systemd_rewriting_the_cgroup()
    {
        // systemd rewrites a v1 unit's device cgroup from its own DeviceAllow list whenever it
        // realizes the unit (a daemon-reload does): that list must be the container's. The
        // extra rules ask for mknod only, which the systemd container's own cgroup allows (it
        // allows no more: allow-all rules are tested on cgroup2, in SystemdCgroupV2Tests).
        SkipUnlessBooted();
        string id = $"dev{Environment.ProcessId}";
        string unit = $"dev-{id}.scope";
        string bundle = host.MakeBundle("devices", ["sleep", "1000"], c =>
        {
            c["linux"]!["cgroupsPath"] = $"system.slice:dev:{id}";
            c["linux"]!["resources"]!["devices"]!.AsArray().Add(JsonNode.Parse("""{"allow":true,"type":"c","major":10,"minor":229,"access":"m"}"""));
            c["linux"]!["resources"]!["devices"]!.AsArray().Add(JsonNode.Parse("""{"allow":true,"type":"b","major":7,"access":"m"}"""));
            c["linux"]!["resources"]!["devices"]!.AsArray().Add(JsonNode.Parse("""{"allow":true,"type":"c","minor":3,"access":"m"}"""));
            c["linux"]!["resources"]!["devices"]!.AsArray().Add(JsonNode.Parse("""{"allow":true,"type":"c","major":4242,"access":"m"}"""));
        });
        string output = CompareWithRunc(bundle, id, $$"""
            devices() { tr '\n' ';' </sys/fs/cgroup/devices/system.slice/{{unit}}/devices.list; echo; }
            $RT run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>/tmp/err; echo "exit $?"
            sed 's/.*msg=//' /tmp/err
            systemctl show -p DevicePolicy -p DeviceAllow {{unit}}
            echo "list: $(devices)"
            systemctl daemon-reload
            echo "after reload: $(devices)"
            $RT delete -f "$ID"
            echo "after: $(systemctl is-active {{unit}}) $(leftovers /system.slice/{{unit}})"
            """);
        Assert.Contains("exit 0\n\"systemd doesn't support '*:n' device rules -- temporarily ignoring rule: {99 -1 3 m true}\"", output);
        Assert.Contains("\"could not find device group for '99/4242' in /proc/devices -- temporarily ignoring rule: {99 4242 -1 m true}\"", output);
        Assert.Contains("DevicePolicy=strict\nDeviceAllow=char-pts rwm\nDeviceAllow=/dev/char/10:229 m\nDeviceAllow=/dev/char/10:200 rwm\nDeviceAllow=block-loop m\n", output);
        Assert.Contains("DeviceAllow=/dev/char/1:3 rwm\nDeviceAllow=char-* m\nDeviceAllow=block-* m\n", output);
        Assert.Contains("after reload: b *:* m;c *:* m;c 1:3 rwm;c 1:5 rwm;c 1:7 rwm;c 1:8 rwm;c 1:9 rwm;c 5:0 rwm;c 5:2 rwm;b 7:* m;c 10:200 rwm;c 10:229 m;c 136:* rwm;", output);
        Assert.Contains("after: inactive \n", output + "\n");
    }

    [Fact]
    public void Systemd_property_annotations_are_parsed_and_sent_as_runc_does()
    {
        // org.systemd.property.NAME = GVariant text; NAME..Sec becomes ..USec (seconds to µs).
        SkipUnlessBooted();
        string id = $"ann{Environment.ProcessId}";
        string unit = $"ann-{id}.scope";
        string[][] cases =
        [
            ["TimeoutStopSec", "uint64 5"], ["CollectMode", "'inactive-or-failed'"], ["TasksMax", "uint64 77"],
            ["RuntimeMaxSec", "3600"], ["SendSIGHUP", "true"], ["SendSIGHUP", "false"], ["Documentation", "[\"https://a\", 'https://b']"],
            ["RuntimeMaxSec", "1.5"], ["Description", "@s 'x\\ty'"], ["TasksMax", "uint64 010"], ["TasksMax", "uint64 0x10"],
            // Errors of runcs's parser, runc's words.
            ["A1", "true"], ["Foo1Bar", "true"], ["CollectMode", "\"unterminated"], ["TasksMax", "uint64 -1"],
            ["TasksMax", "int32 99999999999"], ["TimeoutStopSec", "'5'"], ["TasksMax", "uint64 12ab"], ["TasksMax", "[]"],
            ["TasksMax", "unit64 5"], ["TasksMax", "@as [5]"],
            // A type systemd refuses (an untyped number is an int32).
            ["TasksMax", "5"],
        ];
        string bundle = host.MakeBundle("annotations", ["sleep", "1000"]);
        string dir = Path.Combine(host.HostDir, "annotations");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["linux"]!["cgroupsPath"] = $"system.slice:ann:{id}";
        for (int i = 0; i < cases.Length; i++)
        {
            config["annotations"] = new JsonObject { ["org.systemd.property." + cases[i][0]] = cases[i][1], ["other"] = "x" };
            File.WriteAllText(Path.Combine(dir, $"config{i}.json"), config.ToJsonString());
        }
        string output = CompareWithRunc(bundle, id, $$"""
            for i in $(seq 0 {{cases.Length - 1}}); do
              cp config$i.json config.json
              $RT run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>/tmp/err; echo "$i exit $?"
              sed -n 's/.*run failed: \(annotation .*\)"$/\1/p; s/.*run failed: \(unable to .*\)"$/\1/p' /tmp/err
              systemctl show -p TimeoutStopUSec -p CollectMode -p TasksMax -p RuntimeMaxUSec -p SendSIGHUP -p Documentation -p Description {{unit}} | grep -v -e '=$' -e 'Description=ann-' -e 'TasksMax=[0-9][0-9][0-9][0-9]' | sort | tr '\n' ' '; echo
              $RT delete -f "$ID" 2>/dev/null
              echo "left: $($RT list -q) $(systemctl is-active {{unit}})"
            done
            """);
        Assert.Contains("TimeoutStopUSec=5s", output);
        Assert.Contains("CollectMode=inactive-or-failed", output);
        Assert.Contains("TasksMax=77", output);
        Assert.Contains("RuntimeMaxUSec=1h", output);
        Assert.Contains("SendSIGHUP=yes", output);
        Assert.Contains("Documentation=https://a https://b", output);
        Assert.Contains("RuntimeMaxUSec=1.500000s", output);
        Assert.Contains("Description=x\ty", output);
        Assert.Contains("TasksMax=8 ", output);
        Assert.Contains("TasksMax=16 ", output);
        Assert.Contains("annotation org.systemd.property.A1 name incorrect: too short", output);
        Assert.Contains("annotation org.systemd.property.Foo1Bar name incorrect: contains non-alphabetic character", output);
        Assert.Contains("""annotation org.systemd.property.CollectMode=\"unterminated value parse error: unterminated string""", output);
        Assert.Contains("""annotation org.systemd.property.TasksMax=uint64 -1 value parse error: strconv.ParseUint: parsing \"-1\": invalid syntax""", output);
        Assert.Contains("""value parse error: strconv.ParseInt: parsing \"99999999999\": value out of range""", output);
        Assert.Contains("annotation org.systemd.property.TimeoutStopSec='5' value parse error: not a number", output);
        // systemd's refusal, in runc 1.1.5's words (compared with runc's above).
        Assert.Contains("unable to start container process: unable to apply cgroup configuration: Failed to set unit properties: Unexpected message contents", output);
        Assert.DoesNotContain("left: a", output);
        Assert.DoesNotContain(" active\n", output);
    }
}
