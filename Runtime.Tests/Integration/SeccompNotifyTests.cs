using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// SCMP_ACT_NOTIFY: the seccomp agent at listenerPath receives the listener fd with the
/// container's state, in runc's message, and decides the notified syscalls.
/// </summary>
[Collection("containers")]
public sealed class SeccompNotifyTests
{
    private const int ENOMEDIUM = 123;
    private const int SYS_mkdir = 83, SYS_mkdirat = 258;

    private static void NotifyMkdir(Bundle b, string listenerPath)
    {
        b.Config["root"]!["readonly"] = false; // so only the agent can refuse a mkdir
        b.Config["annotations"] = new JsonObject { ["org.example.key"] = "value" };
        b.Config["linux"]!["seccomp"] = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["listenerPath"] = listenerPath,
            ["listenerMetadata"] = "agent-metadata",
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray("mkdir", "mkdirat"),
                ["action"] = "SCMP_ACT_NOTIFY",
            }),
        };
        b.Save();
    }

    [Theory]
    [InlineData(true)]  // filter loaded after the user switch, before ready
    [InlineData(false)] // loaded while CAP_SYS_ADMIN is held
    public void The_agent_gets_the_listener_and_the_state_and_answers_mkdir(bool noNewPrivileges)
    {
        using var b = new Bundle(["sh", "-c", "mkdir /tmp/x; echo rc=$?; test -d /tmp/x || echo absent; touch /tmp/y && echo touched"]);
        using var agent = new TestSeccompAgent(b.Dir, ENOMEDIUM);
        b.Config["process"]!["noNewPrivileges"] = noNewPrivileges;
        NotifyMkdir(b, agent.Path);

        Assert.Equal(0, b.Runcs("create", "--bundle", b.Dir, b.Id).ExitCode);
        var state = JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!;
        int initPid = state["pid"]!.GetValue<int>();
        var r = b.Runcs("start", b.Id);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitStopped(b);

        var message = Assert.Single(agent.Messages);
        // the runtime's own spec version, as runc sends it
        string specVersion = (string)JsonNode.Parse(b.Runcs("features").Stdout)!["ociVersionMax"]!;
        Assert.Equal(specVersion, (string?)message["ociVersion"]);
        Assert.Equal("[\"seccompFd\"]", message["fds"]!.ToJsonString());
        Assert.Equal(initPid, (int)message["pid"]!);
        Assert.Equal("agent-metadata", (string?)message["metadata"]);
        var s = message["state"]!;
        Assert.Equal(b.Id, (string?)s["id"]);
        Assert.Equal("creating", (string?)s["status"]);
        Assert.Equal(initPid, (int)s["pid"]!);
        Assert.Equal(b.Dir, (string?)s["bundle"]);
        Assert.Equal("value", (string?)s["annotations"]!["org.example.key"]);
        Assert.Contains(agent.Answered, nr => nr is SYS_mkdir or SYS_mkdirat);
    }

    [Fact]
    public void The_agents_answer_is_what_the_process_sees()
    {
        using var b = new Bundle(["sh", "-c", "mkdir /tmp/x; echo rc=$?; test -d /tmp/x || echo absent; touch /tmp/y && echo touched"]);
        using var agent = new TestSeccompAgent(b.Dir, ENOMEDIUM);
        NotifyMkdir(b, agent.Path);
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("rc=1\nabsent\ntouched\n", r.Stdout);
        Assert.Contains("No medium found", r.Stderr);
    }

    [Fact]
    public void The_tsync_flag_works_with_a_listener()
    {
        // The kernel takes TSYNC with NEW_LISTENER only together with TSYNC_ESRCH.
        using var b = new Bundle(["sh", "-c", "mkdir /tmp/x; echo rc=$?"]);
        using var agent = new TestSeccompAgent(b.Dir, ENOMEDIUM);
        NotifyMkdir(b, agent.Path);
        b.Config["linux"]!["seccomp"]!["flags"] = new JsonArray("SECCOMP_FILTER_FLAG_TSYNC");
        b.Save();
        var r = b.Run();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("rc=1\n", r.Stdout);
        Assert.Contains("No medium found", r.Stderr);
    }

    [Fact]
    public void Exec_hands_the_agent_a_listener_with_the_running_state()
    {
        using var b = new Bundle(["sleep", "60"]);
        using var agent = new TestSeccompAgent(b.Dir, ENOMEDIUM);
        NotifyMkdir(b, agent.Path);
        Assert.Equal(0, b.Run("-d").ExitCode);
        int initPid = JsonNode.Parse(b.Runcs("state", b.Id).Stdout)!["pid"]!.GetValue<int>();
        var r = b.Runcs("exec", b.Id, "mkdir", "/tmp/x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("No medium found", r.Stderr);
        Assert.Equal(2, agent.Messages.Count);
        var exec = agent.Messages.Last();
        Assert.Equal("running", (string?)exec["state"]!["status"]);
        Assert.Equal(initPid, (int)exec["state"]!["pid"]!);
        Assert.NotEqual(initPid, (int)exec["pid"]!);
    }

    [Fact]
    public void Without_an_agent_create_fails_and_leaves_nothing()
    {
        using var b = new Bundle(["true"]);
        NotifyMkdir(b, Path.Combine(b.Dir, "nobody-listens.sock"));
        var r = b.Runcs("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("failed to connect with seccomp agent specified in the seccomp profile", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    private static void WaitStopped(Bundle b) =>
        ContainerLifecycleTests.WaitFor(() => b.Runcs("state", b.Id).Stdout.Contains("\"stopped\""), 5000);
}
