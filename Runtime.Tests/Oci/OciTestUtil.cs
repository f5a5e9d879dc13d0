using Xunit;
using System.Text.Json.Nodes;

namespace Runcs.Tests.Oci;

internal static class OciTestUtil
{
    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Fixture(string name) => File.ReadAllText(FixturePath(name));

    /// <summary>Semantic JSON equality, with a readable failure.</summary>
    public static void AssertJsonEqual(string expected, string actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        if (!JsonNode.DeepEquals(e, a))
            Assert.Equal(e?.ToJsonString(), a?.ToJsonString());
    }

    /// <summary>A temporary bundle directory with an empty rootfs/ directory; deleted on dispose.</summary>
    public sealed class TempBundle : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("runcs-oci-test-").FullName;

        public TempBundle(bool withRootfs = true)
        {
            if (withRootfs) Directory.CreateDirectory(Path.Combine(Dir, "rootfs"));
        }

        public void Dispose()
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
        }
    }
}
