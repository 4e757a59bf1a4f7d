using System.Collections.Generic;
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
    private const string NeverBrowsable = GlobalNames.NeverBrowsableAttribute;

    public static string HintName(AvroRecordSpec record)
        => record.Specific!.HintName + ".AvroSpecificRecord.g.cs";

    public static string Emit(AvroRecordSpec record)
    {
        var specific = record.Specific!;
        var w = new SourceWriter();
        Common.Header(w);
        Common.OpenScopes(w, specific.Namespace, specific.ContainingTypes);
        w.Line("partial " + specific.Keyword + " " + Common.Id(specific.Name) + " : " + Iface);
        w.Block($$"""
            {
                /// <summary>
                /// The Avro schema of this type, for Apache.Avro's specific reader and writer (Confluent's Avro serdes look this
                /// field up).
                /// </summary>
                {{NeverBrowsable}}
                {{Common.GeneratedCode}}
                public static readonly {{GlobalNames.AvroSchema}} {{GeneratedNames.SchemaField}} =
                    {{C}}.ParseSchema({{Common.Literal(record.Schema)}});

            """);
        w.Indent();
        if (!specific.HasParameterlessConstructor)
        {
            EmitParameterlessConstructor(w, specific);
        }

        w.Line(Common.GeneratedCode);
        w.Line(GlobalNames.AvroSchema + " " + Iface + ".Schema => " + GeneratedNames.SchemaField + ";");
        w.Line();
        EmitGet(w, record);
        w.Line();
        EmitPut(w, record);
        EmitAccessors(w, record);
        w.Close();
        Common.CloseScopes(w, specific.Namespace, specific.ContainingTypes);
        return w.ToString();
    }

    /// <summary>
    /// The public parameterless constructor Apache.Avro's object creator needs, chained to the type's constructor with
    /// each parameter's default (one argument a line when they make a long line).
    /// </summary>
    private static void EmitParameterlessConstructor(SourceWriter w, SpecificRecordSpec specific)
    {
        var obsolete = specific.MarkObsolete ? $$"""

            [{{GlobalNames.Obsolete}}("Used by Apache.Avro's specific reader (ISpecificRecord); create the type with its other constructors.")]
            {{NeverBrowsable}}
            """ : string.Empty;
        w.Block($$"""
            /// <summary>
            /// For Apache.Avro's specific reader, which creates records with a parameterless constructor before setting their
            /// fields.
            /// </summary>{{obsolete}}
            {{Common.GeneratedCode}}
            """);
        var constructor = "public " + Common.Id(specific.Name) + "()";
        if (specific.ChainArguments is not { } arguments)
        {
            w.Line(constructor);
        }
        else if (w.Fits(constructor + " : this(" + string.Join(", ", arguments) + ")"))
        {
            w.Line(constructor + " : this(" + string.Join(", ", arguments) + ")");
        }
        else
        {
            w.Line(constructor);
            w.Indent().Call(": this", arguments, string.Empty).Outdent();
        }

        w.Block("""
            {
            }

            """);
    }

    /// <summary><c>ISpecificRecord.Get</c>: each field's value as Apache.Avro's specific writer expects it, by position.</summary>
    private static void EmitGet(SourceWriter w, AvroRecordSpec record)
    {
        var cases = w.Nested(2);
        var counter = 0;
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            cases.Line("case " + i.ToString(CultureInfo.InvariantCulture) + ": return (" + GetExpression(field.Type, "this." + Common.Id(field.Member), ref counter) + ")!;");
        }

        cases.Line("default:");
        cases.Indent().Expression("throw ", BadPosition(record, "Get"), ";");
        w.Block($$"""
            {{Common.GeneratedCode}}
            object {{Iface}}.Get(int fieldPos)
            {
                switch (fieldPos)
                {
            {{cases.Inner()}}
                }
            }
            """);
    }

    /// <summary>
    /// <c>ISpecificRecord.Put</c>: each field set, by position, from the object Apache.Avro's specific reader produced
    /// (public setter, or the <c>UnsafeAccessor</c> of an init-only or get-only member), its enums converted by local
    /// functions.
    /// </summary>
    private static void EmitPut(SourceWriter w, AvroRecordSpec record)
    {
        var cases = w.Nested(2);
        var counter = 0;
        var enums = new List<AvroTypeSpec>();
        var target = record.IsValueType ? "ref " + GlobalNames.Unsafe + ".AsRef(in this)" : "this";
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            var value = PutExpression(field.Type, "fieldValue", ref counter, enums);
            cases.Line("case " + i.ToString(CultureInfo.InvariantCulture) + ":");
            cases.Indent();
            switch (field.Setter)
            {
                case SetterKind.Public:
                    cases.Expression("this." + Common.Id(field.Member) + " = ", value, ";");
                    break;
                case SetterKind.Accessor:
                    cases.Expression(string.Empty, Expr.Call(AccessorName(field), target, value), ";");
                    break;
                case SetterKind.BackingField:
                    cases.Expression(AccessorName(field) + "(" + target + ") = ", value, ";");
                    break;
                default:
                    cases.Line("// '" + field.Member + "' has no setter or backing field (it is computed): nothing to set.");
                    break;
            }

            cases.Line("break;").Outdent();
        }

        cases.Line("default:");
        cases.Indent().Expression("throw ", BadPosition(record, "Put"), ";");

        // The specific reader passes an enum as its symbol's position (a boxed int): mapped through the symbols in order.
        var functions = w.Nested(1);
        for (var e = 0; e < enums.Count; e++)
        {
            var type = enums[e];
            var arms = functions.Nested(2);
            for (var i = 0; i < type.Symbols!.Count; i++)
            {
                arms.Line(i.ToString(CultureInfo.InvariantCulture) + " => " + type.ClrType + "." + Common.Id(type.Symbols[i]) + ",");
            }

            functions.Block($$"""

                static {{type.ClrType}} {{EnumFunction(e)}}(object value) => value is int position
                    ? position switch
                    {
                {{arms.Inner()}}
                        _ => throw {{C}}.BadSymbol({{Common.Literal(type.ClrType)}}, position),
                    }
                    : {{C}}.ToEnum<{{type.ClrType}}>(value);
                """);
        }

        w.Block($$"""
            {{Common.GeneratedCode}}
            void {{Iface}}.Put(int fieldPos, object fieldValue)
            {
                switch (fieldPos)
                {
            {{cases.Inner()}}
                }{{(enums.Count > 0 ? "\n" + functions.Inner() : string.Empty)}}
            }
            """);
    }

    private static Expr BadPosition(AvroRecordSpec record, string method)
        => Expr.Call(C + ".BadPosition", Common.Literal(record.FullName), "fieldPos", Common.Literal(method));

    /// <summary>The local function of <c>Put</c> that reads the <paramref name="index"/>th enum field (or element) it converts.</summary>
    private static string EnumFunction(int index) => "ToEnum" + index.ToString(CultureInfo.InvariantCulture);

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
    private static Expr PutExpression(AvroTypeSpec type, string value, ref int counter, List<AvroTypeSpec> enums)
    {
        var declared = AvroEmitter.Declared(type);
        if (type.IsNullable)
        {
            // A plain cast (unboxing, or a reference conversion) to the nullable type already maps null to null.
            return IsPlainCast(type)
                ? "(" + declared + ")" + value
                : "(" + value + " is null ? null : (" + declared + ")" + PutNonNull(type, value, ref counter, enums).Text + ")";
        }

        return PutNonNull(type, value, ref counter, enums);
    }

    /// <summary>Whether the specific reader's object becomes the member's value by a cast alone (see <see cref="PutNonNull"/>).</summary>
    private static bool IsPlainCast(AvroTypeSpec type) => type.Kind switch
    {
        AvroKind.Boolean or AvroKind.Float or AvroKind.Double or AvroKind.String or AvroKind.Bytes or AvroKind.Record => true,
        AvroKind.Int => type.Clr == AvroClr.Natural,
        AvroKind.Long => type.Clr != AvroClr.UInt32,
        _ => false,
    };

    private static Expr PutNonNull(AvroTypeSpec type, string value, ref int counter, List<AvroTypeSpec> enums)
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
                // A local function of Put per enum type and symbol order (one for every field of that type).
                var index = enums.FindIndex(e => e.ClrType == type.ClrType && Equals(e.Symbols, type.Symbols));
                if (index < 0)
                {
                    index = enums.Count;
                    enums.Add(type);
                }

                return EnumFunction(index) + "(" + value + ")";
            case AvroKind.Record: return "(" + type.ClrType + ")" + value;
            case AvroKind.Array:
            case AvroKind.Map:
            {
                var item = type.Item!;
                var x = "x" + (counter++).ToString(CultureInfo.InvariantCulture);
                var convert = "static " + x + " => " + PutExpression(item, x, ref counter, enums).Text;
                if (type.Kind == AvroKind.Map)
                {
                    return Expr.Call(C + ".ToDictionary<" + AvroEmitter.Declared(item) + ">", value, convert);
                }

                var list = Expr.Call(C + ".ToList<" + AvroEmitter.Declared(item) + ">", value, convert);
                return type.Collection == AvroCollection.Array ? list.Then(".ToArray()") : list;
            }

            default:
                return value;
        }
    }
}
