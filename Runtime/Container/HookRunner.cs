using System.Diagnostics;
using System.Text;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Text;

namespace Runcs.Container;

/// <summary>
/// Runs OCI hooks: each gets the container's state JSON on stdin, exactly its own args and
/// env, and is killed (an error) when it runs past its timeout. The runtime decides which
/// failures are fatal (all but poststop, which only warns).
/// </summary>
public static class HookRunner
{
    /// <summary>The state JSON a hook reads, as runc writes it (pid omitted once stopped).</summary>
    public static string StateJson(string ociVersion, string id, string status, int pid, string bundle,
        IReadOnlyDictionary<string, string>? annotations)
    {
        var sb = new StringBuilder("{\"ociVersion\":");
        GoJson.WriteString(sb, ociVersion);
        sb.Append(",\"id\":");
        GoJson.WriteString(sb, id);
        sb.Append(",\"status\":");
        GoJson.WriteString(sb, status);
        if (pid > 0)
            sb.Append(",\"pid\":").Append(pid);
        sb.Append(",\"bundle\":");
        GoJson.WriteString(sb, bundle);
        if (annotations is { Count: > 0 })
        {
            sb.Append(",\"annotations\":{");
            bool first = true;
            foreach (var (k, v) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                if (!first)
                    sb.Append(',');
                first = false;
                GoJson.WriteString(sb, k);
                sb.Append(':');
                GoJson.WriteString(sb, v);
            }
            sb.Append('}');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Runs the hooks in order; the first failure throws (runc's wording).</summary>
    public static void Run(string kind, IReadOnlyList<Hook>? hooks, string state)
    {
        if (hooks is null)
            return;
        for (int i = 0; i < hooks.Count; i++)
        {
            try
            {
                RunOne(hooks[i], state);
            }
            catch (RuntimeError e)
            {
                throw new RuntimeError($"error running {kind} hook #{i}: {e.Message}", e);
            }
        }
    }

    /// <summary>poststop: failures are warnings, and every hook runs.</summary>
    public static void RunWarnOnly(string kind, IReadOnlyList<Hook>? hooks, string state)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            try
            {
                RunOne(hooks![i], state);
            }
            catch (RuntimeError e)
            {
                Log.Warn($"error running {kind} hook #{i}: {e.Message}");
            }
        }
    }

    private static void RunOne(Hook hook, string state)
    {
        var info = new ProcessStartInfo(hook.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (hook.Args ?? []).Skip(1))
            info.ArgumentList.Add(arg);
        info.Environment.Clear();
        foreach (string e in hook.Env ?? [])
        {
            int eq = e.IndexOf('=');
            if (eq > 0)
                info.Environment[e[..eq]] = e[(eq + 1)..];
        }
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(info) ?? throw new RuntimeError($"fork/exec {hook.Path}: failed");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RuntimeError($"fork/exec {hook.Path}: {e.Message.ToLowerInvariant()}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(state);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // A hook need not read its stdin.
            }
            int timeoutMs = hook.Timeout is int t && t > 0 ? t * 1000 : -1;
            if (!process.WaitForExit(timeoutMs))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new RuntimeError($"hook ran past specified timeout of {hook.Timeout}s");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new RuntimeError($"error running hook: exit status {process.ExitCode}, stdout: {stdout.Result}, stderr: {stderr.Result}");
        }
    }
}
