using System.Globalization;
using System.Text;
using Runcs.Errors;
using Runcs.Logging;
using Runcs.Oci;
using Runcs.Sys;
using Runcs.Text;

namespace Runcs.OciHooks;

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

    /// <summary>
    /// Runs the hooks in order; the first failure throws (runc's wording). workingDirectory:
    /// where they run (null: runcs's own); inheritedEnv: the environment of a hook that has
    /// no env (null: runcs's own), as a Go exec.Cmd with a nil Env gets its runtime's.
    /// </summary>
    public static void Run(string kind, IReadOnlyList<Hook>? hooks, string state,
        string? workingDirectory = null, IReadOnlyList<string>? inheritedEnv = null)
    {
        if (hooks is null)
            return;
        for (int i = 0; i < hooks.Count; i++)
        {
            try
            {
                RunOne(hooks[i], state, workingDirectory, inheritedEnv);
            }
            catch (RuntimeError e)
            {
                throw new RuntimeError($"error running {kind} hook #{i}: {e.Message}", e);
            }
        }
    }

    /// <summary>poststop: failures are warnings, and every hook runs.</summary>
    public static void RunWarnOnly(string kind, IReadOnlyList<Hook>? hooks, string state, string? workingDirectory = null)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            try
            {
                RunOne(hooks![i], state, workingDirectory, null);
            }
            catch (RuntimeError e)
            {
                Log.Warn($"error running {kind} hook #{i}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// execve(path, args, env): args is the whole argv, argv[0] included (an empty or missing
    /// args gives [path], as Go's exec.Cmd); env is exactly the hook's own when it has one.
    /// </summary>
    private static void RunOne(Hook hook, string state, string? workingDirectory, IReadOnlyList<string>? inheritedEnv)
    {
        IReadOnlyList<string> argv = hook.Args is { Count: > 0 } args ? args : [hook.Path];
        IReadOnlyList<string> env = hook.Env ?? inheritedEnv ?? OwnEnvironment();
        int timeoutMs = hook.Timeout is int t && t > 0 ? (int)Math.Min(t * 1000L, int.MaxValue) : -1;
        var result = HookProcess.Run(hook.Path, argv, env, workingDirectory, Encoding.UTF8.GetBytes(state), timeoutMs);
        if (result.TimedOut)
            throw new RuntimeError($"hook ran past specified timeout of {hook.Timeout!.Value.ToString("0.0", CultureInfo.InvariantCulture)}s");
        if (result.WaitStatus != 0)
            throw new RuntimeError($"error running hook: {Signals.DescribeWaitStatus(result.WaitStatus)}, stdout: {result.Stdout}, stderr: {result.Stderr}");
    }

    private static List<string> OwnEnvironment()
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env.Add($"{e.Key}={e.Value}");
        return env;
    }
}
