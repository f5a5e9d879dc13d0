using System.Runtime.InteropServices;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>The managed side of nsexec.c's runcs_spawn: its argument block and step names.</summary>
internal static unsafe partial class NativeSpawn
{
    public const int MaxJoin = 8, MaxKeep = 8, MaxCgroup = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct SpawnArgs
    {
        public int CloneFlags;
        public int JoinCount;
        public fixed int JoinFds[MaxJoin];
        public fixed int JoinTypes[MaxJoin];
        public int KeepCount;
        public fixed int KeepFds[MaxKeep];
        public fixed int StdioFds[3];
        public int SyncFd;
        public int ExeFd;
        public int SetgroupsAllowed;
        /// <summary>runcs is not root: the child is dumpable while it waits for its maps (see wait_for_maps).</summary>
        public int MapsByOwner;
        /// <summary>A cgroup2 directory fd the first child is cloned into, or -1.</summary>
        public int CgroupFd;
        /// <summary>Out: 1 cloned into <see cref="CgroupFd"/>; -1 the kernel refused that cgroup; 0 the kernel cannot clone into one.</summary>
        public int InCgroup;
        public int PreserveFds;
        public byte* TimensOffsets;
        public byte** Argv;
        public byte** Envp;
    }

    [LibraryImport("runcs_native", EntryPoint = "runcs_spawn")]
    public static partial int Spawn(SpawnArgs* args);

    /// <summary>What nsexec.c was doing when an 'E' record came (enum nsexec_step).</summary>
    public static string StepName(int step) => step switch
    {
        1 => "join namespace",
        2 => "create user namespace",
        3 => "wait for id mappings",
        4 => "setgroups",
        5 => "switch to uid/gid 0",
        6 => "create namespaces",
        7 => "write time namespace offsets",
        8 => "fork init",
        9 => "pass fd to init",
        10 => "exec runcs init",
        11 => "wait for the cgroup",
        12 => "join cgroup",
        13 => "close runcs's fds",
        14 => "setsid",
        _ => $"step {step}",
    };
}
