using System.Text;
using Runcs.Container;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.OciHooks;
using Runcs.Sys;

namespace Runcs.Launch;

/// <summary>
/// Writes a new user namespace's maps as runc's nsexec does: directly to /proc/PID/uid_map and
/// gid_map, and, when the kernel refuses that (EPERM: an ordinary user may map only its own id,
/// once), through the setuid helpers newuidmap/newgidmap (shadow's uidmap package), which map
/// the ranges /etc/subuid and /etc/subgid grant the user. An unprivileged writer of a single
/// gid map must deny setgroups first (the kernel's rule since 3.19).
/// </summary>
internal static class IdMapWriter
{
    public static void Write(int pid, List<LinuxIdMapping>? uidMappings, List<LinuxIdMapping>? gidMappings)
    {
        if (Rootless.Euid && IsOwnIdOnly(gidMappings, LibC.getegid()))
            DenySetgroups(pid);
        WriteMap(pid, "uid_map", "newuidmap", uidMappings);
        WriteMap(pid, "gid_map", "newgidmap", gidMappings);
    }

    /// <summary>runc's !requiresRootOrMappingTool: the caller's own id alone, which it may map itself.</summary>
    internal static bool IsOwnIdOnly(List<LinuxIdMapping>? mappings, uint ownId) =>
        mappings is [{ Size: 1 } only] && only.HostId == ownId;

    private static void DenySetgroups(int pid)
    {
        try
        {
            LinuxSyscalls.Instance.WriteFile($"/proc/{pid}/setgroups", "deny");
        }
        catch (SysError e) when (e.Errno != Errno.ENOENT) // ENOENT: a kernel before 3.19, nothing to deny
        {
            throw new RuntimeError($"failed to write 'deny' to /proc/{pid}/setgroups: {e.Message}");
        }
    }

    private static void WriteMap(int pid, string file, string tool, List<LinuxIdMapping>? mappings)
    {
        if (mappings is null || mappings.Count == 0)
            return;
        var sb = new StringBuilder();
        foreach (var m in mappings)
            sb.Append(m.ContainerId).Append(' ').Append(m.HostId).Append(' ').Append(m.Size).Append('\n');
        string text = sb.ToString();
        try
        {
            LinuxSyscalls.Instance.WriteFile($"/proc/{pid}/{file}", text);
        }
        catch (SysError e) when (e.Errno == Errno.EPERM)
        {
            RunTool(pid, file, tool, mappings, text);
        }
        catch (SysError e)
        {
            throw new RuntimeError($"failed to write {file} \"{text.TrimEnd()}\": {e.Message}");
        }
    }

    /// <summary>`newuidmap PID inside outside count ...`, with an empty environment, as runc runs it.</summary>
    private static void RunTool(int pid, string file, string tool, List<LinuxIdMapping> mappings, string text)
    {
        string what = $"failed to write {file} \"{text.TrimEnd().Replace('\n', ',')}\"";
        string path = LookPath(tool)
            ?? throw new RuntimeError($"{what}: operation not permitted, and {tool} was not found in $PATH (install the uidmap package)");
        var argv = new List<string>(2 + 3 * mappings.Count) { path, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var m in mappings)
            argv.AddRange([m.ContainerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.HostId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var result = HookProcess.Run(path, argv, [], null, [], ToolTimeoutMs);
        if (result.TimedOut)
            throw new RuntimeError($"{what}: {tool} did not finish within {ToolTimeoutMs / 1000} s");
        if (result.WaitStatus != 0)
        {
            string said = result.Stderr.Trim().Replace('\n', ' ');
            throw new RuntimeError($"{what}: {tool} failed ({Describe(result.WaitStatus)}){(said.Length > 0 ? ": " + said : "")}");
        }
    }

    private const int ToolTimeoutMs = 10_000;

    private static string Describe(int status) =>
        (status & 0x7f) == 0 ? $"exit status {(status >> 8) & 0xff}" : $"signal {status & 0x7f}";

    /// <summary>Go's exec.LookPath over runcs's own $PATH (runc looks the helpers up the same way).</summary>
    private static string? LookPath(string name)
    {
        string pathVar = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (string dir in pathVar.Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            // Go's findExecutable: a file (not a directory) with any execute bit.
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) &
                (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }
}
