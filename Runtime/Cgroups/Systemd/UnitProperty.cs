using Tmds.DBus.Protocol;

namespace Runcs.Cgroups.Systemd;

/// <summary>One (name, variant) pair of a unit's properties, as StartTransientUnit and SetUnitProperties take them.</summary>
internal abstract class UnitProperty(string name)
{
    public string Name { get; } = name;

    public abstract void WriteValue(ref MessageWriter writer);

    /// <summary>The value as `systemctl show` would print it, for --debug lines.</summary>
    public abstract override string ToString();

    public static UnitProperty String(string name, string value) => new StringProperty(name, value);
    public static UnitProperty Bool(string name, bool value) => new BoolProperty(name, value);
    public static UnitProperty UInt64(string name, ulong value) => new UInt64Property(name, value);
    public static UnitProperty Pids(uint pid) => new PidsProperty(pid);
    public static UnitProperty Bits(string name, byte[] value) => new BytesProperty(name, value);
    public static UnitProperty Variant(string name, GVariantText.Value value) => new VariantProperty(name, value);
    public static UnitProperty DeviceAllow(IReadOnlyList<(string Path, string Access)> entries) => new DeviceAllowProperty(entries);

    private sealed class StringProperty(string name, string value) : UnitProperty(name)
    {
        public override void WriteValue(ref MessageWriter writer) => writer.WriteVariantString(value);
        public override string ToString() => $"{Name}={value}";
    }

    private sealed class BoolProperty(string name, bool value) : UnitProperty(name)
    {
        public override void WriteValue(ref MessageWriter writer) => writer.WriteVariantBool(value);
        public override string ToString() => $"{Name}={(value ? "yes" : "no")}";
    }

    private sealed class UInt64Property(string name, ulong value) : UnitProperty(name)
    {
        public override void WriteValue(ref MessageWriter writer) => writer.WriteVariantUInt64(value);
        public override string ToString() => $"{Name}={(value == ulong.MaxValue ? "infinity" : value.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
    }

    /// <summary>PIDs: an array of uint32 ("au").</summary>
    private sealed class PidsProperty(uint pid) : UnitProperty("PIDs")
    {
        public override void WriteValue(ref MessageWriter writer)
        {
            writer.WriteSignature("au");
            writer.WriteArray(new uint[] { pid });
        }

        public override string ToString() => $"PIDs={pid}";
    }

    /// <summary>A CPU or NUMA node mask ("ay", byte i holding bits 8i..8i+7), as AllowedCPUs takes it.</summary>
    private sealed class BytesProperty(string name, byte[] value) : UnitProperty(name)
    {
        public override void WriteValue(ref MessageWriter writer)
        {
            writer.WriteSignature("ay");
            writer.WriteArray(value);
        }

        public override string ToString() => $"{Name}={Convert.ToHexString(value)}";
    }

    /// <summary>DeviceAllow: an array of (device path or group, access) ("a(ss)"); an empty one clears the list.</summary>
    private sealed class DeviceAllowProperty(IReadOnlyList<(string Path, string Access)> entries) : UnitProperty("DeviceAllow")
    {
        public override void WriteValue(ref MessageWriter writer)
        {
            writer.WriteSignature("a(ss)");
            var array = writer.WriteArrayStart(DBusType.Struct);
            foreach (var (path, access) in entries)
            {
                writer.WriteStructureStart();
                writer.WriteString(path);
                writer.WriteString(access);
            }
            writer.WriteArrayEnd(array);
        }

        public override string ToString() => $"DeviceAllow=[{string.Join(", ", entries.Select(e => $"{e.Path} {e.Access}"))}]";
    }

    /// <summary>A value of any type, as an annotation gives it.</summary>
    private sealed class VariantProperty(string name, GVariantText.Value value) : UnitProperty(name)
    {
        public override void WriteValue(ref MessageWriter writer) => value.Write(ref writer);
        public override string ToString() => $"{Name}={value}";
    }
}
