using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>
/// The raw libc entry points runcs calls that Tmds.LibC does not bind. Library name
/// "libc" is bound statically (DirectPInvoke in Runtime.csproj): never dlopened.
/// Init code reaches them through <see cref="ISyscalls"/> (<see cref="LinuxSyscalls"/> turns
/// failures into <see cref="SysError"/>).
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int umount2(string target, int flags);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int openat(int dirfd, string path, int flags, uint mode);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint read(int fd, byte* buf, nint count);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint write(int fd, byte* buf, nint count);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdir(string path, uint mode);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mknod(string path, uint mode, ulong dev);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int symlink(string target, string linkpath);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlink(string path);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rmdir(string path);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chdir(string path);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fchdir(int fd);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chroot(string path);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chown(string path, uint uid, uint gid);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fchown(int fd, uint uid, uint gid);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chmod(string path, uint mode);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial uint umask(uint mask);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int kill(int pid, int sig);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int socketpair(int domain, int type, int protocol, int* sv);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int connect(int fd, void* addr, int len);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint sendmsg(int fd, void* msg, int flags);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint recvmsg(int fd, void* msg, int flags);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int sethostname(byte* name, nint len);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setdomainname(byte* name, nint len);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int dup3(int oldfd, int newfd, int flags);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int ioctl(int fd, ulong request, void* arg);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int flock(int fd, int operation);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setsid();
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getpid();
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial uint geteuid();
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial uint getegid();
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int prlimit(int pid, int resource, ulong* newLimit, ulong* oldLimit);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int execve(byte* path, byte** argv, byte** envp);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int sigprocmask(int how, ulong* set, ulong* old);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint signal(int sig, nint handler);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int poll(PollFd* fds, ulong nfds, int timeout);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);
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

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
