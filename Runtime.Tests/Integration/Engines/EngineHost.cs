using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Runcs.Tests.Integration.Engines;

/// <summary>
/// What the docker and podman fixtures share: installing an engine's Debian packages when they
/// are missing, starting a daemon in its own session, and looking at the host for what a
/// container may leave behind (processes, cgroups, mounts).
/// </summary>
public static partial class EngineHost
{
    /// <summary>
    /// Installs the Debian packages that are missing (as build.sh does); null when all are there,
    /// else why not (the engine's tests are then skipped, never passed).
    /// </summary>
    public static string? EnsurePackages(params string[] packages)
    {
        string[] missing = [.. packages.Where(p => RuncsBinary.Exec("dpkg", ["-s", p]).ExitCode != 0)];
        if (missing.Length == 0)
            return null;
        if (!RuncsBinary.IsRoot)
            return "not root: cannot install " + string.Join(' ', missing);
        try
        {
            var r = RuncsBinary.Exec("/bin/sh", ["-c",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends " + string.Join(' ', missing) +
                " || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends " + string.Join(' ', missing) + "; }"],
                null, 900_000);
            if (r.ExitCode != 0)
                return $"apt-get install {string.Join(' ', missing)} failed: {r.Stderr.Trim()}";
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            return $"apt-get install {string.Join(' ', missing)}: {e.Message}";
        }
        return null;
    }

    /// <summary>`sh -c 'exec setsid CMD >>LOG 2>&1'`: a daemon out of the test's session, its output in a log file.</summary>
    public static Process StartDaemon(string commandLine, string logPath, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec setsid {commandLine} >>'{logPath}' 2>&1 </dev/null");
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            info.Environment[k] = v;
        return RuncsBinary.Start(info);
    }

    public static void WaitFor(Func<bool> condition, int timeoutMs, string what)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(50);
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="graceMs"/>.</summary>
    public static void Stop(int pid, int graceMs = 10000)
    {
        if (kill(pid, 15) != 0)
            return;
        var deadline = DateTime.UtcNow.AddMilliseconds(graceMs);
        while (Alive(pid) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        if (Alive(pid))
            kill(pid, 9);
    }

    public static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/> (zombies and this process excluded).</summary>
    public static List<(int Pid, string Cmdline)> ProcessesMentioning(string text)
    {
        var found = new List<(int, string)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(text) && Alive(pid))
                    found.Add((pid, cmdline));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    public static readonly string[] Controllers = ["memory", "pids", "cpu", "cpuacct", "freezer", "devices", "blkio", "cpuset", "systemd"];

    /// <summary>Cgroup directories below <paramref name="parent"/> in every v1 hierarchy (and the unified one).</summary>
    public static List<string> CgroupsBelow(string parent)
    {
        var found = new List<string>();
        foreach (string c in Controllers.Append("unified"))
        {
            string dir = $"/sys/fs/cgroup/{c}/{parent.Trim('/')}";
            if (Directory.Exists(dir))
                found.AddRange(Directory.GetDirectories(dir, "*", SearchOption.AllDirectories));
        }
        return found;
    }

    /// <summary>Removes an (empty) cgroup parent and what is below it, in every hierarchy.</summary>
    public static void RemoveCgroupParent(string parent)
    {
        foreach (string c in Controllers.Append("unified"))
        {
            string dir = $"/sys/fs/cgroup/{c}/{parent.Trim('/')}";
            if (!Directory.Exists(dir))
                continue;
            foreach (string sub in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(dir))
            {
                try
                {
                    Directory.Delete(sub);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Mount points (mountinfo field 5) at or below <paramref name="dir"/>.</summary>
    public static List<string> MountsBelow(string dir) =>
        [.. File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(mp => mp == dir || mp.StartsWith(dir + "/", StringComparison.Ordinal))];

    /// <summary>Detaches every mount below <paramref name="dir"/>, deepest first.</summary>
    public static void UnmountBelow(string dir)
    {
        foreach (string mp in MountsBelow(dir).AsEnumerable().Reverse())
            umount2(mp, 2 /* MNT_DETACH */);
    }

    /// <summary>The lines of a log file from byte <paramref name="from"/>.</summary>
    public static string[] LogLinesSince(string path, long from)
    {
        if (!File.Exists(path))
            return [];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (from > fs.Length)
            from = 0;
        fs.Seek(from, SeekOrigin.Begin);
        return new StreamReader(fs, Encoding.UTF8).ReadToEnd().Split('\n');
    }

    public static long LengthOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>What a shell would show of a command: its status and its output, for runc-against-runcs comparisons.</summary>
    public static string Outcome(CommandResult r) => $"exit {r.ExitCode}\n{r.Stdout}";

    public static void Ok(CommandResult r, string what = "")
    {
        if (r.ExitCode != 0)
            Assert.Fail($"{what} {r}");
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
