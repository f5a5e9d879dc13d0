using Runcs.Oci;
using Runcs.Sys;

namespace Runcs.Commands;

/// <summary>`features`: the OCI features document, listing only what runcs implements.</summary>
public static class FeaturesCommand
{
    public static int Run(CommandContext c)
    {
        Stdio.Out(Features.Build().ToJson());
        return 0;
    }
}
