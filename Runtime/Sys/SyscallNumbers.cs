namespace Runcs.Sys;

/// <summary>
/// x86_64 numbers of the system calls runcs makes with syscall(2), declared once: glibc 2.36
/// has no wrapper for the newer ones, and the credential calls are made raw on purpose (see
/// ProcessSetup.SwitchUser). A unit test checks each against the generated seccomp table.
/// </summary>
public static class SyscallNumbers
{
    public const long SYS_getcwd = 79, SYS_setgroups = 116, SYS_setresuid = 117, SYS_setresgid = 119, SYS_capset = 126,
        SYS_personality = 135, SYS_statfs = 137, SYS_pivot_root = 155, SYS_sched_setaffinity = 203, SYS_set_mempolicy = 238, SYS_ioprio_set = 251,
        SYS_sched_setattr = 314, SYS_seccomp = 317, SYS_getrandom = 318, SYS_memfd_create = 319,
        SYS_open_tree = 428, SYS_move_mount = 429, SYS_pidfd_open = 434, SYS_close_range = 436, SYS_openat2 = 437,
        SYS_pidfd_getfd = 438, SYS_mount_setattr = 442;
}
