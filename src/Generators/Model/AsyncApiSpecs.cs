namespace Kafka.Typed.Generators.Model;

/// <summary>How a message's value is written, as the AsyncAPI document describes it.</summary>
internal enum AsyncApiPayloadKind
{
    /// <summary>Avro in Confluent's wire format; <see cref="AsyncApiMessage.Schema"/> is the Avro schema.</summary>
    Avro = 0,

    /// <summary>Plain UTF-8 JSON; <see cref="AsyncApiMessage.Schema"/> is the draft-07 JSON Schema of the generated codec.</summary>
    Json = 1,

    /// <summary>JSON in Confluent's JSON Schema wire format; <see cref="AsyncApiMessage.Schema"/> is the schema registered.</summary>
    JsonSchema = 2,

    /// <summary>JSON through the user's <c>JsonSerializerContext</c>: no schema is derived.</summary>
    JsonContext = 3,

    /// <summary>The user's <c>IKafkaSerializer&lt;T&gt;</c>: the bytes are opaque.</summary>
    Custom = 4,
}

/// <summary>One <c>[KafkaTopic]</c> type as the AsyncAPI document sees it.</summary>
/// <param name="FullName">The type's full name as configuration keys use it (<c>Shop.OrderPlaced</c>, nested types joined with dots).</param>
/// <param name="Name">The type's own name (<c>OrderPlaced</c>).</param>
/// <param name="Topic">The compile-time topic.</param>
/// <param name="Kind">How the value is written.</param>
/// <param name="Schema">The Avro schema or JSON Schema (compact JSON), or <see langword="null"/>.</param>
/// <param name="Codec">The serializer or <c>JsonSerializerContext</c> named by the user (<see cref="AsyncApiPayloadKind.Custom"/>, <see cref="AsyncApiPayloadKind.JsonContext"/>), else <see langword="null"/>.</param>
/// <param name="KeyMember">The <c>[KafkaKey]</c> member, or <see langword="null"/> for a keyless type (explicit keys).</param>
/// <param name="KeyKind">How the key member becomes bytes.</param>
/// <param name="KeyIsNullable">The key member is a nullable value type (null: no record key).</param>
/// <param name="SubjectNameStrategy">The type's <c>KafkaSubjectNameStrategy</c>: 0 TopicName, 1 RecordName, 2 TopicRecordName.</param>
/// <param name="MessageTypeName">On a topic of several types: the Avro record's full name, or the <c>kt-message-type</c> header value; else <see langword="null"/>.</param>
internal sealed record AsyncApiMessage(
    string FullName,
    string Name,
    string Topic,
    AsyncApiPayloadKind Kind,
    string? Schema,
    string? Codec,
    string? KeyMember,
    KeyKind KeyKind,
    bool KeyIsNullable,
    int SubjectNameStrategy = 0,
    string? MessageTypeName = null);

/// <summary>One <c>[KafkaConsumer]</c> attribute as the AsyncAPI document sees it.</summary>
/// <param name="Handler">The handler's full name (the key of <c>Kafka:Consumers:{HandlerName}</c>).</param>
/// <param name="MessageFullName">The handled type's full name.</param>
/// <param name="Topic">The compile-time topic.</param>
/// <param name="GroupId">The compile-time group id, or <see langword="null"/> (from configuration).</param>
/// <param name="FailurePolicy">0 dead letter, 1 skip, <see langword="null"/> from configuration (dead letter by default).</param>
/// <param name="DeadLetterTopic">The compile-time dead-letter topic, or <see langword="null"/> (configuration, else <c>{topic}.dlq</c>).</param>
internal sealed record AsyncApiConsumer(
    string Handler,
    string MessageFullName,
    string Topic,
    string? GroupId,
    int? FailurePolicy,
    string? DeadLetterTopic);

/// <summary>What one assembly contributes to an AsyncAPI document: its message types and consumers, each sorted.</summary>
internal sealed record AsyncApiModule(
    string AssemblyName,
    ImmutableEquatableArray<AsyncApiMessage> Messages,
    ImmutableEquatableArray<AsyncApiConsumer> Consumers)
{
    public bool IsEmpty => Messages.Count == 0 && Consumers.Count == 0;
}

/// <summary>
/// What the compilation contributes, read once per compilation: its name and version, whether another assembly's
/// document class is visible here (InternalsVisibleTo), and the AsyncAPI modules of the referenced assemblies.
/// </summary>
internal sealed record AsyncApiReferences(
    string AssemblyName,
    string Version,
    bool OtherDocumentVisible,
    ImmutableEquatableArray<AsyncApiModule> Modules);

/// <summary>
/// The generated <c>KafkaTyped.AsyncApi.g.cs</c>: this assembly's own module (published to the assemblies that reference
/// it), and the document of everything this assembly registers: its own types and those of the referenced modules.
/// </summary>
internal sealed record AsyncApiSpec(
    string AssemblyName,
    string Version,
    string ClassName,
    AsyncApiModule Own,
    ImmutableEquatableArray<AsyncApiModule> Referenced);
