using System.Text.Json.Nodes;

namespace Runcs.Tests.Integration.Rootless;

/// <summary>
/// A real unprivileged user made for the rootless tests (useradd -m, a subordinate id range in
/// /etc/subuid and /etc/subgid, /run/user/UID as its XDG_RUNTIME_DIR), and the commands run as
/// it (setpriv, with a clean environment as a login would give). Removed with its files at the end.
/// </summary>
public sealed class RootlessUser : IDisposable
{
    public const string Runc = "/usr/sbin/runc";

    /// <summary>Why the rootless tests cannot run here, or null.</summary>
    public string? SkipReason { get; }

    private static int s_instances;
    /// <summary>Which user of this test process (each test class makes its own).</summary>
    private readonly int _instance = Interlocked.Increment(ref s_instances);

    public string Name => $"rlt{Environment.ProcessId % 100000}x{_instance}";
    public int Uid { get; }
    public string Home => $"/home/{Name}";
    public string RuntimeDir => $"/run/user/{Uid}";
    /// <summary>First id of the user's subordinate range (65536 ids).</summary>
    public long SubId { get; }
    /// <summary>A copy of runcs the user can execute (the worktree's out/ may be under a private directory).</summary>
    public string RuncsPath { get; }

    private readonly string? _binDir;

    public RootlessUser()
    {
        RuncsPath = "";
        if (!RuncsBinary.IsRoot)
        {
            SkipReason = "the tests must run as root to make a user";
            return;
        }
        foreach (string tool in new[] { "/usr/sbin/useradd", "/usr/bin/setpriv", "/usr/bin/newuidmap", Runc })
            if (!File.Exists(tool))
            {
                SkipReason = $"{tool} is missing (packages passwd, util-linux, uidmap, runc)";
                return;
            }
        Remove(); // a user left by a killed earlier run of this process number
        // A range of its own, away from the ones Debian hands out (100000 + 65536n).
        SubId = 1_000_000_000L + ((Environment.ProcessId % 2000) * 8 + _instance % 8) * 65536L; // below 2^31: podman's "containers" range
        Must("/usr/sbin/useradd", ["-m", "-s", "/bin/sh", Name]);
        Must("/usr/sbin/usermod", ["--add-subuids", $"{SubId}-{SubId + 65535}", "--add-subgids", $"{SubId}-{SubId + 65535}", Name]);
        Uid = int.Parse(Must("/usr/bin/id", ["-u", Name]).Trim());
        Directory.CreateDirectory(RuntimeDir);
        Must("/usr/bin/chown", [$"{Name}:{Name}", RuntimeDir]);
        File.SetUnixFileMode(RuntimeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Outside the (0700) home: the other user of the visibility test runs it too.
        _binDir = Directory.CreateTempSubdirectory("runcs-rootless-bin-").FullName;
        File.SetUnixFileMode(_binDir, (UnixFileMode)0x1ed);
        RuncsPath = System.IO.Path.Combine(_binDir, "runcs");
        File.Copy(RuncsBinary.Path, RuncsPath, overwrite: true);
        File.SetUnixFileMode(RuncsPath, (UnixFileMode)0x1ed);
    }

    private static string Must(string file, string[] args)
    {
        var r = RuncsBinary.Exec(file, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {r}");
        return r.Stdout;
    }

    /// <summary>The environment of a login of this user (what runc and runcs read: XDG_RUNTIME_DIR, USER, PATH).</summary>
    public string[] Environment_ => [$"HOME={Home}", $"USER={Name}", $"LOGNAME={Name}", $"XDG_RUNTIME_DIR={RuntimeDir}",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    /// <summary>argv that runs <paramref name="argv"/> as this user, from a clean environment.</summary>
    public string[] AsUser(params string[] argv) =>
        ["/usr/bin/setpriv", $"--reuid={Name}", $"--regid={Name}", "--init-groups", "--reset-env", "/usr/bin/env", .. Environment_, .. argv];

    public CommandResult Run(string[] argv, string? stdin = null, int timeoutMs = 30000)
    {
        string[] full = AsUser(argv);
        return RuncsBinary.Exec(full[0], full[1..], stdin, timeoutMs);
    }

    /// <summary>Another unprivileged user (nobody) running <paramref name="argv"/>.</summary>
    public static CommandResult AsNobody(params string[] argv) =>
        RuncsBinary.Exec("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", .. argv]);

    /// <summary>A bundle the user owns: busybox rootfs, config from `runcs spec --rootless` run as the user.</summary>
    public UserBundle NewBundle(string[] args) => new(this, args);

    private void Remove()
    {
        RuncsBinary.Exec("/usr/bin/pkill", ["-KILL", "-u", Name]);
        RuncsBinary.Exec("/usr/sbin/userdel", ["-r", "-f", Name]);
    }

    public void Dispose()
    {
        if (SkipReason is not null)
            return;
        Remove();
        foreach (string dir in new[] { RuntimeDir, _binDir })
            try
            {
                if (dir is not null)
                    Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
    }
}

/// <summary>A bundle below /tmp owned by the rootless user; each runtime gets its own --root under it.</summary>
public sealed class UserBundle : IDisposable
{
    private static int s_counter;
    private readonly RootlessUser _user;

    public UserBundle(RootlessUser user, string[] args)
    {
        _user = user;
        Dir = Directory.CreateTempSubdirectory("runcs-rootless-").FullName;
        Id = $"rl{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        try
        {
            Bundle.MakeRootfs(Rootfs);
            Chown(Dir);
            File.SetUnixFileMode(Dir, (UnixFileMode)0x1ed);
            var spec = user.Run([user.RuncsPath, "spec", "--rootless", "--bundle", Dir]);
            if (spec.ExitCode != 0)
                throw new InvalidOperationException("runcs spec --rootless as the user failed: " + spec);
            Config = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
            Config["process"]!["terminal"] = false;
            Args = args;
        }
        catch
        {
            Directory.Delete(Dir, recursive: true);
            throw;
        }
    }

    private void Chown(string path) => RuncsBinary.Exec("/usr/bin/chown", ["-R", $"{_user.Name}:{_user.Name}", path]);

    public string Dir { get; }
    public string Rootfs => Path.Combine(Dir, "rootfs");
    public string ConfigPath => Path.Combine(Dir, "config.json");
    public string Id { get; }
    public JsonObject Config { get; }

    public string[] Args
    {
        set
        {
            Config["process"]!["args"] = new JsonArray([.. value.Select(a => (JsonNode)JsonValue.Create(a)!)]);
            Save();
        }
    }

    public void Save()
    {
        File.WriteAllText(ConfigPath, Config.ToJsonString());
        Chown(ConfigPath);
    }

    /// <summary>A state root for one runtime, in the bundle (the user's own).</summary>
    public string StateRoot(string runtime) => Path.Combine(Dir, "state-" + Path.GetFileName(runtime));

    /// <summary>The runtime (runcs or runc) as the user, with this bundle's state root for it.</summary>
    public CommandResult Run(string runtime, string[] args, string? stdin = null, int timeoutMs = 30000) =>
        _user.Run([runtime, "--root", StateRoot(runtime), .. args], stdin, timeoutMs);

    /// <summary>argv of the runtime as the user (for tests that drive its stdio themselves).</summary>
    public string[] Argv(string runtime, params string[] args) => _user.AsUser([runtime, "--root", StateRoot(runtime), .. args]);

    public string Status(string runtime)
    {
        var r = Run(runtime, ["state", Id]);
        return r.ExitCode == 0 ? (string?)JsonNode.Parse(r.Stdout)?["status"] ?? "" : "";
    }

    public void Dispose()
    {
        foreach (string runtime in new[] { _user.RuncsPath, RootlessUser.Runc })
            Run(runtime, ["delete", "--force", Id]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
