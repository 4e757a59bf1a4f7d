using System.Collections.Generic;
using System.Globalization;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits the straight-line JSON codec (<c>KafkaTypedJsonCodec</c>) nested in a <c>Format = KafkaFormat.Json</c> message
/// type: a <c>Write{n}</c>/<c>Read{n}</c> pair per object codec of the model (the message is 0; recursive types call
/// their own), a <c>WriteEnum{n}</c>/<c>ReadEnum{n}</c> pair per enum, pre-encoded property names; or, when the type
/// names a <c>JsonSerializerContext</c>, a holder of the runtime serializer over its <c>JsonTypeInfo&lt;T&gt;</c>.
/// </summary>
internal static class JsonEmitter
{
    private const string Json = GlobalNames.KafkaJson;
    private const string Writer = GlobalNames.Utf8JsonWriter;
    private const string Reader = GlobalNames.Utf8JsonReader;
    private const string Encoded = GlobalNames.JsonEncodedText;

    public static void EmitCodec(SourceWriter w, MessageSpec spec)
    {
        var model = spec.Json!;
        var t = spec.FullyQualifiedName;
        if (model.ContextTypeName is { } context)
        {
            w.Block($$"""
                {{Common.GeneratedCode}}
                private static class {{GeneratedNames.JsonCodec}}
                {
                    public static readonly {{GlobalNames.KafkaSerializer}}<{{t}}> Instance =
                        new {{GlobalNames.JsonContextSerializer}}<{{t}}>(
                            {{context}}.Default.GetTypeInfo(typeof({{t}})),
                            {{Common.Literal(context.Replace("global::", string.Empty))}});
                }
                """);
            return;
        }

        if (model.Schema is { } schema)
        {
            // Confluent's JSON Schema wire format: the runtime frames the codec's JSON with the registered schema's id.
            var strategy = Common.SubjectStrategy(spec.SubjectNameStrategy) is { } name
                ? ",\n        " + GlobalNames.AvroSubjectNameStrategy + "." + name
                : string.Empty;
            w.Block($$"""
                {{Common.GeneratedCode}}
                private static class {{GeneratedNames.JsonCodec}}
                {
                    public const string Schema = {{Common.Literal(schema)}};

                    public static readonly {{GlobalNames.KafkaSerializer}}<{{t}}> Instance =
                        new {{GlobalNames.JsonSchemaSerializer}}<{{t}}>(
                            {{GeneratedNames.JsonBody}}.Instance,
                            Schema,
                            {{Common.Literal(t.Replace("global::", string.Empty))}}{{strategy}});
                }

                """);
            new Codec(w, model).Emit(t, GeneratedNames.JsonBody);
            return;
        }

        new Codec(w, model).Emit(t, GeneratedNames.JsonCodec);
    }

    private sealed class Codec
    {
        private readonly SourceWriter _w;
        private readonly JsonModel _model;

        /// <summary>The collections read so far, each by a method of its own (<c>ReadList{n}</c>, <c>ReadMap{n}</c>) emitted after the object's.</summary>
        private readonly List<(string Method, JsonShape Shape, string Path)> _collections = new List<(string, JsonShape, string)>();
        private int _emittedCollections;
        private int _locals;

        public Codec(SourceWriter w, JsonModel model)
        {
            _w = w;
            _model = model;
        }

        public void Emit(string t, string className)
        {
            var w = _w;
            w.Line(Common.GeneratedCode);
            w.Declaration("private sealed class " + className, GlobalNames.KafkaSerializer + "<" + t + ">");
            w.Open();
            w.Line("public static readonly " + className + " Instance = new " + className + "();");
            w.Line();
            for (var o = 0; o < _model.Objects.Count; o++)
            {
                var members = _model.Objects[o].Members;
                for (var i = 0; i < members.Count; i++)
                {
                    EncodedField(NameField(o, i), members[i].JsonName);
                }
            }

            for (var e = 0; e < _model.Enums.Count; e++)
            {
                var enumSpec = _model.Enums[e];
                for (var i = 0; i < enumSpec.Members.Count && !enumSpec.AsNumbers; i++)
                {
                    EncodedField(EnumField(e, i), enumSpec.Members[i].JsonName);
                }
            }

            w.Line();
            w.Call("public void Serialize", [t + " value", GlobalNames.BufferWriter + "<byte> output", "in " + GlobalNames.SerializationContext + " context"], string.Empty);
            w.Block($$"""
                {
                    var writer = {{Json}}.RentWriter(output);
                    try
                    {
                        Write0(writer, value);
                    }
                    finally
                    {
                        {{Json}}.ReturnWriter(writer);
                    }
                }

                """);
            w.Call("public " + t + " Deserialize", [GlobalNames.ReadOnlySpan + "<byte> data", "in " + GlobalNames.SerializationContext + " context"], string.Empty);
            w.Block($$"""
                {
                    var reader = {{Json}}.StartObject(data);
                    return Read0(ref reader);
                }
                """);

            for (var o = 0; o < _model.Objects.Count; o++)
            {
                w.Line();
                EmitWriteObject(o);
                w.Line();
                EmitReadObject(o);
                EmitCollectionReads();
            }

            for (var e = 0; e < _model.Enums.Count; e++)
            {
                w.Line();
                EmitWriteEnum(e);
                w.Line();
                EmitReadEnum(e);
            }

            w.Close();
        }

        /// <summary>
        /// <c>{type} {rest}</c>; a (generic) type too long for one line is broken after its first <c>&lt;</c>, as no
        /// shorter spelling of a <c>global::</c> type name exists.
        /// </summary>
        private static void Declare(SourceWriter w, string type, string rest)
        {
            var open = type.IndexOf('<');
            if (w.Fits(type + " " + rest) || open < 0)
            {
                w.Line(type + " " + rest);
            }
            else
            {
                w.Line(type.Substring(0, open + 1)).Indent().Line(type.Substring(open + 1) + " " + rest).Outdent();
            }
        }

        /// <summary>A pre-encoded property name or enum value: <c>private static readonly JsonEncodedText {name} = JsonEncodedText.Encode("…"u8);</c>.</summary>
        private void EncodedField(string name, string text)
        {
            var declaration = "private static readonly " + Encoded + " " + name + " =";
            var value = Encoded + ".Encode(" + Common.Literal(text) + "u8);";
            if (_w.Fits(declaration + " " + value))
            {
                _w.Line(declaration + " " + value);
            }
            else
            {
                _w.Line(declaration).Indent().Line(value).Outdent();
            }
        }

        private static string NameField(int o, int i) => "N" + Index(o) + "_" + Index(i);

        private static string EnumField(int e, int i) => "E" + Index(e) + "_" + Index(i);

        private static string InitAccessorName(int o, int i) => "Init" + Index(o) + "_" + Index(i);

        private string Local(string prefix) => prefix + Index(_locals++);

        /// <summary>
        /// <c>Write{o}</c>: each member that is written (some only when not null, or not default) as its pre-encoded
        /// name and its value.
        /// </summary>
        private void EmitWriteObject(int o)
        {
            var spec = _model.Objects[o];
            var members = _w.Nested(1);
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                var expression = "value." + Common.Id(m.Name);
                var guarded = true;
                switch (m.Write)
                {
                    case JsonWriteCondition.Never:
                        continue;
                    case JsonWriteCondition.WhenNotNull:
                        members.Open("if (" + expression + " is not null)");
                        break;
                    case JsonWriteCondition.WhenNotDefault:
                        members.Open("if (!" + GlobalNames.EqualityComparer + "<" + m.Shape.DeclaredName + ">.Default.Equals(" + expression + ", default))");
                        break;
                    default:
                        guarded = false;
                        break;
                }

                WriteShape(members, m.Shape, expression, NameField(o, i));
                if (guarded)
                {
                    members.Close();
                }
            }

            _w.Call("private static void Write" + Index(o), [Writer + " writer", spec.TypeName + " value"], string.Empty);
            _w.Block($$"""
                {
                    writer.WriteStartObject();
                {{members.Inner()}}
                    writer.WriteEndObject();
                }
                """);
        }

        /// <summary>Writes a value; with <paramref name="name"/> (a member's pre-encoded name), the property and its value, in one writer call where there is one.</summary>
        private void WriteShape(SourceWriter w, JsonShape shape, string expression, string? name = null)
        {
            if (!shape.CanBeNull)
            {
                WriteNonNull(w, shape, expression, name);
                return;
            }

            var local = Local("v");
            w.Open("if (" + expression + " is { } " + local + ")");
            WriteNonNull(w, shape, local, name);
            w.Close();
            w.Line("else");
            w.Open();
            w.Line(name is null ? "writer.WriteNullValue();" : "writer.WriteNull(" + name + ");");
            w.Close();
        }

        private void WriteNonNull(SourceWriter w, JsonShape shape, string v, string? name)
        {
            switch (shape.Kind)
            {
                case JsonShapeKind.Value:
                    if (name is not null && WriteNamedValue(shape.Value, name, v) is { } named)
                    {
                        w.Line(named);
                    }
                    else
                    {
                        if (name is not null)
                        {
                            w.Line("writer.WritePropertyName(" + name + ");");
                        }

                        w.Line(WriteValue(shape.Value, v));
                    }

                    break;
                case JsonShapeKind.Enum:
                    if (name is not null)
                    {
                        w.Line("writer.WritePropertyName(" + name + ");");
                    }

                    w.Line("WriteEnum" + Index(shape.Index) + "(writer, " + v + ");");
                    break;
                case JsonShapeKind.Object:
                    if (name is not null)
                    {
                        w.Line("writer.WritePropertyName(" + name + ");");
                    }

                    w.Line("Write" + Index(shape.Index) + "(writer, " + v + ");");
                    break;
                case JsonShapeKind.Sequence:
                    w.Line(name is null ? "writer.WriteStartArray();" : "writer.WriteStartArray(" + name + ");");
                    if (shape.Collection == CollectionKind.Enumerable)
                    {
                        var item = Local("e");
                        w.Open("foreach (var " + item + " in " + v + ")");
                        WriteShape(w, shape.Element!, item);
                        w.Close();
                    }
                    else
                    {
                        var i = Local("i");
                        var count = shape.Collection == CollectionKind.Array ? ".Length" : ".Count";
                        w.Open("for (var " + i + " = 0; " + i + " < " + v + count + "; " + i + "++)");
                        WriteShape(w, shape.Element!, v + "[" + i + "]");
                        w.Close();
                    }

                    w.Line("writer.WriteEndArray();");
                    break;
                case JsonShapeKind.Dictionary:
                    var entry = Local("kv");
                    w.Line(name is null ? "writer.WriteStartObject();" : "writer.WriteStartObject(" + name + ");");
                    w.Open("foreach (var " + entry + " in " + v + ")");
                    w.Line("writer.WritePropertyName(" + entry + ".Key);");
                    WriteShape(w, shape.Element!, entry + ".Value");
                    w.Close();
                    w.Line("writer.WriteEndObject();");
                    break;
            }
        }

        /// <summary>
        /// <c>Read{o}</c>: a local per member (and whether it was present, where that matters), a loop over the
        /// properties that reads each known one into its local and skips the others, then the object built from the
        /// locals through its constructor, initializers, setters and init accessors.
        /// </summary>
        private void EmitReadObject(int o)
        {
            var w = _w;
            var spec = _model.Objects[o];
            var t = spec.TypeName;
            var locals = w.Nested(1);
            var branches = w.Nested(3);
            var construction = w.Nested(2);
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                if (m.Assign == AssignKind.None)
                {
                    continue;
                }

                Declare(locals, LocalType(m.Shape), "p" + Index(i) + " = default;");
                if (TracksPresence(m))
                {
                    locals.Line("bool s" + Index(i) + " = false;");
                }

                // Element paths are relative to the member being read, which `member` names.
                var read = "p" + Index(i) + " = " + ReadExpression(m.Shape, string.Empty) + ";";
                branches.Block($$"""
                    {{(branches.Inner().Length == 0 ? "if" : "else if")}} (reader.ValueTextEquals({{Common.Literal(m.JsonName)}}u8))
                    {
                        member = {{Common.Literal(m.JsonName)}};
                        {{Json}}.Value(ref reader);
                        {{read}}{{(TracksPresence(m) ? "\n    s" + Index(i) + " = true;" : string.Empty)}}
                    }
                    """);
            }

            branches.Block(branches.Inner().Length == 0
                ? Json + ".SkipValue(ref reader);"
                : $$"""
                    else
                    {
                        {{Json}}.SkipValue(ref reader);
                    }
                    """);
            EmitConstruction(construction, o);
            w.Signature("private static " + t, "Read" + Index(o), ["ref " + Reader + " reader"]);

            // What reading a malformed document throws is rethrown as one KafkaSerializationException naming the member.
            w.Block($$"""
                {
                    {{Json}}.ExpectObject(ref reader);
                {{locals.Inner()}}
                    string member = "";
                    try
                    {
                        while ({{Json}}.NextProperty(ref reader))
                        {
                {{branches.Inner()}}
                        }

                        member = "";
                {{construction.Inner()}}
                        return result;
                    }
                    catch ({{GlobalNames.Exception}} e) when (e is {{GlobalNames.JsonException}}
                        or {{GlobalNames.InvalidOperationException}} or {{GlobalNames.FormatException}}
                        or {{GlobalNames.OverflowException}} or {{GlobalNames.ArgumentException}}
                        or {{GlobalNames.SerializationException}})
                    {
                        throw {{Json}}.Failed(member, e);
                    }
                }
                """);
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                if (m.Assign == AssignKind.InitAccessor)
                {
                    // Bound to the declaring type: unsafe accessors do not see inherited members.
                    w.Block($$"""

                        [{{GlobalNames.UnsafeAccessor}}(
                            {{GlobalNames.UnsafeAccessorKind}}.Method,
                            Name = {{Common.Literal("set_" + m.Name)}})]
                        """);
                    w.Call(
                        "private static extern void " + InitAccessorName(o, i),
                        [(spec.IsValueType ? "ref " : string.Empty) + m.DeclaringType + " target", m.Shape.DeclaredName + " value"],
                        ";");
                }
            }
        }

        /// <summary><c>var result = new T(...) { ... };</c> from the read locals, then the members set only when present.</summary>
        private void EmitConstruction(SourceWriter w, int o)
        {
            var spec = _model.Objects[o];
            var arguments = new List<string>();
            foreach (var name in spec.ConstructorArguments)
            {
                for (var i = 0; i < spec.Members.Count; i++)
                {
                    if (spec.Members[i].Name == name)
                    {
                        arguments.Add(spec.Members[i].AbsentDefault is { } absent
                            ? "s" + Index(i) + " ? " + ValueOf(spec.Members[i], i) + " : " + absent
                            : ValueOf(spec.Members[i], i));
                    }
                }
            }

            var initializers = new List<string>();
            for (var i = 0; i < spec.Members.Count; i++)
            {
                if (spec.Members[i].Assign == AssignKind.Initializer)
                {
                    initializers.Add(Common.Id(spec.Members[i].Name) + " = " + ValueOf(spec.Members[i], i) + ",");
                }
            }

            if (initializers.Count == 0)
            {
                w.Call("var result = new " + spec.TypeName, arguments, ";");
            }
            else
            {
                w.Call("var result = new " + spec.TypeName, arguments, string.Empty);
                w.Open();
                foreach (var initializer in initializers)
                {
                    w.Line(initializer);
                }

                w.Close(";");
            }

            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                var set = m.Assign switch
                {
                    AssignKind.Setter => "result." + Common.Id(m.Name) + " = " + ValueOf(m, i) + ";",
                    AssignKind.InitAccessor => InitAccessorName(o, i) + "(" + (spec.IsValueType ? "ref " : string.Empty) + "result, " + ValueOf(m, i) + ");",
                    _ => null,
                };
                if (set is not null)
                {
                    w.Block($$"""
                        if (s{{Index(i)}})
                        {
                            {{set}}
                        }
                        """);
                }
            }
        }

        /// <summary>
        /// The expression reading the value the reader is on as <paramref name="shape"/>'s <see cref="LocalType"/>; a
        /// collection is read by a method of its own (<see cref="EmitCollectionReads"/>), so every value is one expression.
        /// </summary>
        private string ReadExpression(JsonShape shape, string path)
        {
            switch (shape.Kind)
            {
                case JsonShapeKind.Sequence:
                case JsonShapeKind.Dictionary:
                    var method = (shape.Kind == JsonShapeKind.Sequence ? "ReadList" : "ReadMap") + Index(_collections.Count);
                    _collections.Add((method, shape, path));
                    return method + "(ref reader)";
                default:
                    var read = shape.Kind == JsonShapeKind.Value ? ReadValue(shape)
                        : shape.Kind == JsonShapeKind.Enum ? "ReadEnum" + Index(shape.Index) + "(ref reader)"
                        : "Read" + Index(shape.Index) + "(ref reader)";
                    return (shape.CanBeNull ? Json + ".IsNull(ref reader) ? null : " : string.Empty) + read;
            }
        }

        /// <summary>
        /// The methods reading the collections queued since the last call (their elements' collections too): a JSON
        /// array into a list (or an array), a JSON object into a dictionary, <see langword="null"/> for a JSON null.
        /// Element paths (<c>[]</c>) are relative to the member being read, which the caller's <c>member</c> names.
        /// </summary>
        private void EmitCollectionReads()
        {
            var w = _w;
            for (; _emittedCollections < _collections.Count; _emittedCollections++)
            {
                var (method, shape, path) = _collections[_emittedCollections];
                var element = shape.Element!;
                var elementPath = path + "[]";
                w.Line();
                w.Signature("private static " + LocalType(shape), method, ["ref " + Reader + " reader"]);
                w.Open();
                if (shape.Kind == JsonShapeKind.Sequence)
                {
                    var result = shape.Collection == CollectionKind.Array ? "list.ToArray()" : "list";
                    w.Block($$"""
                        if (!{{Json}}.StartArray(ref reader))
                        {
                            return null;
                        }

                        var list = new {{GlobalNames.List}}<{{element.DeclaredName}}>();
                        while ({{Json}}.NextElement(ref reader))
                        {
                            {{LocalType(element)}} item = {{ReadExpression(element, elementPath)}};
                            list.Add({{Element(element, "item", elementPath)}});
                        }

                        return {{result}};
                        """);
                }
                else
                {
                    w.Block($$"""
                        if (!{{Json}}.StartDictionary(ref reader))
                        {
                            return null;
                        }

                        var map = new {{GlobalNames.Dictionary}}<string, {{element.DeclaredName}}>();
                        while ({{Json}}.NextProperty(ref reader))
                        {
                            var key = reader.GetString()!;
                            {{Json}}.Value(ref reader);
                            {{LocalType(element)}} item = {{ReadExpression(element, elementPath)}};
                            map[key] = {{Element(element, "item", elementPath)}};
                        }

                        return map;
                        """);
                }

                w.Close();
            }
        }

        /// <summary>An element read into <paramref name="local"/> as the collection holds it: checked when it may not be null.</summary>
        private static string Element(JsonShape shape, string local, string path)
        {
            if (shape.IsNonNullableReference)
            {
                return Json + ".Required(" + local + ", " + Common.Literal(path) + ")";
            }

            // Nullable-oblivious reference elements are added as they come.
            return shape.IsReference && !shape.IsAnnotatedReference ? local + "!" : local;
        }

        /// <summary>
        /// <c>WriteEnum{e}</c>: each member as its pre-encoded name; a combination of flags as System.Text.Json writes it
        /// (<c>"A, B"</c>); an undefined value, or every value of an enum written as numbers, as its number.
        /// </summary>
        private void EmitWriteEnum(int e)
        {
            var w = _w;
            var spec = _model.Enums[e];
            var number = "writer.WriteNumberValue((" + EnumCast(spec.Underlying) + ")value);";
            w.Call("private static void WriteEnum" + Index(e), [Writer + " writer", spec.TypeName + " value"], string.Empty);
            if (spec.AsNumbers || spec.Members.Count == 0)
            {
                w.Block($$"""
                    {
                        {{number}}
                    }
                    """);
                return;
            }

            var cases = w.Nested(2);
            for (var i = 0; i < spec.Members.Count; i++)
            {
                cases.Line("case " + spec.TypeName + "." + Common.Id(spec.Members[i].Name) + ": writer.WriteStringValue(" + EnumField(e, i) + "); break;");
            }

            cases.Block(spec.IsFlags
                ? $$"""
                    default:
                        if (!{{Json}}.TryWriteFlagNames(writer, value))
                        {
                            {{number}}
                        }

                        break;
                    """
                : "default: " + number + " break;");
            w.Block($$"""
                {
                    switch (value)
                    {
                {{cases.Inner()}}
                    }
                }
                """);
        }

        /// <summary>
        /// <c>ReadEnum{e}</c>: a number as the value it is, each member's JSON name as the member, and any other spelling
        /// (case, a combination of flags, a number in a string) as <c>JsonStringEnumConverter</c> reads it.
        /// </summary>
        private void EmitReadEnum(int e)
        {
            var w = _w;
            var spec = _model.Enums[e];
            var t = spec.TypeName;
            var names = w.Nested(1);
            foreach (var member in spec.Members)
            {
                names.Block($$"""
                    if (reader.ValueTextEquals({{Common.Literal(member.JsonName)}}u8))
                    {
                        return {{t}}.{{Common.Id(member.Name)}};
                    }
                    """);
            }

            w.Signature("private static " + t, "ReadEnum" + Index(e), ["ref " + Reader + " reader"]);
            w.Block($$"""
                {
                    if (reader.TokenType == {{GlobalNames.JsonTokenType}}.Number)
                    {
                        return ({{t}}){{ReadNumber(spec.Underlying)}};
                    }
                {{names.Inner()}}
                    var text = reader.GetString();
                    if ({{GlobalNames.Enum}}.TryParse<{{t}}>(text, ignoreCase: true, out var parsed))
                    {
                        return parsed;
                    }
                    throw {{Json}}.UnknownEnumName(text, {{Common.Literal(t.Replace("global::", string.Empty))}});
                }
                """);
        }

        /// <summary>Whether reading records that the member was present (it is set only then, or a default stands in for it).</summary>
        private static bool TracksPresence(MemberSpec m)
            => m.Assign == AssignKind.Setter || m.Assign == AssignKind.InitAccessor || m.AbsentDefault is not null;

        private static string ValueOf(MemberSpec m, int i)
            => m.Shape.IsNonNullableReference ? Json + ".Required(p" + Index(i) + ", " + Common.Literal(m.JsonName) + ")" : "p" + Index(i);

        /// <summary>The type of a local a value is read into: nullable for references (null until read or checked).</summary>
        private static string LocalType(JsonShape shape)
        {
            if (!shape.IsReference)
            {
                return shape.DeclaredName;
            }

            return shape.DeclaredName.EndsWith("?", System.StringComparison.Ordinal) ? shape.DeclaredName : shape.DeclaredName + "?";
        }
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string WriteValue(ValueKind kind, string v)
    {
        switch (kind)
        {
            case ValueKind.Boolean: return "writer.WriteBooleanValue(" + v + ");";
            case ValueKind.Byte:
            case ValueKind.SByte:
            case ValueKind.Int16:
            case ValueKind.UInt16:
                return "writer.WriteNumberValue((int)" + v + ");";
            case ValueKind.Int32:
            case ValueKind.UInt32:
            case ValueKind.Int64:
            case ValueKind.UInt64:
            case ValueKind.Single:
            case ValueKind.Double:
            case ValueKind.Decimal:
                return "writer.WriteNumberValue(" + v + ");";
            case ValueKind.String:
            case ValueKind.Guid:
            case ValueKind.DateTime:
            case ValueKind.DateTimeOffset:
                return "writer.WriteStringValue(" + v + ");";
            case ValueKind.Char: return "writer.WriteStringValue(new string(" + v + ", 1));";
            case ValueKind.TimeSpan: return Json + ".WriteTimeSpan(writer, " + v + ");";
            case ValueKind.DateOnly: return Json + ".WriteDateOnly(writer, " + v + ");";
            case ValueKind.TimeOnly: return Json + ".WriteTimeOnly(writer, " + v + ");";
            case ValueKind.Bytes: return "writer.WriteBase64StringValue(" + v + ");";
            default: return "throw new " + GlobalNames.NotSupportedException + "();";
        }
    }

    /// <summary>The one-call form of a property and its value (<c>WriteString(name, value)</c>), where the writer has one.</summary>
    private static string? WriteNamedValue(ValueKind kind, string name, string v)
    {
        switch (kind)
        {
            case ValueKind.Boolean: return "writer.WriteBoolean(" + name + ", " + v + ");";
            case ValueKind.Byte:
            case ValueKind.SByte:
            case ValueKind.Int16:
            case ValueKind.UInt16:
                return "writer.WriteNumber(" + name + ", (int)" + v + ");";
            case ValueKind.Int32:
            case ValueKind.UInt32:
            case ValueKind.Int64:
            case ValueKind.UInt64:
            case ValueKind.Single:
            case ValueKind.Double:
            case ValueKind.Decimal:
                return "writer.WriteNumber(" + name + ", " + v + ");";
            case ValueKind.String:
            case ValueKind.Guid:
            case ValueKind.DateTime:
            case ValueKind.DateTimeOffset:
                return "writer.WriteString(" + name + ", " + v + ");";
            case ValueKind.Bytes: return "writer.WriteBase64String(" + name + ", " + v + ");";
            default: return null;
        }
    }

    private static string EnumCast(ValueKind underlying)
    {
        switch (underlying)
        {
            case ValueKind.UInt32: return "uint";
            case ValueKind.Int64: return "long";
            case ValueKind.UInt64: return "ulong";
            default: return "int";
        }
    }

    private static string ReadNumber(ValueKind underlying)
    {
        switch (underlying)
        {
            case ValueKind.Byte: return "reader.GetByte()";
            case ValueKind.SByte: return "reader.GetSByte()";
            case ValueKind.Int16: return "reader.GetInt16()";
            case ValueKind.UInt16: return "reader.GetUInt16()";
            case ValueKind.UInt32: return "reader.GetUInt32()";
            case ValueKind.Int64: return "reader.GetInt64()";
            case ValueKind.UInt64: return "reader.GetUInt64()";
            default: return "reader.GetInt32()";
        }
    }

    private static string ReadValue(JsonShape shape)
    {
        switch (shape.Value)
        {
            case ValueKind.Boolean: return "reader.GetBoolean()";
            case ValueKind.Byte: return "reader.GetByte()";
            case ValueKind.SByte: return "reader.GetSByte()";
            case ValueKind.Int16: return "reader.GetInt16()";
            case ValueKind.UInt16: return "reader.GetUInt16()";
            case ValueKind.Int32: return "reader.GetInt32()";
            case ValueKind.UInt32: return "reader.GetUInt32()";
            case ValueKind.Int64: return "reader.GetInt64()";
            case ValueKind.UInt64: return "reader.GetUInt64()";
            case ValueKind.Single: return "reader.GetSingle()";
            case ValueKind.Double: return "reader.GetDouble()";
            case ValueKind.Decimal: return "reader.GetDecimal()";
            case ValueKind.String: return "reader.GetString()";
            case ValueKind.Char: return Json + ".GetChar(ref reader)";
            case ValueKind.Guid: return "reader.GetGuid()";
            case ValueKind.DateTime: return "reader.GetDateTime()";
            case ValueKind.DateTimeOffset: return "reader.GetDateTimeOffset()";
            case ValueKind.TimeSpan: return Json + ".GetTimeSpan(ref reader)";
            case ValueKind.DateOnly: return Json + ".GetDateOnly(ref reader)";
            case ValueKind.TimeOnly: return Json + ".GetTimeOnly(ref reader)";
            case ValueKind.Bytes: return "reader.GetBytesFromBase64()";
            default: return "throw new " + GlobalNames.NotSupportedException + "()";
        }
    }
}
