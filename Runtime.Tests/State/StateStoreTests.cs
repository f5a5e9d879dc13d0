using System.Diagnostics;
using Runcs.Errors;
using Runcs.State;
using Xunit;

namespace Runcs.Tests.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _tmp;
    private readonly string _root;

    public StateStoreTests()
    {
        _tmp = Path.Combine(Path.GetTempPath(), "runcs-state-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_tmp);
        _root = Path.Combine(_tmp, "run", "runcs");
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { }
    }

    private static ContainerState NewState(string id) => new()
    {
        OciVersion = "1.0.2-dev",
        Id = id,
        InitPid = 1234,
        InitStartTime = 987654321,
        Bundle = "/bundles/" + id,
        Rootfs = "/bundles/" + id + "/rootfs",
        Created = new DateTimeOffset(2026, 11, 29, 18, 28, 44, TimeSpan.Zero).AddTicks(6179344),
    };

    [Theory]
    [InlineData("a")]
    [InlineData("abc-DEF_012.x")]
    [InlineData("a,b")] // runc's class [\w+-\.] contains the range '+'..'.', so ',' is valid
    [InlineData("a+b")]
    [InlineData(".a")]
    [InlineData("...")]
    [InlineData("-")]
    public void ValidateId_Accepts(string id)
    {
        StateStore.ValidateId(id);
        Assert.True(StateStore.IsValidId(id));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/a")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("\u00e9")]
    [InlineData("a\n")]
    public void ValidateId_Rejects_WithRuncMessage(string id)
    {
        var e = Assert.Throws<RuntimeError>(() => StateStore.ValidateId(id));
        Assert.Equal("invalid container ID format", e.Message);
    }

    [Fact]
    public void ValidateId_Empty_WithRuncMessage()
    {
        var e = Assert.Throws<RuntimeError>(() => StateStore.ValidateId(""));
        Assert.Equal("container id cannot be empty", e.Message);
    }

    [Fact]
    public void Create_MakesRoot0700AndDir0711()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        Assert.Equal(Path.Combine(_root, "c1"), dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(_root));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                     | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(dir));
    }

    [Fact]
    public void Create_Twice_FailsWithRuncMessage()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        var e = Assert.Throws<RuntimeError>(() => store.Create("c1"));
        Assert.Equal("container with given ID already exists", e.Message);
    }

    [Fact]
    public void Create_InvalidId_Fails()
    {
        var store = new StateStore(_root);
        Assert.Equal("invalid container ID format", Assert.Throws<RuntimeError>(() => store.Create("..")).Message);
        Assert.False(Directory.Exists(_root));
    }

    [Fact]
    public void Load_Missing_FailsWithRuncMessage()
    {
        var store = new StateStore(_root);
        Assert.Equal("container does not exist", Assert.Throws<RuntimeError>(() => store.Load("nope")).Message);
        store.Create("nostate"); // directory without state.json
        Assert.Equal("container does not exist", Assert.Throws<RuntimeError>(() => store.Load("nostate")).Message);
        Assert.Equal("invalid container ID format", Assert.Throws<RuntimeError>(() => store.Load("a/b")).Message);
    }

    [Fact]
    public void SaveLoad_RoundTripsEveryField()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        var s = NewState("c1");
        s.Owner = "";
        s.Annotations = new() { ["k"] = "v", ["x<y"] = "é" };
        s.CgroupPaths = new() { [""] = "/sys/fs/cgroup/runcs/c1" };
        s.NamespacePaths = new() { ["pid"] = "/proc/1234/ns/pid", ["net"] = "/var/run/netns/x" };
        s.Rootless = true;
        s.UseSystemdCgroup = true;
        s.Resources = new Runcs.Oci.LinuxResources { Pids = new Runcs.Oci.LinuxPids { Limit = 7 } };
        s.Hooks = new Runcs.Oci.Hooks { Poststop = [new Runcs.Oci.Hook { Path = "/bin/true", Args = ["true"] }] };
        store.Save(s);

        var file = Path.Combine(_root, "c1", "state.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var json = File.ReadAllText(file);
        Assert.Contains("\"created\":\"2026-11-29T18:28:44.6179344Z\"", json);
        Assert.Contains("\"initStartTime\":987654321", json);
        Assert.Contains("\"ociVersion\":\"1.0.2-dev\"", json);

        var l = store.Load("c1");
        Assert.Equal(s.OciVersion, l.OciVersion);
        Assert.Equal(s.Id, l.Id);
        Assert.Equal(s.InitPid, l.InitPid);
        Assert.Equal(s.InitStartTime, l.InitStartTime);
        Assert.Equal(s.Bundle, l.Bundle);
        Assert.Equal(s.Rootfs, l.Rootfs);
        Assert.Equal(s.Created, l.Created);
        Assert.Equal(TimeSpan.Zero, l.Created.Offset);
        Assert.Equal(s.Owner, l.Owner);
        Assert.Equal(s.Annotations, l.Annotations);
        Assert.Equal(s.CgroupPaths, l.CgroupPaths);
        Assert.Equal(s.NamespacePaths, l.NamespacePaths);
        Assert.True(l.Rootless);
        Assert.True(l.UseSystemdCgroup);
        Assert.Equal(7, l.Resources!.Pids!.Limit);
        Assert.Equal("/bin/true", l.Hooks!.Poststop![0].Path);
    }

    [Fact]
    public void Load_SkipsUnknownMembers_AndNamesTheFileOfABrokenState()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        var file = Path.Combine(dir, "state.json");
        File.WriteAllText(file, """{"id":"c1","future":{"a":[1,2]},"initPid":5,"created":"2026-11-29T18:28:44Z"}""");
        Assert.Equal(5, store.Load("c1").InitPid);
        File.WriteAllText(file, """{"id":"c1","created":"yesterday"}""");
        Assert.Equal($"unable to parse {file}: created: invalid RFC 3339 time yesterday",
            Assert.Throws<RuntimeError>(() => store.Load("c1")).Message);
        File.WriteAllText(file, "{\"id\":\"c1\",\"initPid\":");
        Assert.StartsWith($"unable to parse {file}: ", Assert.Throws<RuntimeError>(() => store.Load("c1")).Message);
        File.WriteAllText(file, """{"id":"c1","initPid":"5"}""");
        Assert.Equal($"unable to parse {file}: state.json: initPid: invalid value, expected an int32 number (line 1, column 25)",
            Assert.Throws<RuntimeError>(() => store.Load("c1")).Message);
    }

    [Fact]
    public void Save_NullMaps_AreOmittedAndLoadAsNull()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        store.Save(NewState("c1"));
        var json = File.ReadAllText(Path.Combine(_root, "c1", "state.json"));
        Assert.DoesNotContain("cgroupPaths", json);
        var l = store.Load("c1");
        Assert.Null(l.CgroupPaths);
        Assert.Null(l.Annotations);
    }

    [Fact]
    public void Save_LeavesNoTempFile_AndWritesThroughARenameInTheSameDir()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        string? temp = null;
        store.BeforeRename = t =>
        {
            temp = t;
            Assert.True(File.Exists(t));                      // fully written before the rename
            Assert.False(File.Exists(Path.Combine(dir, "state.json")));
        };
        store.Save(NewState("c1"));

        Assert.NotNull(temp);
        Assert.Equal(dir, Path.GetDirectoryName(temp));       // same filesystem: rename is atomic
        Assert.NotEqual(Path.Combine(dir, "state.json"), temp);
        Assert.False(File.Exists(temp));
        Assert.Equal(["state.json"], Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void Save_FailingBeforeRename_KeepsOldStateIntact()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        var first = NewState("c1");
        store.Save(first);
        var before = File.ReadAllBytes(Path.Combine(dir, "state.json"));

        var second = NewState("c1");
        second.InitPid = 4321;
        store.BeforeRename = t =>
        {
            // at the "crash" point the new content exists only in the temp file
            Assert.Contains("4321", File.ReadAllText(t));
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "state.json")));
            throw new IOException("simulated crash");
        };
        Assert.Throws<RuntimeError>(() => store.Save(second));

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "state.json")));
        Assert.Equal(1234, store.Load("c1").InitPid);
        Assert.Equal(["state.json"], Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void Save_WithoutCreate_FailsNotExist()
    {
        var store = new StateStore(_root);
        Assert.Equal("container does not exist", Assert.Throws<RuntimeError>(() => store.Save(NewState("ghost"))).Message);
    }

    [Fact]
    public void Remove_DeletesEverything_AndIsIdempotent()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        store.Save(NewState("c1"));
        File.WriteAllText(Path.Combine(dir, "extra"), "x");
        Directory.CreateDirectory(Path.Combine(dir, "sub", "deeper"));
        MkFifo(Path.Combine(dir, "exec.fifo"));

        store.Remove("c1");
        Assert.False(Directory.Exists(dir));
        store.Remove("c1");
        Assert.Equal("container does not exist", Assert.Throws<RuntimeError>(() => store.Load("c1")).Message);
    }

    [Fact]
    public void List_SortedAndOnlyLoadable()
    {
        var store = new StateStore(_root);
        foreach (var id in new[] { "b", "a", "C", "a-long-one", "_x" })
        {
            store.Create(id);
            store.Save(NewState(id));
        }
        store.Create("empty");                         // no state.json
        File.WriteAllText(Path.Combine(_root, "file"), "not a dir");
        Directory.CreateDirectory(Path.Combine(_root, "bad id"));
        Assert.Equal(["C", "_x", "a", "a-long-one", "b"], store.List());
    }

    [Fact]
    public void List_CreatesMissingRoot()
    {
        var store = new StateStore(_root);
        Assert.Empty(store.List());
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public void Snapshot_ReportsUnloadableLikeRunc_AndComputesStatus()
    {
        var store = new StateStore(_root);
        store.Create("run");
        var s = NewState("run");
        store.Save(s);
        store.Create("zz-bad");
        File.WriteAllText(store.StateFile("zz-bad"), "{ not json");
        // A create killed before it wrote state.json: listed as stopped (runc skips it), unless
        // a create in progress holds its lock.
        store.Create("zz-empty");
        store.Create("zz-locked");
        using var creating = store.Lock("zz-locked");
        var proc = new FakeProc { [1234] = new ProcStat('S', 987654321) };
        var warnings = new StringWriter();

        var entries = store.Snapshot(new StatusProbe(proc), warnings);

        Assert.StartsWith("load container zz-bad: unable to parse ", warnings.ToString());
        Assert.Contains("load container zz-locked: container does not exist\n", warnings.ToString().Replace("\r\n", "\n"));
        Assert.Equal(2, entries.Count);
        Assert.Equal("zz-empty", entries[1].State.Id);
        Assert.Equal(ContainerStatus.Stopped, entries[1].Status);
        Assert.Equal(0, entries[1].Pid);
        var e = entries[0];
        Assert.Equal("run", e.State.Id);
        Assert.Equal(ContainerStatus.Running, e.Status);
        Assert.Equal(1234, e.Pid);
        Assert.Equal(Runcs.Sys.Passwd.NameOrNumber(0), e.Owner); // the tests run as root
        Assert.Equal(e.Owner, store.OwnerOf("run"));

        proc.Clear(); // init died
        e = store.Snapshot(new StatusProbe(proc))[0];
        Assert.Equal(ContainerStatus.Stopped, e.Status);
        Assert.Equal(0, e.Pid);
    }

    // ---- locking ----

    [Fact]
    public void Lock_SecondLockerWaitsUntilFirstDisposes()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        var first = store.Lock("c1");
        var acquired = new ManualResetEventSlim();
        var second = new Thread(() =>
        {
            using (store.Lock("c1"))
                acquired.Set();
        });
        second.Start();

        Assert.False(acquired.Wait(TimeSpan.FromMilliseconds(400)), "second locker must block while the first holds the lock");
        Assert.Null(store.TryLock("c1"));
        first.Dispose();
        Assert.True(acquired.Wait(TimeSpan.FromSeconds(10)), "second locker must get the lock once released");
        Assert.True(second.Join(TimeSpan.FromSeconds(10)));

        using var again = store.TryLock("c1");
        Assert.NotNull(again);
    }

    [Fact]
    public void Lock_ExcludesOtherProcesses()
    {
        var store = new StateStore(_root);
        var dir = store.Create("c1");
        using (store.Lock("c1"))
        {
            // util-linux flock(1) on the same directory must not get it while we hold it
            var r = Run("flock", "-n", "-x", dir, "true");
            Assert.NotEqual(0, r);
        }
        Assert.Equal(0, Run("flock", "-n", "-x", dir, "true"));
    }

    [Fact]
    public void Lock_Missing_FailsNotExist()
    {
        var store = new StateStore(_root);
        Assert.Equal("container does not exist", Assert.Throws<RuntimeError>(() => store.Lock("nope")).Message);
    }

    [Fact]
    public void Lock_DirRemovedWhileWaiting_FailsNotExist()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        var first = store.Lock("c1");
        Exception? error = null;
        var waiter = new Thread(() =>
        {
            try { using var l = store.Lock("c1"); }
            catch (Exception e) { error = e; }
        });
        waiter.Start();
        WaitUntilBlockedOnFlock(Path.Combine(_root, "c1"));
        store.Remove("c1");   // like `delete` holding the lock
        first.Dispose();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal("container does not exist", Assert.IsType<RuntimeError>(error).Message);
    }

    [Fact]
    public void Lock_DirRecreatedWhileWaiting_LocksTheNewDirectory()
    {
        var store = new StateStore(_root);
        store.Create("c1");
        var first = store.Lock("c1");
        IDisposable? got = null;
        var waiter = new Thread(() => got = store.Lock("c1"));
        waiter.Start();
        WaitUntilBlockedOnFlock(Path.Combine(_root, "c1"));
        store.Remove("c1");
        store.Create("c1");
        first.Dispose();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.NotNull(got);
        Assert.Null(store.TryLock("c1")); // the waiter holds the lock on the new directory
        got.Dispose();
        using var after = store.TryLock("c1");
        Assert.NotNull(after);
    }

    internal static void MkFifo(string path) => Assert.Equal(0, Run("mkfifo", path));

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Runcs.Tests.Integration.RuncsBinary.Start(psi);
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>Waits until some process waits for a flock on <paramref name="dir"/>'s inode
    /// (a "->" line in /proc/locks), i.e. the waiter thread is blocked in Lock.</summary>
    private static void WaitUntilBlockedOnFlock(string dir)
    {
        Assert.True(Runcs.Sys.FileStat.TryStat(dir, out var st));
        ulong ino = st.Ino;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.ReadLines("/proc/locks").Any(l => l.Contains("->") && l.Contains($":{ino} ")))
        {
            Assert.True(DateTime.UtcNow < deadline, "the waiter never blocked on the lock");
            Thread.Yield();
        }
    }
}
