using System.Text.Json;
using Runcs.Text;

namespace Runcs.Oci;

/// <summary>
/// The parts of a spec that state.json keeps (linux.resources, hooks), written as compact JSON
/// by hand for the reason <see cref="SpecReader"/> reads by hand: the serializer's metadata would
/// cost every `create` milliseconds. Nulls are left out, as config.json writes them; `runcs spec`
/// still writes whole specs with the source-generated serializer (<see cref="SpecJson"/>).
/// </summary>
internal static class SpecWriter
{
    public static byte[] Write(LinuxResources resources) => CompactJson.Write(w => WriteResources(w, resources));

    public static byte[] Write(Hooks hooks) => CompactJson.Write(w => WriteHooks(w, hooks));

    private static void WriteHooks(Utf8JsonWriter w, Hooks h)
    {
        w.WriteStartObject();
        foreach (var (name, hooks) in h.All())
        {
            List(w, name, hooks, static (w, hook) =>
            {
                w.WriteString("path", hook.Path);
                Strings(w, "args", hook.Args);
                Strings(w, "env", hook.Env);
                Number(w, "timeout", hook.Timeout);
            });
        }
        w.WriteEndObject();
    }

    private static void WriteResources(Utf8JsonWriter w, LinuxResources r)
    {
        w.WriteStartObject();
        List(w, "devices", r.Devices, static (w, d) =>
        {
            w.WriteBoolean("allow", d.Allow);
            String(w, "type", d.Type);
            Number(w, "major", d.Major);
            Number(w, "minor", d.Minor);
            String(w, "access", d.Access);
        });
        Object(w, "memory", r.Memory, static (w, m) =>
        {
            Number(w, "limit", m.Limit);
            Number(w, "reservation", m.Reservation);
            Number(w, "swap", m.Swap);
            Number(w, "kernel", m.Kernel);
            Number(w, "kernelTCP", m.KernelTcp);
            Number(w, "swappiness", m.Swappiness);
            Bool(w, "disableOOMKiller", m.DisableOomKiller);
            Bool(w, "useHierarchy", m.UseHierarchy);
            Bool(w, "checkBeforeUpdate", m.CheckBeforeUpdate);
        });
        Object(w, "cpu", r.Cpu, static (w, c) =>
        {
            Number(w, "shares", c.Shares);
            Number(w, "quota", c.Quota);
            Number(w, "burst", c.Burst);
            Number(w, "period", c.Period);
            Number(w, "realtimeRuntime", c.RealtimeRuntime);
            Number(w, "realtimePeriod", c.RealtimePeriod);
            String(w, "cpus", c.Cpus);
            String(w, "mems", c.Mems);
            Number(w, "idle", c.Idle);
        });
        Object(w, "pids", r.Pids, static (w, p) => w.WriteNumber("limit", p.Limit));
        Object(w, "blockIO", r.BlockIO, static (w, b) =>
        {
            Number(w, "weight", b.Weight);
            Number(w, "leafWeight", b.LeafWeight);
            List(w, "weightDevice", b.WeightDevice, static (w, d) =>
            {
                w.WriteNumber("major", d.Major);
                w.WriteNumber("minor", d.Minor);
                Number(w, "weight", d.Weight);
                Number(w, "leafWeight", d.LeafWeight);
            });
            List(w, "throttleReadBpsDevice", b.ThrottleReadBpsDevice, WriteThrottle);
            List(w, "throttleWriteBpsDevice", b.ThrottleWriteBpsDevice, WriteThrottle);
            List(w, "throttleReadIOPSDevice", b.ThrottleReadIopsDevice, WriteThrottle);
            List(w, "throttleWriteIOPSDevice", b.ThrottleWriteIopsDevice, WriteThrottle);
        });
        List(w, "hugepageLimits", r.HugepageLimits, static (w, h) =>
        {
            w.WriteString("pageSize", h.PageSize);
            w.WriteNumber("limit", h.Limit);
        });
        Object(w, "network", r.Network, static (w, n) =>
        {
            Number(w, "classID", n.ClassId);
            List(w, "priorities", n.Priorities, static (w, p) =>
            {
                w.WriteString("name", p.Name);
                w.WriteNumber("priority", p.Priority);
            });
        });
        if (r.Rdma is not null)
        {
            w.WriteStartObject("rdma");
            foreach (var (device, limit) in r.Rdma)
                Object(w, device, limit, static (w, l) =>
                {
                    Number(w, "hcaHandles", l.HcaHandles);
                    Number(w, "hcaObjects", l.HcaObjects);
                });
            w.WriteEndObject();
        }
        CompactJson.StringMap(w, "unified", r.Unified);
        w.WriteEndObject();
    }

    private static void WriteThrottle(Utf8JsonWriter w, LinuxThrottleDevice d)
    {
        w.WriteNumber("major", d.Major);
        w.WriteNumber("minor", d.Minor);
        w.WriteNumber("rate", d.Rate);
    }

    private static void Object<T>(Utf8JsonWriter w, string name, T? value, Action<Utf8JsonWriter, T> writeFields) where T : class
    {
        if (value is null) return;
        w.WriteStartObject(name);
        writeFields(w, value);
        w.WriteEndObject();
    }

    private static void List<T>(Utf8JsonWriter w, string name, List<T>? items, Action<Utf8JsonWriter, T> writeFields)
    {
        if (items is null) return;
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            writeFields(w, item);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, List<string>? items)
    {
        if (items is null) return;
        w.WriteStartArray(name);
        foreach (var s in items) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    private static void String(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is bool b) w.WriteBoolean(name, b);
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v);
    }

    private static void Number(Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is ulong v) w.WriteNumber(name, v);
    }
}
