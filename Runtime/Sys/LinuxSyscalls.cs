using System.Runtime.InteropServices;
using System.Text;
using static Runcs.Sys.SyscallNumbers;

namespace Runcs.Sys;

/// <summary>The real <see cref="ISyscalls"/>.</summary>
public sealed unsafe class LinuxSyscalls : ISyscalls
{
    public static readonly LinuxSyscalls Instance = new();

    public void Mount(string? source, string target, string? fsType, ulong flags, string? data)
    {
        if (LibC.mount(source, target, fsType, flags, data) < 0)
            throw SysError.Last($"mount {source ?? "none"}:{target} (type {fsType ?? "none"}, flags 0x{flags:x}{(string.IsNullOrEmpty(data) ? "" : ", data " + data)})");
    }

    public void Unmount(string target, int flags)
    {
        if (LibC.umount2(target, flags) < 0)
            throw SysError.Last($"umount {target}");
    }

    public void MoveMount(int treeFd, string target)
    {
        int fd = LibC.open(target, OpenFlags.O_PATH | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last($"open {target}");
        try
        {
            MountApi.MoveOnto(treeFd, fd, target);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    public void PivotRoot(string newRoot, string putOld)
    {
        byte[] a = Utf8z(newRoot), b = Utf8z(putOld);
        fixed (byte* pa = a, pb = b)
            if (LibC.syscall(SYS_pivot_root, (long)pa, (long)pb, 0, 0, 0, 0) < 0)
                throw SysError.Last($"pivot_root {newRoot}");
    }

    public void Chdir(string path)
    {
        if (LibC.chdir(path) < 0)
            throw SysError.Last($"chdir {path}");
    }

    public void Chroot(string path)
    {
        if (LibC.chroot(path) < 0)
            throw SysError.Last($"chroot {path}");
    }

    public void Mkdir(string path, uint mode)
    {
        if (LibC.mkdir(path, mode) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
            throw SysError.Last($"mkdir {path}");
    }

    public int TryMkdir(string path, uint mode) => LibC.mkdir(path, mode);

    public void Mknod(string path, uint mode, ulong dev)
    {
        if (LibC.mknod(path, mode, dev) < 0)
            throw SysError.Last($"mknod {path}");
    }

    public void Symlink(string target, string linkPath)
    {
        if (LibC.symlink(target, linkPath) < 0)
            throw SysError.Last($"symlink {target} {linkPath}");
    }

    public void Chown(string path, uint uid, uint gid)
    {
        if (LibC.chown(path, uid, gid) < 0)
            throw SysError.Last($"chown {path}");
    }

    public void CreateFile(string path, uint mode)
    {
        int fd = LibC.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NOFOLLOW, mode);
        if (fd < 0)
            throw SysError.Last($"open {path}");
        LibC.close(fd);
    }

    public void WriteFile(string path, string contents)
    {
        int fd = LibC.open(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last($"open {path}");
        try
        {
            byte[] data = Encoding.UTF8.GetBytes(contents);
            fixed (byte* p = data)
                if (LibC.write(fd, p, data.Length) != data.Length)
                    throw SysError.Last($"write {path}");
        }
        finally
        {
            LibC.close(fd);
        }
    }

    public string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public FileKind? Kind(string path) => FileStat.Kind(path);

    public bool TryStat(string path, out FileStat.Stat st) => FileStat.TryStat(path, out st);

    public bool TryLstat(string path, out FileStat.Stat st) => FileStat.TryLstat(path, out st);

    public FileStat.Stat Fstat(int fd) => FileStat.Fstat(fd);

    public string ReadFile(string path) => SmallFile.ReadAllText(path);

    public List<MountInfoEntry> ReadMountInfo() => MountInfoEntry.ReadSelf();

    public int CloneTree(string path, bool recursive) => MountApi.CloneTree(path, recursive);

    public void SetMountAttributes(int mountFd, ulong set, ulong clear, string what) => MountApi.SetAttributes(mountFd, set, clear, what);

    public int OpenAt(int dirFd, string path, int flags, uint mode) => LibC.openat(dirFd, path, flags, mode);

    public int OpenAt2(int dirFd, string path, ulong flags, ulong resolve) => MountApi.OpenAt2(dirFd, path, flags, resolve);

    public int TryChdir(string path) => LibC.chdir(path);

    public int Fchown(int fd, uint uid, uint gid) => LibC.fchown(fd, uid, gid);

    public uint Umask(uint mask) => LibC.umask(mask);

    public ulong Random64()
    {
        ulong random;
        if (LibC.syscall(SYS_getrandom, (long)&random, sizeof(ulong), 0, 0, 0, 0) != sizeof(ulong))
            throw SysError.Last("getrandom");
        return random;
    }

    public int SetRlimit(int resource, ulong soft, ulong hard)
    {
        ulong* limit = stackalloc ulong[2];
        limit[0] = soft;
        limit[1] = hard;
        return LibC.prlimit(0, resource, limit, null);
    }

    public int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5) => LibC.prctl(option, arg2, arg3, arg4, arg5);

    public int Capset(ulong effective, ulong permitted, ulong inheritable)
    {
        uint* header = stackalloc uint[2];
        header[0] = 0x20080522; // _LINUX_CAPABILITY_VERSION_3
        header[1] = 0;
        uint* data = stackalloc uint[6];
        data[0] = (uint)effective; data[1] = (uint)permitted; data[2] = (uint)inheritable;
        data[3] = (uint)(effective >> 32); data[4] = (uint)(permitted >> 32); data[5] = (uint)(inheritable >> 32);
        return (int)LibC.syscall(SYS_capset, (long)header, (long)data, 0, 0, 0, 0);
    }

    public int Setgroups(uint[] groups)
    {
        fixed (uint* g = groups)
            return (int)LibC.syscall(SYS_setgroups, groups.Length, (long)g, 0, 0, 0, 0);
    }

    public int Setresgid(uint gid) => (int)LibC.syscall(SYS_setresgid, gid, gid, gid, 0, 0, 0);

    public int Setresuid(uint uid) => (int)LibC.syscall(SYS_setresuid, uid, uid, uid, 0, 0, 0);

    public long Getcwd(byte* buffer, int size) => LibC.syscall(SYS_getcwd, (long)buffer, size, 0, 0, 0, 0);

    public void ResetSignals()
    {
        LibC.signal(Signals.SIGPIPE, 0 /* SIG_DFL */);
        ulong none = 0;
        LibC.sigprocmask(2 /* SIG_SETMASK */, &none, null);
    }

    public int Execve(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        using var strings = new NativeStrings();
        return LibC.execve(strings.String(path), strings.Array(args), strings.Array(env));
    }

    public void SetHostname(string name)
    {
        byte[] b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (LibC.sethostname(p, b.Length) < 0)
                throw SysError.Last($"sethostname {name}");
    }

    public void SetDomainname(string name)
    {
        byte[] b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (LibC.setdomainname(p, b.Length) < 0)
                throw SysError.Last($"setdomainname {name}");
    }

    public int OpenDirectory(string path)
    {
        int fd = LibC.open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw SysError.Last($"open {path}");
        return fd;
    }

    public void Fchdir(int fd)
    {
        if (LibC.fchdir(fd) < 0)
            throw SysError.Last($"fchdir {fd}");
    }

    public void Close(int fd) => LibC.close(fd);

    public void Unlink(string path)
    {
        if (LibC.unlink(path) < 0 && Marshal.GetLastPInvokeError() != Errno.ENOENT)
            throw SysError.Last($"unlink {path}");
    }

    public void Rmdir(string path)
    {
        if (LibC.rmdir(path) < 0 && Marshal.GetLastPInvokeError() != Errno.ENOENT)
            throw SysError.Last($"rmdir {path}");
    }

    private const ulong ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_NOATIME = 1024, ST_NODIRATIME = 2048, ST_RELATIME = 4096;

    /// <summary>statfs(2) into a 120-byte struct statfs.</summary>
    private static void StatFs(string path, byte* buf)
    {
        byte[] p = Utf8z(path);
        fixed (byte* pp = p)
            if (LibC.syscall(SYS_statfs, (long)pp, (long)buf, 0, 0, 0, 0) < 0)
                throw SysError.Last($"statfs {path}");
    }

    /// <summary>The f_type magic of the file system mounted (visibly) at <paramref name="path"/>.</summary>
    public static long FileSystemType(string path)
    {
        byte* buf = stackalloc byte[120];
        StatFs(path, buf);
        return *(long*)buf; // f_type
    }

    public ulong MountFlags(string path)
    {
        byte* buf = stackalloc byte[120];
        StatFs(path, buf);
        ulong st = *(ulong*)(buf + 80); // f_flags
        ulong ms = 0;
        if ((st & ST_RDONLY) != 0) ms |= 0x1;
        if ((st & ST_NOSUID) != 0) ms |= 0x2;
        if ((st & ST_NODEV) != 0) ms |= 0x4;
        if ((st & ST_NOEXEC) != 0) ms |= 0x8;
        if ((st & ST_NOATIME) != 0) ms |= 0x400;
        if ((st & ST_NODIRATIME) != 0) ms |= 0x800;
        if ((st & ST_RELATIME) != 0) ms |= 0x200000;
        return ms;
    }

    public void SetMountAttrRecursive(string path, ulong set, ulong clear)
    {
        ulong* attr = stackalloc ulong[4];
        attr[0] = set;
        attr[1] = clear;
        attr[2] = 0;
        attr[3] = 0;
        byte[] p = Utf8z(path);
        fixed (byte* pp = p)
            if (LibC.syscall(SYS_mount_setattr, MountApi.AT_FDCWD, (long)pp, MountApi.AT_RECURSIVE, (long)attr, 32, 0) < 0)
                throw SysError.Last($"mount_setattr {path}");
    }

    internal static byte[] Utf8z(string s)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
