using Xunit;

namespace Runcs.Tests.Integration.Engines;

/// <summary>
/// Runs one engine scenario with runc (the oracle) and then with runcs, each followed by the
/// engine's leak and log checks, and compares what the scenario observed: any difference is a
/// failure. A scenario returns the text it observed (exit codes, output, cgroup files...), with
/// anything that legitimately differs between two runs (ids, pids, times) left out.
/// </summary>
public static class EngineScenario
{
    /// <summary>
    /// The runtimes each scenario runs with: <paramref name="all"/> (oracle, then runcs), or the
    /// ones named in $ENGINE_TEST_RUNTIMES (e.g. `runc` alone, to check a scenario against the oracle).
    /// </summary>
    public static string[] RuntimesUnderTest(string[] all)
    {
        string? env = Environment.GetEnvironmentVariable("ENGINE_TEST_RUNTIMES");
        return string.IsNullOrWhiteSpace(env) ? all : [.. all.Where(env.Split(',').Contains)];
    }

    /// <param name="runtimes">the oracle first, then the runtime under test</param>
    /// <param name="scenario">the scenario for one runtime name; asserts what must hold for both</param>
    /// <param name="cleanup">removes what a failed scenario left (containers), before the leak check</param>
    /// <param name="leftovers">what the engine left behind ("" when clean)</param>
    /// <param name="logErrors">the engine's error log lines since a mark</param>
    public static string Compare(
        string[] runtimes,
        Func<string, string> scenario,
        Action cleanup,
        Func<string> leftovers,
        Func<long> logMark,
        Func<long, string[]> logErrors)
    {
        var observed = new string[runtimes.Length];
        for (int i = 0; i < runtimes.Length; i++)
        {
            string rt = runtimes[i];
            long mark = logMark();
            try
            {
                observed[i] = scenario(rt);
            }
            catch (Exception e) when (e is not Xunit.Sdk.SkipException)
            {
                cleanup();
                throw new Xunit.Sdk.XunitException($"with runtime {rt}: {e.Message}\n{e.StackTrace}");
            }
            string left = leftovers();
            if (left != "")
            {
                cleanup();
                Assert.Fail($"with runtime {rt}, left behind:\n{left}");
            }
            string[] errors = logErrors(mark);
            Assert.True(errors.Length == 0, $"with runtime {rt}, errors in the engine's log:\n" + string.Join('\n', errors));
        }
        for (int i = 1; i < runtimes.Length; i++)
            Assert.True(observed[0] == observed[i],
                $"{runtimes[0]} and {runtimes[i]} differ\n--- {runtimes[0]}:\n{observed[0]}\n--- {runtimes[i]}:\n{observed[i]}");
        return observed[0];
    }
}
