namespace Runcs.Sys;

/// <summary>
/// The system calls that set up a container's filesystem and process. Init code goes
/// through this interface so its decisions (what is mounted where, in which order) can be
/// unit-tested without root with a recording fake. Every method throws <see cref="SysError"/>.
/// </summary>
public interface ISyscalls
{
    void Mount(string? source, string target, string? fsType, ulong flags, string? data);
    void Unmount(string target, int flags);
    /// <summary>move_mount: attaches a detached mount (open_tree's fd) on target.</summary>
    void MoveMount(int treeFd, string target);
    void PivotRoot(string newRoot, string putOld);
    void Chdir(string path);
    void Chroot(string path);
    int OpenDirectory(string path);
    void Fchdir(int fd);
    void Close(int fd);
    void Rmdir(string path);
    void Unlink(string path);
    /// <summary>MS_* flags (rdonly, nosuid, nodev, noexec, atime ones) of the mount holding path.</summary>
    ulong MountFlags(string path);
    /// <summary>mount_setattr(AT_RECURSIVE): the rro, rnosuid, ... options.</summary>
    void SetMountAttrRecursive(string path, ulong set, ulong clear);
    void Mkdir(string path, uint mode);
    void Mknod(string path, uint mode, ulong dev);
    void Symlink(string target, string linkPath);
    void Chown(string path, uint uid, uint gid);
    void CreateFile(string path, uint mode);
    void WriteFile(string path, string contents);
    /// <summary>The symlink's target, or null when the path is not a symlink or does not exist.</summary>
    string? ReadLink(string path);
    /// <summary>lstat: null when missing.</summary>
    FileKind? Kind(string path);
    void SetHostname(string name);
    void SetDomainname(string name);
}

public enum FileKind { Directory, Regular, Symlink, CharDevice, BlockDevice, Fifo, Socket }
