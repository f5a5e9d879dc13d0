using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.Oci;

/// <summary>Reads config.json, exec --process and update --resources JSON into the model. Every
/// failure is a <see cref="ConfigError"/> naming the file, and the JSON path or line and column.</summary>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Reads and parses bundleDir/config.json (it is not validated: see <see cref="SpecValidator"/>).</summary>
    public static Spec Load(string bundleDir)
    {
        string path = Path.Combine(bundleDir, ConfigFileName);
        byte[] bytes;
        try
        {
            bytes = SmallFile.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!Directory.Exists(bundleDir)) // runc chdirs to the bundle first
                throw new RuntimeError($"chdir {bundleDir}: " + (File.Exists(bundleDir) ? "not a directory" : "no such file or directory"));
            // runc: "JSON specification file config.json not found"
            throw new ConfigError(ConfigFileName, "", "JSON specification file config.json not found");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigError(ConfigFileName, "", $"cannot read {path}: permission denied");
        }
        catch (IOException e)
        {
            throw new ConfigError(ConfigFileName, "", $"cannot read {path}: {e.Message}");
        }
        return ParseSpec(ConfigFileName, bytes);
    }

    /// <summary>Parses a whole config.json document; <paramref name="file"/> names it in errors.</summary>
    public static Spec ParseSpec(string file, ReadOnlySpan<byte> utf8Json) =>
        SpecReader.ReadSpec(file, WithoutBom(utf8Json));

    public static Spec ParseSpec(string file, string json) =>
        ParseSpec(file, System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a bare process object (exec --process FILE).</summary>
    public static Process ParseProcess(string file, string json) =>
        SpecReader.ReadProcess(file, WithoutBom(System.Text.Encoding.UTF8.GetBytes(json)));

    /// <summary>Parses a bare resources object (update --resources FILE, or "-" for stdin).</summary>
    public static LinuxResources ParseResources(string source, string json) =>
        SpecReader.ReadResources(source, WithoutBom(System.Text.Encoding.UTF8.GetBytes(json)));

    /// <summary>A UTF-8 byte order mark is skipped, as a courtesy (Go would reject it).</summary>
    private static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> utf8Json) =>
        utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8Json[3..] : utf8Json;
}
