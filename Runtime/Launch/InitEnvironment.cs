namespace Runcs.Launch;

/// <summary>The environment `runcs init` starts with (the container's own comes from the config).</summary>
internal static class InitEnvironment
{
    /// <summary>Names the fd of the sync socket. Only the number travels by env; instructions come over the socket.</summary>
    public const string SyncFdVariable = "_RUNCS_INITPIPE";

    /// <summary>
    /// A fixed gen0 budget (4 MiB; the runtime reads GC variables as hex) for the init, which
    /// allocates a few hundred KiB before its exec. Without one the GC sizes gen0 from the CPU
    /// caches, asked through sysconf (CPUID: a VM exit each under a hypervisor) and eight sysfs
    /// files, on the critical path of every start.
    /// </summary>
    public const string Gen0Budget = "DOTNET_GCgen0size=400000";
}
