namespace Runcs.Container;

/// <summary>The environment `runcs init` starts with (the container's own comes from the config).</summary>
internal static class InitEnvironment
{
    /// <summary>Names the fd of the sync socket. Only the number travels by env; instructions come over the socket.</summary>
    public const string SyncFdVariable = "_RUNCS_INITPIPE";
}
