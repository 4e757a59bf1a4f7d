using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Kafka.Typed.Generators.Avro;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits <c>KafkaTyped.AsyncApi.g.cs</c>: the public <c>KafkaTypedAsyncApiModel_{Assembly}</c> (this assembly's message
/// types and consumers, read by the generator in every assembly that references it) and the internal
/// <c>KafkaTypedAsyncApi</c> with the AsyncAPI 3.0 document of everything the assembly's <c>AddKafkaTyped</c> registers,
/// and <c>Write</c> to put it in a file.
/// </summary>
internal static class AsyncApiEmitter
{
    public const string HintName = "KafkaTyped.AsyncApi.g.cs";

    private const string KafkaBindingVersion = "0.5.0";
    private const string AvroSchemaFormat = "application/vnd.apache.avro;version=1.9.0";
    private const string JsonSchemaFormat = "application/schema+json;version=draft-07";

    public static string Emit(AsyncApiSpec spec)
    {
        var w = new SourceWriter();
        Common.Header(w);
        w.Line("namespace " + AsyncApiModels.Namespace);
        w.Line("{");
        w.Indent();
        if (!spec.Own.IsEmpty)
        {
            var version = AsyncApiModels.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            w.Summary(Common.Prose($$"""
                The Kafka.Typed message types and consumers of assembly <c>{{Common.Xml(spec.AssemblyName)}}</c>, for the
                AsyncAPI documents of the assemblies that reference it (their generator reads
                <see cref="{{AsyncApiModels.ModelField}}"/>). Applications do not use it.
                """));
            w.Block($$"""
                {{Common.GeneratedCode}}
                {{GlobalNames.NeverBrowsableAttribute}}
                public static class {{AsyncApiModels.ModelClassName(spec.AssemblyName)}}
                {
                    /// <summary>The module in the generator's own text form (version {{version}}).</summary>
                    public const string {{AsyncApiModels.ModelField}} = {{Common.Literal(AsyncApiModels.Serialize(spec.Own))}};
                }

                """);
        }

        var fileName = spec.AssemblyName + ".asyncapi.json";
        w.Summary(Common.Prose($$"""
            The AsyncAPI 3.0 document of assembly <c>{{Common.Xml(spec.AssemblyName)}}</c>: the topics, message types (with
            their Avro schemas or JSON Schemas), producers, consumer groups and dead-letter topics that its
            <c>AddKafkaTyped</c> registers, its own and those of the referenced assemblies, with the topic and group names as
            compiled (each channel says which configuration keys change them).
            """));
        w.Block($$"""
            {{Common.GeneratedCode}}
            internal static class {{spec.ClassName}}
            {
                /// <summary>The file name <see cref="Write"/> uses by default: <c>{{Common.Xml(fileName)}}</c>.</summary>
                public const string FileName = {{Common.Literal(fileName)}};

                /// <summary>The document, compact JSON (UTF-8 when written).</summary>
                public const string Document = {{Common.Literal(Document(spec))}};

                /// <summary>Writes <see cref="Document"/> to a file (UTF-8 without a byte order mark), creating its directory.</summary>
                /// <param name="path">The file; <see langword="null"/> for <see cref="FileName"/> in the application's base directory.</param>
                /// <returns>The full path written.</returns>
                public static string Write(string? path = null)
                {
                    var full = {{GlobalNames.Path}}.GetFullPath(
                        path ?? {{GlobalNames.Path}}.Combine({{GlobalNames.AppContext}}.BaseDirectory, FileName));
                    var directory = {{GlobalNames.Path}}.GetDirectoryName(full);
                    if (!string.IsNullOrEmpty(directory))
                    {
                        {{GlobalNames.Directory}}.CreateDirectory(directory);
                    }

                    {{GlobalNames.File}}.WriteAllText(full, Document, new {{GlobalNames.Utf8Encoding}}(false));
                    return full;
                }
            }
            """);
        w.Outdent();
        w.Line("}");
        return w.ToString();
    }

    /// <summary>The AsyncAPI 3.0 document, compact JSON.</summary>
    public static string Document(AsyncApiSpec spec)
    {
        // Referenced modules first (in assembly order), then this assembly's: what AddKafkaTyped registers, in its order.
        var modules = spec.Referenced.Concat(new[] { spec.Own }).Where(static m => !m.IsEmpty).ToList();
        var messages = new List<(AsyncApiMessage Message, string Assembly)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            foreach (var message in module.Messages)
            {
                if (seen.Add(message.FullName))
                {
                    messages.Add((message, module.AssemblyName));
                }
            }
        }

        var consumers = modules.SelectMany(static m => m.Consumers.Select(c => (Consumer: c, Assembly: m.AssemblyName))).ToList();

        // A consumer of a type declared in an assembly without a module here (built by an older generator) still gets its
        // channel and a message, without a payload schema.
        var unknown = new List<AsyncApiMessage>();
        foreach (var (consumer, _) in consumers)
        {
            if (seen.Add(consumer.MessageFullName))
            {
                var dot = consumer.MessageFullName.LastIndexOf('.');
                unknown.Add(new AsyncApiMessage(consumer.MessageFullName, dot < 0 ? consumer.MessageFullName : consumer.MessageFullName.Substring(dot + 1), consumer.Topic, AsyncApiPayloadKind.Custom, null, null, null, KeyKind.Utf8String, false));
            }
        }

        var ids = MessageIds(messages.Select(static m => m.Message).Concat(unknown));
        var channels = new JsonOut();
        var operations = new JsonOut();
        var componentMessages = new JsonOut();
        var schemas = new JsonOut();

        foreach (var (message, assembly) in messages)
        {
            var id = ids[message.FullName];
            Channel(channels, message.Topic, TopicDescription(message)).Object("messages").Set(id, JsonOut.Ref("#/components/messages/" + id));
            componentMessages.Set(id, MessageObject(message, id, assembly, schemas));
            var producer = message.Name + "Producer";
            operations.Set(UniqueId(operations, id + ".send"), new JsonOut()
                .Set("action", "send")
                .Set("channel", JsonOut.Ref(ChannelRef(message.Topic)))
                .Set("title", "Send " + message.Name)
                .Set("summary", producer + " (IKafkaProducer<" + message.FullName + ">).")
                .Set("messages", new List<object?> { JsonOut.Ref(ChannelRef(message.Topic) + "/messages/" + id) }));
        }

        foreach (var message in unknown)
        {
            var id = ids[message.FullName];
            Channel(channels, message.Topic, "The topic of " + message.FullName + ", declared in a referenced assembly without an AsyncAPI module (built by another Kafka.Typed version).")
                .Object("messages").Set(id, JsonOut.Ref("#/components/messages/" + id));
            componentMessages.Set(id, new JsonOut()
                .Set("name", message.Name)
                .Set("title", message.FullName)
                .Set("summary", "Declared in a referenced assembly that does not describe it; no payload schema is known here.")
                .Set("x-kafka-typed-type", message.FullName));
        }

        var byName = messages.Select(static m => m.Message).Concat(unknown).ToDictionary(static m => m.FullName, StringComparer.Ordinal);
        var deadLetterIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (consumer, assembly) in consumers)
        {
            var id = ids[consumer.MessageFullName];
            var message = byName[consumer.MessageFullName];
            var handlerName = Short(consumer.Handler);
            var channelRef = ChannelRef(consumer.Topic);
            if (!(Channel(channels, consumer.Topic, null).Object("messages").Get(id) is JsonOut))
            {
                // A handler's topic differs from its type's only when the analyzer already reported it (KTG203).
                Channel(channels, consumer.Topic, null).Object("messages").Set(id, JsonOut.Ref("#/components/messages/" + id));
            }

            var group = consumer.GroupId is { } g
                ? new JsonOut().Set("type", "string").Set("enum", new List<object?> { g })
                : new JsonOut().Set("type", "string").Set("description", "Not set in code: Kafka:Consumers:" + handlerName + ":GroupId, else Kafka:Consumer:GroupId, else {AppName}.{Server}.");
            var deadLetter = consumer.FailurePolicy == 1 ? null : consumer.DeadLetterTopic ?? consumer.Topic + ".dlq";
            var receive = new JsonOut()
                .Set("action", "receive")
                .Set("channel", JsonOut.Ref(channelRef))
                .Set("title", handlerName + " handles " + message.Name)
                .Set("summary", consumer.Handler + " (assembly " + assembly + "), group " + (consumer.GroupId ?? "from configuration") + ".")
                .Set("description", ReceiveDescription(consumer, handlerName, deadLetter))
                .Set("messages", new List<object?> { JsonOut.Ref(channelRef + "/messages/" + id) })
                .Set("bindings", new JsonOut().Set("kafka", new JsonOut().Set("groupId", group).Set("bindingVersion", KafkaBindingVersion)))
                .Set("x-kafka-typed-handler", consumer.Handler)
                .Set("x-kafka-typed-group-id", consumer.GroupId ?? (object)JsonNull.Instance);
            operations.Set(UniqueId(operations, Id(handlerName) + ".receive." + id), receive);

            if (deadLetter is null)
            {
                continue;
            }

            var deadLetterId = id + ".DeadLetter";
            if (deadLetterIds.Add(deadLetterId))
            {
                schemas.Set(DeadLetterHeadersId, DeadLetterHeaders());
                componentMessages.Set(deadLetterId, DeadLetterMessage(message, id, componentMessages));
            }

            Channel(channels, deadLetter, DeadLetterDescription(consumer.DeadLetterTopic is not null))
                .Object("messages").Set(deadLetterId, JsonOut.Ref("#/components/messages/" + deadLetterId));
            var deadLetterRef = ChannelRef(deadLetter);
            operations.Set(UniqueId(operations, Id(handlerName) + ".deadLetter." + id), new JsonOut()
                .Set("action", "send")
                .Set("channel", JsonOut.Ref(deadLetterRef))
                .Set("title", handlerName + " dead-letters " + message.Name)
                .Set("summary", "A record that fails its last attempt, with the kt-dlq-* headers.")
                .Set("messages", new List<object?> { JsonOut.Ref(deadLetterRef + "/messages/" + deadLetterId) })
                .Set("x-kafka-typed-handler", consumer.Handler));
        }

        var assemblies = modules.Select(static m => m.AssemblyName).ToList();
        var referenced = spec.Referenced.Where(static m => !m.IsEmpty).Select(static m => m.AssemblyName).ToList();
        var description = new StringBuilder();
        description.Append("The Kafka topics, message types, producers and consumer groups that AddKafkaTyped registers in ").Append(spec.AssemblyName);
        if (referenced.Count > 0)
        {
            description.Append(" (its own and those of the referenced assemblies ").Append(string.Join(", ", referenced)).Append(')');
        }

        description.Append(", generated by Kafka.Typed at build time. Topic and group names are the compiled ones: configuration may change them at run time (Kafka:Topics:{MessageType}, Kafka:TopicTemplate, Kafka:Consumers:{HandlerName}), as each channel and operation says.");

        var document = new JsonOut()
            .Set("asyncapi", "3.0.0")
            .Set("info", new JsonOut()
                .Set("title", spec.AssemblyName)
                .Set("version", spec.Version)
                .Set("description", description.ToString())
                .Set("x-kafka-typed-assemblies", assemblies.Select(static a => (object?)a).ToList()))
            .Set("channels", channels)
            .Set("operations", operations)
            .Set("components", new JsonOut().Set("schemas", schemas.Properties.Count == 0 ? null : schemas).Set("messages", componentMessages));
        // Compact: indentation about doubled the document (Avro and JSON schemas nest deep), and the constant is stored
        // twice in the assembly (metadata constant and, through Write, the user-string heap, which is limited to 16 MB).
        return JsonText.Write(document, indented: false);
    }

    /// <summary>Each message's id: its own name where no other message has it, else its full name; only characters AsyncAPI ids allow.</summary>
    private static Dictionary<string, string> MessageIds(IEnumerable<AsyncApiMessage> messages)
    {
        var all = messages.ToList();
        var counts = all.GroupBy(static m => Id(m.Name), StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in all)
        {
            var id = counts[Id(message.Name)] == 1 ? Id(message.Name) : Id(message.FullName);
            var unique = id;
            for (var i = 2; !used.Add(unique); i++)
            {
                unique = id + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            ids[message.FullName] = unique;
        }

        return ids;
    }

    /// <summary>An id of the characters AsyncAPI allows in component and operation keys (<c>[A-Za-z0-9._-]</c>), others as <c>_</c>.</summary>
    private static string Id(string text)
    {
        var id = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            id.Append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ? c : '_');
        }

        return id.ToString();
    }

    private static string UniqueId(JsonOut map, string id)
    {
        var unique = id;
        for (var i = 2; map.Get(unique) is not null; i++)
        {
            unique = id + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return unique;
    }

    private static string Short(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return dot < 0 ? fullName : fullName.Substring(dot + 1);
    }

    /// <summary>Topics are <c>[a-zA-Z0-9._-]</c>: a channel's key is its topic, and a JSON pointer to it needs no escape.</summary>
    private static string ChannelRef(string topic) => "#/channels/" + topic;

    private static JsonOut Channel(JsonOut channels, string topic, string? description)
    {
        if (channels.Get(topic) is JsonOut existing)
        {
            return existing;
        }

        var channel = new JsonOut()
            .Set("address", topic)
            .Set("description", description)
            .Set("messages", new JsonOut())
            .Set("bindings", new JsonOut().Set("kafka", new JsonOut().Set("topic", topic).Set("bindingVersion", KafkaBindingVersion)));
        channels.Set(topic, channel);
        return channel;
    }

    private static string TopicDescription(AsyncApiMessage message)
        => "[KafkaTopic] of " + message.FullName + "; Kafka:Topics:" + message.Name + " (or Kafka:Topics:" + message.FullName + ") replaces it, then Kafka:TopicTemplate applies.";

    private static string DeadLetterDescription(bool explicitTopic)
        => explicitTopic
            ? "Dead-letter topic of [KafkaConsumer(DeadLetterTopic)]; Kafka:Consumers:{HandlerName}:DeadLetterTopic replaces it, then Kafka:TopicTemplate applies."
            : "Default dead-letter topic: {topic}.dlq of the topic as resolved at run time; Kafka:Consumers:{HandlerName}:DeadLetterTopic or Kafka:Consumer:DeadLetterTopic replaces it, then Kafka:TopicTemplate applies.";

    private static string ReceiveDescription(AsyncApiConsumer consumer, string handlerName, string? deadLetter)
    {
        var text = new StringBuilder();
        text.Append("Kafka:Consumers:").Append(handlerName).Append(" overrides the attribute's settings. ");
        if (deadLetter is null)
        {
            text.Append("FailurePolicy.Skip: a record that fails its last attempt is logged and skipped.");
        }
        else if (consumer.FailurePolicy is null)
        {
            text.Append("Failure policy from configuration (dead letter by default): a record that fails its last attempt goes to ").Append(deadLetter).Append('.');
        }
        else
        {
            text.Append("FailurePolicy.DeadLetter: a record that fails its last attempt goes to ").Append(deadLetter).Append('.');
        }

        return text.ToString();
    }

    private static JsonOut MessageObject(AsyncApiMessage message, string id, string assembly, JsonOut schemas)
    {
        var result = new JsonOut()
            .Set("name", message.Name)
            .Set("title", message.FullName)
            .Set("summary", Summary(message, assembly))
            .Set("contentType", ContentType(message.Kind));
        if (Payload(message, id) is { } payload)
        {
            schemas.Set(id, payload);
            result.Set("payload", JsonOut.Ref("#/components/schemas/" + id));
        }

        if (message.MessageTypeName is { } typeName && message.Kind != AsyncApiPayloadKind.Avro)
        {
            // A topic of several types: this type's records carry their name in a header (Avro ones in the writer schema).
            result.Set("headers", new JsonOut()
                .Set("type", "object")
                .Set("required", new List<object?> { "kt-message-type" })
                .Set("properties", new JsonOut().Set("kt-message-type", new JsonOut().Set("type", "string").Set("const", typeName))));
        }

        return result
            .Set("bindings", new JsonOut().Set("kafka", KafkaMessageBinding(message)))
            .Set("x-kafka-typed-type", message.FullName)
            .Set("x-kafka-typed-format", message.Kind.ToString());
    }

    private static string Summary(AsyncApiMessage message, string assembly)
    {
        var declared = message.FullName + " (assembly " + assembly + ")";
        switch (message.Kind)
        {
            case AsyncApiPayloadKind.Avro:
                return declared + ": Avro in Confluent's wire format, its schema registered under {topic}-value.";
            case AsyncApiPayloadKind.JsonSchema:
                return declared + ": JSON in Confluent's JSON Schema wire format, its schema registered under {topic}-value.";
            case AsyncApiPayloadKind.Json:
                return declared + ": UTF-8 JSON of the generated codec, which the payload schema describes.";
            case AsyncApiPayloadKind.JsonContext:
                return declared + ": UTF-8 JSON written through the JsonSerializerContext " + message.Codec + "; no schema is derived from it.";
            default:
                return declared + ": written by the serializer " + message.Codec + "; its bytes are not described.";
        }
    }

    private static string ContentType(AsyncApiPayloadKind kind)
        => kind == AsyncApiPayloadKind.Avro ? "avro/binary" : kind == AsyncApiPayloadKind.Custom ? "application/octet-stream" : "application/json";

    private static JsonOut? Payload(AsyncApiMessage message, string id)
    {
        if (message.Schema is null)
        {
            return null;
        }

        var parsed = JsonNode.Parse(message.Schema);
        if (message.Kind == AsyncApiPayloadKind.Avro)
        {
            return new JsonOut().Set("schemaFormat", AvroSchemaFormat).Set("schema", JsonText.From(parsed));
        }

        // The derived JSON Schema refers to its root as "#" and to its definitions as "#/definitions/...": inside this
        // document those pointers are rebased onto the schema's place, so they resolve from the document's root.
        var root = "#/components/schemas/" + id + "/schema";
        return new JsonOut().Set("schemaFormat", JsonSchemaFormat).Set("schema", JsonText.From(parsed, r => r == "#" ? root : r.StartsWith("#/", StringComparison.Ordinal) ? root + r.Substring(1) : r));
    }

    private static JsonOut KafkaMessageBinding(AsyncApiMessage message)
    {
        var binding = new JsonOut().Set("key", KeySchema(message));
        if (message.Kind is AsyncApiPayloadKind.Avro or AsyncApiPayloadKind.JsonSchema)
        {
            binding.Set("schemaIdLocation", "payload").Set("schemaIdPayloadEncoding", "confluent").Set("schemaLookupStrategy", message.SubjectNameStrategy switch { 1 => "RecordNameStrategy", 2 => "TopicRecordNameStrategy", _ => "TopicNameStrategy" });
        }

        return binding.Set("bindingVersion", KafkaBindingVersion);
    }

    private static JsonOut KeySchema(AsyncApiMessage message)
    {
        if (message.KeyMember is not { } member)
        {
            return new JsonOut().Set("description", "No [KafkaKey] member: each send may give its record key as bytes (IKafkaExplicitKeyProducer), or none.");
        }

        var absent = message.KeyIsNullable ? " A null " + member + " sends no key." : string.Empty;
        switch (message.KeyKind)
        {
            case KeyKind.Utf8String:
                return new JsonOut().Set("type", "string").Set("description", "The UTF-8 of " + member + ". A null " + member + " sends no key.");
            case KeyKind.Guid:
                return new JsonOut().Set("type", "string").Set("format", "uuid").Set("description", "The UTF-8 text of " + member + " (format D)." + absent);
            case KeyKind.Bytes:
                return new JsonOut().Set("type", "string").Set("contentEncoding", "binary").Set("description", "The bytes of " + member + " as they are." + absent);
            case KeyKind.Int16:
                return new JsonOut().Set("type", "integer").Set("minimum", -32768).Set("maximum", 32767).Set("description", member + " as 2 bytes, big-endian." + absent);
            case KeyKind.Int32:
                return new JsonOut().Set("type", "integer").Set("format", "int32").Set("description", member + " as 4 bytes, big-endian." + absent);
            default:
                return new JsonOut().Set("type", "integer").Set("format", "int64").Set("description", member + " as 8 bytes, big-endian." + absent);
        }
    }

    /// <summary>The id of the one schema of the <c>kt-dlq-*</c> headers, which every dead-letter message refers to.</summary>
    private const string DeadLetterHeadersId = "KafkaTypedDeadLetterHeaders";

    private static JsonOut DeadLetterMessage(AsyncApiMessage message, string id, JsonOut componentMessages)
    {
        var original = componentMessages.Get(id) as JsonOut;
        return new JsonOut()
            .Set("name", message.Name + ".DeadLetter")
            .Set("title", "Dead letter of " + message.FullName)
            .Set("summary", "The record as consumed (key, value and original headers) plus the kt-dlq-* headers; a reference dead letter has no value.")
            .Set("contentType", original?.Get("contentType"))
            .Set("headers", JsonOut.Ref("#/components/schemas/" + DeadLetterHeadersId))
            .Set("payload", original?.Get("payload"))
            .Set("bindings", original?.Get("bindings"))
            .Set("x-kafka-typed-type", message.FullName);
    }

    private static JsonOut DeadLetterHeaders()
    {
        var headers = new JsonOut();
        void Header(string name, string description, string? format = null)
            => headers.Set(name, new JsonOut().Set("type", "string").Set("format", format).Set("description", description));
        Header("kt-dlq-error", "The last exception's message, UTF-8, at most 4,096 bytes (a longer one is cut and ends with U+2026).");
        Header("kt-dlq-exception-type", "The last exception's full type name (at most 512 bytes, as every other kt-dlq-* header).");
        Header("kt-dlq-attempts", "How many attempts were made, decimal.");
        Header("kt-dlq-original-topic", "The topic the record came from.");
        Header("kt-dlq-original-partition", "Its partition, decimal.");
        Header("kt-dlq-original-offset", "Its offset there, decimal.");
        Header("kt-dlq-original-timestamp", "Its timestamp in Unix milliseconds, decimal.");
        Header("kt-dlq-consumer-group", "The consumer group that gave up on it.");
        Header("kt-dlq-reference", "Only on a reference dead letter, written without value or original headers when the record itself could not be: why (for example MsgSizeTooLarge: ...).");

        return new JsonOut()
            .Set("type", "object")
            .Set("description", "The headers Kafka.Typed adds to a dead letter, after the record's own.")
            .Set("properties", headers)
            .Set("required", new List<object?> { "kt-dlq-error", "kt-dlq-exception-type", "kt-dlq-attempts", "kt-dlq-original-topic", "kt-dlq-original-partition", "kt-dlq-original-offset", "kt-dlq-original-timestamp", "kt-dlq-consumer-group" });
    }
}
