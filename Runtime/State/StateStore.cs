using System.Runtime.InteropServices;
using System.Text.Json;
using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.State;

/// <summary>One row of `runcs list`: the saved state plus what was computed at listing time.</summary>
public sealed record ListEntry(ContainerState State, ContainerStatus Status, int Pid, string Owner);

/// <summary>
/// The container state directory: &lt;root&gt; (0700) holds one directory per container
/// (&lt;root&gt;/&lt;id&gt;, 0711) with state.json (0600) and, between create and start, exec.fifo.
/// Error texts are runc 1.1's.
/// </summary>
public sealed class StateStore
{
    public const string StateFileName = "state.json";
    /// <summary>The config as `create` validated it, in compact binary form: what `exec` starts from, as runc's exec uses the config saved at create, not the bundle's current config.json.</summary>
    public const string ConfigFileName = "config.bin";

    public const string ErrEmptyId = "container id cannot be empty";
    public const string ErrInvalidId = "invalid container ID format";
    public const string ErrExists = "container with given ID already exists";
    public const string ErrNotExist = "container does not exist";

    private const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    /// <summary>state.json and config.bin are runcs's own: never followed through a symlink, regular, at most this long.</summary>
    public const int MaxFileBytes = 64 << 20;

    public StateStore(string root)
    {
        if (string.IsNullOrEmpty(root))
            throw new RuntimeError("invalid root");
        Root = Path.GetFullPath(root);
    }

    /// <summary>Absolute path of the state root (e.g. /run/runc).</summary>
    public string Root { get; }

    /// <summary>Test hook: runs after the temp file is written and synced, before the rename.</summary>
    internal Action<string>? BeforeRename { get; set; }

    /// <summary>
    /// runc's rule: non-empty, only [A-Za-z0-9_+,-.] (its regex `^[\w+-\.]+$` has the range
    /// '+'..'.', which lets ',' in), and not "." or "..".
    /// </summary>
    public static void ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id))
            throw new RuntimeError(ErrEmptyId);
        if (!IsValidId(id))
            throw new RuntimeError(ErrInvalidId);
    }

    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id == "." || id == "..")
            return false;
        foreach (char c in id)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '_' or '+' or ',' or '-' or '.';
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>&lt;root&gt;/&lt;id&gt; (the id is validated).</summary>
    public string ContainerDir(string id)
    {
        ValidateId(id);
        return Path.Combine(Root, id);
    }

    public string StateFile(string id) => Path.Combine(ContainerDir(id), StateFileName);

    /// <summary>Creates the root (and missing parents) with mode 0700 if it does not exist.</summary>
    public void EnsureRoot()
    {
        try
        {
            Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RuntimeError($"mkdir {Root}: permission denied", e); // .NET's text is a resource key here
        }
        catch (IOException e)
        {
            throw new RuntimeError($"mkdir {Root}: {e.Message}", e);
        }
    }

    /// <summary>True if &lt;root&gt;/&lt;id&gt; exists (with or without state.json).</summary>
    /// <remarks>A directory runcs may not look into (another user's root) is runc's "lstat DIR:
    /// permission denied", not a missing container (which `delete --force` would report as done).</remarks>
    public bool Exists(string id) => Lstat(ContainerDir(id), out FileStat.Stat st) && FileStat.KindOf(st.Mode) == FileKind.Directory;

    /// <summary>
    /// Makes &lt;root&gt;/&lt;id&gt; (0711, owned by the effective uid/gid) and returns its path. The
    /// mkdir is the atomic claim on the id: a second creator gets "container with given ID
    /// already exists".
    /// </summary>
    public string Create(string id)
    {
        var dir = ContainerDir(id);
        EnsureRoot();
        if (LibC.mkdir(dir, 0x1C9 /* 0711 */) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EEXIST)
                throw new RuntimeError(ErrExists);
            throw new SysError($"mkdir {dir}", errno);
        }
        if (LibC.chown(dir, LibC.geteuid(), LibC.getegid()) != 0)
            throw SysError.Last($"chown {dir}");
        return dir;
    }

    /// <summary>Reads &lt;root&gt;/&lt;id&gt;/state.json; "container does not exist" if the directory or file is missing.</summary>
    public ContainerState Load(string id)
    {
        var file = StateFile(id);
        byte[] data;
        try
        {
            data = SmallFile.ReadRegular(file, MaxFileBytes, noFollow: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RuntimeError(ErrNotExist);
        }
        catch (UnauthorizedAccessException e)
        {
            // Another user's container: runc's lstat of its directory fails first.
            Lstat(ContainerDir(id), out _);
            throw new RuntimeError($"open {file}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new RuntimeError($"open {file}: {e.Message}", e);
        }

        ContainerState state;
        try
        {
            state = StateJson.Read(data);
        }
        catch (RuntimeError e)
        {
            throw new RuntimeError($"unable to parse {file}: {e.Message}", e);
        }
        if (state.Id.Length == 0)
            state.Id = id;
        return state;
    }

    /// <summary>Like <see cref="Load"/> but null when the container does not exist or its state is unreadable.</summary>
    public ContainerState? TryLoad(string id)
    {
        try
        {
            return Load(id);
        }
        catch (RuntimeError)
        {
            return null;
        }
    }

    /// <summary>Atomically replaces &lt;root&gt;/&lt;id&gt;/state.json (see <see cref="Write"/>).</summary>
    public void Save(ContainerState state) => Write(state.Id, Serialize(state));

    /// <summary>&lt;root&gt;/&lt;id&gt;/config.bin, or null for a container created without one.</summary>
    public byte[]? ReadConfig(string id)
    {
        try
        {
            return SmallFile.ReadRegular(Path.Combine(ContainerDir(id), ConfigFileName), MaxFileBytes, noFollow: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError($"open {Path.Combine(ContainerDir(id), ConfigFileName)}: {e.Message}", e);
        }
    }

    /// <summary>state.json's bytes; `create` makes them while the init boots, then writes them once it is ready.</summary>
    public static byte[] Serialize(ContainerState state) => StateJson.Write(state);

    /// <summary>
    /// Writes a temp file in the container's directory and renames it over state.json: a
    /// reader or a crashed runcs sees the old or the new file, never a torn one. No fsync, as
    /// in runc: the state describes live processes, which a power loss takes with it.
    /// </summary>
    public void Write(string id, byte[] bytes) => Write(id, StateFileName, bytes);

    /// <summary>Like <see cref="Write(string, byte[])"/>, for another file of the container's directory.</summary>
    public void Write(string id, string name, byte[] bytes)
    {
        var dir = ContainerDir(id);
        var target = Path.Combine(dir, name);
        var temp = TempPath(dir, name);

        // Plain syscalls: a FileStream's first use costs this short-lived process ~0.4 ms.
        LibC.unlink(temp); // left by a crashed writer whose pid this process now has
        int fd = LibC.open(temp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0)
        {
            var error = SysError.Last($"save state of {id}: open {temp}");
            throw error.Errno == Errno.ENOENT ? new RuntimeError(ErrNotExist) : error;
        }
        bool renamed = false;
        try
        {
            if (Stdio.WriteAll(fd, bytes) is int errno and not 0)
                throw new SysError($"save state of {id}: write {temp}", errno);
            LibC.close(fd);
            fd = -1;

            BeforeRename?.Invoke(temp);

            if (LibC.rename(temp, target) != 0)
                throw SysError.Last($"save state of {id}: rename {temp} {target}");
            renamed = true;
        }
        catch (IOException e)
        {
            throw new RuntimeError($"save state of {id}: {e.Message}", e);
        }
        finally
        {
            if (fd >= 0)
                LibC.close(fd);
            if (!renamed)
                LibC.unlink(temp);
        }
    }

    /// <summary>Deletes &lt;root&gt;/&lt;id&gt; and everything in it; no error if it is already gone.</summary>
    public void Remove(string id)
    {
        var dir = ContainerDir(id);
        try
        {
            var info = new DirectoryInfo(dir);
            if (!info.Exists && info.LinkTarget is null)
                return;
            if (info.LinkTarget is not null)
            {
                File.Delete(dir); // a symlink: remove the link, not its target
                return;
            }
            // The files runcs makes, then the directory; anything else there falls back to a
            // recursive delete (the cold enumeration path is slower for every delete).
            foreach (string name in (string[])[StateFileName, ConfigFileName, StatusProbe.ExecFifoName])
                LibC.unlink(Path.Combine(dir, name));
            if (LibC.rmdir(dir) != 0)
                info.Delete(recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError($"unable to remove container state dir {dir}: {e.Message}", e);
        }
    }

    /// <summary>Ids of all containers with loadable state, sorted by name (like runc's os.ReadDir).</summary>
    public IReadOnlyList<string> List()
    {
        var ids = new List<string>();
        foreach (var name in DirectoryNames())
        {
            if (IsValidId(name) && TryLoad(name) is not null)
                ids.Add(name);
        }
        return ids;
    }

    /// <summary>
    /// runc's getContainers: every directory under the root, sorted; unloadable ones are
    /// reported as "load container NAME: ERROR" on <paramref name="warnings"/> and skipped.
    /// </summary>
    public IReadOnlyList<ListEntry> Snapshot(StatusProbe probe, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var entries = new List<ListEntry>();
        foreach (var name in DirectoryNames())
        {
            var dir = Path.Combine(Root, name);
            if (!Lstat(dir, out FileStat.Stat st))
                continue; // raced with a delete
            string owner = Passwd.NameOrNumber(st.Uid);
            ContainerState state;
            try
            {
                state = Load(name);
            }
            catch (RuntimeError e) when (e.Message == ErrNotExist && IsValidId(name) && !BeingCreated(name))
            {
                // A create killed before it wrote state.json: shown stopped, so that it is seen
                // and deleted (runc skips such a directory with a warning).
                state = new ContainerState { Id = name, Created = DateTimeOffset.FromUnixTimeSeconds(st.MtimeSeconds) };
                entries.Add(new ListEntry(state, ContainerStatus.Stopped, 0, owner));
                continue;
            }
            catch (RuntimeError e)
            {
                warnings?.WriteLine($"load container {name}: {e.Message}");
                continue;
            }
            var status = probe.GetStatus(state, dir);
            entries.Add(new ListEntry(state, status, StatusProbe.VisiblePid(state, status), owner));
        }
        return entries;
    }

    /// <summary>A create in progress holds the container's lock (a killed one released it).</summary>
    private bool BeingCreated(string id)
    {
        try
        {
            using var held = TryLock(id);
            return held is null;
        }
        catch (RuntimeError)
        {
            return true; // gone meanwhile: nothing to show
        }
    }

    /// <summary>Owner name of &lt;root&gt;/&lt;id&gt; as `runc list` shows it ("root", or "#UID" if not in /etc/passwd).</summary>
    public string OwnerOf(string id)
    {
        var dir = ContainerDir(id);
        if (!Lstat(dir, out FileStat.Stat st))
            throw new RuntimeError(ErrNotExist);
        return Passwd.NameOrNumber(st.Uid);
    }

    /// <summary>lstat(2) worded like Go's os.Lstat; false when the path does not exist.</summary>
    private static bool Lstat(string path, out FileStat.Stat st)
    {
        try
        {
            return FileStat.TryLstat(path, out st);
        }
        catch (SysError e)
        {
            throw new SysError($"lstat {path}", e.Errno);
        }
    }

    /// <summary>
    /// Takes an exclusive flock on &lt;root&gt;/&lt;id&gt;, waiting for any other holder (another
    /// runcs command on the same container). Dispose to release. Throws "container does not
    /// exist" if the directory is missing, including when it was removed while waiting.
    /// </summary>
    public IDisposable Lock(string id) => LockCore(id, wait: true)!;

    /// <summary>Like <see cref="Lock"/> but returns null at once if someone else holds the lock.</summary>
    public IDisposable? TryLock(string id) => LockCore(id, wait: false);

    private DirLock? LockCore(string id, bool wait)
    {
        var dir = ContainerDir(id);
        while (true)
        {
            int fd = LibC.open(dir, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Errno.ENOENT or Errno.ENOTDIR)
                    throw new RuntimeError(ErrNotExist);
                throw new SysError($"open {dir}", errno);
            }

            int op = LOCK_EX | (wait ? 0 : LOCK_NB);
            while (LibC.flock(fd, op) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                LibC.close(fd);
                if (!wait && errno == Errno.EAGAIN)
                    return null;
                throw new SysError($"flock {dir}", errno);
            }

            // The directory may have been deleted (and maybe re-created) while we waited:
            // the lock only counts if the path still names the directory we hold.
            bool exists;
            FileStat.Stat held, now;
            try
            {
                held = FileStat.Fstat(fd);
                exists = FileStat.TryLstat(dir, out now);
            }
            catch (SysError)
            {
                LibC.close(fd);
                throw;
            }
            if (exists && held.Dev == now.Dev && held.Ino == now.Ino)
                return new DirLock(fd);

            LibC.flock(fd, LOCK_UN);
            LibC.close(fd);
            if (!exists)
                throw new RuntimeError(ErrNotExist);
            // re-created under the same id: lock the new one
        }
    }

    private IEnumerable<string> DirectoryNames()
    {
        EnsureRoot();
        var names = new List<string>();
        try
        {
            foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos())
            {
                // like Go's DirEntry.IsDir: a symlink is not a directory
                if ((entry.Attributes & FileAttributes.Directory) != 0 && entry.LinkTarget is null)
                    names.Add(entry.Name);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError($"open {Root}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}", e);
        }
        names.Sort(GoStringComparer.Instance);
        return names;
    }

    /// <summary>Unique per writer: writers of one container hold its lock, and a pid names one process.</summary>
    private static string TempPath(string dir, string name)
        => Path.Combine(dir, $".{name}.{Environment.ProcessId}.tmp");

    private sealed class DirLock(int fd) : IDisposable
    {
        private int _fd = fd;

        public void Dispose()
        {
            int fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
            {
                LibC.flock(fd, LOCK_UN);
                LibC.close(fd);
            }
            GC.SuppressFinalize(this);
        }

        ~DirLock()
        {
            int fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
                LibC.close(fd);
        }
    }
}
