using System.Text;
using Runcs.Oci;

namespace Runcs.Tests.Unit;

/// <summary>Specs for unit tests, written as the config.json a user would write.</summary>
internal static class UnitSpec
{
    public static Spec Read(string json) => SpecReader.ReadSpec("config.json", Encoding.UTF8.GetBytes(json));

    public static LinuxResources Resources(string json) => SpecReader.ReadResources("resources.json", Encoding.UTF8.GetBytes(json));

    /// <summary>The calls of <paramref name="calls"/> whose text starts with one of the prefixes, in order.</summary>
    public static List<string> Only(this IEnumerable<string> calls, params string[] prefixes) =>
        [.. calls.Where(c => prefixes.Any(p => c.StartsWith(p, StringComparison.Ordinal)))];
}
