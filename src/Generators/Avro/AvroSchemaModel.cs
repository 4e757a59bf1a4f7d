using System;
using System.Collections.Generic;
using System.Globalization;

namespace Kafka.Typed.Generators.Avro;

/// <summary>The Avro 1.11 schema types.</summary>
internal enum AvroType
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record,
    Enum,
    Array,
    Map,
    Union,
    Fixed,
}

/// <summary>
/// A parsed Avro schema. Named types are shared objects: a reference by name (including a record that refers to
/// itself) points at the same <see cref="AvroNamedSchema"/> instance, so the graph may have cycles.
/// </summary>
internal abstract class AvroSchema
{
    protected AvroSchema(AvroType type, JsonNode? source)
    {
        Type = type;
        Source = source;
    }

    public AvroType Type { get; }

    /// <summary>The JSON this schema was parsed from (for positions), if any.</summary>
    public JsonNode? Source { get; }

    /// <summary>
    /// A valid logical type on this schema (decimal, uuid, date, time-millis, time-micros, timestamp-millis,
    /// timestamp-micros, local-timestamp-millis, local-timestamp-micros, duration, or an unknown name kept as is);
    /// <see langword="null"/> when there is none. Per the spec, a logical type that is invalid for its underlying
    /// type (e.g. <c>date</c> on a string, or a decimal with a bad precision) is ignored.
    /// </summary>
    public string? LogicalType { get; internal set; }

    /// <summary>The decimal precision, when <see cref="LogicalType"/> is <c>decimal</c>.</summary>
    public int Precision { get; internal set; }

    /// <summary>The decimal scale (0 when absent), when <see cref="LogicalType"/> is <c>decimal</c>.</summary>
    public int Scale { get; internal set; }

    /// <summary>True for int, long, float, double, bytes, string, boolean and null.</summary>
    public bool IsPrimitive => Type <= AvroType.String;

    /// <summary>Parses an Avro schema from its JSON text.</summary>
    /// <exception cref="AvroSchemaException">Bad JSON or an invalid schema; the message names the problem and where.</exception>
    public static AvroSchema Parse(string json) => AvroSchemaParser.Parse(JsonNode.Parse(json));

    /// <summary>Parses an Avro schema from already-read JSON.</summary>
    /// <exception cref="AvroSchemaException">An invalid schema; the message names the problem and where.</exception>
    public static AvroSchema Parse(JsonNode json) => AvroSchemaParser.Parse(json);

    /// <summary>The Avro name of a primitive type ("int", "string", …).</summary>
    public static string PrimitiveName(AvroType type)
    {
        switch (type)
        {
            case AvroType.Null: return "null";
            case AvroType.Boolean: return "boolean";
            case AvroType.Int: return "int";
            case AvroType.Long: return "long";
            case AvroType.Float: return "float";
            case AvroType.Double: return "double";
            case AvroType.Bytes: return "bytes";
            case AvroType.String: return "string";
            case AvroType.Record: return "record";
            case AvroType.Enum: return "enum";
            case AvroType.Array: return "array";
            case AvroType.Map: return "map";
            case AvroType.Union: return "union";
            default: return "fixed";
        }
    }

    /// <summary>
    /// A short, readable description for messages: <c>int</c>, <c>long (timestamp-millis)</c>,
    /// <c>bytes (decimal(10,2))</c>, <c>record com.acme.Order</c>, <c>array&lt;string&gt;</c>,
    /// <c>map&lt;Line&gt;</c>, <c>union[null, string]</c>, <c>fixed Hash(16)</c>.
    /// </summary>
    public string Describe() => Describe(true);

    internal string Describe(bool top)
    {
        string text;
        switch (this)
        {
            case AvroRecordSchema record:
                text = top ? "record " + record.FullName : record.FullName;
                break;
            case AvroEnumSchema enumSchema:
                text = top ? "enum " + enumSchema.FullName : enumSchema.FullName;
                break;
            case AvroFixedSchema fixedSchema:
                text = top ? "fixed " + fixedSchema.FullName + "(" + fixedSchema.Size.ToString(CultureInfo.InvariantCulture) + ")" : fixedSchema.FullName;
                break;
            case AvroArraySchema array:
                text = "array<" + array.Items.Describe(false) + ">";
                break;
            case AvroMapSchema map:
                text = "map<" + map.Values.Describe(false) + ">";
                break;
            case AvroUnionSchema union:
                var parts = new string[union.Branches.Count];
                for (var i = 0; i < parts.Length; i++)
                {
                    parts[i] = union.Branches[i].Describe(false);
                }

                text = "union[" + string.Join(", ", parts) + "]";
                break;
            default:
                text = PrimitiveName(Type);
                break;
        }

        if (LogicalType is null)
        {
            return text;
        }

        var logical = LogicalType == "decimal"
            ? "decimal(" + Precision.ToString(CultureInfo.InvariantCulture) + "," + Scale.ToString(CultureInfo.InvariantCulture) + ")"
            : LogicalType;
        return text + " (" + logical + ")";
    }

    public override string ToString() => Describe();
}

/// <summary>null, boolean, int, long, float, double, bytes or string (possibly with a logical type).</summary>
internal sealed class AvroPrimitiveSchema : AvroSchema
{
    public AvroPrimitiveSchema(AvroType type, JsonNode? source)
        : base(type, source)
    {
    }
}

/// <summary>A record, enum or fixed: a type with a full name and aliases.</summary>
internal abstract class AvroNamedSchema : AvroSchema
{
    protected AvroNamedSchema(AvroType type, string fullName, IReadOnlyList<string> aliases, JsonNode? source)
        : base(type, source)
    {
        FullName = fullName;
        Aliases = aliases;
        var dot = fullName.LastIndexOf('.');
        Name = dot < 0 ? fullName : fullName.Substring(dot + 1);
        Namespace = dot < 0 ? null : fullName.Substring(0, dot);
    }

    /// <summary>The name with its namespace, e.g. <c>com.acme.Order</c>.</summary>
    public string FullName { get; }

    /// <summary>The unqualified name, e.g. <c>Order</c>.</summary>
    public string Name { get; }

    /// <summary>The namespace, or <see langword="null"/> for the null namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The aliases as full names.</summary>
    public IReadOnlyList<string> Aliases { get; }
}

/// <summary>A record field.</summary>
internal sealed class AvroField
{
    public AvroField(string name, AvroSchema type, JsonNode? defaultValue, IReadOnlyList<string> aliases, int position)
    {
        Name = name;
        Type = type;
        Default = defaultValue;
        Aliases = aliases;
        Position = position;
    }

    public string Name { get; }

    public AvroSchema Type { get; }

    /// <summary>The default value as JSON, or <see langword="null"/> when the field has none (a JSON <c>null</c> default is a <see cref="JsonLiteral"/>).</summary>
    public JsonNode? Default { get; }

    public bool HasDefault => Default is not null;

    /// <summary>The field's aliases (plain names).</summary>
    public IReadOnlyList<string> Aliases { get; }

    public int Position { get; }
}

/// <summary>A record. <see cref="Fields"/> is filled after the record's name is registered, so fields may refer to the record itself.</summary>
internal sealed class AvroRecordSchema : AvroNamedSchema
{
    private readonly List<AvroField> _fields = new List<AvroField>();

    public AvroRecordSchema(string fullName, IReadOnlyList<string> aliases, bool isError, JsonNode? source)
        : base(AvroType.Record, fullName, aliases, source)
    {
        IsError = isError;
    }

    /// <summary>True for <c>"type": "error"</c>, which is a record in every other respect.</summary>
    public bool IsError { get; }

    public IReadOnlyList<AvroField> Fields => _fields;

    /// <summary>The field named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public AvroField? GetField(string name)
    {
        foreach (var field in _fields)
        {
            if (field.Name == name)
            {
                return field;
            }
        }

        return null;
    }

    internal void AddField(AvroField field) => _fields.Add(field);
}

/// <summary>An enum.</summary>
internal sealed class AvroEnumSchema : AvroNamedSchema
{
    public AvroEnumSchema(string fullName, IReadOnlyList<string> aliases, IReadOnlyList<string> symbols, string? defaultSymbol, JsonNode? source)
        : base(AvroType.Enum, fullName, aliases, source)
    {
        Symbols = symbols;
        Default = defaultSymbol;
    }

    public IReadOnlyList<string> Symbols { get; }

    /// <summary>The symbol readers use for symbols they do not know, or <see langword="null"/>.</summary>
    public string? Default { get; }
}

/// <summary>A fixed-size byte sequence.</summary>
internal sealed class AvroFixedSchema : AvroNamedSchema
{
    public AvroFixedSchema(string fullName, IReadOnlyList<string> aliases, int size, JsonNode? source)
        : base(AvroType.Fixed, fullName, aliases, source)
    {
        Size = size;
    }

    public int Size { get; }
}

/// <summary>An array.</summary>
internal sealed class AvroArraySchema : AvroSchema
{
    public AvroArraySchema(AvroSchema items, JsonNode? source)
        : base(AvroType.Array, source)
    {
        Items = items;
    }

    public AvroSchema Items { get; }
}

/// <summary>A map with string keys.</summary>
internal sealed class AvroMapSchema : AvroSchema
{
    public AvroMapSchema(AvroSchema values, JsonNode? source)
        : base(AvroType.Map, source)
    {
        Values = values;
    }

    public AvroSchema Values { get; }
}

/// <summary>A union (a JSON array of schemas).</summary>
internal sealed class AvroUnionSchema : AvroSchema
{
    public AvroUnionSchema(IReadOnlyList<AvroSchema> branches, JsonNode? source)
        : base(AvroType.Union, source)
    {
        Branches = branches;
    }

    public IReadOnlyList<AvroSchema> Branches { get; }
}
