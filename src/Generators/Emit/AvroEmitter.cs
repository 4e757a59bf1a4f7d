using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits a message type's Avro codec: the nested <c>AvroCodec</c> class (schema constant, straight-line encoder and
/// decoder over <c>AvroWriter</c>/<c>AvroReader</c>, one method pair per record and enum) and the serializer holder.
/// </summary>
internal static class AvroEmitter
{
    private const string Writer = GlobalNames.AvroWriter;
    private const string Reader = GlobalNames.AvroReader;

    public static void EmitCodec(SourceWriter w, MessageSpec spec, AvroModel model)
    {
        var t = spec.FullyQualifiedName;
        var access = spec.IsPublic ? "public" : "internal";
        w.Summary(Common.Prose($$"""
            The generated Avro codec of <see cref="{{Common.Cref(t)}}"/>: its schema (<see cref="SchemaJson"/>) and a
            reflection-free encoder and decoder of the Avro body. <c>AvroSerde</c> adds Confluent's wire-format header and
            the Schema Registry.
            """));
        w.Line(Common.GeneratedCode);
        w.Declaration(access + " sealed class " + GeneratedNames.AvroCodec, GlobalNames.AvroCodecInterface + "<" + t + ">");
        w.Line("{");
        w.Indent();
        w.Summary("The Avro schema of <see cref=\"" + Common.Cref(t) + "\"/> (JSON), as registered with the Schema Registry.");
        w.Block($$"""
            public const string SchemaJson = {{Common.Literal(model.Schema)}};

            /// <summary>The codec (stateless, thread-safe).</summary>
            public static readonly AvroCodec Instance = new AvroCodec();

            private AvroCodec()
            {
            }

            /// <inheritdoc />
            public string Schema => SchemaJson;

            /// <inheritdoc />
            """);
        w.Signature("public void", "Write", ["ref " + Writer + " writer", t + " value"]);
        w.Line("{");
        if (!spec.IsValueType)
        {
            w.Block($$"""
                    if (value is null)
                    {
                        throw {{Reader}}.UnexpectedNull({{Common.Literal(spec.Name)}});
                    }

                """);
        }

        w.Block($$"""
                W_{{model.Root.MethodSuffix}}(ref writer, value);
            }

            /// <inheritdoc />
            """);
        w.Member("public " + t, "Read", ["ref " + Reader + " reader"], "R_" + model.Root.MethodSuffix + "(ref reader)");

        var collections = new List<(string Method, AvroTypeSpec Type)>();
        var emittedCollections = 0;
        for (var i = 0; i < model.Records.Count; i++)
        {
            w.Line();
            EmitRecordWrite(w, model.Records[i], model);
            w.Line();
            EmitRecordRead(w, model.Records[i], model, collections);
            for (; emittedCollections < collections.Count; emittedCollections++)
            {
                w.Line();
                EmitCollectionRead(w, collections[emittedCollections].Method, collections[emittedCollections].Type, model, collections);
            }
        }

        foreach (var e in model.Enums)
        {
            w.Line();
            EmitEnum(w, e);
        }

        foreach (var record in model.Records)
        {
            foreach (var field in record.Fields.Where(f => f.Assign == AssignKind.None && (f.Setter == SetterKind.Accessor || f.Setter == SetterKind.BackingField)))
            {
                EmitSetterAccessor(w, AccessorName(record, field), record, field);
            }
        }

        w.Outdent();
        w.Line("}");

        // A type that shares its topic registers under its own subject strategy, whatever the connection's default.
        Expr[] arguments = Common.SubjectStrategy(spec.SubjectNameStrategy) is { } name
            ? [GeneratedNames.AvroCodec + ".Instance", GlobalNames.AvroSubjectNameStrategy + "." + name]
            : [GeneratedNames.AvroCodec + ".Instance"];
        var serializer = GlobalNames.AvroKafkaSerializer + "<" + t + ">";
        w.Block($$"""

            {{Common.GeneratedCode}}
            private static class {{GeneratedNames.AvroSerializerHolder}}
            {
            """);
        w.Indent();
        if (w.Fits("public static readonly " + serializer + " Instance ="))
        {
            w.Line("public static readonly " + serializer + " Instance =");
            w.Indent().Expression(string.Empty, Expr.Call("new " + serializer, arguments), ";").Outdent();
        }
        else
        {
            w.Line("public static readonly " + serializer);
            w.Indent().Expression("Instance = ", Expr.Call("new", arguments), ";").Outdent();
        }

        w.Outdent().Line("}");
    }

    /// <summary><c>W_{record}</c>: the record's fields in schema order, a null where none is allowed named by its path.</summary>
    private static void EmitRecordWrite(SourceWriter w, AvroRecordSpec record, AvroModel model)
    {
        var fields = w.Nested(1);
        var counter = 0;
        var shortName = ShortName(record.Key);
        foreach (var field in record.Fields)
        {
            EmitWrite(fields, field.Type, "v." + Common.Id(field.Member), shortName + "." + field.Member, model, ref counter);
        }

        w.Call("private static void W_" + record.MethodSuffix, ["ref " + Writer + " w", record.Key + " v"], string.Empty);
        w.Block($$"""
            {
                w.EnterRecord();
            {{fields.Inner()}}
                w.ExitRecord();
            }
            """);
    }

    private static void EmitWrite(SourceWriter w, AvroTypeSpec type, string expression, string path, AvroModel model, ref int counter)
    {
        var local = "t" + (counter++).ToString(CultureInfo.InvariantCulture);
        if (type.IsNullable)
        {
            w.Open("if (" + expression + " is { } " + local + ")");
            w.Line("w.WriteUnionIndex(1);");
            EmitWriteValue(w, type, local, path, model, ref counter);
            w.Close();
            w.Line("else");
            w.Open();
            w.Line("w.WriteUnionIndex(0);");
            w.Close();
        }
        else if (type.IsReference)
        {
            w.Line("var " + local + " = " + expression + " ?? throw " + Reader + ".UnexpectedNull(" + Common.Literal(path) + ");");
            EmitWriteValue(w, type, local, path, model, ref counter);
        }
        else
        {
            EmitWriteValue(w, type, expression, path, model, ref counter);
        }
    }

    private static void EmitWriteValue(SourceWriter w, AvroTypeSpec type, string value, string path, AvroModel model, ref int counter)
    {
        switch (type.Kind)
        {
            case AvroKind.Boolean: w.Line("w.WriteBoolean(" + value + ");"); break;
            case AvroKind.Int: w.Line("w.WriteInt(" + value + ");"); break;
            case AvroKind.Long: w.Line("w.WriteLong(" + value + ");"); break;
            case AvroKind.Float: w.Line("w.WriteFloat(" + value + ");"); break;
            case AvroKind.Double: w.Line("w.WriteDouble(" + value + ");"); break;
            case AvroKind.String: w.Line("w.WriteString(" + value + ");"); break;
            case AvroKind.Bytes: w.Line("w.WriteBytes(" + value + ");"); break;
            case AvroKind.Uuid: w.Line("w.WriteUuid(" + value + ");"); break;
            case AvroKind.TimestampMillis: w.Line("w.WriteTimestampMillis(" + value + ");"); break;
            case AvroKind.TimestampMicros: w.Line("w.WriteTimestampMicros(" + value + ");"); break;
            case AvroKind.Date: w.Line("w.WriteDate(" + value + ");"); break;
            case AvroKind.TimeMicros: w.Line("w.WriteTimeMicros(" + value + ");"); break;
            case AvroKind.Decimal: w.Line("w.WriteDecimal(" + value + ", " + type.Scale.ToString(CultureInfo.InvariantCulture) + ", " + type.Precision.ToString(CultureInfo.InvariantCulture) + ");"); break;
            case AvroKind.Enum: w.Line("w.WriteEnum(" + EnumOf(model, type).MethodSuffix + "_Index(" + value + "));"); break;
            case AvroKind.Record: w.Line("W_" + RecordOf(model, type).MethodSuffix + "(ref w, " + value + ");"); break;
            case AvroKind.Array:
            {
                var n = (counter++).ToString(CultureInfo.InvariantCulture);
                if (type.Collection == AvroCollection.List)
                {
                    w.Line("w.WriteArrayStart(" + value + ".Count);");
                    w.Open("foreach (var e" + n + " in " + value + ")");
                    EmitWrite(w, type.Item!, "e" + n, path + "[]", model, ref counter);
                    w.Close();
                }
                else
                {
                    var count = type.Collection == AvroCollection.Array ? ".Length" : ".Count";
                    w.Line("var c" + n + " = " + value + count + ";");
                    w.Line("w.WriteArrayStart(c" + n + ");");
                    w.Open("for (var i" + n + " = 0; i" + n + " < c" + n + "; i" + n + "++)");
                    EmitWrite(w, type.Item!, value + "[i" + n + "]", path + "[]", model, ref counter);
                    w.Close();
                }

                w.Line("w.WriteArrayEnd();");
                break;
            }

            case AvroKind.Map:
            {
                var n = (counter++).ToString(CultureInfo.InvariantCulture);
                w.Line("w.WriteMapStart(" + value + ".Count);");
                w.Open("foreach (var e" + n + " in " + value + ")");
                w.Line("w.WriteString(e" + n + ".Key);");
                EmitWrite(w, type.Item!, "e" + n + ".Value", path + "{}", model, ref counter);
                w.Close();
                w.Line("w.WriteMapEnd();");
                break;
            }
        }
    }

    /// <summary>
    /// <c>R_{record}</c>: each field read into a local in schema order, then the record built from them (constructor,
    /// initializers, setters, and <c>UnsafeAccessor</c>s for the members no constructor sets). Every record counts
    /// toward <c>AvroReader.MaxDepth</c>, the message's own included (it may be recursive).
    /// </summary>
    private static void EmitRecordRead(SourceWriter w, AvroRecordSpec record, AvroModel model, List<(string Method, AvroTypeSpec Type)> collections)
    {
        var body = w.Nested(1);
        var locals = new Dictionary<string, string>();
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            var local = "f" + i.ToString(CultureInfo.InvariantCulture);
            locals[field.Member] = local;
            body.Line(Declared(field.Type) + " " + local + " = " + ReadExpression(field.Type, model, collections) + ";");
        }

        var arguments = record.ConstructorArguments.Select(a => locals[a]).ToList();
        var initializers = record.Fields.Where(f => f.Assign == AssignKind.Initializer).Select(f => Common.Id(f.Member) + " = " + locals[f.Member]).ToList();
        if (initializers.Count == 0)
        {
            body.Call("var result = new " + record.Key, arguments, ";");
        }
        else
        {
            body.Call("var result = new " + record.Key, arguments, string.Empty);
            body.Open();
            foreach (var initializer in initializers)
            {
                body.Line(initializer + ",");
            }

            body.Close(";");
        }

        foreach (var field in record.Fields.Where(f => f.Assign == AssignKind.Setter))
        {
            body.Line("result." + Common.Id(field.Member) + " = " + locals[field.Member] + ";");
        }

        // Members with a non-public or init-only setter (or a get-only auto-property) that no constructor sets: through
        // UnsafeAccessor, as ISpecificRecord.Put does, so every field that was written is read back.
        var target = record.IsValueType ? "ref result" : "result";
        foreach (var field in record.Fields.Where(f => f.Assign == AssignKind.None && (f.Setter == SetterKind.Accessor || f.Setter == SetterKind.BackingField)))
        {
            body.Line(SetThroughAccessor(AccessorName(record, field), field, target, locals[field.Member]));
        }

        w.Call("private static " + record.Key + " R_" + record.MethodSuffix, ["ref " + Reader + " r"], string.Empty);
        w.Block($$"""
            {
                r.EnterRecord();
            {{body.Inner()}}
                r.ExitRecord();
                return result;
            }
            """);
    }

    /// <summary>
    /// The expression reading a value of <paramref name="type"/> (a nullable one through the union index:
    /// <c>r.ReadUnionIndex(2) == 1 ? read : null</c>). An array or a map is read by a method of its own
    /// (<see cref="EmitCollectionRead"/>, queued in <paramref name="collections"/>), so every field is one expression.
    /// </summary>
    private static string ReadExpression(AvroTypeSpec type, AvroModel model, List<(string Method, AvroTypeSpec Type)> collections)
    {
        var read = type.Kind switch
        {
            AvroKind.Boolean => "r.ReadBoolean()",
            AvroKind.Int => type.Clr switch
            {
                AvroClr.Byte => "r.ReadByte()",
                AvroClr.SByte => "r.ReadSByte()",
                AvroClr.Int16 => "r.ReadInt16()",
                AvroClr.UInt16 => "r.ReadUInt16()",
                _ => "r.ReadInt()",
            },
            AvroKind.Long => type.Clr == AvroClr.UInt32 ? "r.ReadUInt32()" : "r.ReadLong()",
            AvroKind.Float => "r.ReadFloat()",
            AvroKind.Double => "r.ReadDouble()",
            AvroKind.String => "r.ReadString()",
            AvroKind.Bytes => "r.ReadBytes()",
            AvroKind.Uuid => "r.ReadUuid()",
            AvroKind.TimestampMillis => "r.ReadTimestampMillis()" + (type.Clr == AvroClr.DateTime ? ".UtcDateTime" : string.Empty),
            AvroKind.TimestampMicros => "r.ReadTimestampMicros()" + (type.Clr == AvroClr.DateTime ? ".UtcDateTime" : string.Empty),
            AvroKind.Date => "r.ReadDate()",
            AvroKind.TimeMicros => "r.ReadTimeMicros()",
            AvroKind.Decimal => "r.ReadDecimal(" + type.Scale.ToString(CultureInfo.InvariantCulture) + ")",
            AvroKind.Enum => EnumOf(model, type).MethodSuffix + "_Value(r.ReadEnum(" + EnumOf(model, type).Symbols.Count.ToString(CultureInfo.InvariantCulture) + "))",
            AvroKind.Record => "R_" + RecordOf(model, type).MethodSuffix + "(ref r)",
            _ => Queue(type, collections) + "(ref r)",
        };
        return type.IsNullable ? "r.ReadUnionIndex(2) == 1 ? " + read + " : null" : read;
    }

    private static string Queue(AvroTypeSpec type, List<(string Method, AvroTypeSpec Type)> collections)
    {
        var method = (type.Kind == AvroKind.Array ? "R_Array" : "R_Map") + collections.Count.ToString(CultureInfo.InvariantCulture);
        collections.Add((method, type));
        return method;
    }

    /// <summary>The method reading an array (into a list, or an array) or a map (into a dictionary), block by block.</summary>
    private static void EmitCollectionRead(SourceWriter w, string method, AvroTypeSpec type, AvroModel model, List<(string Method, AvroTypeSpec Type)> collections)
    {
        var item = type.Item!;
        var min = item.MinSize.ToString(CultureInfo.InvariantCulture);
        var read = ReadExpression(item, model, collections);
        w.Call("private static " + type.ClrType + " " + method, ["ref " + Reader + " r"], string.Empty);
        if (type.Kind == AvroKind.Array)
        {
            w.Block($$"""
                {
                    var list = new {{GlobalNames.List}}<{{Declared(item)}}>();
                    for (var count = r.ReadArrayStart({{min}}); count != 0; count = r.ReadArrayNext({{min}}))
                    {
                        for (var i = 0; i < count; i++)
                        {
                            {{Declared(item)}} item = {{read}};
                            list.Add(item);
                        }
                    }

                    return {{(type.Collection == AvroCollection.Array ? "list.ToArray()" : "list")}};
                }
                """);
        }
        else
        {
            w.Block($$"""
                {
                    var map = new {{GlobalNames.Dictionary}}<string, {{Declared(item)}}>({{GlobalNames.StringComparer}}.Ordinal);
                    for (var count = r.ReadMapStart({{min}}); count != 0; count = r.ReadMapNext({{min}}))
                    {
                        for (var i = 0; i < count; i++)
                        {
                            var key = r.ReadString();
                            {{Declared(item)}} item = {{read}};
                            map[key] = item;
                        }
                    }

                    return map;
                }
                """);
        }
    }

    /// <summary>
    /// <c>{Enum}_Index</c> (a member's symbol position, an undefined value rejected) and <c>{Enum}_Value</c> (a position,
    /// checked by the reader against the symbol count, back to its member).
    /// </summary>
    private static void EmitEnum(SourceWriter w, AvroEnumSpec e)
    {
        var last = e.Symbols.Count - 1;
        var indexes = w.Nested(1);
        var values = w.Nested(1);
        for (var i = 0; i <= last; i++)
        {
            var position = i.ToString(CultureInfo.InvariantCulture);
            var member = e.Key + "." + Common.Id(e.Symbols[i]);
            indexes.Line(member + " => " + position + ",");
            values.Line((i < last ? position : "_") + " => " + member + ",");
        }

        w.Block($$"""
            private static int {{e.MethodSuffix}}_Index({{e.Key}} value) => value switch
            {
            {{indexes.Inner()}}
                _ => throw new {{GlobalNames.KafkaAvroException}}(
                    {{GlobalNames.AvroErrorKind}}.InvalidValue,
                    "" + value + " is not a member of the enum {{ShortName(e.Key)}}"),
            };

            private static {{e.Key}} {{e.MethodSuffix}}_Value(int index) => index switch
            {
            {{values.Inner()}}
            };
            """);
    }

    private static string AccessorName(AvroRecordSpec record, AvroFieldSpec field) => "Set_" + record.MethodSuffix + "_" + field.Member;

    /// <summary>
    /// Declares the <c>UnsafeAccessor</c> named <paramref name="name"/> that sets <paramref name="field"/> without a public
    /// setter: its <c>set_</c> method (init-only or non-public) or its auto-property backing field. Bound to the declaring
    /// type, as unsafe accessors do not see inherited members. <paramref name="inUserType"/>: it is a member of the user's
    /// type (<c>ISpecificRecord</c>), not of the generated codec, and is marked <c>[GeneratedCode]</c> on its own.
    /// </summary>
    public static void EmitSetterAccessor(SourceWriter w, string name, AvroRecordSpec record, AvroFieldSpec field, bool inUserType = false)
    {
        var target = (record.IsValueType ? "ref " : string.Empty) + field.DeclaringType + " target";
        w.Line();
        if (inUserType)
        {
            w.Line(Common.GeneratedCode);
        }

        if (field.Setter == SetterKind.Accessor)
        {
            w.Block($$"""
                [{{GlobalNames.UnsafeAccessor}}(
                    {{GlobalNames.UnsafeAccessorKind}}.Method,
                    Name = "set_{{field.Member}}")]
                """);
            w.Call("private static extern void " + name, [target, Declared(field.Type) + " value"], ";");
        }
        else
        {
            w.Block($$"""
                [{{GlobalNames.UnsafeAccessor}}(
                    {{GlobalNames.UnsafeAccessorKind}}.Field,
                    Name = "<{{field.Member}}>k__BackingField")]
                """);
            w.Call("private static extern ref " + Declared(field.Type) + " " + name, [target], ";");
        }
    }

    /// <summary>The statement that sets <paramref name="field"/> of <paramref name="target"/> through the accessor <paramref name="name"/>.</summary>
    public static string SetThroughAccessor(string name, AvroFieldSpec field, string target, string value)
        => field.Setter == SetterKind.Accessor ? name + "(" + target + ", " + value + ");" : name + "(" + target + ") = " + value + ";";

    /// <summary>The C# type of a local holding <paramref name="type"/>.</summary>
    public static string Declared(AvroTypeSpec type) => type.ClrType + (type.IsNullable ? "?" : string.Empty);

    public static AvroRecordSpec RecordOf(AvroModel model, AvroTypeSpec type) => model.Records.First(r => r.Key == type.Named);

    public static AvroEnumSpec EnumOf(AvroModel model, AvroTypeSpec type) => model.Enums.First(e => e.Key == type.Named);

    private static string ShortName(string fullyQualified)
    {
        var dot = fullyQualified.LastIndexOf('.');
        var colon = fullyQualified.LastIndexOf(':');
        return fullyQualified.Substring(System.Math.Max(dot, colon) + 1);
    }
}
