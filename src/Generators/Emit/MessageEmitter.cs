using Kafka.Typed.Generators.Model;

namespace Kafka.Typed.Generators.Emit
{
    /// <summary>Emits <c>{Type}.KafkaProducer.g.cs</c>: the <c>IKafkaMessage&lt;T&gt;</c> implementation, the JSON codec and the typed producer.</summary>
    internal static class MessageEmitter
    {
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
            w.Open("partial " + spec.Keyword + " " + Common.Id(spec.Name) + " : " + iface);
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
                JsonEmitter.EmitCodec(w, spec);
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
            w.Line("/// Registered as a singleton (and as <see cref=\"global::Kafka.Typed.IKafkaProducer{T}\"/>) by <c>AddKafkaTyped</c>.");
            w.Line("/// </summary>");
            w.Line(Common.GeneratedCode);
            w.Open((spec.IsPublic ? "public" : "internal") + " sealed partial class " + spec.ProducerName + " : global::Kafka.Typed.KafkaTypedProducer<" + t + ">");
            w.Line("/// <summary>Creates the producer over the application's shared producers.</summary>");
            w.Line("/// <param name=\"host\">The shared producers.</param>");
            w.Line("public " + spec.ProducerName + "(global::Kafka.Typed.KafkaProducerHost host)");
            w.Line("    : base(host)");
            w.Open();
            w.Close();
            w.Close();
        }
    }
}
