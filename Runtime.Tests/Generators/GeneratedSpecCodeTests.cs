using Xunit;

namespace Runcs.Tests.Generators;

/// <summary>
/// The checked-in SpecReader.g.cs, SpecCodec.g.cs and SpecWriter.g.cs are what the generator
/// makes of the model now: a field declared (or changed) without regenerating fails here.
/// RUNCS_REGENERATE=1 (tools/gen-spec-code.sh) rewrites the files instead.
/// </summary>
public sealed class GeneratedSpecCodeTests
{
    private static string RepositoryRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Runtime.csproj")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return dir;
    }

    [Fact]
    public void The_generated_spec_code_is_current()
    {
        string root = RepositoryRoot();
        bool regenerate = Environment.GetEnvironmentVariable("RUNCS_REGENERATE") == "1";
        var stale = new List<string>();
        foreach (var (path, text) in SpecCodeGenerator.Generate())
        {
            string file = Path.Combine(root, path);
            if (File.Exists(file) && File.ReadAllText(file) == text)
                continue;
            if (regenerate)
                File.WriteAllText(file, text);
            else
                stale.Add(path);
        }
        Assert.True(stale.Count == 0, $"stale generated code: {string.Join(", ", stale)}; run tools/gen-spec-code.sh");
    }
}
