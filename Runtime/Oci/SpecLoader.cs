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
        SpecReader.ReadSpec(file, Checked(file, utf8Json));

    public static Spec ParseSpec(string file, string json) =>
        ParseSpec(file, System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a bare process object (exec --process FILE).</summary>
    public static Process ParseProcess(string file, string json) =>
        SpecReader.ReadProcess(file, Checked(file, System.Text.Encoding.UTF8.GetBytes(json)));

    /// <summary>Parses a bare resources object (update --resources FILE, or "-" for stdin).</summary>
    public static LinuxResources ParseResources(string source, string json) =>
        SpecReader.ReadResources(source, Checked(source, System.Text.Encoding.UTF8.GetBytes(json)));

    /// <summary>
    /// The bound on a document (config.json, exec --process, update --resources): far above any
    /// real one (containerd's are tens of KiB; 100,000 env entries are about 2 MiB), far below
    /// what would exhaust runcs's memory (the spec travels to the init and into config.bin).
    /// </summary>
    public const int MaxDocumentBytes = 8 << 20;

    /// <summary>A UTF-8 byte order mark is skipped, as a courtesy (Go would reject it); too long a document is an error.</summary>
    private static ReadOnlySpan<byte> Checked(string file, ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxDocumentBytes)
            throw new ConfigError(file, "", $"the document is {utf8Json.Length} bytes, more than the limit of {MaxDocumentBytes >> 20} MiB");
        return utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8Json[3..] : utf8Json;
    }
}
