namespace Runcs.Sys;

/// <summary>
/// The system calls that set up a container's filesystem and process (Rootfs, Devices,
/// SecureJoin, ProcessSetup). Set-up code goes through this interface only, so its decisions
/// (what is mounted where, which calls in which order) are unit-tested without root against a
/// recording fake (Runtime.Tests/Unit/RecordingSyscalls.cs), as youki's syscall/ has a Linux and
/// a test implementation. <see cref="LinuxSyscalls"/> is the real one.
///
/// Two kinds of methods: the path-level ones throw <see cref="SysError"/>; the libc-shaped ones
/// (named after the call, returning int or long) return what libc returns, -1 with errno in
/// Marshal.GetLastPInvokeError() (a fake sets it with Marshal.SetLastPInvokeError), for callers
/// that decide on the errno or word the error themselves.
/// </summary>
public unsafe interface ISyscalls
{
    // Mounts.
    void Mount(string? source, string target, string? fsType, ulong flags, string? data);
    void Unmount(string target, int flags);
    /// <summary>move_mount: attaches a detached mount (open_tree's fd) on target.</summary>
    void MoveMount(int treeFd, string target);
    /// <summary>open_tree(OPEN_TREE_CLONE): a detached bind mount of path (with its submounts when recursive), or -errno.</summary>
    int CloneTree(string path, bool recursive);
    /// <summary>mount_setattr on a detached tree's fd.</summary>
    void SetMountAttributes(int mountFd, ulong set, ulong clear, string what);
    void PivotRoot(string newRoot, string putOld);
    /// <summary>MS_* flags (rdonly, nosuid, nodev, noexec, atime ones) of the mount holding path.</summary>
    ulong MountFlags(string path);
    /// <summary>mount_setattr(AT_RECURSIVE): the rro, rnosuid, ... options.</summary>
    void SetMountAttrRecursive(string path, ulong set, ulong clear);
    /// <summary>This process's mount table (/proc/self/mountinfo).</summary>
    List<MountInfoEntry> ReadMountInfo();

    // Paths and fds.
    void Chdir(string path);
    /// <summary>chdir(2): 0, or -1 and errno.</summary>
    int TryChdir(string path);
    void Chroot(string path);
    int OpenDirectory(string path);
    /// <summary>openat(2): an fd, or -1 and errno.</summary>
    int OpenAt(int dirFd, string path, int flags, uint mode);
    /// <summary>openat2 with O_PATH|O_CLOEXEC (and extra flags) and the given RESOLVE_* flags; -errno on failure.</summary>
    int OpenAt2(int dirFd, string path, ulong flags, ulong resolve);
    void Fchdir(int fd);
    void Close(int fd);
    void Rmdir(string path);
    void Unlink(string path);
    /// <summary>mkdir; an existing entry is not an error.</summary>
    void Mkdir(string path, uint mode);
    /// <summary>mkdir(2): 0, or -1 and errno (EEXIST included).</summary>
    int TryMkdir(string path, uint mode);
    void Mknod(string path, uint mode, ulong dev);
    void Symlink(string target, string linkPath);
    void Chown(string path, uint uid, uint gid);
    /// <summary>fchown(2): 0, or -1 and errno.</summary>
    int Fchown(int fd, uint uid, uint gid);
    /// <summary>Creates (O_CREAT, never following a symlink) an empty file if missing.</summary>
    void CreateFile(string path, uint mode);
    void WriteFile(string path, string contents);
    /// <summary>A small file's text (/proc files, /etc/passwd); IOException when it cannot be read.</summary>
    string ReadFile(string path);
    /// <summary>The symlink's target, or null when the path is not a symlink or does not exist.</summary>
    string? ReadLink(string path);
    /// <summary>lstat: null when missing.</summary>
    FileKind? Kind(string path);
    /// <summary>stat; false when the path does not exist (other errors throw).</summary>
    bool TryStat(string path, out FileStat.Stat st);
    /// <summary>lstat; false when the path does not exist (other errors throw).</summary>
    bool TryLstat(string path, out FileStat.Stat st);
    FileStat.Stat Fstat(int fd);
    /// <summary>getrandom(2) of 8 bytes (a name nobody can guess).</summary>
    ulong Random64();

    // The process.
    void SetHostname(string name);
    void SetDomainname(string name);
    uint Umask(uint mask);
    /// <summary>prlimit(2) of this process: 0, or -1 and errno.</summary>
    int SetRlimit(int resource, ulong soft, ulong hard);
    int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    /// <summary>capset(2) of this thread, _LINUX_CAPABILITY_VERSION_3: 0, or -1 and errno.</summary>
    int Capset(ulong effective, ulong permitted, ulong inheritable);
    /// <summary>The raw setgroups/setresgid/setresuid syscalls (this thread only): 0, or -1 and errno.</summary>
    int Setgroups(uint[] groups);
    int Setresgid(uint gid);
    int Setresuid(uint uid);
    /// <summary>The raw getcwd syscall: the length written (NUL included), or -1 and errno.</summary>
    long Getcwd(byte* buffer, int size);
    /// <summary>SIGPIPE back to SIG_DFL and every signal unblocked, as exec should find them.</summary>
    void ResetSignals();
    /// <summary>execve(2): returns only on failure (-1 and errno).</summary>
    int Execve(string path, IReadOnlyList<string> args, IReadOnlyList<string> env);
}

public enum FileKind { Directory, Regular, Symlink, CharDevice, BlockDevice, Fifo, Socket }
