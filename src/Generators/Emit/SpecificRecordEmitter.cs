using System.Globalization;
using System.Linq;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits <c>{Type}.AvroSpecificRecord.g.cs</c>: Apache.Avro's <c>ISpecificRecord</c> on a (partial) record type, so
/// Confluent's <c>AvroSerializer&lt;T&gt;</c>/<c>AvroDeserializer&lt;T&gt;</c> work on it unchanged: the <c>_SCHEMA</c>
/// field they look up, <c>Get</c>/<c>Put</c> with the logical-type conversions, and the public parameterless
/// constructor Apache.Avro's object creator needs. Init-only and get-only members are set through
/// <c>UnsafeAccessor</c> (no reflection).
/// </summary>
internal static class SpecificRecordEmitter
{
    private const string C = GlobalNames.AvroSpecificConversions;
    private const string Iface = GlobalNames.SpecificRecord;
    private const string NeverBrowsable = "[" + GlobalNames.EditorBrowsable + "(" + GlobalNames.EditorBrowsableNever + ")]";

    public static string HintName(AvroRecordSpec record)
        => record.Specific!.HintName + ".AvroSpecificRecord.g.cs";

    public static string Emit(AvroRecordSpec record)
    {
        var specific = record.Specific!;
        var w = new SourceWriter();
        Common.Header(w);
        if (specific.Namespace.Length > 0)
        {
            w.Open("namespace " + Common.Namespace(specific.Namespace));
        }

        foreach (var containing in specific.ContainingTypes)
        {
            w.Open("partial " + containing.Keyword + " " + Common.Id(containing.Name));
        }

        w.Open("partial " + specific.Keyword + " " + Common.Id(specific.Name) + " : " + Iface);
        w.Line("/// <summary>The Avro schema of this type, for Apache.Avro's specific reader and writer (Confluent's Avro serdes look this field up).</summary>");
        w.Line(NeverBrowsable);
        w.Line(Common.GeneratedCode);
        w.Line("public static readonly " + GlobalNames.AvroSchema + " " + GeneratedNames.SchemaField + " =");
        w.Line("    " + C + ".ParseSchema(" + Common.Literal(record.Schema) + ");");
        w.Line();
        if (!specific.HasParameterlessConstructor)
        {
            w.Line("/// <summary>For Apache.Avro's specific reader, which creates records with a parameterless constructor before setting their fields.</summary>");
            if (specific.MarkObsolete)
            {
                w.Line("[" + GlobalNames.Obsolete + "(\"Used by Apache.Avro's specific reader (ISpecificRecord); create the type with its other constructors.\")]");
                w.Line(NeverBrowsable);
            }

            w.Line(Common.GeneratedCode);
            var chain = specific.ChainArguments is { } arguments
                ? " : this(" + string.Join(", ", arguments) + ")"
                : string.Empty;
            w.Line("public " + Common.Id(specific.Name) + "()" + chain);
            w.Open();
            w.Close();
            w.Line();
        }

        w.Line(Common.GeneratedCode);
        w.Line(GlobalNames.AvroSchema + " " + Iface + ".Schema => " + GeneratedNames.SchemaField + ";");
        w.Line();
        EmitGet(w, record);
        w.Line();
        EmitPut(w, record);
        EmitAccessors(w, record);
        w.Close();

        foreach (var _ in specific.ContainingTypes)
        {
            w.Close();
        }

        if (specific.Namespace.Length > 0)
        {
            w.Close();
        }

        return w.ToString();
    }

    private static void EmitGet(SourceWriter w, AvroRecordSpec record)
    {
        w.Line(Common.GeneratedCode);
        w.Open("object " + Iface + ".Get(int fieldPos)");
        w.Open("switch (fieldPos)");
        var counter = 0;
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            w.Line("case " + i.ToString(CultureInfo.InvariantCulture) + ": return (" + GetExpression(field.Type, "this." + Common.Id(field.Member), ref counter) + ")!;");
        }

        w.Line("default: throw " + C + ".BadPosition(" + Common.Literal(record.FullName) + ", fieldPos, \"Get\");");
        w.Close();
        w.Close();
    }

    private static void EmitPut(SourceWriter w, AvroRecordSpec record)
    {
        w.Line(Common.GeneratedCode);
        w.Open("void " + Iface + ".Put(int fieldPos, object fieldValue)");
        w.Open("switch (fieldPos)");
        var counter = 0;
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            var value = PutExpression(field.Type, "fieldValue", ref counter);
            var target = record.IsValueType ? "ref " + GlobalNames.Unsafe + ".AsRef(in this)" : "this";
            var statement = field.Setter switch
            {
                SetterKind.Public => "this." + Common.Id(field.Member) + " = " + value + ";",
                SetterKind.Accessor or SetterKind.BackingField => AvroEmitter.SetThroughAccessor(AccessorName(field), field, target, value),
                _ => "// '" + field.Member + "' has no setter or backing field (it is computed): nothing to set.",
            };
            w.Line("case " + i.ToString(CultureInfo.InvariantCulture) + ":");
            w.Line("    " + statement);
            w.Line("    break;");
        }

        w.Line("default: throw " + C + ".BadPosition(" + Common.Literal(record.FullName) + ", fieldPos, \"Put\");");
        w.Close();
        w.Close();
    }

    private static void EmitAccessors(SourceWriter w, AvroRecordSpec record)
    {
        foreach (var field in record.Fields.Where(f => f.Setter == SetterKind.Accessor || f.Setter == SetterKind.BackingField))
        {
            AvroEmitter.EmitSetterAccessor(w, AccessorName(field), record, field, inUserType: true);
        }
    }

    private static string AccessorName(AvroFieldSpec field)
        => (field.Setter == SetterKind.Accessor ? GeneratedNames.SetterAccessorPrefix : GeneratedNames.FieldAccessorPrefix) + field.Member;

    private static bool NeedsConversion(AvroTypeSpec type)
    {
        switch (type.Kind)
        {
            case AvroKind.Int:
                return type.Clr != AvroClr.Natural;
            case AvroKind.Long:
                return type.Clr == AvroClr.UInt32;
            case AvroKind.TimestampMillis:
            case AvroKind.TimestampMicros:
            case AvroKind.Date:
            case AvroKind.TimeMicros:
            case AvroKind.Decimal:
            case AvroKind.Array:
            case AvroKind.Map:
                return true;
            default:
                return false;
        }
    }

    /// <summary>An expression of type <c>object?</c>: the member's value as Apache.Avro's specific writer expects it.</summary>
    private static string GetExpression(AvroTypeSpec type, string value, ref int counter)
    {
        if (type.IsNullable)
        {
            var local = "v" + (counter++).ToString(CultureInfo.InvariantCulture);
            return "(" + value + " is { } " + local + " ? (object?)" + GetNonNull(type, local, ref counter) + " : null)";
        }

        return "(object?)" + GetNonNull(type, value, ref counter);
    }

    private static string GetNonNull(AvroTypeSpec type, string value, ref int counter)
    {
        switch (type.Kind)
        {
            case AvroKind.Int:
                return type.Clr == AvroClr.Natural ? value : "(int)" + value;
            case AvroKind.Long:
                return type.Clr == AvroClr.UInt32 ? "(long)" + value : value;
            case AvroKind.TimestampMillis:
            case AvroKind.TimestampMicros:
                return C + ".Timestamp(" + value + ")";
            case AvroKind.Date:
                return C + ".Date(" + value + ")";
            case AvroKind.TimeMicros:
                return C + ".Time(" + value + ")";
            case AvroKind.Decimal:
                return C + ".Decimal(" + value + ", " + type.Scale.ToString(CultureInfo.InvariantCulture) + ", " + type.Precision.ToString(CultureInfo.InvariantCulture) + ")";
            case AvroKind.Array:
            case AvroKind.Map:
                var item = type.Item!;
                var method = type.Kind == AvroKind.Array ? ".List<" : ".Map<";
                string convert;
                if (NeedsConversion(item))
                {
                    var x = "x" + (counter++).ToString(CultureInfo.InvariantCulture);
                    convert = "static " + x + " => " + GetExpression(item, x, ref counter);
                }
                else
                {
                    convert = "null";
                }

                return C + method + AvroEmitter.Declared(item) + ">(" + value + ", " + convert + ")";
            default:
                return value;
        }
    }

    /// <summary>An expression of the member's type from <paramref name="value"/> (an <c>object</c> the specific reader produced).</summary>
    private static string PutExpression(AvroTypeSpec type, string value, ref int counter)
    {
        var declared = AvroEmitter.Declared(type);
        if (type.IsNullable)
        {
            return "(" + value + " is null ? default(" + declared + ") : (" + declared + ")" + PutNonNull(type, value, ref counter) + ")";
        }

        return PutNonNull(type, value, ref counter);
    }

    private static string PutNonNull(AvroTypeSpec type, string value, ref int counter)
    {
        switch (type.Kind)
        {
            case AvroKind.Boolean: return "(bool)" + value;
            case AvroKind.Int:
                return type.Clr switch
                {
                    AvroClr.Byte => "checked((byte)(int)" + value + ")",
                    AvroClr.SByte => "checked((sbyte)(int)" + value + ")",
                    AvroClr.Int16 => "checked((short)(int)" + value + ")",
                    AvroClr.UInt16 => "checked((ushort)(int)" + value + ")",
                    _ => "(int)" + value,
                };
            case AvroKind.Long: return type.Clr == AvroClr.UInt32 ? "checked((uint)(long)" + value + ")" : "(long)" + value;
            case AvroKind.Float: return "(float)" + value;
            case AvroKind.Double: return "(double)" + value;
            case AvroKind.String: return "(string)" + value;
            case AvroKind.Bytes: return "(byte[])" + value;
            case AvroKind.Uuid: return C + ".ToGuid(" + value + ")";
            case AvroKind.TimestampMillis:
            case AvroKind.TimestampMicros:
                return type.Clr == AvroClr.DateTime ? C + ".ToDateTime(" + value + ")" : C + ".ToDateTimeOffset(" + value + ")";
            case AvroKind.Date: return C + ".ToDateOnly(" + value + ")";
            case AvroKind.TimeMicros: return C + ".ToTimeOnly(" + value + ")";
            case AvroKind.Decimal: return C + ".ToDecimal(" + value + ")";
            case AvroKind.Enum:
                // The specific reader passes the symbol's position (a boxed int); map it through the symbols in order.
                return "(" + value + " is int p" + counter.ToString(CultureInfo.InvariantCulture) + " ? (p" + counter.ToString(CultureInfo.InvariantCulture)
                    + " switch { " + string.Join(", ", type.Symbols!.Select((symbol, i) => i.ToString(CultureInfo.InvariantCulture) + " => " + type.ClrType + "." + Common.Id(symbol)))
                    + ", _ => throw " + C + ".BadSymbol(" + Common.Literal(type.ClrType) + ", p" + (counter++).ToString(CultureInfo.InvariantCulture) + ") }) : "
                    + C + ".ToEnum<" + type.ClrType + ">(" + value + "))";
            case AvroKind.Record: return "(" + type.ClrType + ")" + value;
            case AvroKind.Array:
            case AvroKind.Map:
            {
                var item = type.Item!;
                var x = "x" + (counter++).ToString(CultureInfo.InvariantCulture);
                var convert = "static " + x + " => " + PutExpression(item, x, ref counter);
                if (type.Kind == AvroKind.Map)
                {
                    return C + ".ToDictionary<" + AvroEmitter.Declared(item) + ">(" + value + ", " + convert + ")";
                }

                var list = C + ".ToList<" + AvroEmitter.Declared(item) + ">(" + value + ", " + convert + ")";
                return type.Collection == AvroCollection.Array ? list + ".ToArray()" : list;
            }

            default:
                return value;
        }
    }
}
