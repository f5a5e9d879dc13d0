using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// Hostile config.json: a fixed-seed series of mutations of a working config (types swapped, huge
/// and negative numbers, deep nesting, huge strings, invalid UTF-8, duplicate keys, NUL bytes, path
/// traversal in string fields, 10,000 mounts, 100,000 env entries, truncation), each given to
/// `run`. Every input must end with exit 0 or 1 within the timeout, with no .NET exception text,
/// and leave no state, mount, cgroup or process. FUZZ_RUNS sets the number of inputs (a long run:
/// FUZZ_RUNS=20000); without it, up to 2000 inputs of the series within 80 seconds, so the test
/// stays under two minutes on a loaded machine. FUZZ_SEED picks another series.
/// </summary>
[Collection("containers")]
public sealed class ConfigFuzzTests
{
    private const int DefaultRuns = 2000;
    private static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(80);

    /// <summary>
    /// Never mutated: the namespaces (without a mount or pid namespace a container works on the
    /// host's mounts and processes) and root.path's traversal (the rootfs would be a host directory).
    /// </summary>
    private static bool Protected(string path) =>
        path is "linux" or "linux.namespaces" || path.StartsWith("linux.namespaces[", StringComparison.Ordinal) ||
        path.StartsWith("linux.cgroupsPath", StringComparison.Ordinal);

    private static readonly string[] Traversals =
        ["../../../../etc/shadow", "/../../../..", "/proc/self/fd/7", "//", "", ".", "/dev/../../tmp", "a/../../../", "/proc/self/root/..", "~", "-1"];

    private static readonly Func<Random, JsonNode?>[] Replacements =
    [
        _ => null, _ => true, _ => 0, _ => -1, _ => 1.5, _ => "x", _ => new JsonArray(), _ => new JsonObject(),
        _ => JsonNode.Parse("1e300"), _ => JsonNode.Parse("-9223372036854775809"), _ => JsonNode.Parse("18446744073709551616"),
        _ => 4294967296L, _ => 2147483648L, _ => long.MinValue, _ => ulong.MaxValue,
        r => new string('a', r.Next(2) == 0 ? 2 << 20 : 100_000),
        r => Nest(r.Next(2) == 0 ? 70 : 300),
    ];

    private static JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (int i = 0; i < depth; i++)
            node = new JsonArray(node);
        return node;
    }

    private static List<(string Path, JsonNode? Node, JsonNode? Parent)> Nodes(JsonNode? node, string path, JsonNode? parent, List<(string, JsonNode?, JsonNode?)> into)
    {
        into.Add((path, node, parent));
        if (node is JsonObject o)
            foreach (var (k, v) in o.ToList())
                Nodes(v, path.Length == 0 ? k : $"{path}.{k}", o, into);
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++)
                Nodes(a[i], $"{path}[{i}]", a, into);
        return into;
    }

    private static void Replace(JsonNode? parent, JsonNode? old, JsonNode? with)
    {
        if (parent is JsonObject o)
            o[o.First(p => ReferenceEquals(p.Value, old)).Key] = with;
        else if (parent is JsonArray a)
            a[a.IndexOf(old)] = with;
    }

    /// <summary>One mutation of the base config, as the bytes of config.json, and what it was. The
    /// first input has 10,000 mounts (about 8 s here), the second 100,000 env entries; later ones
    /// add a few hundred mounts or env entries.</summary>
    private static (byte[] Bytes, string What) Mutate(Random r, string baseJson, int index)
    {
        var root = JsonNode.Parse(baseJson)!.AsObject();
        var nodes = Nodes(root, "", null, []).Where(n => n.Path.Length > 0 && !Protected(n.Path)).ToList();
        var (path, node, parent) = nodes[r.Next(nodes.Count)];
        int kind = index switch { 0 => 6, 1 => 7, _ => r.Next(12) };
        int many = index < 2 ? 10 : 0;
        switch (kind)
        {
            case 0: case 1: case 2: case 3:
            {
                var with = Replacements[r.Next(Replacements.Length)](r);
                Replace(parent, node, with);
                return (Encoding.UTF8.GetBytes(root.ToJsonString()), $"{path} = {Short(with)}");
            }
            case 4: case 5:
            {
                var strings = nodes.Where(n => n.Node is JsonValue v && v.TryGetValue<string>(out _)).ToList();
                var (sp, sn, spar) = strings[r.Next(strings.Count)];
                string value = sn!.GetValue<string>();
                string with = r.Next(3) == 0 ? value + "\0" + value
                    : sp == "root.path" ? "rootfs\0" : Traversals[r.Next(Traversals.Length)];
                Replace(spar, sn, with);
                return (Encoding.UTF8.GetBytes(root.ToJsonString()), $"{sp} = {Short(with)}");
            }
            case 6:
            {
                var mounts = root["mounts"]!.AsArray();
                int count = many > 0 ? 10_000 : 300;
                for (int i = 0; i < count; i++)
                    mounts.Add(new JsonObject { ["destination"] = $"/tmp/m{i % 10}", ["type"] = "tmpfs", ["source"] = "tmpfs" });
                return (Encoding.UTF8.GetBytes(root.ToJsonString()), $"{count} more mounts");
            }
            case 7:
            {
                var env = root["process"]!["env"]!.AsArray();
                int count = many > 0 ? 100_000 : 500;
                for (int i = 0; i < count; i++)
                    env.Add($"V{i}=x");
                return (Encoding.UTF8.GetBytes(root.ToJsonString()), $"{count} more env entries");
            }
            case 8:
            {
                // invalid UTF-8 inside a string
                byte[] bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                int at = Array.IndexOf(bytes, (byte)'"', r.Next(bytes.Length - 1)) + 1;
                if (at <= 0) at = 2;
                byte[] bad = [0xff, 0xfe, 0xc3, 0x28];
                return ([.. bytes[..at], .. bad.Take(r.Next(1, 5)), .. bytes[at..]], $"invalid UTF-8 at byte {at}");
            }
            case 9:
            {
                // a duplicate key: the last one wins in Go
                string json = root.ToJsonString();
                string key = root.Select(p => p.Key).ElementAt(r.Next(root.Count));
                string dup = $"{{\"{key}\":{Short(Replacements[r.Next(8)](r), full: true)},";
                return (Encoding.UTF8.GetBytes(dup + json[1..]), $"duplicate key {key}");
            }
            case 10:
            {
                byte[] bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                int at = r.Next(bytes.Length);
                return (bytes[..at], $"truncated at {at}");
            }
            default:
            {
                byte[] bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                int at = r.Next(bytes.Length);
                bytes[at] = (byte)r.Next(256);
                return (bytes, $"byte {at} = 0x{bytes[at]:x2}");
            }
        }
    }

    private static string Short(JsonNode? node, bool full = false)
    {
        string text = node?.ToJsonString() ?? "null";
        return full || text.Length < 80 ? text : text[..40] + $"...({text.Length} chars)";
    }

    [Fact]
    public void Mutated_configs_end_with_exit_0_or_1_without_a_trace_and_leave_nothing()
    {
        bool budgeted = !int.TryParse(Environment.GetEnvironmentVariable("FUZZ_RUNS"), out int runs);
        if (budgeted)
            runs = DefaultRuns;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out int s) ? s : 20261207;
        var r = new Random(seed);
        var clock = Stopwatch.StartNew();
        using var b = new Bundle(["true"]);
        b.Config["root"]!["readonly"] = false;
        b.Save();
        string baseJson = b.Config.ToJsonString();
        string baseId = b.Id;
        var failures = new List<string>();
        var outcomes = new Dictionary<int, int>();
        int done = 0;
        // FUZZ_LOG=FILE: one line per input (time, exit, mutation, error)
        using var log = Environment.GetEnvironmentVariable("FUZZ_LOG") is { Length: > 0 } logPath ? new StreamWriter(logPath) : null;
        log?.WriteLine($"bundle made in {clock.Elapsed.TotalSeconds:F1} s");
        for (int i = 0; i < runs && failures.Count < 10 && !(budgeted && clock.Elapsed > DefaultBudget); i++, done++)
        {
            var (bytes, what) = Mutate(r, baseJson, i);
            File.WriteAllBytes(b.ConfigPath, bytes);
            b.Id = $"{baseId}-f{i}";
            CommandResult result;
            var started = clock.Elapsed;
            try
            {
                result = b.Run();
            }
            catch (TimeoutException)
            {
                failures.Add($"#{i} {what}: no end within 30 s");
                continue;
            }
            var took = clock.Elapsed - started;
            log?.WriteLine($"#{i} {took.TotalMilliseconds:F0} ms exit {result.ExitCode} {what}: {result.Stderr.Trim()[..Math.Min(200, result.Stderr.Trim().Length)]}");
            outcomes[result.ExitCode] = outcomes.GetValueOrDefault(result.ExitCode) + 1;
            if (took > TimeSpan.FromSeconds(15))
                failures.Add($"#{i} {what}: took {took.TotalSeconds:F0} s");
            if (result.ExitCode is not (0 or 1))
                failures.Add($"#{i} {what}: exit {result.ExitCode}: {result.Stderr}");
            else if (result.Stderr.Contains("Exception") || result.Stderr.Contains("   at "))
                failures.Add($"#{i} {what}: a .NET trace: {result.Stderr}");
            if (Directory.Exists(b.StateRoot) && Directory.GetDirectories(b.StateRoot).Length > 0)
            {
                failures.Add($"#{i} {what}: state left behind ({result.ExitCode}: {result.Stderr})");
                b.Runcs("delete", "--force", b.Id);
            }
        }
        b.Id = baseId;
        log?.WriteLine($"{done} inputs in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, $"seed {seed}, {failures.Count} failures:\n" + string.Join("\n", failures.Select(f => f.Length > 600 ? f[..600] : f)));
        Assert.Empty(LeakTests.CgroupDirs(baseId));
        // (the host's mount count moves with other work on the machine: only this bundle's mounts count)
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(b.Dir));
        Assert.Equal(0, LeakTests.RuncsProcesses(b.StateRoot));
        log?.WriteLine($"checked in {clock.Elapsed.TotalSeconds:F1} s");
        log?.Flush();
        Assert.True(outcomes.GetValueOrDefault(0) > 0, "no mutation ran: the base config is broken");
        TestContext.Current.SendDiagnosticMessage($"{done} inputs in {clock.Elapsed.TotalSeconds:F0} s: " + string.Join(", ", outcomes.Select(o => $"exit {o.Key}: {o.Value}")));
    }
}
