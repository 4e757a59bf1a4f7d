using System.Collections.Generic;
using System.Globalization;
using Kafka.Typed.Generators.Model;

namespace Kafka.Typed.Generators.Emit
{
    /// <summary>Emits <c>{Type}.KafkaProducer.g.cs</c>: the <c>IKafkaMessage&lt;T&gt;</c> implementation, the JSON codec and the typed producer.</summary>
    internal static class MessageEmitter
    {
        private const string Json = "global::Kafka.Typed.KafkaJson";

        public static string HintName(MessageSpec spec) => spec.HintName + ".KafkaProducer.g.cs";

        public static string Emit(MessageSpec spec)
        {
            var w = new SourceWriter();
            Common.Header(w);
            if (spec.Namespace.Length > 0)
            {
                w.Open("namespace " + Common.Namespace(spec.Namespace));
            }

            foreach (var containing in spec.ContainingTypes)
            {
                w.Open("partial " + containing.Keyword + " " + Common.Id(containing.Name));
            }

            EmitMessagePart(w, spec);
            w.Line();
            EmitProducer(w, spec);

            foreach (var _ in spec.ContainingTypes)
            {
                w.Close();
            }

            if (spec.KeyMember is not null)
            {
                w.Line();
                EmitKeyExtensions(w, spec);
            }

            if (spec.Namespace.Length > 0)
            {
                w.Close();
            }

            return w.ToString();
        }

        private static void EmitMessagePart(SourceWriter w, MessageSpec spec)
        {
            var t = spec.FullyQualifiedName;
            var iface = "global::Kafka.Typed.IKafkaMessage<" + t + ">";

            // A type without a [KafkaKey] member is marked keyless: its producer then takes an explicit key with each send
            // (IKafkaExplicitKeyProducer<T> requires the mark, so a keyed type cannot have its member's key overridden).
            var declared = spec.KeyMember is null ? "global::Kafka.Typed.IKafkaKeylessMessage<" + t + ">" : iface;
            w.Open("partial " + spec.Keyword + " " + Common.Id(spec.Name) + " : " + declared);
            w.Line("static string " + iface + ".Topic => " + Common.Literal(spec.Topic) + ";");
            w.Line();
            var serializer = spec.SerializerTypeName is not null ? "KafkaTypedSerializerHolder.Instance"
                : spec.Avro is not null ? "KafkaTypedAvroSerializerHolder.Instance"
                : "KafkaTypedJsonCodec.Instance";
            w.Line("static global::Kafka.Typed.IKafkaSerializer<" + t + "> " + iface + ".Serializer => " + serializer + ";");
            w.Line();
            w.Line("static byte[]? " + iface + ".SerializeKey(" + t + " message) => " + KeyExpression(spec) + ";");
            w.Line();
            if (spec.SerializerTypeName is { } serializerType)
            {
                w.Line(Common.GeneratedCode);
                w.Open("private static class KafkaTypedSerializerHolder");
                w.Line("public static readonly " + serializerType + " Instance = new " + serializerType + "();");
                w.Close();
            }
            else if (spec.Avro is { } avro)
            {
                AvroEmitter.EmitCodec(w, spec, avro);
            }
            else
            {
                EmitCodec(w, spec);
            }

            w.Close();
        }

        private static string KeyExpression(MessageSpec spec)
        {
            if (spec.KeyMember is null)
            {
                return "null";
            }

            var member = "message." + Common.Id(spec.KeyMember);
            switch (spec.KeyKind)
            {
                case KeyKind.Utf8String:
                    return "global::Kafka.Typed.KafkaKeys.Utf8(" + member + ")";
                case KeyKind.Bytes:
                    return member;
                default:
                    var method = spec.KeyKind == KeyKind.Guid ? "Guid" : "BigEndian";
                    return spec.KeyIsNullable
                        ? member + " is { } key ? global::Kafka.Typed.KafkaKeys." + method + "(key) : null"
                        : "global::Kafka.Typed.KafkaKeys." + method + "(" + member + ")";
            }
        }

        private static void EmitProducer(SourceWriter w, MessageSpec spec)
        {
            var t = spec.FullyQualifiedName;
            w.Line("/// <summary>");
            w.Line("/// Typed producer of <see cref=\"" + Common.Cref(t) + "\"/> on topic <c>" + Common.Xml(spec.Topic) + "</c>: <c>SendAsync</c> awaits the");
            w.Line("/// broker's acknowledgement, <c>EnqueueAsync</c> queues and reports to every <see cref=\"global::Kafka.Typed.IKafkaDeliveryObserver\"/>.");
            if (spec.KeyMember is null)
            {
                w.Line("/// The type has no <c>[KafkaKey]</c> member: each send may carry its record key (<see cref=\"global::Kafka.Typed.IKafkaExplicitKeyProducer{T}\"/>).");
                w.Line("/// Registered as a singleton (and as <see cref=\"global::Kafka.Typed.IKafkaProducer{T}\"/> and <see cref=\"global::Kafka.Typed.IKafkaExplicitKeyProducer{T}\"/>) by <c>AddKafkaTyped</c>.");
            }
            else
            {
                w.Line("/// Registered as a singleton (and as <see cref=\"global::Kafka.Typed.IKafkaProducer{T}\"/>) by <c>AddKafkaTyped</c>.");
            }

            w.Line("/// </summary>");
            w.Line(Common.GeneratedCode);
            var baseType = spec.KeyMember is null ? "global::Kafka.Typed.KafkaTypedKeylessProducer<" : "global::Kafka.Typed.KafkaTypedProducer<";
            w.Open((spec.IsPublic ? "public" : "internal") + " sealed partial class " + spec.ProducerName + " : " + baseType + t + ">");
            w.Line("/// <summary>Creates the producer over the application's shared producers.</summary>");
            w.Line("/// <param name=\"host\">The shared producers.</param>");
            w.Line("public " + spec.ProducerName + "(global::Kafka.Typed.KafkaProducerHost host)");
            w.Line("    : base(host)");
            w.Open();
            w.Close();
            w.Close();
        }

        /// <summary>
        /// The name of the extension class that reads the record key of a consumed <c>KafkaMessage&lt;T&gt;</c> or
        /// <c>KafkaTombstone&lt;T&gt;</c> as the <c>[KafkaKey]</c> member's type: top-level (extension classes cannot be
        /// nested), so a nested message type's containing types are part of the name.
        /// </summary>
        public static string KeyExtensionsName(MessageSpec spec)
        {
            var name = new System.Text.StringBuilder();
            foreach (var containing in spec.ContainingTypes)
            {
                name.Append(containing.Name);
            }

            return name.Append(spec.Name).Append("KafkaKeyExtensions").ToString();
        }

        private static void EmitKeyExtensions(SourceWriter w, MessageSpec spec)
        {
            var t = spec.FullyQualifiedName;
            string type, read;
            switch (spec.KeyKind)
            {
                case KeyKind.Utf8String:
                    type = "string?";
                    read = "ReadUtf8";
                    break;
                case KeyKind.Bytes:
                    type = "byte[]?";
                    read = string.Empty;
                    break;
                case KeyKind.Guid:
                    type = "global::System.Guid?";
                    read = "ReadGuid";
                    break;
                case KeyKind.Int16:
                    type = "short?";
                    read = "ReadInt16";
                    break;
                case KeyKind.Int32:
                    type = "int?";
                    read = "ReadInt32";
                    break;
                default:
                    type = "long?";
                    read = "ReadInt64";
                    break;
            }

            w.Line("/// <summary>");
            w.Line("/// Reads the record key of a consumed <see cref=\"" + Common.Cref(t) + "\"/> as its <c>[KafkaKey]</c> member's type (<c>" + Common.Xml(spec.KeyMember!) + "</c>),");
            w.Line("/// the inverse of what its producer writes. A tombstone has no value, so its key is the only way to it.");
            w.Line("/// </summary>");
            w.Line(Common.GeneratedCode);
            w.Open((spec.IsPublic ? "public" : "internal") + " static class " + KeyExtensionsName(spec));
            foreach (var (kind, parameter) in new[] { ("KafkaMessage", "message"), ("KafkaTombstone", "tombstone") })
            {
                w.Line("/// <summary>The record key, or <see langword=\"null\"/> when the record has none.</summary>");
                w.Line("/// <param name=\"" + parameter + "\">The consumed record.</param>");
                w.Line("/// <returns>The key as written by the producer of <see cref=\"" + Common.Cref(t) + "\"/>.</returns>");
                if (read.Length > 0)
                {
                    w.Line("/// <exception cref=\"global::Kafka.Typed.NonRetriableMessageException\">The key's bytes are not a key of that type (another writer's key); the message names the record.</exception>");
                }

                var expression = read.Length == 0 ? parameter + ".Key" : "global::Kafka.Typed.KafkaKeys." + read + "(" + parameter + ".Key, " + parameter + ")";
                w.Line("public static " + type + " GetKey(this global::Kafka.Typed." + kind + "<" + t + "> " + parameter + ") => " + expression + ";");
                if (kind == "KafkaMessage")
                {
                    w.Line();
                }
            }

            w.Close();
        }

        private static void EmitCodec(SourceWriter w, MessageSpec spec)
        {
            var t = spec.FullyQualifiedName;
            w.Line(Common.GeneratedCode);
            w.Open("private sealed class KafkaTypedJsonCodec : global::Kafka.Typed.IKafkaSerializer<" + t + ">");
            w.Line("public static readonly KafkaTypedJsonCodec Instance = new KafkaTypedJsonCodec();");
            w.Line();

            // Serialize
            w.Open("public void Serialize(" + t + " value, global::System.Buffers.IBufferWriter<byte> output, in global::Kafka.Typed.KafkaSerializationContext context)");
            w.Line("var writer = " + Json + ".RentWriter(output);");
            w.Line("try");
            w.Open();
            w.Line("writer.WriteStartObject();");
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                w.Line("writer.WritePropertyName(" + Common.Literal(m.JsonName) + "u8);");
                if (m.Scalar is { } scalar)
                {
                    WriteScalar(w, scalar, "value." + Common.Id(m.Name), "v" + Index(i));
                }
                else
                {
                    var local = "v" + Index(i);
                    w.Open("if (value." + Common.Id(m.Name) + " is { } " + local + ")");
                    w.Line("writer.WriteStartArray();");
                    w.Open("foreach (var item in " + local + ")");
                    WriteScalar(w, m.Element!, "item", "element");
                    w.Close();
                    w.Line("writer.WriteEndArray();");
                    w.Close();
                    w.Line("else");
                    w.Open();
                    w.Line("writer.WriteNullValue();");
                    w.Close();
                }
            }

            w.Line("writer.WriteEndObject();");
            w.Close();
            w.Line("finally");
            w.Open();
            w.Line(Json + ".ReturnWriter(writer);");
            w.Close();
            w.Close();
            w.Line();

            // Deserialize
            w.Open("public " + t + " Deserialize(global::System.ReadOnlySpan<byte> data, in global::Kafka.Typed.KafkaSerializationContext context)");
            w.Line("var reader = " + Json + ".StartObject(data);");
            var read = new List<int>();
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                if (m.Assign == AssignKind.None)
                {
                    continue;
                }

                read.Add(i);
                w.Line(LocalType(m) + " p" + Index(i) + " = default;");
                if (TracksPresence(m))
                {
                    w.Line("bool s" + Index(i) + " = false;");
                }
            }

            w.Line("string member = \"\";");
            w.Line("try");
            w.Open();
            w.Open("while (" + Json + ".NextProperty(ref reader))");
            var first = true;
            foreach (var i in read)
            {
                var m = spec.Members[i];
                w.Line((first ? "if" : "else if") + " (reader.ValueTextEquals(" + Common.Literal(m.JsonName) + "u8))");
                first = false;
                w.Open();
                w.Line("member = " + Common.Literal(m.JsonName) + ";");
                w.Line(Json + ".Value(ref reader);");
                var target = "p" + Index(i);
                if (m.Scalar is { } scalar)
                {
                    ReadScalar(w, scalar, target);
                }
                else
                {
                    ReadCollection(w, m, target);
                }

                if (TracksPresence(m))
                {
                    w.Line("s" + Index(i) + " = true;");
                }

                w.Close();
            }

            if (first)
            {
                w.Line(Json + ".SkipValue(ref reader);");
            }
            else
            {
                w.Line("else");
                w.Open();
                w.Line(Json + ".SkipValue(ref reader);");
                w.Close();
            }

            w.Close();
            w.Line();
            w.Line("member = \"\";");

            var arguments = new List<string>();
            foreach (var name in spec.ConstructorArguments)
            {
                for (var i = 0; i < spec.Members.Count; i++)
                {
                    if (spec.Members[i].Name == name)
                    {
                        arguments.Add(spec.Members[i].AbsentDefault is { } absent
                            ? "(s" + Index(i) + " ? " + ValueOf(spec.Members[i], i) + " : " + absent + ")"
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

            var construct = "var result = new " + t + "(" + string.Join(", ", arguments) + ")";
            if (initializers.Count == 0)
            {
                w.Line(construct + ";");
            }
            else
            {
                w.Line(construct);
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
                if (m.Assign == AssignKind.Setter)
                {
                    w.Open("if (s" + Index(i) + ")");
                    w.Line("result." + Common.Id(m.Name) + " = " + ValueOf(m, i) + ";");
                    w.Close();
                }
                else if (m.Assign == AssignKind.InitAccessor)
                {
                    w.Open("if (s" + Index(i) + ")");
                    w.Line(InitAccessorName(i) + "(" + (spec.IsValueType ? "ref " : string.Empty) + "result, " + ValueOf(m, i) + ");");
                    w.Close();
                }
            }

            w.Line("return result;");
            w.Close();
            w.Line("catch (global::System.Exception e) when (e is global::System.Text.Json.JsonException or global::System.InvalidOperationException or global::System.FormatException or global::System.OverflowException or global::System.ArgumentException or global::Kafka.Typed.KafkaSerializationException)");
            w.Open();
            w.Line("throw " + Json + ".Failed(member, e);");
            w.Close();
            w.Close();
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var m = spec.Members[i];
                if (m.Assign == AssignKind.InitAccessor)
                {
                    // Bound to the declaring type: unsafe accessors do not see inherited members.
                    w.Line();
                    w.Line("[global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = " + Common.Literal("set_" + m.Name) + ")]");
                    w.Line("private static extern void " + InitAccessorName(i) + "(" + (spec.IsValueType ? "ref " : string.Empty) + m.DeclaringType + " target, " + m.TypeName + " value);");
                }
            }

            w.Close();
        }

        private static string InitAccessorName(int i) => "Init" + Index(i);

        /// <summary>Whether reading records that the member was present (it is set only then, or a default stands in for it).</summary>
        private static bool TracksPresence(MemberSpec m)
            => m.Assign == AssignKind.Setter || m.Assign == AssignKind.InitAccessor || m.AbsentDefault is not null;

        private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

        private static bool IsNonNullableReference(MemberSpec m) => m.Scalar?.IsNonNullableReference ?? m.CollectionIsNonNullable;

        private static string ValueOf(MemberSpec m, int i)
            => IsNonNullableReference(m) ? Json + ".Required(p" + Index(i) + ", " + Common.Literal(m.JsonName) + ")" : "p" + Index(i);

        private static string LocalType(MemberSpec m)
        {
            if (m.Scalar is { } scalar)
            {
                return scalar.TypeName + (scalar.IsReference || scalar.IsNullableValue ? "?" : string.Empty);
            }

            return m.TypeName.EndsWith("?", System.StringComparison.Ordinal) ? m.TypeName : m.TypeName + "?";
        }

        private static string ElementType(ScalarShape shape)
            => shape.TypeName + (shape.IsNullableValue || shape.IsAnnotatedReference ? "?" : string.Empty);

        private static void WriteScalar(SourceWriter w, ScalarShape shape, string expression, string local)
        {
            if (shape.IsNullableValue || shape.IsReference)
            {
                w.Open("if (" + expression + " is { } " + local + ")");
                w.Line(WriteValue(shape, local));
                w.Close();
                w.Line("else");
                w.Open();
                w.Line("writer.WriteNullValue();");
                w.Close();
            }
            else
            {
                w.Line(WriteValue(shape, expression));
            }
        }

        private static string WriteValue(ScalarShape shape, string v)
        {
            switch (shape.Kind)
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
                case ValueKind.Enum: return "writer.WriteNumberValue((" + EnumCast(shape.EnumUnderlying) + ")" + v + ");";
                default: return "throw new global::System.NotSupportedException();";
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

        private static string ReadValue(ScalarShape shape)
        {
            switch (shape.Kind)
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
                case ValueKind.Enum:
                    var read = shape.EnumUnderlying switch
                    {
                        ValueKind.Byte => "reader.GetByte()",
                        ValueKind.SByte => "reader.GetSByte()",
                        ValueKind.Int16 => "reader.GetInt16()",
                        ValueKind.UInt16 => "reader.GetUInt16()",
                        ValueKind.UInt32 => "reader.GetUInt32()",
                        ValueKind.Int64 => "reader.GetInt64()",
                        ValueKind.UInt64 => "reader.GetUInt64()",
                        _ => "reader.GetInt32()",
                    };
                    return "(" + shape.TypeName + ")" + read;
                default: return "throw new global::System.NotSupportedException()";
            }
        }

        private static void ReadScalar(SourceWriter w, ScalarShape shape, string target)
        {
            if (shape.IsNullableValue || shape.IsReference)
            {
                w.Line(target + " = " + Json + ".IsNull(ref reader) ? null : " + ReadValue(shape) + ";");
            }
            else
            {
                w.Line(target + " = " + ReadValue(shape) + ";");
            }
        }

        private static void ReadCollection(SourceWriter w, MemberSpec m, string target)
        {
            var element = m.Element!;
            var elementType = ElementType(element);
            w.Open("if (" + Json + ".StartArray(ref reader))");
            w.Line("var list = new global::System.Collections.Generic.List<" + elementType + ">();");
            w.Open("while (" + Json + ".NextElement(ref reader))");
            w.Line(element.TypeName + (element.IsReference || element.IsNullableValue ? "?" : string.Empty) + " item;");
            ReadScalar(w, element, "item");
            if (element.IsNonNullableReference)
            {
                w.Line("list.Add(" + Json + ".Required(item, " + Common.Literal(m.JsonName + "[]") + "));");
            }
            else
            {
                // Nullable-oblivious reference elements are added as they come.
                w.Line(element.IsReference && !element.IsAnnotatedReference ? "list.Add(item!);" : "list.Add(item);");
            }
            w.Close();
            w.Line(target + " = " + (m.Collection == CollectionKind.Array ? "list.ToArray()" : "list") + ";");
            w.Close();
            w.Line("else");
            w.Open();
            w.Line(target + " = null;");
            w.Close();
        }
    }
}
