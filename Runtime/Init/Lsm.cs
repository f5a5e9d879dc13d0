using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Init;

/// <summary>What the host's Linux security modules offer; faked in tests (this machine has neither).</summary>
public interface ILsmHost
{
    bool AppArmorEnabled { get; }
    bool SelinuxEnabled { get; }
    /// <summary>Writes an LSM attribute of this process, e.g. "apparmor/exec" or "exec".</summary>
    void WriteAttr(string name, string value);
    bool HasAttr(string name);
}

public sealed class HostLsm : ILsmHost
{
    public static readonly HostLsm Instance = new();

    public bool AppArmorEnabled =>
        ReadFirstChar("/sys/module/apparmor/parameters/enabled") == 'Y' && Directory.Exists("/sys/kernel/security/apparmor");

    public bool SelinuxEnabled => File.Exists("/sys/fs/selinux/enforce");

    public void WriteAttr(string name, string value) => LinuxSyscalls.Instance.WriteFile($"/proc/self/attr/{name}", value);

    public bool HasAttr(string name) => File.Exists($"/proc/self/attr/{name}");

    private static char ReadFirstChar(string file)
    {
        try
        {
            string text = SmallFile.ReadAllText(file);
            return text.Length > 0 ? text[0] : '\0';
        }
        catch (IOException)
        {
            return '\0';
        }
    }
}

/// <summary>
/// process.apparmorProfile and process.selinuxLabel (and linux.mountLabel), decided as runc
/// decides: a profile on a host without the module is an error, except AppArmor's
/// "unconfined"; with the module, the label is set for the next exec.
/// </summary>
public sealed class Lsm(ILsmHost host)
{
    /// <summary>Checked by the parent before anything is made.</summary>
    public void Check(Process process, string? mountLabel)
    {
        string profile = process.ApparmorProfile ?? "";
        if (profile.Length > 0 && profile != "unconfined" && !host.AppArmorEnabled)
            throw new RuntimeError($"apparmor profile \"{profile}\" is set but AppArmor is not enabled on this host");
        if (!string.IsNullOrEmpty(process.SelinuxLabel) && !host.SelinuxEnabled)
            throw new RuntimeError($"selinux label \"{process.SelinuxLabel}\" is set but SELinux is not enabled on this host");
        if (!string.IsNullOrEmpty(mountLabel) && !host.SelinuxEnabled)
            throw new RuntimeError($"linux.mountLabel \"{mountLabel}\" is set but SELinux is not enabled on this host");
    }

    /// <summary>In the init, just before exec: the labels the process gets when it execs.</summary>
    public void ApplyExecLabels(Process process)
    {
        string profile = process.ApparmorProfile ?? "";
        if (profile.Length > 0 && host.AppArmorEnabled)
            host.WriteAttr(host.HasAttr("apparmor/exec") ? "apparmor/exec" : "exec", "exec " + profile);
        if (!string.IsNullOrEmpty(process.SelinuxLabel) && host.SelinuxEnabled)
            host.WriteAttr("exec", process.SelinuxLabel);
    }
}
