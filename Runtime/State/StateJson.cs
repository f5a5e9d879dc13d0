using System.Text.Json;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Text;

namespace Runcs.State;

/// <summary>
/// state.json, read with <see cref="JsonCursor"/> (as config.json is) and written with
/// Utf8JsonWriter, without the serializer. Every command
/// reads the state, and most are short-lived: the serializer's metadata for ContainerState
/// (built by reflection over its attributes on first use) cost each of them about 0.5 ms.
/// The format is runcs's own (camelCase, null members left out); unknown members are skipped,
/// so a newer runcs reads an older one's files.
/// </summary>
internal static class StateJson
{
    public static byte[] Write(ContainerState s) => CompactJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("ociVersion", s.OciVersion);
        w.WriteString("id", s.Id);
        w.WriteNumber("initPid", s.InitPid);
        w.WriteNumber("initStartTime", s.InitStartTime);
        w.WriteString("bundle", s.Bundle);
        w.WriteString("rootfs", s.Rootfs);
        w.WriteString("created", Rfc3339.FormatNano(s.Created));
        w.WriteString("owner", s.Owner);
        CompactJson.StringMap(w, "annotations", s.Annotations);
        CompactJson.StringMap(w, "cgroupPaths", s.CgroupPaths);
        WriteRaw(w, "resources", s.ResourcesJson);
        CompactJson.StringMap(w, "namespacePaths", s.NamespacePaths);
        w.WriteBoolean("ownPidNamespace", s.OwnPidNamespace);
        w.WriteBoolean("rootless", s.Rootless);
        w.WriteBoolean("useSystemdCgroup", s.UseSystemdCgroup);
        WriteRaw(w, "hooks", s.HooksJson);
        w.WriteEndObject();
    });

    private static void WriteRaw(Utf8JsonWriter w, string name, byte[]? json)
    {
        if (json is null)
            return;
        w.WritePropertyName(name);
        w.WriteRawValue(json, skipInputValidation: true);
    }

    /// <summary>Parses a state file; a malformed one is a <see cref="Errors.ConfigError"/> naming the field.</summary>
    public static ContainerState Read(ReadOnlySpan<byte> data) =>
        JsonCursor.ReadDocument(StateStore.StateFileName, data, Fields);

    private static ContainerState Fields(ref JsonCursor c)
    {
        var s = new ContainerState();
        while (c.NextProperty(out string name))
        {
            switch (name)
            {
                case "ociversion": s.OciVersion = c.String(); break;
                case "id": s.Id = c.String(); break;
                case "initpid": s.InitPid = c.Int(); break;
                case "initstarttime": s.InitStartTime = c.ULong(); break;
                case "bundle": s.Bundle = c.String(); break;
                case "rootfs": s.Rootfs = c.String(); break;
                case "created":
                    string created = c.String();
                    s.Created = Rfc3339.TryParse(created, out var t) ? t : throw new RuntimeError($"created: invalid RFC 3339 time {created}");
                    break;
                case "owner": s.Owner = c.String(); break;
                case "annotations": s.Annotations = c.OptStringMap(); break;
                case "cgrouppaths": s.CgroupPaths = c.OptStringMap(); break;
                case "resources": s.ResourcesJson = c.OptRawValue(); break;
                case "namespacepaths": s.NamespacePaths = c.OptStringMap(); break;
                case "ownpidnamespace": s.OwnPidNamespace = c.Bool(); break;
                case "rootless": s.Rootless = c.Bool(); break;
                case "usesystemdcgroup": s.UseSystemdCgroup = c.Bool(); break;
                case "hooks": s.HooksJson = c.OptRawValue(); break;
                default: c.Skip(); break;
            }
        }
        return s;
    }
}
