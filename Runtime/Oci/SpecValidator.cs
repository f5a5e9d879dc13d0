using Runcs.Errors;

namespace Runcs.Oci;

/// <summary>
/// Checks a parsed config.json before anything is created. Each problem is a
/// <see cref="ConfigError"/> naming the file and the JSON path, e.g.
/// <c>config.json: linux.namespaces[2].type: unknown namespace "pidd"</c>.
/// </summary>
public static class SpecValidator
{
    private const string File = SpecLoader.ConfigFileName;

    /// <summary>The rootfs propagation modes runc accepts ("" = leave it).</summary>
    public static readonly IReadOnlyList<string> RootfsPropagationModes =
        ["", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"];

    /// <summary>Validates a whole spec; <paramref name="bundleDir"/> resolves a relative root.path.</summary>
    public static void Validate(Spec spec, string bundleDir)
    {
        if (string.IsNullOrEmpty(spec.OciVersion))
            throw new ConfigError(File, "ociVersion", "must not be empty");

        ValidateRoot(spec.Root, bundleDir);

        if (spec.Process is null)
            throw new ConfigError(File, "process", "must not be empty");
        ValidateProcess(spec.Process, File, "process");

        if (spec.Mounts is { } mounts)
        {
            for (int i = 0; i < mounts.Count; i++)
            {
                var m = mounts[i] ?? throw new ConfigError(File, $"mounts[{i}]", "must not be null");
                if (!IsAbsolute(m.Destination))
                    throw new ConfigError(File, $"mounts[{i}].destination", "must be an absolute path");
            }
        }

        if (spec.Hooks is { } hooks) ValidateHooks(hooks);

        ValidateLinux(spec);
    }

    /// <summary>Validates the root filesystem: present, and an existing directory.</summary>
    public static void ValidateRoot(Root? root, string bundleDir)
    {
        if (root is null || string.IsNullOrEmpty(root.Path))
            throw new ConfigError(File, "root.path", "must not be empty");
        string rootfs = ResolveRootfs(root, bundleDir);
        if (!Directory.Exists(rootfs))
        {
            if (System.IO.File.Exists(rootfs))
                throw new ConfigError(File, "root.path", $"rootfs \"{rootfs}\" is not a directory");
            throw new ConfigError(File, "root.path", $"rootfs \"{rootfs}\" does not exist");
        }
    }

    /// <summary>The absolute rootfs path: root.path, relative to the bundle when not absolute.</summary>
    public static string ResolveRootfs(Root root, string bundleDir) =>
        Path.GetFullPath(Path.IsPathRooted(root.Path) ? root.Path : Path.Combine(Path.GetFullPath(bundleDir), root.Path));

    /// <summary>Validates a process: config.json's (prefix "process") or exec --process's (prefix "").</summary>
    public static void ValidateProcess(Process process, string file, string prefix)
    {
        if (process.Args is null || process.Args.Count == 0)
            throw new ConfigError(file, Join(prefix, "args"), "must not be empty");
        if (string.IsNullOrEmpty(process.Cwd))
            throw new ConfigError(file, Join(prefix, "cwd"), "must not be empty");
        if (!IsAbsolute(process.Cwd))
            throw new ConfigError(file, Join(prefix, "cwd"), "must be an absolute path");

        if (process.Capabilities is { } caps)
        {
            foreach (var (name, set) in caps.All())
            {
                if (set is null) continue;
                for (int i = 0; i < set.Count; i++)
                {
                    if (!Capabilities.TryGetNumber(set[i] ?? "", out _))
                        throw new ConfigError(file, Join(prefix, $"capabilities.{name}[{i}]"), $"unknown capability \"{set[i]}\"");
                }
            }
        }

        if (process.Rlimits is { } rlimits)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < rlimits.Count; i++)
            {
                var r = rlimits[i] ?? throw new ConfigError(file, Join(prefix, $"rlimits[{i}]"), "must not be null");
                if (!Rlimits.TryGetNumber(r.Type ?? "", out _))
                    throw new ConfigError(file, Join(prefix, $"rlimits[{i}].type"), $"unknown rlimit \"{r.Type}\"");
                if (!seen.Add(r.Type!))
                    throw new ConfigError(file, Join(prefix, $"rlimits[{i}].type"), $"duplicate rlimit \"{r.Type}\"");
                if (r.Soft > r.Hard)
                    throw new ConfigError(file, Join(prefix, $"rlimits[{i}]"), $"soft limit {r.Soft} is greater than hard limit {r.Hard}");
            }
        }

        if (process.OomScoreAdj is int oom && (oom < -1000 || oom > 1000))
            throw new ConfigError(file, Join(prefix, "oomScoreAdj"), $"{oom} is out of range [-1000, 1000]");

        if (process.Scheduler is { } sched)
        {
            if (!Contains(Scheduler.Policies, sched.Policy))
                throw new ConfigError(file, Join(prefix, "scheduler.policy"), $"unknown scheduler policy \"{sched.Policy}\"");
            if (sched.Flags is { } flags)
            {
                for (int i = 0; i < flags.Count; i++)
                {
                    if (!Contains(Scheduler.KnownFlags, flags[i]))
                        throw new ConfigError(file, Join(prefix, $"scheduler.flags[{i}]"), $"unknown scheduler flag \"{flags[i]}\"");
                }
            }
        }

        if (process.IOPriority is { } io)
        {
            if (!Contains(LinuxIOPriority.Classes, io.Class))
                throw new ConfigError(file, Join(prefix, "ioPriority.class"), $"unknown I/O priority class \"{io.Class}\"");
            if (io.Priority < 0 || io.Priority > 7)
                throw new ConfigError(file, Join(prefix, "ioPriority.priority"), $"{io.Priority} is out of range [0, 7]");
        }
    }

    private static void ValidateHooks(Hooks hooks)
    {
        foreach (var (name, list) in hooks.All())
        {
            if (list is null) continue;
            for (int i = 0; i < list.Count; i++)
            {
                var h = list[i] ?? throw new ConfigError(File, $"hooks.{name}[{i}]", "must not be null");
                if (!IsAbsolute(h.Path))
                    throw new ConfigError(File, $"hooks.{name}[{i}].path", "must be an absolute path");
                if (h.Timeout is int t && t <= 0)
                    throw new ConfigError(File, $"hooks.{name}[{i}].timeout", "must be greater than zero");
            }
        }
    }

    private static void ValidateLinux(Spec spec)
    {
        var linux = spec.Linux;
        var types = new HashSet<string>(StringComparer.Ordinal);
        LinuxNamespace? userNs = null;
        if (linux?.Namespaces is { } namespaces)
        {
            for (int i = 0; i < namespaces.Count; i++)
            {
                var ns = namespaces[i] ?? throw new ConfigError(File, $"linux.namespaces[{i}]", "must not be null");
                if (!Namespaces.IsKnown(ns.Type ?? ""))
                    throw new ConfigError(File, $"linux.namespaces[{i}].type", $"unknown namespace \"{ns.Type}\"");
                if (!types.Add(ns.Type!))
                    throw new ConfigError(File, $"linux.namespaces[{i}].type", $"duplicate namespace \"{ns.Type}\"");
                if (!string.IsNullOrEmpty(ns.Path) && !IsAbsolute(ns.Path))
                    throw new ConfigError(File, $"linux.namespaces[{i}].path", "must be an absolute path");
                if (ns.Type == "user") userNs = ns;
            }
        }

        bool hasUidMappings = linux?.UidMappings is { Count: > 0 };
        bool hasGidMappings = linux?.GidMappings is { Count: > 0 };
        if (userNs is null)
        {
            if (hasUidMappings)
                throw new ConfigError(File, "linux.uidMappings", "uid mappings require a user namespace");
            if (hasGidMappings)
                throw new ConfigError(File, "linux.gidMappings", "gid mappings require a user namespace");
        }
        else if (string.IsNullOrEmpty(userNs.Path))
        {
            if (!hasUidMappings)
                throw new ConfigError(File, "linux.uidMappings", "user namespace enabled, but no uid mappings found");
            if (!hasGidMappings)
                throw new ConfigError(File, "linux.gidMappings", "user namespace enabled, but no gid mappings found");
        }

        if (!string.IsNullOrEmpty(spec.Hostname) && !types.Contains("uts"))
            throw new ConfigError(File, "hostname", "unable to set hostname without a private UTS namespace");
        if (!string.IsNullOrEmpty(spec.Domainname) && !types.Contains("uts"))
            throw new ConfigError(File, "domainname", "unable to set domainname without a private UTS namespace");

        if (linux is null) return;

        if (linux.Seccomp is { } seccomp)
            Seccomp.SeccompCompiler.Validate(seccomp, File);

        if (linux.TimeOffsets is { Count: > 0 } && !types.Contains("time"))
            throw new ConfigError(File, "linux.timeOffsets", "time offsets require a time namespace");

        if (linux.RootfsPropagation is { } prop && !Contains(RootfsPropagationModes, prop))
            throw new ConfigError(File, "linux.rootfsPropagation", $"unknown propagation mode \"{prop}\"");

        if (linux.Devices is { } devices)
        {
            for (int i = 0; i < devices.Count; i++)
            {
                var d = devices[i] ?? throw new ConfigError(File, $"linux.devices[{i}]", "must not be null");
                if (!IsAbsolute(d.Path))
                    throw new ConfigError(File, $"linux.devices[{i}].path", "must be an absolute path");
                if (d.Type is not ("c" or "b" or "u" or "p"))
                    throw new ConfigError(File, $"linux.devices[{i}].type", $"unknown device type \"{d.Type}\"");
            }
        }

        if (linux.Resources?.Devices is { } rules)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                var r = rules[i];
                if (r.Type is not (null or "" or "a" or "b" or "c"))
                    throw new ConfigError(File, $"linux.resources.devices[{i}].type", $"unknown device type \"{r.Type}\"");
                if (r.Access is { } access)
                {
                    foreach (char c in access)
                    {
                        if (c is not ('r' or 'w' or 'm'))
                            throw new ConfigError(File, $"linux.resources.devices[{i}].access", $"invalid access \"{access}\" (must be some of \"rwm\")");
                    }
                }
            }
        }

        if (linux.MemoryPolicy is { } policy)
        {
            if (!Contains(LinuxMemoryPolicy.Modes, policy.Mode))
                throw new ConfigError(File, "linux.memoryPolicy.mode", $"unknown memory policy mode \"{policy.Mode}\"");
            if (policy.Flags is { } flags)
            {
                for (int i = 0; i < flags.Count; i++)
                {
                    if (!Contains(LinuxMemoryPolicy.KnownFlags, flags[i]))
                        throw new ConfigError(File, $"linux.memoryPolicy.flags[{i}]", $"unknown memory policy flag \"{flags[i]}\"");
                }
            }
        }

        if (linux.Personality is { } pers && !Contains(LinuxPersonality.Domains, pers.Domain))
            throw new ConfigError(File, "linux.personality.domain", $"unknown personality domain \"{pers.Domain}\"");
    }

    private static bool IsAbsolute(string? path) => !string.IsNullOrEmpty(path) && path[0] == '/';

    private static bool Contains(IReadOnlyList<string> list, string? value)
    {
        foreach (var s in list)
            if (string.Equals(s, value, StringComparison.Ordinal)) return true;
        return false;
    }

    private static string Join(string prefix, string path) => prefix.Length == 0 ? path : $"{prefix}.{path}";
}
