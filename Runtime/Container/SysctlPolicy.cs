using Runcs.Errors;
using Runcs.Oci;

namespace Runcs.Container;

/// <summary>runc's rule: a sysctl may only be set when the container has its own namespace for it.</summary>
public static class SysctlPolicy
{
    private static readonly HashSet<string> IpcKeys =
    [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    ];

    public static void Check(Spec spec)
    {
        var linux = spec.Linux;
        if (linux?.Sysctl is null)
            return;
        bool Has(string type) => linux.FindNamespace(type) is not null;
        foreach (string key in linux.Sysctl.Keys)
        {
            string? problem;
            if (IpcKeys.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
                problem = Has("ipc") ? null : $"sysctl \"{key}\" is not allowed in the hosts ipc namespace";
            else if (key.StartsWith("net.", StringComparison.Ordinal))
                problem = Has("network") ? null : $"sysctl \"{key}\" is not allowed in the hosts network namespace";
            else if (key is "kernel.hostname" or "kernel.domainname")
                problem = Has("uts") ? null : $"sysctl \"{key}\" is not allowed in the hosts uts namespace";
            else
                problem = $"sysctl \"{key}\" is not in a separate kernel namespace";
            if (problem is not null)
                throw new ConfigError("config.json", $"linux.sysctl.{key}", problem);
        }
    }
}
