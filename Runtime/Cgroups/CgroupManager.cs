using System.Text.Json;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Cgroups;

/// <summary>
/// A container's cgroup: one directory per v1 hierarchy, or one in the v2 tree. The
/// parent creates it and moves the init in before the init runs any container code.
/// </summary>
public abstract class CgroupManager
{
    public const string Root = "/sys/fs/cgroup";

    /// <summary>Controller (v1 hierarchy name, "" for v2) → absolute directory.</summary>
    public abstract IReadOnlyDictionary<string, string> Paths { get; }

    public abstract void Create();

    /// <summary>
    /// runc's rootless cgroup manager: <see cref="Create"/>, except that where runcs may not make
    /// the cgroup (EACCES, EPERM, EROFS: an ordinary user owns no cgroup, unless one was
    /// delegated to it) it is left out, when <paramref name="mayLeaveOut"/> agrees (asked only
    /// then, so root pays nothing). Returns the manager of what could be made: this one, or
    /// <see cref="None"/>.
    /// </summary>
    public virtual CgroupManager CreateOrLeaveOut(Func<bool> mayLeaveOut)
    {
        try
        {
            Create();
            return this;
        }
        catch (SysError e) when (IsPermissionError(e.Errno) && mayLeaveOut())
        {
            TryDestroy();
            return None;
        }
    }

    /// <summary>No cgroup at all: a rootless container runcs could make none for (runc keeps it in runcs's own).</summary>
    public static CgroupManager None => new V1Manager([]);

    /// <summary>Whether this manager has no cgroup (<see cref="None"/>, or a state saved without one).</summary>
    public bool IsNone => Paths.Count == 0;

    /// <summary>runc's isIgnorableError: what a rootless runcs may meet in a cgroup tree it does not own.</summary>
    protected static bool IsPermissionError(int errno) => errno is Errno.EACCES or Errno.EPERM or Errno.EROFS;

    private void TryDestroy()
    {
        try
        {
            Destroy();
        }
        catch (Exception e) when (e is RuntimeError or IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>mkdir -p with mode 0755: one mkdir when the parent exists; errors are runc's "mkdir PATH: ...".</summary>
    protected static void MakeDirectory(string path)
    {
        if (LibC.mkdir(path, 0x1ed /* 0755 */) == 0)
            return;
        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST)
            return;
        if (errno == Errno.ENOENT && Path.GetDirectoryName(path) is { Length: > 1 } parent)
        {
            MakeDirectory(parent);
            MakeDirectory(path);
            return;
        }
        throw new SysError($"mkdir {path}", errno);
    }
    public abstract void AddProcess(int pid);
    /// <summary>Files a process writes "0" to in order to move itself in cheaply (v1 tasks), or null.</summary>
    public virtual List<string>? SelfJoinFiles() => null;
    /// <summary>Every process in the cgroup and below it.</summary>
    public abstract List<int> Pids();

    /// <summary>Whether the cgroup exists already (runc looks at one controller's directory).</summary>
    public abstract bool Exists();

    /// <summary>Frozen by its own freezer (not only through a frozen ancestor), as runc's GetFreezerState says.</summary>
    public abstract bool IsFrozenItself();

    /// <summary>The container's cgroup in a hybrid host's unified hierarchy (/sys/fs/cgroup/unified), or null.</summary>
    public virtual string? UnifiedPath => null;

    /// <summary>
    /// An O_PATH fd of <see cref="UnifiedPath"/> (made first with <paramref name="create"/>) for
    /// nsexec.c to clone the init straight into it (clone3 CLONE_INTO_CGROUP); -1 when there is none
    /// or it cannot be made (runc ignores a unified hierarchy it cannot join).
    /// </summary>
    public virtual int OpenUnified(bool create) => -1;

    /// <summary>
    /// runc's checks of a cgroup that exists before the container (linux.cgroupsPath naming a
    /// cgroup made by another tool): processes in it are a warning, a frozen one an error (its
    /// init would hang). Runs before anything of the container exists, and costs two failed
    /// stats when the cgroup is new.
    /// </summary>
    public void CheckPreExisting()
    {
        if (Exists())
        {
            int count = Pids().Count;
            if (count != 0)
            {
                Logging.Log.Warn($"container's cgroup is not empty: {count} process(es) found");
                Logging.Log.Warn("DEPRECATED: running container in a non-empty cgroup won't be supported in runc 1.2; https://github.com/opencontainers/runc/issues/3132");
            }
        }
        if (IsFrozenItself())
            throw new RuntimeError("container's cgroup unexpectedly frozen");
    }
    public abstract void Freeze(bool frozen);
    /// <summary>Whether there is a freezer to pause with (a rootless container may have none).</summary>
    public virtual bool HasFreezer => !IsNone;
    public abstract bool IsFrozen();
    /// <summary>Removes the cgroup; processes must be gone.</summary>
    public abstract void Destroy();

    /// <summary>
    /// Writes linux.resources. As in runc, a zero or absent value means "leave as is".
    /// <paramref name="devices"/> is the complete device rule list (create only; null leaves the rules alone).
    /// </summary>
    public abstract void Set(LinuxResources resources, IReadOnlyList<LinuxDeviceCgroup>? devices = null);

    /// <summary>The "data" object of runc's stats event, read from the cgroup files.</summary>
    public abstract void WriteStats(Utf8JsonWriter json);

    /// <summary>How many processes the OOM killer has killed in the cgroup so far.</summary>
    public abstract ulong OomKills();

    /// <summary>v2 when /sys/fs/cgroup is the unified hierarchy, v1 (or hybrid) otherwise, as runc decides.</summary>
    public static bool IsUnified()
    {
        // statfs sees the visible mount (cgroup2 may be mounted over a v1 tmpfs); no mountinfo to parse.
        try
        {
            return LinuxSyscalls.FileSystemType(Root) == Cgroup2SuperMagic;
        }
        catch (SysError)
        {
            return false; // no /sys/fs/cgroup: no v1 hierarchy will be found either
        }
    }

    private const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>The manager for a new container: cgroupsPath semantics as runc's cgroupfs driver.</summary>
    public static CgroupManager ForNew(string? cgroupsPath, string id)
    {
        string inner = Inner(cgroupsPath, id);
        return IsUnified() ? V2Manager.ForPath(inner) : V1Manager.ForPath(inner);
    }

    /// <summary>The manager of an existing container, from the paths saved in its state.</summary>
    public static CgroupManager FromState(IReadOnlyDictionary<string, string>? paths)
    {
        if (paths is null || paths.Count == 0)
            return new V1Manager(new Dictionary<string, string>());
        // "" alone is the v2 cgroup; next to v1 hierarchies it is a hybrid host's unified one.
        return paths.Count == 1 && paths.TryGetValue("", out var v2) ? new V2Manager(v2) : new V1Manager(new Dictionary<string, string>(paths));
    }

    /// <summary>Absolute cgroupsPath: from the hierarchy root; relative or empty (then the id): below runcs's own cgroup.</summary>
    public static string Inner(string? cgroupsPath, string id)
    {
        string p = string.IsNullOrEmpty(cgroupsPath) ? id : cgroupsPath;
        if (p.Contains(':'))
            throw new RuntimeError($"cgroupsPath \"{p}\" is in systemd's slice:prefix:name form; runcs has no systemd cgroup driver");
        bool absolute = p.StartsWith('/');
        string clean = string.Join('/', p.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "." && s != ".."));
        return absolute ? "/" + clean : clean;
    }

    /// <summary>runcs's own cgroup per hierarchy, from /proc/self/cgroup (controllers → path).</summary>
    public static Dictionary<string, string> OwnCgroups()
    {
        var map = new Dictionary<string, string>();
        foreach (string line in SmallFile.ReadAllLines("/proc/self/cgroup"))
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length == 3)
                map[parts[1]] = parts[2];
        }
        return map;
    }

    internal static void WriteFile(string dir, string file, string value)
    {
        int errno = TryWriteFile(dir, file, value);
        if (errno != 0)
            throw WriteError(dir, file, value, errno);
    }

    /// <summary>0, or the errno the kernel answered (for writers that retry or explain some errors).</summary>
    internal static int TryWriteFile(string dir, string file, string value)
    {
        try
        {
            LinuxSyscalls.Instance.WriteFile(Path.Combine(dir, file), value);
            return 0;
        }
        catch (SysError e)
        {
            return e.Errno;
        }
    }

    internal static RuntimeError WriteError(string dir, string file, string value, int errno) =>
        new($"failed to write {value} to {file} in {dir}: {SysError.Describe(errno)}");

    /// <summary>A cgroup file's content without the trailing newline; null when it does not exist.</summary>
    internal static string? ReadFile(string dir, string file)
    {
        try
        {
            return SmallFile.ReadAllText(Path.Combine(dir, file)).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads cgroup.procs of a directory and all its children.</summary>
    protected static void CollectPids(string dir, List<int> into)
    {
        string procs = Path.Combine(dir, "cgroup.procs");
        if (!File.Exists(procs))
            return;
        foreach (string line in SmallFile.ReadAllLines(procs))
            if (int.TryParse(line, out int pid))
                into.Add(pid);
        foreach (string sub in Directory.EnumerateDirectories(dir))
            CollectPids(sub, into);
    }

    /// <summary>
    /// Removes a cgroup directory and any cgroups made below it. A plain rmdir first: the
    /// usual cgroup has no children, and listing a cgroup directory reads all its files. A
    /// cgroup still busy is retried for up to 2 s: a killed task holds a v1 cgroup until its
    /// parent has reaped it, which a loaded host may take a while to do.
    /// </summary>
    protected static void RemoveTree(string dir)
    {
        long deadline = Environment.TickCount64 + 2000;
        while (true)
        {
            if (LibC.rmdir(dir) == 0)
                return;
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.ENOENT)
                return;
            if (errno != Errno.EBUSY || Environment.TickCount64 > deadline)
                throw new SysError($"remove cgroup {dir}", errno);
            // Busy: child cgroups (made inside the container), or tasks still leaving.
            bool hadChildren = false;
            foreach (string sub in Directory.EnumerateDirectories(dir))
            {
                RemoveTree(sub);
                hadChildren = true;
            }
            if (!hadChildren)
                Thread.Sleep(10);
        }
    }
}
