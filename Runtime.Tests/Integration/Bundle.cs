using System.Text.Json.Nodes;

namespace Runcs.Tests.Integration;

/// <summary>
/// A throw-away OCI bundle: a busybox-static rootfs and the config `runcs spec` writes,
/// edited as JSON by each test. Also owns a private --root for the runtime's state.
/// </summary>
public sealed class Bundle : IDisposable
{
    private static int s_counter;

    public Bundle(string[]? args = null)
    {
        Dir = Directory.CreateTempSubdirectory("runcs-test-").FullName;
        StateRoot = System.IO.Path.Combine(Dir, "state");
        Rootfs = System.IO.Path.Combine(Dir, "rootfs");
        Id = $"t{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        MakeRootfs(Rootfs);
        var spec = RuncsBinary.Run(["spec", "--bundle", Dir]);
        if (spec.ExitCode != 0)
            throw new InvalidOperationException("runcs spec failed: " + spec);
        Config = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        Config["process"]!["terminal"] = false;
        if (args is not null)
            Args = args;
        Save();
    }

    public string Dir { get; }
    public string Rootfs { get; }
    public string StateRoot { get; }
    public string Id { get; set; }
    public string ConfigPath => System.IO.Path.Combine(Dir, "config.json");
    public JsonObject Config { get; }

    public string[] Args
    {
        set
        {
            Config["process"]!["args"] = new JsonArray([.. value.Select(a => (JsonNode)JsonValue.Create(a)!)]);
            Save();
        }
    }

    public void Save() => File.WriteAllText(ConfigPath, Config.ToJsonString());

    /// <summary>runcs with this bundle's --root; verbs that take a bundle get it via --bundle by the caller.</summary>
    public CommandResult Runcs(params string[] args) => RuncsBinary.Run(["--root", StateRoot, .. args]);

    public CommandResult RuncsWithInput(string stdin, params string[] args) =>
        RuncsBinary.Run(["--root", StateRoot, .. args], stdin);

    /// <summary>`run` in the foreground with this bundle: the container's output and status.</summary>
    public CommandResult Run(params string[] extra) => Runcs(["run", "--bundle", Dir, .. extra, Id]);

    public static void MakeRootfs(string rootfs)
    {
        string bin = System.IO.Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        foreach (string d in new[] { "etc", "tmp", "proc", "sys", "dev", "root" })
            Directory.CreateDirectory(System.IO.Path.Combine(rootfs, d));
        File.Copy(BusyboxPath, System.IO.Path.Combine(bin, "busybox"));
        foreach (string applet in Applets.Value)
            if (applet != "busybox")
                File.CreateSymbolicLink(System.IO.Path.Combine(bin, applet), "busybox");
        File.WriteAllText(System.IO.Path.Combine(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
        File.WriteAllText(System.IO.Path.Combine(rootfs, "etc/group"), "root:x:0:\n");
    }

    private static string BusyboxPath => File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";

    private static readonly Lazy<string[]> Applets = new(() =>
        RuncsBinary.Exec(BusyboxPath, ["--list"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    public void Dispose()
    {
        Runcs("delete", "--force", Id);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
