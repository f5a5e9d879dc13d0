namespace Runcs.State;

/// <summary>A container's status as runc reports it (runc's libcontainer.Status).</summary>
public enum ContainerStatus
{
    Created,
    Running,
    Paused,
    Stopped,
}

public static class ContainerStatusExtensions
{
    /// <summary>The lower-case word runc prints: "created", "running", "paused", "stopped".</summary>
    public static string ToRuncString(this ContainerStatus status) => status switch
    {
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        ContainerStatus.Stopped => "stopped",
        _ => "unknown",
    };
}
