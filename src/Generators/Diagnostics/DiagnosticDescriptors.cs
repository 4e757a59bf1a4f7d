using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators.Diagnostics;

/// <summary>
/// Every diagnostic of Kafka.Typed. IDs: 0xx environment, 1xx topics and messages, 2xx handlers and groups,
/// 3xx Avro and schemas, 9xx internal. Each has a page under <c>docs/diagnostics/</c>. KTG004 is taken though not here:
/// the warning of the package's MSBuild step that writes the AsyncAPI document (<c>Kafka.Typed.AsyncApi.targets</c>).
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Kafka.Typed";

    public const string LanguageVersionTooLowId = "KTG001";
    public const string ForeignRegistrationId = "KTG002";
    public const string TypeNotPartialId = "KTG101";
    public const string InvalidTopicId = "KTG102";
    public const string GenericMessageId = "KTG103";
    public const string AbstractMessageId = "KTG104";
    public const string InaccessibleTypeId = "KTG105";
    public const string MultipleKeysId = "KTG106";
    public const string UnsupportedKeyTypeId = "KTG107";
    public const string UnsupportedMemberTypeId = "KTG108";
    public const string NoUsableConstructorId = "KTG109";
    public const string InvalidSerializerId = "KTG110";
    public const string UnreadableKeyId = "KTG111";
    public const string DuplicateJsonNameId = "KTG112";
    public const string InvalidJsonContextId = "KTG113";
    public const string SharedTopicNeedsStrategyId = "KTG114";
    public const string InvalidMessageTypeOptionId = "KTG115";
    public const string AmbiguousMessageTypeId = "KTG116";
    public const string UndefinedEnumValueId = "KTG117";
    public const string HandWrittenMessageImplementationId = "KTG118";
    public const string GeneratedTypeNameTakenId = "KTG119";
    public const string GeneratedMemberNameTakenId = "KTG120";
    public const string HandlerInterfaceMissingId = "KTG201";
    public const string HandledTypeNotTopicId = "KTG202";
    public const string TopicMismatchId = "KTG203";
    public const string EmptyGroupIdId = "KTG204";
    public const string DuplicateHandlerId = "KTG205";
    public const string OptionOutOfRangeId = "KTG206";
    public const string InvalidHandlerTypeId = "KTG207";
    public const string AmbiguousHandlerId = "KTG208";
    public const string BatchOptionOnSingleHandlerId = "KTG210";
    public const string SingleAndBatchHandlerId = "KTG211";
    public const string PerKeyBatchHandlerId = "KTG212";
    public const string UnsupportedAvroMemberId = "KTG301";
    public const string InvalidAvroAttributeId = "KTG302";
    public const string AvroNameClashId = "KTG303";
    public const string IncompatibleSchemaId = "KTG304";
    public const string InvalidCommittedSchemaId = "KTG305";

    private const string HelpBase = "https://github.com/kafka-typed/kafka-typed/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Create(LanguageVersionTooLowId,
        "C# 11 or later is required",
        "Kafka.Typed generates static abstract interface members, which need C# 11 or later; the project uses C# {0}");

    public static readonly DiagnosticDescriptor ForeignRegistration = Create(ForeignRegistrationId,
        "AddKafkaTyped binds to another assembly's registration",
        "{0}; call services.{1}(...), this assembly's registration, which registers its own Kafka.Typed types and composes those of every referenced assembly");

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(TypeNotPartialId,
        "Message type must be partial",
        "The type '{0}' must be declared partial so that Kafka.Typed can implement IKafkaMessage<{1}> on it");

    public static readonly DiagnosticDescriptor InvalidTopic = Create(InvalidTopicId,
        "Invalid Kafka topic name",
        "'{0}' is not a valid Kafka topic name: {1}");

    public static readonly DiagnosticDescriptor GenericMessage = Create(GenericMessageId,
        "Message type must not be generic",
        "The message type '{0}' is generic (or nested in a generic type); a [KafkaTopic] type must be a closed, non-generic type");

    public static readonly DiagnosticDescriptor AbstractMessage = Create(AbstractMessageId,
        "Message type must be concrete",
        "The message type '{0}' is {1}; a [KafkaTopic] type must be a concrete class, record or struct (not a ref struct)");

    public static readonly DiagnosticDescriptor InaccessibleType = Create(InaccessibleTypeId,
        "Type must be accessible to the generated code",
        "The type '{0}' is {1}; Kafka.Typed types must be public or internal (as must every type containing them)");

    public static readonly DiagnosticDescriptor MultipleKeys = Create(MultipleKeysId,
        "More than one [KafkaKey] member",
        "The message type '{0}' has more than one [KafkaKey] member ('{1}' and '{2}'); a record has one key");

    public static readonly DiagnosticDescriptor UnsupportedKeyType = Create(UnsupportedKeyTypeId,
        "Unsupported key type",
        "The key member '{0}' has type '{1}'; a [KafkaKey] member must be string, byte[], Guid, short, int or long (or a nullable form)");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(UnsupportedMemberTypeId,
        "Member type not supported by the JSON codec",
        "The member '{0}' of '{1}' has type '{2}', which the generated JSON codec cannot map; use a supported type, mark it [JsonIgnore], or set [KafkaTopic(Serializer = ...)]");

    public static readonly DiagnosticDescriptor NoUsableConstructor = Create(NoUsableConstructorId,
        "No constructor the JSON codec can use",
        "The message type '{0}' has no constructor the generated JSON codec can call: {1}");

    public static readonly DiagnosticDescriptor UnreadableKey = Create(UnreadableKeyId,
        "Key member cannot be read",
        "The key member '{0}' of '{1}' is {2}; a [KafkaKey] member must be a public instance property with a public getter");

    public static readonly DiagnosticDescriptor DuplicateJsonName = Create(DuplicateJsonNameId,
        "Two members share one JSON name",
        "The members '{0}' and '{1}' of '{2}' both map to the JSON name '{3}'; give one another name with [JsonPropertyName] or mark it [JsonIgnore]");

    public static readonly DiagnosticDescriptor InvalidJsonContext = Create(InvalidJsonContextId,
        "Invalid JSON serializer context",
        "The JSON context '{0}' named for '{1}' cannot serialize it: {2}");

    public static readonly DiagnosticDescriptor InvalidSerializer = Create(InvalidSerializerId,
        "Invalid serializer type",
        "The serializer '{0}' must be a non-abstract class implementing IKafkaSerializer<{1}> with a public parameterless constructor");

    public static readonly DiagnosticDescriptor SharedTopicNeedsStrategy = Create(SharedTopicNeedsStrategyId,
        "Several message types on a topic of one type",
        "The types '{0}' and '{1}' are both written to topic '{2}', but '{3}' uses SubjectNameStrategy TopicName, which gives the topic to one type (one schema subject '{2}-value', no way for a consumer to tell the types apart); set SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName (or RecordName) on the [KafkaTopic] of every type of the topic, or give each type its own topic",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidMessageTypeOption = Create(InvalidMessageTypeOptionId,
        "Invalid message type option",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor AmbiguousMessageType = Create(AmbiguousMessageTypeId,
        "Two handled message types of one group share a name",
        "'{0}' and '{1}' handle '{2}' and '{3}' on topic '{4}' in consumer group {5}, but both types are named '{6}' there (Avro record full name or kt-message-type header), so their group member cannot tell their records apart; rename one (MessageTypeName, or [AvroName(..., Namespace = ...)] for Avro) or give one handler another group",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Create(UndefinedEnumValueId,
        "Undefined enum value in a Kafka.Typed attribute",
        "{0} = {1} is not a defined {2} value; use one of {3}");

    public static readonly DiagnosticDescriptor HandWrittenMessageImplementation = Create(HandWrittenMessageImplementationId,
        "Message type implements IKafkaMessage<T> by hand",
        "The [KafkaTopic] type '{0}' {1}; the generator implements IKafkaMessage<T> for a [KafkaTopic] type, so remove the hand-written member (or [KafkaTopic])");

    public static readonly DiagnosticDescriptor GeneratedTypeNameTaken = Create(GeneratedTypeNameTakenId,
        "A declaration has the name of a generated type",
        "The {0} generated for '{1}' is named '{2}', which {3}; rename the message type or the other declaration");

    public static readonly DiagnosticDescriptor GeneratedMemberNameTaken = Create(GeneratedMemberNameTakenId,
        "A member has the name of a generated member",
        "'{0}' {1}, the name under which the generator adds {2} to it; rename it");

    public static readonly DiagnosticDescriptor HandlerInterfaceMissing = Create(HandlerInterfaceMissingId,
        "Handler does not implement IKafkaHandler<T>",
        "The [KafkaConsumer] type '{0}' does not implement IKafkaHandler<T> or IKafkaBatchHandler<T>");

    public static readonly DiagnosticDescriptor HandledTypeNotTopic = Create(HandledTypeNotTopicId,
        "Handled type has no [KafkaTopic]",
        "'{0}' handles '{1}', which has no [KafkaTopic] attribute");

    public static readonly DiagnosticDescriptor TopicMismatch = Create(TopicMismatchId,
        "Consumer topic differs from the message topic",
        "'{0}' consumes topic '{1}' but its message type '{2}' is written to topic '{3}'");

    public static readonly DiagnosticDescriptor EmptyGroupId = Create(EmptyGroupIdId,
        "Empty consumer group id",
        "The GroupId of '{0}' is empty; set a group id or leave GroupId unset to take it from configuration");

    public static readonly DiagnosticDescriptor DuplicateHandler = Create(DuplicateHandlerId,
        "Two handlers for the same group and topic",
        "'{0}' and '{1}' both handle topic '{2}' in consumer group {3}; each message would reach only one of them",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor OptionOutOfRange = Create(OptionOutOfRangeId,
        "Consumer option out of range",
        "{0} = {1} on '{2}' is invalid: {3}");

    public static readonly DiagnosticDescriptor InvalidHandlerType = Create(InvalidHandlerTypeId,
        "Handler must be a concrete, non-generic class",
        "The handler '{0}' is {1}; a [KafkaConsumer] type must be a non-abstract, non-generic class");

    public static readonly DiagnosticDescriptor AmbiguousHandler = Create(AmbiguousHandlerId,
        "Ambiguous handled type",
        "'{0}' implements IKafkaHandler<T> for several types and none (or more than one) is written to topic '{1}'");

    public static readonly DiagnosticDescriptor BatchOptionOnSingleHandler = Create(BatchOptionOnSingleHandlerId,
        "Batch option on a handler that does not take batches",
        "{0} is set on '{1}', which handles '{2}' one message at a time; batch options apply to IKafkaBatchHandler<T> handlers only: remove it, or implement IKafkaBatchHandler<{2}> instead of IKafkaHandler<{2}>");

    public static readonly DiagnosticDescriptor SingleAndBatchHandler = Create(SingleAndBatchHandlerId,
        "Handler takes the same type one at a time and in batches",
        "'{0}' implements both IKafkaHandler<{1}> and IKafkaBatchHandler<{1}>; a handler takes a type's messages one way: implement one of them, or split it into two classes with their own [KafkaConsumer] group ids");

    public static readonly DiagnosticDescriptor PerKeyBatchHandler = Create(PerKeyBatchHandlerId,
        "Per-key concurrency on a batch handler",
        "Concurrency = ConsumerConcurrency.PerKey is set on '{0}', a batch handler: a batch is a run of one partition's records in offset order, handled and settled together, so it cannot also run its keys apart; remove Concurrency (or set InOrder), or implement IKafkaHandler<{1}> to handle keys concurrently");

    public static readonly DiagnosticDescriptor UnsupportedAvroMember = Create(UnsupportedAvroMemberId,
        "Member type has no Avro mapping",
        "The member '{0}' has type '{1}', which has no Avro mapping: {2}; change the type, mark it [AvroIgnore], or use [KafkaTopic(Format = KafkaFormat.Json)] or a Serializer");

    public static readonly DiagnosticDescriptor InvalidAvroAttribute = Create(InvalidAvroAttributeId,
        "Invalid Avro name, default or decimal attribute",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor AvroNameClash = Create(AvroNameClashId,
        "Two types share one Avro name",
        "The Avro name '{0}' is used by both '{1}' and '{2}' (reached through '{3}'); rename one with [AvroName(..., Namespace = ...)]");

    public static readonly DiagnosticDescriptor IncompatibleSchema = Create(IncompatibleSchemaId,
        "Avro schema is not compatible with the committed schema",
        "The Avro schema of '{0}' is not {1} compatible with the committed schema '{2}': {3}. Fix the type, or, if the break is intended, replace the committed file with the current schema (see docs/avro.md, \"Schema evolution check\")");

    public static readonly DiagnosticDescriptor InvalidCommittedSchema = Create(InvalidCommittedSchemaId,
        "Committed Avro schema cannot be read",
        "The committed schema '{0}' cannot be read: {1}");

    public static readonly DiagnosticDescriptor[] All =
    {
        LanguageVersionTooLow, ForeignRegistration, TypeNotPartial, InvalidTopic, GenericMessage, AbstractMessage, InaccessibleType,
        MultipleKeys, UnsupportedKeyType, UnsupportedMemberType, NoUsableConstructor, InvalidSerializer, UnreadableKey,
        DuplicateJsonName, InvalidJsonContext, SharedTopicNeedsStrategy, InvalidMessageTypeOption, AmbiguousMessageType,
        UndefinedEnumValue, HandWrittenMessageImplementation, GeneratedTypeNameTaken, GeneratedMemberNameTaken,
        HandlerInterfaceMissing, HandledTypeNotTopic, TopicMismatch, EmptyGroupId, DuplicateHandler, OptionOutOfRange,
        InvalidHandlerType, AmbiguousHandler, BatchOptionOnSingleHandler, SingleAndBatchHandler, PerKeyBatchHandler, UnsupportedAvroMember, InvalidAvroAttribute, AvroNameClash, IncompatibleSchema,
        InvalidCommittedSchema,
    };

    private static DiagnosticDescriptor Create(string id, string title, string message, params string[] tags)
        => new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md", customTags: tags);
}
