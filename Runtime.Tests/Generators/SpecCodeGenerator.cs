using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using Runcs.Oci;

namespace Runcs.Tests.Generators;

/// <summary>
/// Writes, from the declarations of the config model (Runtime/Oci: each field's
/// [JsonPropertyName], its C# type and nullability, and the attributes of SpecFieldAttributes.cs),
/// the three pieces of code that used to list every field by hand: the JSON reader over
/// JsonCursor (SpecReader.g.cs), the binary codec of config.bin and the init request
/// (SpecCodec.g.cs) and the compact JSON writer of state.json's resources and hooks
/// (SpecWriter.g.cs). The output is checked in (the build stays as it was, the code is read and
/// reviewed as any other); <see cref="GeneratedSpecCodeTests"/> fails when it is stale, and
/// tools/gen-spec-code.sh rewrites it. Reflection is used here, in the tests, never in runcs.
/// </summary>
internal static class SpecCodeGenerator
{
    public const string ReaderFile = "Runtime/Oci/SpecReader.g.cs";
    public const string CodecFile = "Runtime/Protocol/SpecCodec.g.cs";
    public const string WriterFile = "Runtime/Oci/SpecWriter.g.cs";

    // The documents each piece starts from: what SpecReader, SpecCodec and SpecWriter expose.
    private static readonly Type[] ReaderRoots = [typeof(Spec), typeof(Process), typeof(LinuxResources), typeof(Hooks)];
    private static readonly Type[] CodecRoots = [typeof(Spec)];
    private static readonly Type[] WriterRoots = [typeof(LinuxResources), typeof(Hooks)];

    public static IReadOnlyList<(string Path, string Text)> Generate() =>
        [(ReaderFile, Reader()), (CodecFile, Codec()), (WriterFile, Writer())];

    // ---- the model ----

    private enum Kind { Scalar, Object, List, Map }

    /// <summary>A field's C# shape: a scalar (string, bool, integer), a model object, a list or a string-keyed map.</summary>
    private sealed record Shape(Kind Kind, Type Type, bool Nullable, Shape? Item = null);

    private sealed record Field(string Property, string JsonName, Shape Shape, bool ParentOnly, bool NullIsZero);

    private static readonly NullabilityInfoContext Nullability = new();

    private static readonly Type[] Scalars = [typeof(string), typeof(bool), typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(ushort)];

    /// <summary>The fields of a model type, in declaration order (the order of the JSON runc writes).</summary>
    private static List<Field> Fields(Type type)
    {
        var fields = new List<Field>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken))
        {
            if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is not { } json)
                continue;
            if (!seen.Add(json.Name.ToLowerInvariant()))
                throw new InvalidOperationException($"{type.Name}.{p.Name}: two fields named \"{json.Name}\" when case is ignored");
            fields.Add(new Field(p.Name, json.Name, ShapeOf(Nullability.Create(p), $"{type.Name}.{p.Name}"),
                p.IsDefined(typeof(ParentOnlyAttribute)), p.IsDefined(typeof(NullIsZeroValueAttribute))));
        }
        return fields;
    }

    private static Shape ShapeOf(NullabilityInfo info, string where)
    {
        Type t = info.Type;
        if (System.Nullable.GetUnderlyingType(t) is { } underlying)
            return Scalars.Contains(underlying) ? new Shape(Kind.Scalar, underlying, true) : throw Unsupported(where, t);
        bool nullable = !t.IsValueType && info.ReadState != NullabilityState.NotNull;
        if (Scalars.Contains(t))
            return new Shape(Kind.Scalar, t, nullable);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            return new Shape(Kind.List, t, nullable, Item(info.GenericTypeArguments[0], where));
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>) && t.GetGenericArguments()[0] == typeof(string))
            return new Shape(Kind.Map, t, nullable, Item(info.GenericTypeArguments[1], where));
        if (t.IsClass && t.Namespace == typeof(Spec).Namespace)
            return new Shape(Kind.Object, t, nullable);
        throw Unsupported(where, t);
    }

    private static Shape Item(NullabilityInfo info, string where)
    {
        var item = ShapeOf(info, where);
        return item.Nullable || item.Kind is Kind.List or Kind.Map
            ? throw new InvalidOperationException($"{where}: a list or map item must be a non-null scalar or object")
            : item;
    }

    private static Exception Unsupported(string where, Type t) =>
        new InvalidOperationException($"{where}: the generator has no case for {t}; add one to SpecCodeGenerator");

    /// <summary>The model types reachable from the roots, in the order met (a breadth-first walk).</summary>
    private static List<Type> Reachable(Type[] roots, bool skipParentOnly)
    {
        var types = new List<Type>(roots);
        for (int i = 0; i < types.Count; i++)
        {
            foreach (var f in Fields(types[i]))
            {
                if (skipParentOnly && f.ParentOnly)
                    continue;
                var t = f.Shape.Kind == Kind.Object ? f.Shape.Type : f.Shape.Item?.Kind == Kind.Object ? f.Shape.Item.Type : null;
                if (t is not null && !types.Contains(t))
                    types.Add(t);
            }
        }
        return types;
    }

    private static string Name(Type t) => t.Name;

    private static string Keyword(Type t) =>
        t == typeof(string) ? "string" : t == typeof(bool) ? "bool" : t == typeof(int) ? "int" : t == typeof(uint) ? "uint"
        : t == typeof(long) ? "long" : t == typeof(ulong) ? "ulong" : t == typeof(ushort) ? "ushort" : Name(t);

    /// <summary>JsonCursor's and CompactReader's method for an integer type: Int, UInt, Long, ULong, UShort.</summary>
    private static string NumberMethod(Type t) =>
        t == typeof(int) ? "Int" : t == typeof(uint) ? "UInt" : t == typeof(long) ? "Long" : t == typeof(ulong) ? "ULong"
        : t == typeof(ushort) ? "UShort" : throw new ArgumentException(t.Name);

    private static string Header(string what) =>
        "// <auto-generated> by Runtime.Tests/Generators/SpecCodeGenerator.cs from the model in Runtime/Oci\n" +
        $"// (tools/gen-spec-code.sh): {what}. Do not edit. </auto-generated>\n" +
        "#nullable enable\n";

    // ---- the JSON reader ----

    private static string Reader()
    {
        var s = new StringBuilder(Header("config.json's reader"));
        s.Append("namespace Runcs.Oci;\n\n");
        s.Append("internal static partial class SpecReader\n{\n");
        bool first = true;
        foreach (var type in Reachable(ReaderRoots, skipParentOnly: false))
        {
            if (!first) s.Append('\n');
            first = false;
            string t = Name(type);
            s.Append($"    private static {t} Parse{t}(ref JsonCursor c)\n    {{\n");
            s.Append($"        var v = new {t}();\n");
            s.Append("        while (c.NextProperty(out string name))\n        {\n            switch (name)\n            {\n");
            foreach (var f in Fields(type))
                s.Append($"                case \"{f.JsonName.ToLowerInvariant()}\": v.{f.Property} = {ReadJson(f)}; break;\n");
            s.Append("                default: c.Skip(); break;\n            }\n        }\n        return v;\n    }\n");
        }
        s.Append("}\n");
        return s.ToString();
    }

    private static string ReadJson(Field f)
    {
        var shape = f.Shape;
        switch (shape.Kind)
        {
            case Kind.Scalar:
                string method = shape.Type == typeof(string) ? "String" : shape.Type == typeof(bool) ? "Bool" : NumberMethod(shape.Type);
                if (f.NullIsZero && !shape.Nullable)
                    return $"c.Opt{method}() ?? default";
                return shape.Nullable ? $"c.Opt{method}()" : $"c.{method}()";
            case Kind.Object:
                return shape.Nullable ? $"c.OptObject(Parse{Name(shape.Type)})" : $"c.Object(Parse{Name(shape.Type)})";
            case Kind.List:
            {
                var item = shape.Item!;
                string list = item.Kind == Kind.Object
                    ? f.NullIsZero
                        ? $"c.OptList(static (ref JsonCursor item) => item.OptObject(Parse{Name(item.Type)}) ?? new {Name(item.Type)}())"
                        : $"c.OptObjects(Parse{Name(item.Type)})"
                    : item.Type == typeof(string) ? "c.OptStrings()"
                    : item.Type == typeof(uint) ? "c.OptUInts()"
                    : throw Unsupported(f.Property, shape.Type);
                return shape.Nullable ? list : $"{list} ?? throw c.NotNull()";
            }
            default:
            {
                var item = shape.Item!;
                string map = item.Kind == Kind.Object ? $"c.OptObjectMap(Parse{Name(item.Type)})"
                    : item.Type == typeof(string) ? "c.OptStringMap()"
                    : throw Unsupported(f.Property, shape.Type);
                return shape.Nullable ? map : $"{map} ?? throw c.NotNull()";
            }
        }
    }

    // ---- the binary codec ----

    private static string Codec()
    {
        var body = new StringBuilder();
        var layout = new StringBuilder();
        foreach (var type in Reachable(CodecRoots, skipParentOnly: true))
        {
            string t = Name(type);
            var fields = Fields(type).Where(f => !f.ParentOnly).ToList();
            layout.Append(t).Append('{');
            foreach (var f in fields)
                layout.Append(f.JsonName).Append(':').Append(Describe(f.Shape)).Append(';');
            layout.Append('}');

            body.Append('\n');
            body.Append($"    private static void Write{t}(CompactWriter w, {t} v)\n    {{\n");
            foreach (var f in fields)
                body.Append("        ").Append(WriteBinary(f.Shape, $"v.{f.Property}")).Append('\n');
            body.Append("    }\n\n");
            body.Append($"    private static {t} Read{t}(CompactReader r)\n    {{\n        var v = new {t}();\n");
            foreach (var f in fields)
                body.Append($"        v.{f.Property} = {ReadBinary(f.Shape)};\n");
            body.Append("        return v;\n    }\n");
        }

        var s = new StringBuilder(Header("config.bin's and the init request's form of the config"));
        s.Append("using Runcs.Oci;\nusing Runcs.Text;\n\nnamespace Runcs.Protocol;\n\n");
        s.Append("internal static partial class SpecCodec\n{\n");
        s.Append("    /// <summary>\n");
        s.Append("    /// A hash of the layout below (the carried fields, their order and types): config.bin's\n");
        s.Append("    /// header names it, so that a file another build of runcs wrote is never misread.\n");
        s.Append("    /// </summary>\n");
        s.Append($"    public const uint Layout = 0x{Fnv1a(layout.ToString()):x8};\n");
        s.Append(body);
        s.Append("}\n");
        return s.ToString();
    }

    private static string Describe(Shape shape) =>
        (shape.Kind switch
        {
            Kind.Scalar => Keyword(shape.Type),
            Kind.Object => Name(shape.Type),
            Kind.List => $"[{Describe(shape.Item!)}]",
            _ => $"{{{Describe(shape.Item!)}}}",
        }) + (shape.Nullable ? "?" : "");

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 16777619;
        return hash;
    }

    private static string WriteBinary(Shape shape, string value) => shape.Kind switch
    {
        Kind.Scalar when shape.Type == typeof(string) => $"w.String({value});",
        Kind.Scalar when shape.Nullable => $"if (w.Present({value}.HasValue)) {WriteBinary(shape with { Nullable = false }, $"{value}.GetValueOrDefault()")}",
        Kind.Scalar => $"w.{(shape.Type == typeof(bool) ? "Bool" : shape.Type == typeof(ushort) ? "Int" : NumberMethod(shape.Type))}({value});",
        Kind.Object when shape.Nullable => $"if (w.Present({value} is not null)) Write{Name(shape.Type)}(w, {value}!);",
        Kind.Object => $"Write{Name(shape.Type)}(w, {value});",
        Kind.List when shape.Item!.Type == typeof(string) => $"w.Strings({value});",
        Kind.List => $"w.List({value}, {ItemWriter(shape.Item!)});",
        _ when shape.Item!.Type == typeof(string) => $"w.Map({value});",
        _ => $"w.Map({value}, {ItemWriter(shape.Item!)});",
    };

    private static string ItemWriter(Shape item) =>
        item.Kind == Kind.Object ? $"Write{Name(item.Type)}" : $"static (w, item) => {WriteBinary(item, "item").TrimEnd(';')}";

    private static string ReadBinary(Shape shape)
    {
        string read = shape.Kind switch
        {
            Kind.Scalar when shape.Type == typeof(string) => shape.Nullable ? "r.NullableString()" : "r.String()",
            Kind.Scalar => shape.Type == typeof(bool) ? "r.Bool()" : shape.Type == typeof(ushort) ? "(ushort)r.Int()" : $"r.{NumberMethod(shape.Type)}()",
            Kind.Object => $"Read{Name(shape.Type)}(r)",
            Kind.List when shape.Item!.Type == typeof(string) => "r.Strings()",
            Kind.List => $"r.List({ItemReader(shape.Item!)})",
            _ when shape.Item!.Type == typeof(string) => "r.Map()",
            _ => $"r.Map({ItemReader(shape.Item!)})",
        };
        return shape.Kind switch
        {
            Kind.Scalar when shape.Type != typeof(string) && shape.Nullable => $"r.Present() ? {read} : null",
            Kind.Object when shape.Nullable => $"r.Present() ? {read} : null",
            Kind.List or Kind.Map when !shape.Nullable => $"{read} ?? []",
            _ => read,
        };
    }

    private static string ItemReader(Shape item) =>
        item.Kind == Kind.Object ? $"Read{Name(item.Type)}" : $"static r => {ReadBinary(item)}";

    // ---- state.json's writer ----

    private static string Writer()
    {
        var s = new StringBuilder(Header("state.json's writer of resources and hooks"));
        s.Append("using System.Text.Json;\nusing Runcs.Text;\n\nnamespace Runcs.Oci;\n\n");
        s.Append("internal static partial class SpecWriter\n{\n");
        bool first = true;
        foreach (var type in Reachable(WriterRoots, skipParentOnly: false))
        {
            if (!first) s.Append('\n');
            first = false;
            string t = Name(type);
            s.Append($"    private static void Write{t}Fields(Utf8JsonWriter w, {t} v)\n    {{\n");
            foreach (var f in Fields(type))
                s.Append("        ").Append(WriteJson(f)).Append('\n');
            s.Append("    }\n");
        }
        s.Append("}\n");
        return s.ToString();
    }

    private static string WriteJson(Field f)
    {
        var shape = f.Shape;
        string name = $"\"{f.JsonName}\"", value = $"v.{f.Property}";
        return shape.Kind switch
        {
            Kind.Scalar when shape.Nullable => $"{(shape.Type == typeof(string) ? "String" : shape.Type == typeof(bool) ? "Bool" : "Number")}(w, {name}, {value});",
            Kind.Scalar => $"w.{(shape.Type == typeof(string) ? "WriteString" : shape.Type == typeof(bool) ? "WriteBoolean" : "WriteNumber")}({name}, {value});",
            Kind.Object when shape.Nullable => $"Object(w, {name}, {value}, Write{Name(shape.Type)}Fields);",
            Kind.Object => $"Object(w, {name}, {value}, Write{Name(shape.Type)}Fields);",
            Kind.List when shape.Item!.Type == typeof(string) => $"Strings(w, {name}, {value});",
            Kind.List when shape.Item!.Kind == Kind.Object => $"List(w, {name}, {value}, Write{Name(shape.Item.Type)}Fields);",
            Kind.Map when shape.Item!.Type == typeof(string) => $"CompactJson.StringMap(w, {name}, {value});",
            Kind.Map when shape.Item!.Kind == Kind.Object => $"ObjectMap(w, {name}, {value}, Write{Name(shape.Item.Type)}Fields);",
            _ => throw Unsupported(f.Property, shape.Type),
        };
    }
}
