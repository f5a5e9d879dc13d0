using Runcs.Cli;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`spec [--bundle B] [--rootless]`: writes runc's default config.json, never over an existing one.</summary>
public static class SpecCommand
{
    public sealed class Options
    {
        public static IReadOnlyList<OptionFlag<Options>> Flags { get; } =
        [
            SharedFlags.BundleNoDefault<Options>(static (o, v) => o.Bundle = v),
            new BoolFlag<Options>("rootless", "generate a configuration for a rootless container", static (o, v) => o.Rootless = v),
        ];

        public static Options Parse(ParsedCommandLine line) => line.Bind(new Options(), Flags);

        public string Bundle { get; private set; } = "";

        public bool Rootless { get; private set; }
    }

    public static int Run(CommandContext c)
    {
        var options = Options.Parse(c.Line);
        string bundle = options.Bundle;
        // runc chdirs to the bundle first: a missing one is an error, never created.
        if (bundle.Length > 0 && !Directory.Exists(bundle))
            throw new RuntimeError($"chdir {bundle}: " + (File.Exists(bundle) ? "not a directory" : "no such file or directory"));
        string file = Path.Combine(bundle.Length == 0 ? "." : bundle, "config.json");
        if (File.Exists(file))
            throw new RuntimeError("File config.json exists. Remove it first");
        var spec = DefaultSpec.Create(options.Rootless, LibC.geteuid(), LibC.getegid());
        try
        {
            File.WriteAllText(file, DefaultSpec.ToJson(spec));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeError($"open {file}: {e.Message}");
        }
        return 0;
    }
}
