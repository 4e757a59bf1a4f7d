using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

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
        var serializer = spec.SerializerTypeName is not null ? GeneratedNames.SerializerHolder + ".Instance"
            : spec.Avro is not null ? GeneratedNames.AvroSerializerHolder + ".Instance"
            : GeneratedNames.JsonCodec + ".Instance";
        w.Line("static global::Kafka.Typed.IKafkaSerializer<" + t + "> " + iface + ".Serializer => " + serializer + ";");
        w.Line();
        w.Line("static byte[]? " + iface + ".SerializeKey(" + t + " message) => " + KeyExpression(spec) + ";");
        w.Line();
        if (spec.MessageTypeName is { } messageTypeName)
        {
            // The topic carries several types: consumers tell this one apart by this name (Avro record, or type header).
            w.Line("static string? " + iface + ".MessageTypeName => " + Common.Literal(messageTypeName) + ";");
            w.Line();
        }

        if (spec.SerializerTypeName is { } serializerType)
        {
            w.Line(Common.GeneratedCode);
            w.Open("private static class " + GeneratedNames.SerializerHolder);
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
        return GeneratedNames.KeyExtensions(System.Linq.Enumerable.Select(spec.ContainingTypes, static c => c.Name), spec.Name);
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
}
