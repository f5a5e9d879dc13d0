using System.Globalization;
using System.Runtime.InteropServices;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Tests.Unit;

/// <summary>
/// The test <see cref="ISyscalls"/>: every call that changes something is recorded in order as one
/// readable line ("mount proc /r/proc proc nosuid|nodev|noexec"), over an in-memory file tree
/// (directories, files, symlinks, device nodes) and an fd table. Paths through an fd
/// ("/proc/self/fd/N/x") are recorded as the path the fd was opened on, so a test reads what
/// would be mounted where. Failures are injected per recorded line with <see cref="Fail"/>.
/// </summary>
public sealed unsafe class RecordingSyscalls : ISyscalls
{
    private sealed class Node
    {
        public FileKind Kind;
        public string? Target;
        public uint Mode = 0x1ed;
        public uint Uid, Gid;
        public ulong Rdev;
        public string Content = "";
    }

    private readonly Dictionary<string, Node> _tree = new(StringComparer.Ordinal) { ["/"] = new Node { Kind = FileKind.Directory } };
    private readonly Dictionary<int, string> _fds = [];
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _nextFd = 100;
    private uint _umask = 0x12;
    private ulong _random;
    private string _cwd = "/";

    /// <summary>What the code under test did, in order.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>The fds the code under test opened and did not close.</summary>
    public IReadOnlyCollection<string> OpenFds => _fds.Values;

    /// <summary>The mount table ReadMountInfo returns.</summary>
    public List<MountInfoEntry> MountInfo { get; } = [];

    /// <summary>MountFlags answers, by path (0 when absent).</summary>
    public Dictionary<string, ulong> MountFlagsByPath { get; } = [];

    /// <summary>The next call recorded as exactly <paramref name="call"/> fails with errno (once).</summary>
    public void Fail(string call, int errno) => _failures[call] = errno;

    // The tree.
    public RecordingSyscalls Directory(string path, uint mode = 0x1ed) => Add(path, new Node { Kind = FileKind.Directory, Mode = mode });
    public RecordingSyscalls File(string path, string content = "", uint mode = 0x1a4, uint uid = 0) =>
        Add(path, new Node { Kind = FileKind.Regular, Content = content, Mode = mode, Uid = uid });
    public RecordingSyscalls Link(string path, string target) => Add(path, new Node { Kind = FileKind.Symlink, Target = target, Mode = 0x1ff });
    public RecordingSyscalls CharDevice(string path, long major, long minor) =>
        Add(path, new Node { Kind = FileKind.CharDevice, Rdev = FileStat.Makedev(major, minor), Mode = 0x1b6 });
    public bool Exists(string path) => _tree.ContainsKey(path);
    public FileKind? KindAt(string path) => _tree.TryGetValue(path, out var n) ? n.Kind : null;
    public string? TargetOf(string path) => _tree.TryGetValue(path, out var n) ? n.Target : null;
    public string ContentOf(string path) => _tree[path].Content;

    private RecordingSyscalls Add(string path, Node node)
    {
        string parent = Parent(path);
        if (parent != path && !_tree.ContainsKey(parent))
            Directory(parent);
        _tree[path] = node;
        return this;
    }

    private static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>"/proc/self/fd/N/rest" as the path fd N was opened on, plus rest.</summary>
    private string Translate(string path)
    {
        const string prefix = "/proc/self/fd/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
            return path;
        string rest = path[prefix.Length..];
        int slash = rest.IndexOf('/');
        string number = slash < 0 ? rest : rest[..slash];
        if (!int.TryParse(number, CultureInfo.InvariantCulture, out int fd) || !_fds.TryGetValue(fd, out string? opened))
            return path;
        return slash < 0 ? opened : Join(opened, rest[(slash + 1)..]);
    }

    private static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    /// <summary>
    /// The path with symlinks followed (the last one only when followLast), as the kernel would
    /// inside root: absolute targets and ".." stay below it. Null when a component is missing.
    /// </summary>
    private string? Resolve(string path, bool followLast, string root = "/")
    {
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        string current = root;
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (current != root)
                    current = Parent(current);
                continue;
            }
            string next = Join(current, part);
            if (!_tree.TryGetValue(next, out var node))
                return pending.Count == 0 ? next : null;
            if (node.Kind == FileKind.Symlink && (pending.Count > 0 || followLast))
            {
                if (++links > 40)
                    return null;
                if (node.Target!.StartsWith('/'))
                    current = root;
                foreach (string p in node.Target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                    pending.Push(p);
                continue;
            }
            current = next;
        }
        return current;
    }

    private Node? Lookup(string path, bool followLast) =>
        Resolve(Translate(path), followLast) is string p && _tree.TryGetValue(p, out var n) ? n : null;

    private int NewFd(string path)
    {
        _fds[_nextFd] = path;
        return _nextFd++;
    }

    /// <summary>Records the call; false (errno set) when the test made it fail.</summary>
    private bool Record(string call, out int errno)
    {
        Calls.Add(call);
        if (_failures.Remove(call, out errno))
        {
            Marshal.SetLastPInvokeError(errno);
            return false;
        }
        return true;
    }

    private void Record(string call)
    {
        if (!Record(call, out int errno))
            throw new SysError(call, errno);
    }

    private int RecordRaw(string call) => Record(call, out _) ? 0 : -1;

    private static int Fail(int errno)
    {
        Marshal.SetLastPInvokeError(errno);
        return -1;
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode & 0xfff, 8);

    /// <summary>MS_* flags by name, in bit order: "bind|rec".</summary>
    public static string FlagNames(ulong flags)
    {
        (ulong Bit, string Name)[] names =
        [
            (MountOptions.MS_RDONLY, "rdonly"), (MountOptions.MS_NOSUID, "nosuid"), (MountOptions.MS_NODEV, "nodev"),
            (MountOptions.MS_NOEXEC, "noexec"), (MountOptions.MS_REMOUNT, "remount"), (MountOptions.MS_NOATIME, "noatime"),
            (MountOptions.MS_NODIRATIME, "nodiratime"), (MountOptions.MS_BIND, "bind"), (MountOptions.MS_MOVE, "move"),
            (MountOptions.MS_REC, "rec"), (MountOptions.MS_UNBINDABLE, "unbindable"), (MountOptions.MS_PRIVATE, "private"),
            (MountOptions.MS_SLAVE, "slave"), (MountOptions.MS_SHARED, "shared"), (MountOptions.MS_RELATIME, "relatime"),
            (MountOptions.MS_STRICTATIME, "strictatime"),
        ];
        var parts = names.Where(n => (flags & n.Bit) != 0).Select(n => n.Name).ToList();
        ulong rest = names.Aggregate(flags, (f, n) => f & ~n.Bit);
        if (rest != 0)
            parts.Add($"0x{rest:x}");
        return parts.Count == 0 ? "0" : string.Join('|', parts);
    }

    // Mounts.
    public void Mount(string? source, string target, string? fsType, ulong flags, string? data) =>
        Record($"mount {source ?? "none"} {Translate(target)} {fsType ?? "none"} {FlagNames(flags)}{(data is null ? "" : " " + data)}");

    public void Unmount(string target, int flags) => Record($"umount {Translate(target)}{(flags == 2 ? " detach" : "")}");

    public void MoveMount(int treeFd, string target) => Record($"move_mount {_fds[treeFd]} {Translate(target)}");

    public int CloneTree(string path, bool recursive)
    {
        if (!Record($"open_tree {path}{(recursive ? " rec" : "")}", out int errno))
            return -errno;
        return NewFd("tree:" + path);
    }

    public void SetMountAttributes(int mountFd, ulong set, ulong clear, string what) =>
        Record($"mount_setattr {_fds[mountFd]} set=0x{set:x} clear=0x{clear:x}");

    public void PivotRoot(string newRoot, string putOld) => Record($"pivot_root {newRoot} {putOld}");

    public ulong MountFlags(string path) => MountFlagsByPath.GetValueOrDefault(Translate(path));

    public void SetMountAttrRecursive(string path, ulong set, ulong clear) =>
        Record($"mount_setattr {Translate(path)} rec set=0x{set:x} clear=0x{clear:x}");

    public List<MountInfoEntry> ReadMountInfo() => MountInfo;

    // Paths and fds.
    public void Chdir(string path)
    {
        Record($"chdir {Translate(path)}");
        _cwd = Translate(path);
    }

    public int TryChdir(string path)
    {
        if (RecordRaw($"chdir {path}") < 0)
            return -1;
        _cwd = path;
        return 0;
    }

    public void Chroot(string path) => Record($"chroot {Translate(path)}");

    public int OpenDirectory(string path)
    {
        string p = Translate(path);
        if (Lookup(p, followLast: true) is not { Kind: FileKind.Directory })
            throw new SysError($"open {path}", Errno.ENOENT);
        return NewFd(Resolve(p, true)!);
    }

    public int OpenAt(int dirFd, string path, int flags, uint mode)
    {
        string dir = _fds[dirFd];
        string full = path == "." ? dir : Join(dir, path);
        if ((flags & OpenFlags.O_CREAT) != 0 && !_tree.ContainsKey(full))
        {
            if (!Record($"create {full} {Octal(mode)}", out _))
                return -1;
            _tree[full] = new Node { Kind = FileKind.Regular, Mode = mode };
        }
        return _tree.ContainsKey(full) ? NewFd(full) : Fail(Errno.ENOENT);
    }

    public int OpenAt2(int dirFd, string path, ulong flags, ulong resolve)
    {
        string root = _fds[dirFd];
        bool noFollow = (flags & OpenFlags.O_NOFOLLOW) != 0;
        string? resolved = (resolve & MountApi.RESOLVE_IN_ROOT) != 0
            ? Resolve(path, !noFollow, root)
            : Resolve(Join(root, path), !noFollow);
        if (resolved is null || !_tree.ContainsKey(resolved))
            return -Errno.ENOENT;
        return NewFd(resolved);
    }

    public void Fchdir(int fd) => Record($"fchdir {_fds[fd]}");

    public void Close(int fd)
    {
        if (!_fds.Remove(fd))
            throw new InvalidOperationException($"close of fd {fd}, which is not open");
    }

    public void Rmdir(string path)
    {
        Record($"rmdir {Translate(path)}");
        _tree.Remove(Translate(path));
    }

    public void Unlink(string path)
    {
        Record($"unlink {Translate(path)}");
        _tree.Remove(Translate(path));
    }

    public void Mkdir(string path, uint mode)
    {
        if (TryMkdir(path, mode) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
            throw SysError.Last($"mkdir {path}");
    }

    public int TryMkdir(string path, uint mode)
    {
        string p = Translate(path);
        if (_tree.ContainsKey(p))
            return Fail(Errno.EEXIST);
        if (KindAt(Parent(p)) != FileKind.Directory)
            return Fail(Errno.ENOENT);
        if (RecordRaw($"mkdir {p} {Octal(mode & ~_umask)}") < 0)
            return -1;
        _tree[p] = new Node { Kind = FileKind.Directory, Mode = mode & ~_umask };
        return 0;
    }

    public void Mknod(string path, uint mode, ulong dev)
    {
        string p = Translate(path);
        var kind = FileStat.KindOf(mode);
        string type = kind switch { FileKind.CharDevice => "c", FileKind.BlockDevice => "b", FileKind.Fifo => "p", _ => "?" };
        ulong major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL), minor = (dev & 0xff) | ((dev >> 12) & ~0xffUL);
        Record($"mknod {p} {type} {major}:{minor} {Octal(mode & ~_umask)}");
        _tree[p] = new Node { Kind = kind, Rdev = dev, Mode = mode & ~_umask & 0xfff };
    }

    public void Symlink(string target, string linkPath)
    {
        string p = Translate(linkPath);
        Record($"symlink {p} -> {target}");
        _tree[p] = new Node { Kind = FileKind.Symlink, Target = target };
    }

    public void Chown(string path, uint uid, uint gid)
    {
        string p = Translate(path);
        Record($"chown {p} {uid}:{gid}");
        if (_tree.TryGetValue(p, out var n))
            (n.Uid, n.Gid) = (uid, gid);
    }

    public int Fchown(int fd, uint uid, uint gid) => RecordRaw($"fchown {(_fds.TryGetValue(fd, out string? p) ? p : fd.ToString(CultureInfo.InvariantCulture))} {uid}:{gid}");

    public void CreateFile(string path, uint mode)
    {
        string p = Translate(path);
        Record($"create {p} {Octal(mode)}");
        if (!_tree.ContainsKey(p))
            _tree[p] = new Node { Kind = FileKind.Regular, Mode = mode };
    }

    public void WriteFile(string path, string contents)
    {
        string p = Translate(path);
        Record($"write {p} {contents}");
        _tree[p] = new Node { Kind = FileKind.Regular, Content = contents };
    }

    public string ReadFile(string path) =>
        Lookup(path, followLast: true) is { Kind: FileKind.Regular } n ? n.Content : throw new FileNotFoundException(path);

    public string? ReadLink(string path) => Lookup(path, followLast: false) is { Kind: FileKind.Symlink } n ? n.Target : null;

    public FileKind? Kind(string path) => Lookup(path, followLast: false)?.Kind;

    public bool TryStat(string path, out FileStat.Stat st) => StatOf(Lookup(path, followLast: true), out st);

    public bool TryLstat(string path, out FileStat.Stat st) => StatOf(Lookup(path, followLast: false), out st);

    public FileStat.Stat Fstat(int fd)
    {
        if (!_fds.TryGetValue(fd, out string? path))
            throw new SysError($"fstat fd {fd}", Errno.EBADF);
        if (path.StartsWith("tree:", StringComparison.Ordinal))
            path = path["tree:".Length..];
        if (!StatOf(_tree.GetValueOrDefault(path), out var st))
            throw new SysError($"fstat fd {fd}", Errno.ENOENT);
        return st;
    }

    private static bool StatOf(Node? node, out FileStat.Stat st)
    {
        st = default;
        if (node is null)
            return false;
        uint type = node.Kind switch
        {
            FileKind.Directory => FileStat.S_IFDIR,
            FileKind.Symlink => FileStat.S_IFLNK,
            FileKind.CharDevice => FileStat.S_IFCHR,
            FileKind.BlockDevice => FileStat.S_IFBLK,
            FileKind.Fifo => FileStat.S_IFIFO,
            FileKind.Socket => FileStat.S_IFSOCK,
            _ => FileStat.S_IFREG,
        };
        st.Mode = type | node.Mode;
        st.Uid = node.Uid;
        st.Gid = node.Gid;
        st.Rdev = node.Rdev;
        return true;
    }

    public ulong Random64() => ++_random;

    // The process.
    public void SetHostname(string name) => Record($"sethostname {name}");

    public void SetDomainname(string name) => Record($"setdomainname {name}");

    public uint Umask(uint mask)
    {
        Record($"umask {Octal(mask)}");
        (uint old, _umask) = (_umask, mask);
        return old;
    }

    public int SetRlimit(int resource, ulong soft, ulong hard) => RecordRaw($"prlimit {resource} {soft} {hard}");

    public int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        string name = option switch
        {
            1 => "PR_SET_PDEATHSIG",
            8 => "PR_SET_KEEPCAPS",
            24 => "PR_CAPBSET_DROP",
            38 => "PR_SET_NO_NEW_PRIVS",
            47 => arg2 switch { 2 => "PR_CAP_AMBIENT_RAISE", 4 => "PR_CAP_AMBIENT_CLEAR_ALL", _ => "PR_CAP_AMBIENT " + arg2 },
            _ => option.ToString(CultureInfo.InvariantCulture),
        };
        return RecordRaw(option switch
        {
            47 when arg2 == 4 => $"prctl {name}",
            47 => $"prctl {name} {arg3}",
            _ => $"prctl {name} {arg2}",
        });
    }

    public int Capset(ulong effective, ulong permitted, ulong inheritable) =>
        RecordRaw($"capset effective=0x{effective:x} permitted=0x{permitted:x} inheritable=0x{inheritable:x}");

    public int Setgroups(uint[] groups) => RecordRaw($"setgroups [{string.Join(',', groups)}]");

    public int Setresgid(uint gid) => RecordRaw($"setresgid {gid}");

    public int Setresuid(uint uid) => RecordRaw($"setresuid {uid}");

    /// <summary>The cwd the test gives getcwd (by default the last chdir's).</summary>
    public string? Cwd { get; set; }

    public long Getcwd(byte* buffer, int size)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes((Cwd ?? _cwd) + "\0");
        if (text.Length > size)
            return Fail(Errno.ERANGE);
        text.CopyTo(new Span<byte>(buffer, size));
        return text.Length;
    }

    public void ResetSignals() => Record("reset signals");

    /// <summary>Records the exec and fails it with ENOEXEC: the code under test then throws, as after a failed exec.</summary>
    public int Execve(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        Record($"execve {path} [{string.Join(' ', args)}] [{string.Join(' ', env)}]", out _);
        return Fail(8 /* ENOEXEC */);
    }
}
