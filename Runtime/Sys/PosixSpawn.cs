using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>
/// glibc's posix_spawn (Tmds.LibC does not bind it): clone(CLONE_VM|CLONE_VFORK) + execve with
/// no managed code in the child, so it is safe from the multi-threaded .NET runtime, and unlike
/// ProcessStartInfo it takes the whole argv, argv[0] included. The opaque glibc structures are
/// kept in caller-provided buffers of their x86_64 sizes; these calls return an errno, not -1.
/// </summary>
internal static unsafe partial class PosixSpawn
{
    private const string Lib = "libc";

    /// <summary>sizeof(posix_spawn_file_actions_t) and sizeof(posix_spawnattr_t) on glibc/x86_64 (80, 336), rounded up.</summary>
    public const int FileActionsSize = 96, AttrSize = 352;
    /// <summary>sizeof(sigset_t) in glibc.</summary>
    public const int SigsetSize = 128;

    public const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    [LibraryImport(Lib)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* actions);
    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* actions);
    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);
    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);
    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addclosefrom_np(void* actions, int from);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);
    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(void* set);
    [LibraryImport(Lib)]
    public static partial int sigfillset(void* set);
}
