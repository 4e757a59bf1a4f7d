namespace Kafka.Typed;

/// <summary>
/// How a message type's Schema Registry subject is named, and with it whether its topic may carry other message types
/// too (<see cref="KafkaTopicAttribute.SubjectNameStrategy"/>). The names and subjects are Confluent's.
/// </summary>
public enum KafkaSubjectNameStrategy
{
    /// <summary>
    /// <c>{topic}-value</c>: the topic carries this type only (the default). Two types on one topic with this strategy are
    /// compile error KTG114. An Avro type then follows <c>Kafka:SchemaRegistry:SubjectNameStrategy</c>.
    /// </summary>
    TopicName = 0,

    /// <summary>
    /// The record's full name (<c>Shop.OrderPlaced</c>), as Confluent's <c>RecordNameStrategy</c>: one schema lineage per
    /// type across every topic. The topic may carry other types with <see cref="RecordName"/> or <see cref="TopicRecordName"/>.
    /// </summary>
    RecordName = 1,

    /// <summary>
    /// <c>{topic}-{record full name}</c>, as Confluent's <c>TopicRecordNameStrategy</c>: one schema lineage per type and
    /// topic. The topic may carry other types with <see cref="RecordName"/> or <see cref="TopicRecordName"/>.
    /// </summary>
    TopicRecordName = 2,
}

/// <summary>
/// What a consumer of a topic that carries several message types does with a record of a type none of its group's
/// handlers takes (<see cref="KafkaMessageRouter"/>; in configuration <c>Kafka:Consumer:UnknownMessageTypes</c> or
/// <c>Kafka:Consumers:{HandlerName}:UnknownMessageTypes</c>).
/// </summary>
public enum UnknownMessageTypePolicy
{
    /// <summary>
    /// Passes the record over as handled (its offset is committed), logs it at debug level (event 340) and counts it in
    /// <see cref="KafkaMessageRouter.SkippedUnknownTypes"/> and the metric <c>kafka.typed.consumer.unknown_types_skipped</c>
    /// (attribute <c>kafka.typed.message_type</c>). The default: a group usually takes only some of a topic's types.
    /// </summary>
    Skip = 0,

    /// <summary>
    /// Fails the record with <see cref="NonRetriableMessageException"/> naming its type, so the consumer's failure policy
    /// applies at once: dead-lettered with <see cref="FailurePolicy.DeadLetter"/> (the default), skipped and counted with
    /// <see cref="FailurePolicy.Skip"/>. Never lost silently.
    /// </summary>
    DeadLetter = 1,
}

/// <summary>The record header that names the message type of a non-Avro record on a topic that carries several types.</summary>
public static class KafkaMessageTypeHeader
{
    /// <summary>
    /// <c>kt-message-type</c>: written by the producers of every JSON, JSON Schema or custom-serializer type whose
    /// <see cref="KafkaTopicAttribute.SubjectNameStrategy"/> is not <see cref="KafkaSubjectNameStrategy.TopicName"/>; its
    /// value is the type's <see cref="IKafkaMessage{TSelf}.MessageTypeName"/> in UTF-8 (the type's full name, or
    /// <see cref="KafkaTopicAttribute.MessageTypeName"/>).
    /// </summary>
    public const string Name = "kt-message-type";
}
