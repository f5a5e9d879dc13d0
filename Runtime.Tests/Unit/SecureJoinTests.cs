using Runcs.Errors;
using Runcs.Init;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>
/// <see cref="SecureJoin"/>: symlinks resolved as if the root were "/", against the recording
/// fake's tree, and the fd-based walks (openat2 RESOLVE_IN_ROOT) against a real temp directory
/// (no root needed).
/// </summary>
public sealed class SecureJoinTests
{
    private static RecordingSyscalls Tree() => new RecordingSyscalls()
        .Directory("/r/etc").Directory("/r/usr/lib").Directory("/r/var")
        .Link("/r/abs", "/etc")               // absolute: relative to the root
        .Link("/r/rel", "usr/lib")            // relative to its directory
        .Link("/r/usr/up", "../../../../etc") // ".." cannot climb above the root
        .Link("/r/chain", "/abs/../rel")      // a link through links and ".."
        .Link("/r/var/run", "/run")           // to something missing: the path is still resolved
        .Link("/r/loop1", "loop2").Link("/r/loop2", "loop1");

    [Theory]
    [InlineData("/abs", "/r/etc")]
    [InlineData("/abs/passwd", "/r/etc/passwd")]
    [InlineData("/rel/x", "/r/usr/lib/x")]
    [InlineData("/usr/up/shadow", "/r/etc/shadow")]
    [InlineData("/chain", "/r/usr/lib")]
    [InlineData("/var/run/lock", "/r/run/lock")]
    [InlineData("/../../etc/../usr/./lib", "/r/usr/lib")]
    [InlineData("/", "/r")]
    [InlineData("", "/r")]
    [InlineData("missing/deeper", "/r/missing/deeper")]
    public void Resolve_follows_symlinks_inside_the_root(string path, string expected) =>
        Assert.Equal(expected, SecureJoin.Resolve(Tree(), "/r/", path));

    [Fact]
    public void A_symlink_loop_is_an_error()
    {
        var e = Assert.Throws<RuntimeError>(() => SecureJoin.Resolve(Tree(), "/r", "/loop1/x"));
        Assert.Equal("securejoin /loop1/x: too many levels of symbolic links", e.Message);
    }

    [Fact]
    public void MkdirAll_makes_each_missing_directory_and_refuses_a_file_on_the_way()
    {
        var sys = Tree().File("/r/etc/passwd");
        SecureJoin.MkdirAll(sys, "/r", "/r/var/lib/app", 0x1c0);
        Assert.Equal(["mkdir /r/var/lib 0700", "mkdir /r/var/lib/app 0700"], sys.Calls);
        var e = Assert.Throws<SysError>(() => SecureJoin.MkdirAll(sys, "/r", "/r/etc/passwd/x"));
        Assert.Equal(Errno.ENOTDIR, e.Errno);
    }

    /// <summary>A real directory tree: root/ with a link to a directory outside it.</summary>
    private sealed class TempRoot : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("runcs-securejoin-").FullName;
        public string Root => Path.Combine(Dir, "root");
        public string Outside => Path.Combine(Dir, "outside");
        public int RootFd { get; }

        public TempRoot()
        {
            Directory.CreateDirectory(Path.Combine(Root, "etc"));
            Directory.CreateDirectory(Outside);
            File.CreateSymbolicLink(Path.Combine(Root, "escape"), Outside);     // absolute, to the host's path
            File.CreateSymbolicLink(Path.Combine(Root, "up"), "../outside");    // relative, climbing out
            RootFd = LinuxSyscalls.Instance.OpenDirectory(Root);
        }

        public void Dispose()
        {
            LinuxSyscalls.Instance.Close(RootFd);
            Directory.Delete(Dir, recursive: true);
        }
    }

    [Fact]
    public void Resolve_against_a_real_tree_keeps_an_absolute_link_inside_the_root()
    {
        using var t = new TempRoot();
        Assert.Equal(t.Root + t.Outside + "/x", SecureJoin.Resolve(LinuxSyscalls.Instance, t.Root, "/escape/x"));
        Assert.Equal(t.Root + "/outside/x", SecureJoin.Resolve(LinuxSyscalls.Instance, t.Root, "/up/x"));
    }

    [Fact]
    public void MkdirAllInRoot_makes_directories_inside_the_root()
    {
        using var t = new TempRoot();
        SecureJoin.MkdirAllInRoot(LinuxSyscalls.Instance, t.RootFd, t.Root, t.Root + "/etc/a/b", 0x1c0);
        var info = new DirectoryInfo(Path.Combine(t.Root, "etc/a/b"));
        Assert.True(info.Exists);
    }

    [Fact]
    public void MkdirAllInRoot_refuses_a_directory_swapped_for_a_symlink_to_the_host()
    {
        // The path was resolved while "up" was a directory; it is a symlink out of the root now.
        using var t = new TempRoot();
        var e = Assert.Throws<SysError>(() => SecureJoin.MkdirAllInRoot(LinuxSyscalls.Instance, t.RootFd, t.Root, t.Root + "/up/made"));
        Assert.Equal(Errno.ENOTDIR, e.Errno);
        Assert.False(Directory.Exists(Path.Combine(t.Outside, "made")));
    }

    [Fact]
    public void OpenInRoot_opens_the_symlink_itself_and_resolves_others_inside_the_root()
    {
        using var t = new TempRoot();
        var sys = LinuxSyscalls.Instance;
        int link = SecureJoin.OpenInRoot(sys, t.RootFd, t.Root, t.Root + "/escape");
        try
        {
            Assert.Equal(FileKind.Symlink, FileStat.KindOf(sys.Fstat(link).Mode));
        }
        finally
        {
            sys.Close(link);
        }
        // Through the link, the host's directory is not reached: the root has no such path.
        var e = Assert.Throws<SysError>(() => SecureJoin.OpenInRoot(sys, t.RootFd, t.Root, t.Root + "/up/x"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        File.WriteAllText(Path.Combine(t.Outside, "x"), "host");
        Assert.Equal(Errno.ENOENT, Assert.Throws<SysError>(() => SecureJoin.OpenInRoot(sys, t.RootFd, t.Root, t.Root + "/escape/x")).Errno);
    }

    [Fact]
    public void CreateFileInRoot_makes_an_empty_file_with_the_mode()
    {
        using var t = new TempRoot();
        SecureJoin.CreateFileInRoot(LinuxSyscalls.Instance, t.RootFd, t.Root, t.Root + "/etc/resolv.conf", 0x180 /* 0600 */);
        string file = Path.Combine(t.Root, "etc/resolv.conf");
        Assert.Equal(0, new FileInfo(file).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file) & (UnixFileMode)0x1ff);
    }

    [Fact]
    public void Relative_paths_outside_the_root_are_refused()
    {
        var e = Assert.Throws<RuntimeError>(() => SecureJoin.OpenInRoot(LinuxSyscalls.Instance, -1, "/r", "/etc/passwd"));
        Assert.Equal("/etc/passwd is not inside /r", e.Message);
    }
}
