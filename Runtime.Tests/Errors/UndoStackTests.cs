using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Errors;

public class UndoStackTests
{
    private static RuntimeError Fails(Action operation) => Assert.Throws<RuntimeError>(operation);

    [Fact]
    public void AFailureUndoesEveryStepInReverse()
    {
        var ran = new List<string>();
        var e = Fails(() =>
        {
            using var undo = new UndoStack("create");
            undo.Push(() => ran.Add("dir"), "remove the state directory");
            undo.Push(() => ran.Add("cgroup"), "remove the cgroup");
            undo.Push(() => ran.Add("init"), "kill the init");
            throw new RuntimeError("boot failed");
        });
        Assert.Equal("boot failed", e.Message);
        Assert.Equal(["init", "cgroup", "dir"], ran);
    }

    [Fact]
    public void OnlyTheStepsMadeBeforeTheFailureAreUndone()
    {
        var ran = new List<string>();
        Fails(() =>
        {
            using var undo = new UndoStack("create");
            undo.Push(() => ran.Add("dir"), "remove the state directory");
            Step(fail: true);
            undo.Push(() => ran.Add("init"), "kill the init");
        });
        Assert.Equal(["dir"], ran);

        static void Step(bool fail)
        {
            if (fail)
                throw new RuntimeError("step failed");
        }
    }

    [Fact]
    public void SuccessKeepsWhatWasMadeAndRunsTheReleases()
    {
        var ran = new List<string>();
        using (var undo = new UndoStack("create"))
        {
            undo.Push(() => ran.Add("dir"), "remove the state directory");
            undo.Defer(() => ran.Add("close fifo"), "close the exec fifo");
            undo.Push(() => ran.Add("init"), "kill the init");
            undo.Defer(() => ran.Add("close channel"), "close the sync channel");
            undo.Dismiss();
            Assert.Equal(["close the sync channel", "close the exec fifo"], undo.Pending);
        }
        Assert.Equal(["close channel", "close fifo"], ran);
    }

    [Fact]
    public void ReleasesRunInTheirPlaceOnAFailure()
    {
        var ran = new List<string>();
        Fails(() =>
        {
            using var undo = new UndoStack("create");
            undo.Push(() => ran.Add("dir"), "remove the state directory");
            undo.Defer(() => ran.Add("close channel"), "close the sync channel");
            undo.Push(() => ran.Add("kill"), "kill the init");
            Assert.Equal(["kill the init", "close the sync channel", "remove the state directory"], undo.Pending);
            throw new RuntimeError("x");
        });
        // the init is killed before its channel closes, as the factory needs
        Assert.Equal(["kill", "close channel", "dir"], ran);
    }

    [Fact]
    public void AFailingUndoIsLoggedAndNeitherStopsTheOthersNorMasksTheError()
    {
        var ran = new List<string>();
        var warnings = new List<string>();
        var e = Fails(() =>
        {
            using var undo = new UndoStack("create", warnings.Add);
            undo.Push(() => ran.Add("dir"), "remove the state directory");
            undo.Push(() => throw new RuntimeError("unable to remove cgroup /x: device or resource busy"), "remove the cgroup");
            undo.Push(() => throw new InvalidOperationException("a bug"), "kill the init");
            throw new RuntimeError("the original error");
        });
        Assert.Equal("the original error", e.Message);
        Assert.Equal(["dir"], ran);
        Assert.Equal(
            ["cleanup after a failed create: a bug", "cleanup after a failed create: unable to remove cgroup /x: device or resource busy"],
            warnings);
    }

    [Fact]
    public void AFailingReleaseAfterSuccessIsLoggedNotThrown()
    {
        var warnings = new List<string>();
        using (var undo = new UndoStack("exec", warnings.Add))
        {
            undo.Defer(() => throw new IOException("bad fd"), "close the sync channel");
            undo.Dismiss();
        }
        Assert.Equal(["exec: close the sync channel: bad fd"], warnings);
    }

    [Fact]
    public void DisposingTwiceRunsNothingTwice()
    {
        int count = 0;
        var undo = new UndoStack("create");
        undo.Push(() => count++, "count");
        undo.Dispose();
        undo.Dispose();
        Assert.Equal(1, count);
        Assert.Empty(undo.Pending);
    }
}
