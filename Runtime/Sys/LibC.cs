using System.Runtime.InteropServices;
using Tmds.Linux;
using T = Tmds.Linux.LibC;

namespace Runcs.Sys;

/// <summary>
/// libc as runcs calls it. Every call Tmds.LibC binds goes to its binding (DllImport of
/// "libc.so.6", SetLastError, bound statically by DirectPInvoke: never dlopened); the methods
/// here only give it runcs's types (strings as NUL-terminated UTF-8, plain ints). Errors stay in
/// Marshal.GetLastPInvokeError(), as SysError reads them. Set-up code inside the container
/// reaches libc through <see cref="ISyscalls"/> (<see cref="LinuxSyscalls"/>).
/// </summary>
internal static unsafe partial class LibC
{
    /// <summary>A string as a NUL-terminated UTF-8 copy in native memory for the length of one call.</summary>
    private readonly ref struct Utf8
    {
        public readonly byte* Pointer;

        public Utf8(string? s) => Pointer = s is null ? null : (byte*)Marshal.StringToCoTaskMemUTF8(s);

        public void Dispose()
        {
            if (Pointer != null)
                Marshal.FreeCoTaskMem((nint)Pointer);
        }
    }

    internal static int mount(string? source, string target, string? fstype, ulong flags, string? data)
    {
        using Utf8 s = new(source), t = new(target), f = new(fstype), d = new(data);
        return T.mount(s.Pointer, t.Pointer, f.Pointer, (ulong_t)flags, d.Pointer);
    }

    internal static int umount2(string target, int flags)
    {
        using Utf8 t = new(target);
        return T.umount2(t.Pointer, flags);
    }

    internal static int open(string path, int flags, uint mode)
    {
        using Utf8 p = new(path);
        return T.open(p.Pointer, flags, (ushort)mode);
    }

    internal static int openat(int dirfd, string path, int flags, uint mode)
    {
        using Utf8 p = new(path);
        return T.openat(dirfd, p.Pointer, flags, (ushort)mode);
    }

    internal static int close(int fd) => T.close(fd);
    internal static nint read(int fd, byte* buf, nint count) => (nint)(long)T.read(fd, buf, (size_t)(ulong)count);
    internal static nint write(int fd, byte* buf, nint count) => (nint)(long)T.write(fd, buf, (size_t)(ulong)count);

    internal static int mkdir(string path, uint mode)
    {
        using Utf8 p = new(path);
        return T.mkdir(p.Pointer, (ushort)mode);
    }

    internal static int mkfifo(string path, uint mode)
    {
        using Utf8 p = new(path);
        return T.mkfifo(p.Pointer, (ushort)mode);
    }

    internal static int symlink(string target, string linkpath)
    {
        using Utf8 t = new(target), l = new(linkpath);
        return T.symlink(t.Pointer, l.Pointer);
    }

    internal static int unlink(string path)
    {
        using Utf8 p = new(path);
        return T.unlink(p.Pointer);
    }

    internal static int rmdir(string path)
    {
        using Utf8 p = new(path);
        return T.rmdir(p.Pointer);
    }

    internal static int chdir(string path)
    {
        using Utf8 p = new(path);
        return T.chdir(p.Pointer);
    }

    internal static int fchdir(int fd) => T.fchdir(fd);

    internal static int chroot(string path)
    {
        using Utf8 p = new(path);
        return T.chroot(p.Pointer);
    }

    internal static int chown(string path, uint uid, uint gid)
    {
        using Utf8 p = new(path);
        return T.chown(p.Pointer, uid, gid);
    }

    internal static int chmod(string path, uint mode)
    {
        using Utf8 p = new(path);
        return T.chmod(p.Pointer, (ushort)mode);
    }

    internal static int fchown(int fd, uint uid, uint gid) => T.fchown(fd, uid, gid);
    internal static uint umask(uint mask) => (ushort)T.umask((ushort)mask);
    internal static int kill(int pid, int sig) => T.kill(pid, sig);
    internal static int socketpair(int domain, int type, int protocol, int* sv) => T.socketpair(domain, type, protocol, sv);
    internal static int socket(int domain, int type, int protocol) => T.socket(domain, type, protocol);
    internal static int connect(int fd, void* addr, int len) => T.connect(fd, (sockaddr*)addr, (uint)len);
    internal static nint sendmsg(int fd, msghdr* msg, int flags) => (nint)(long)T.sendmsg(fd, msg, flags);
    internal static nint recvmsg(int fd, msghdr* msg, int flags) => (nint)(long)T.recvmsg(fd, msg, flags);
    internal static int sethostname(byte* name, nint len) => T.sethostname(name, (size_t)(ulong)len);
    internal static int setdomainname(byte* name, nint len) => T.setdomainname(name, (size_t)(ulong)len);
    internal static int fcntl(int fd, int cmd, int arg) => T.fcntl(fd, cmd, arg);
    internal static int dup3(int oldfd, int newfd, int flags) => T.dup3(oldfd, newfd, flags);
    internal static int ioctl(int fd, ulong request, void* arg) => T.ioctl(fd, (int)request, arg);
    internal static int setsid() => T.setsid();
    internal static int getpid() => T.getpid();
    internal static uint geteuid() => T.geteuid();
    internal static uint getegid() => T.getegid();
    internal static int execve(byte* path, byte** argv, byte** envp) => T.execve(path, argv, envp);
    internal static int sigprocmask(int how, ulong* set, ulong* old) => T.sigprocmask(how, (sigset_t*)set, (sigset_t*)old);
    internal static int poll(pollfd* fds, ulong nfds, int timeout) => T.poll(fds, (ulong_t)nfds, timeout);
    internal static int pipe2(int* fds, int flags) => T.pipe2(fds, flags);
    internal static long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) =>
        (ssize_t)T.syscall((long_t)number, (long_t)a1, (long_t)a2, (long_t)a3, (long_t)a4, (long_t)a5, (long_t)a6);

    // Tmds.LibC 0.5 has no binding for the calls below: hand-written P/Invokes ("libc", also bound statically).
    // mknod and fstatat too: its bindings go through glibc's pre-2.33 __xmknod/__fxstatat entry points
    // (mknod fails with EINVAL or EFAULT on this glibc); these are the real functions, with its struct stat.
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mknod(string path, uint mode, ulong dev);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fstatat(int dirfd, byte* path, stat* buf, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int flock(int fd, int operation);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int prlimit(int pid, int resource, ulong* newLimit, ulong* oldLimit);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint signal(int sig, nint handler);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rename(string oldpath, string newpath);
    // pthread_t is an unsigned long on glibc/x86_64; these return the error number, not -1.
    [LibraryImport(Lib)]
    internal static partial int pthread_create(ulong* thread, nint attr, delegate* unmanaged<nint, nint> start, nint arg);
    [LibraryImport(Lib)]
    internal static partial int pthread_join(ulong thread, nint* result);
    [LibraryImport(Lib)]
    internal static partial int pthread_attr_init(byte* attr);
    [LibraryImport(Lib)]
    internal static partial int pthread_attr_setstacksize(byte* attr, nuint size);
    [LibraryImport(Lib)]
    internal static partial int pthread_attr_destroy(byte* attr);
    /// <summary>sizeof(pthread_attr_t) on glibc/x86_64 is 56; room to spare.</summary>
    internal const int PthreadAttrSize = 64;
}
