using Runcs.State;
using Xunit;

namespace Runcs.Tests.State;

/// <summary>A fake /proc: pid → (state, starttime).</summary>
internal sealed class FakeProc : Dictionary<int, ProcStat>, IProcReader
{
    public ProcStat? ReadStat(int pid) => TryGetValue(pid, out var s) ? s : null;
}

public sealed class StatusProbeTests : IDisposable
{
    private readonly string _dir;

    public StatusProbeTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "runcs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static ContainerState State(int pid = 100, ulong start = 5000) =>
        new() { Id = "c", InitPid = pid, InitStartTime = start };

    [Fact]
    public void LiveInit_NoFifo_IsRunning()
    {
        var probe = new StatusProbe(new FakeProc { [100] = new('S', 5000) });
        Assert.Equal(ContainerStatus.Running, probe.GetStatus(State(), _dir));
    }

    [Fact]
    public void LiveInit_WithExecFifo_IsCreated()
    {
        StateStoreTests.MkFifo(Path.Combine(_dir, "exec.fifo"));
        var probe = new StatusProbe(new FakeProc { [100] = new('S', 5000) });
        Assert.Equal(ContainerStatus.Created, probe.GetStatus(State(), _dir));
    }

    [Fact]
    public void PidReused_DifferentStartTime_IsStopped()
    {
        StateStoreTests.MkFifo(Path.Combine(_dir, "exec.fifo"));
        var probe = new StatusProbe(new FakeProc { [100] = new('S', 5001) });
        Assert.Equal(ContainerStatus.Stopped, probe.GetStatus(State(), _dir));
    }

    [Theory]
    [InlineData('Z')]
    [InlineData('X')]
    public void ZombieOrDead_IsStopped(char state)
    {
        var probe = new StatusProbe(new FakeProc { [100] = new(state, 5000) });
        Assert.Equal(ContainerStatus.Stopped, probe.GetStatus(State(), _dir));
    }

    [Theory]
    [InlineData('R')]
    [InlineData('D')]
    [InlineData('T')]
    [InlineData('t')]
    [InlineData('I')]
    public void OtherLiveStates_AreRunning(char state)
    {
        var probe = new StatusProbe(new FakeProc { [100] = new(state, 5000) });
        Assert.Equal(ContainerStatus.Running, probe.GetStatus(State(), _dir));
    }

    [Fact]
    public void NoProcess_OrNoPid_IsStopped()
    {
        var probe = new StatusProbe(new FakeProc());
        Assert.Equal(ContainerStatus.Stopped, probe.GetStatus(State(), _dir));
        Assert.Equal(ContainerStatus.Stopped, new StatusProbe(new FakeProc { [0] = new('S', 0) }).GetStatus(State(0, 0), _dir));
    }

    [Fact]
    public void Frozen_IsPaused_DefaultNever()
    {
        var proc = new FakeProc { [100] = new('S', 5000) };
        Assert.Equal(ContainerStatus.Running, new StatusProbe(proc).GetStatus(State(), _dir));
        var probe = new StatusProbe(proc, s => s.Id == "c");
        Assert.Equal(ContainerStatus.Paused, probe.GetStatus(State(), _dir));
        probe.IsFrozen = null;
        Assert.Equal(ContainerStatus.Running, probe.GetStatus(State(), _dir));
    }

    [Fact]
    public void VisiblePid_ZeroWhenStopped()
    {
        Assert.Equal(0, StatusProbe.VisiblePid(State(), ContainerStatus.Stopped));
        Assert.Equal(100, StatusProbe.VisiblePid(State(), ContainerStatus.Paused));
    }

    [Fact]
    public void StatusStrings_AreRuncs()
    {
        Assert.Equal("created", ContainerStatus.Created.ToRuncString());
        Assert.Equal("running", ContainerStatus.Running.ToRuncString());
        Assert.Equal("paused", ContainerStatus.Paused.ToRuncString());
        Assert.Equal("stopped", ContainerStatus.Stopped.ToRuncString());
    }

    [Fact]
    public void ParseStat_CommWithSpacesAndParens()
    {
        // comm "a) (b c)" — the fields resume after the LAST ')'
        var line = "4242 (a) (b c)) Z 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 77777 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";
        var s = ProcReader.ParseStat(line);
        Assert.NotNull(s);
        Assert.Equal('Z', s.Value.State);
        Assert.Equal(77777UL, s.Value.StartTime);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12 (x")]
    [InlineData("12 (x) S 1 2 3")]
    public void ParseStat_Garbage_IsNull(string line) => Assert.Null(ProcReader.ParseStat(line));

    [Fact]
    public void RealProc_OwnProcess_MatchesStatFile()
    {
        var pid = Environment.ProcessId;
        var s = ProcReader.Instance.ReadStat(pid);
        Assert.NotNull(s);
        var fields = File.ReadAllText($"/proc/{pid}/stat");
        var after = fields[(fields.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal(ulong.Parse(after[19]), s.Value.StartTime);
        Assert.Null(ProcReader.Instance.ReadStat(int.MaxValue));
        Assert.Null(ProcReader.Instance.ReadStat(0));

        // and a live container state built from it is Running
        var state = new ContainerState { Id = "self", InitPid = pid, InitStartTime = s.Value.StartTime };
        Assert.Equal(ContainerStatus.Running, new StatusProbe().GetStatus(state, _dir));
        state.InitStartTime++;
        Assert.Equal(ContainerStatus.Stopped, new StatusProbe().GetStatus(state, _dir));
    }

    [Fact]
    public void RealProc_Zombie_IsStopped()
    {
        // `sleep 0` exits while its parent has exec'd into `sleep 5`, which never reaps: a zombie.
        var psi = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("sleep 0 & echo $!; exec sleep 5 >/dev/null");
        using var parent = Runcs.Tests.Integration.RuncsBinary.Start(psi);
        try
        {
            int pid = int.Parse(parent.StandardOutput.ReadLine()!);
            ProcStat? s = null;
            for (int i = 0; i < 200; i++)
            {
                s = ProcReader.Instance.ReadStat(pid);
                if (s?.State == 'Z')
                    break;
                Thread.Sleep(10);
            }
            Assert.NotNull(s);
            Assert.Equal('Z', s.Value.State);
            var state = new ContainerState { Id = "z", InitPid = pid, InitStartTime = s.Value.StartTime };
            Assert.Equal(ContainerStatus.Stopped, new StatusProbe().GetStatus(state, _dir));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
