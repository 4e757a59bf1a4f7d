using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using G = Kafka.Typed.Generators.Emit.GlobalNames;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits <c>{Type}.KafkaProducer.g.cs</c>, in the message type's namespace and containing types:
/// <code>
/// partial {type} : IKafkaMessage&lt;T&gt;          // or IKafkaKeylessMessage&lt;T&gt;
/// {
///     static string IKafkaMessage&lt;T&gt;.Topic => ...;
///     static IKafkaSerializer&lt;T&gt; IKafkaMessage&lt;T&gt;.Serializer => {codec}.Instance;
///     static byte[]? IKafkaMessage&lt;T&gt;.SerializeKey(T message) => ...;
///     {the JSON or Avro codec, or the custom serializer's holder}
/// }
/// sealed partial class {Type}Producer : KafkaTypedProducer&lt;T&gt; { ... }
/// static class {Type}KafkaKeyExtensions { GetKey(...) }   // with a [KafkaKey] member only, outside containing types
/// </code>
/// </summary>
internal static class MessageEmitter
{
    public static string HintName(MessageSpec spec) => spec.HintName + ".KafkaProducer.g.cs";

    public static string Emit(MessageSpec spec)
    {
        var w = new SourceWriter();
        Common.Header(w);
        Common.OpenScopes(w, spec.Namespace, spec.ContainingTypes);
        EmitMessagePart(w, spec);
        w.Line();
        EmitProducer(w, spec);
        Common.CloseScopes(w, string.Empty, spec.ContainingTypes);
        if (spec.KeyMember is not null)
        {
            w.Line();
            EmitKeyExtensions(w, spec);
        }

        Common.CloseScopes(w, spec.Namespace, ImmutableEquatableArray<ContainingTypeSpec>.Empty);
        return w.ToString();
    }

    private static void EmitMessagePart(SourceWriter w, MessageSpec spec)
    {
        var t = spec.FullyQualifiedName;
        var iface = G.KafkaMessageInterface + "<" + t + ">";

        // A type without a [KafkaKey] member is marked keyless: its producer then takes an explicit key with each send
        // (IKafkaExplicitKeyProducer<T> requires the mark, so a keyed type cannot have its member's key overridden).
        var declared = spec.KeyMember is null ? G.KeylessMessageInterface + "<" + t + ">" : iface;
        w.Declaration("partial " + spec.Keyword + " " + Common.Id(spec.Name), declared);
        w.Open();
        var serializer = spec.SerializerTypeName is not null ? GeneratedNames.SerializerHolder + ".Instance"
            : spec.Avro is not null ? GeneratedNames.AvroSerializerHolder + ".Instance"
            : GeneratedNames.JsonCodec + ".Instance";
        w.Line(Common.GeneratedCode);
        w.Member("static string", iface + ".Topic", null, Common.Literal(spec.Topic));
        w.Line();
        w.Line(Common.GeneratedCode);
        w.Member("static " + G.KafkaSerializer + "<" + t + ">", iface + ".Serializer", null, serializer);
        w.Line();
        w.Line(Common.GeneratedCode);
        w.Member("static byte[]?", iface + ".SerializeKey", [t + " message"], KeyExpression(spec));
        w.Line();
        if (spec.MessageTypeName is { } messageTypeName)
        {
            // The topic carries several types: consumers tell this one apart by this name (Avro record, or type header).
            w.Line(Common.GeneratedCode);
            w.Member("static string?", iface + ".MessageTypeName", null, Common.Literal(messageTypeName));
            w.Line();
        }

        if (spec.SerializerTypeName is { } serializerType)
        {
            w.Block($$"""
                {{Common.GeneratedCode}}
                private static class {{GeneratedNames.SerializerHolder}}
                {
                    public static readonly {{serializerType}} Instance = new {{serializerType}}();
                }
                """);
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
                return G.KafkaKeys + ".Utf8(" + member + ")";
            case KeyKind.Bytes:
                return member;
            default:
                var method = G.KafkaKeys + "." + (spec.KeyKind == KeyKind.Guid ? "Guid" : "BigEndian");
                return spec.KeyIsNullable ? member + " is { } key ? " + method + "(key) : null" : method + "(" + member + ")";
        }
    }

    private static void EmitProducer(SourceWriter w, MessageSpec spec)
    {
        var t = spec.FullyQualifiedName;
        var registeredAs = spec.KeyMember is null
            ? $$"""
                The type has no <c>[KafkaKey]</c> member: each send may carry its record key
                (<see cref="{{G.ExplicitKeyProducerInterface}}{T}"/>). Registered as a singleton (and as
                <see cref="{{G.ProducerInterface}}{T}"/> and <see cref="{{G.ExplicitKeyProducerInterface}}{T}"/>) by <c>AddKafkaTyped</c>.
                """
            : $$"""
                Registered as a singleton (and as <see cref="{{G.ProducerInterface}}{T}"/>) by <c>AddKafkaTyped</c>.
                """;
        w.Summary(Common.Prose($$"""
            Typed producer of <see cref="{{Common.Cref(t)}}"/> on topic <c>{{Common.Xml(spec.Topic)}}</c>: <c>SendAsync</c>
            awaits the broker's acknowledgement, <c>EnqueueAsync</c> queues and reports to every
            <see cref="{{G.DeliveryObserver}}"/>. {{registeredAs}}
            """));
        w.Line(Common.GeneratedCode);
        var baseType = (spec.KeyMember is null ? G.TypedKeylessProducer : G.TypedProducer) + "<" + t + ">";
        w.Declaration((spec.IsPublic ? "public" : "internal") + " sealed partial class " + spec.ProducerName, baseType);
        w.Block($$"""
            {
                /// <summary>Creates the producer over the application's shared producers.</summary>
                /// <param name="host">The shared producers.</param>
                public {{spec.ProducerName}}({{G.ProducerHost}} host)
                    : base(host)
                {
                }
            }
            """);
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
        var (type, read) = spec.KeyKind switch
        {
            KeyKind.Utf8String => ("string?", "ReadUtf8"),
            KeyKind.Bytes => ("byte[]?", string.Empty),
            KeyKind.Guid => (G.Guid + "?", "ReadGuid"),
            KeyKind.Int16 => ("short?", "ReadInt16"),
            KeyKind.Int32 => ("int?", "ReadInt32"),
            _ => ("long?", "ReadInt64"),
        };

        w.Summary(Common.Prose($$"""
            Reads the record key of a consumed <see cref="{{Common.Cref(t)}}"/> as its <c>[KafkaKey]</c> member's type
            (<c>{{Common.Xml(spec.KeyMember!)}}</c>), the inverse of what its producer writes. A tombstone has no value, so
            its key is the only way to it.
            """));
        w.Block($$"""
            {{Common.GeneratedCode}}
            {{(spec.IsPublic ? "public" : "internal")}} static class {{KeyExtensionsName(spec)}}
            {
            """);
        w.Indent();
        foreach (var (kind, parameter) in new[] { (G.KafkaMessage, "message"), (G.KafkaTombstone, "tombstone") })
        {
            w.Block($$"""
                /// <summary>The record key, or <see langword="null"/> when the record has none.</summary>
                /// <param name="{{parameter}}">The consumed record.</param>
                /// <returns>The key as written by the producer of <see cref="{{Common.Cref(t)}}"/>.</returns>
                """);
            if (read.Length > 0)
            {
                w.Block($$"""
                    /// <exception cref="{{G.NonRetriableMessageException}}">
                    /// The key's bytes are not a key of that type (another writer's key); the message names the record.
                    /// </exception>
                    """);
            }

            var expression = read.Length == 0 ? parameter + ".Key" : G.KafkaKeys + "." + read + "(" + parameter + ".Key, " + parameter + ")";
            w.Member("public static " + type, "GetKey", ["this " + kind + "<" + t + "> " + parameter], expression);
            if (kind == G.KafkaMessage)
            {
                w.Line();
            }
        }

        w.Outdent();
        w.Line("}");
    }
}
