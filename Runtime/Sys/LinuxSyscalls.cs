using System.Text;

namespace Runcs.Sys;

/// <summary>The real <see cref="ISyscalls"/>.</summary>
public sealed unsafe class LinuxSyscalls : ISyscalls
{
    public static readonly LinuxSyscalls Instance = new();

    private const long SYS_pivot_root = 155;

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
        if (LibC.mkdir(path, mode) < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EEXIST)
            throw SysError.Last($"mkdir {path}");
    }

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

    internal static byte[] Utf8z(string s)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
