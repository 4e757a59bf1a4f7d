namespace Kafka.Typed;

/// <summary>
/// Marks a message type that is written to and read from one Kafka topic. The Kafka.Typed source generator implements
/// <see cref="IKafkaMessage{TSelf}"/> on the (partial) type and emits a typed producer named <c>{Type}Producer</c>.
/// </summary>
/// <example>
/// <code>
/// [KafkaTopic("orders.placed")]
/// public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class KafkaTopicAttribute : Attribute
{
    /// <summary>Marks the type as the message of <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic: 1 to 249 of <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c> (checked at compile time, KTG102).</param>
    public KafkaTopicAttribute(string topic)
    {
        Topic = topic;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>
    /// A type implementing <see cref="IKafkaSerializer{T}"/> for this message, with a public parameterless constructor.
    /// <see langword="null"/> (the default) uses the codec the generator writes for the type's public properties, in
    /// <see cref="Format"/>.
    /// </summary>
    public Type? Serializer { get; set; }

    /// <summary>
    /// The format of the generated codec (ignored when <see cref="Serializer"/> is set). <see cref="KafkaFormat.Avro"/>
    /// (the default) needs a Schema Registry: <c>Kafka:SchemaRegistry:Url</c>, or <see cref="Avro.KafkaAvroDefaults.Configure(Avro.AvroSerdeOptions)"/>.
    /// </summary>
    public KafkaFormat Format { get; set; }

    /// <summary>
    /// How the type's Schema Registry subject is named, and whether its topic may carry other message types. The default,
    /// <see cref="KafkaSubjectNameStrategy.TopicName"/>, gives the topic to this type alone (a second type on it is compile
    /// error KTG114). <see cref="KafkaSubjectNameStrategy.TopicRecordName"/> or <see cref="KafkaSubjectNameStrategy.RecordName"/>
    /// let several types share the topic: an Avro type's schema is registered under <c>{topic}-{record full name}</c> or
    /// <c>{record full name}</c> (as Confluent's serializers do with those strategies) and consumers tell the types apart by
    /// the writer schema's record name; a JSON, JSON Schema or custom-serializer type's producer writes the
    /// <see cref="KafkaMessageTypeHeader.Name"/> header (<see cref="MessageTypeName"/>) and consumers tell the types apart by
    /// it (a JSON Schema type's schema is registered under the strategy's subject, its record name being the type's full
    /// name, as for <c>Kafka:SchemaRegistry:SubjectNameStrategy</c>). The strategy is the type's: every topic it is written
    /// to (after <c>Kafka:Topics</c> and <c>Kafka:TopicTemplate</c>) uses it.
    /// </summary>
    public KafkaSubjectNameStrategy SubjectNameStrategy { get; set; }

    /// <summary>
    /// For a type that is not Avro, on a topic of several types: the value of its <see cref="KafkaMessageTypeHeader.Name"/>
    /// header (a discriminator such as <c>order-placed</c>). <see langword="null"/> (the default) uses the type's full name
    /// (<c>Shop.OrderPlaced</c>, nested types joined with dots). Needs a <see cref="SubjectNameStrategy"/> other than
    /// <see cref="KafkaSubjectNameStrategy.TopicName"/>; not allowed on Avro types, which are named by their record (KTG115).
    /// </summary>
    public string? MessageTypeName { get; set; }
}

/// <summary>The format of a message type's generated codec.</summary>
public enum KafkaFormat
{
    /// <summary>
    /// Avro in Confluent's wire format with Schema Registry (the default): the generator derives the schema and a
    /// reflection-free codec (<c>{Type}.AvroCodec</c>) and implements <c>Avro.Specific.ISpecificRecord</c> on the type.
    /// </summary>
    Avro = 0,

    /// <summary>UTF-8 JSON (camelCase property names unless <see cref="KafkaJsonAttribute"/> says otherwise), with no registry.</summary>
    Json = 1,

    /// <summary>
    /// The same JSON in Confluent's JSON Schema wire format (magic byte and schema id, as Confluent's
    /// <c>JsonSerializer&lt;T&gt;</c> writes): the generator derives a draft-7 JSON Schema from the type
    /// (<c>{Type}.KafkaTypedJsonSchema</c>), registered under <c>{topic}-value</c> on first send through the Schema Registry
    /// connection of the Avro format (<c>Kafka:SchemaRegistry:Url</c>, or <see cref="Avro.KafkaAvroDefaults"/>).
    /// </summary>
    JsonSchema = 2,
}

/// <summary>
/// Marks the property (or positional record parameter) whose value is the Kafka record key. Supported types:
/// <see cref="string"/> (UTF-8), <see cref="T:byte[]"/> (as is), <see cref="Guid"/> (UTF-8 text, format <c>D</c>),
/// <see cref="short"/>, <see cref="int"/>, <see cref="long"/> (big-endian, like the Java and Confluent serializers), and
/// their nullable forms (null means no key). At most one member per type (KTG106).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class KafkaKeyAttribute : Attribute
{
}

/// <summary>
/// Marks a handler class implementing <see cref="IKafkaHandler{T}"/>: the generated <c>AddKafkaTyped</c> runs it in a
/// consumer group as a hosted service, resolving the handler from a new DI scope for each message (or once, without a
/// scope per message, when the application registers the handler as a singleton itself).
/// </summary>
/// <remarks>
/// <para>The generator reads these arguments at compile time. The consumer's own configuration section
/// (<c>Kafka:Consumers:{HandlerName}</c>, see <see cref="KafkaTypedOptions.Consumers"/>) overrides them; an argument you
/// do not set comes from <c>Kafka:Consumer</c>, then from the <see cref="ConsumerOptions"/> defaults. The topic is the
/// message type's, which configuration may change (<see cref="KafkaTypedOptions.Topics"/>, <see cref="KafkaTypedOptions.TopicTemplate"/>).
/// Integer arguments use <see cref="FromConfiguration"/> to mean "not set"; enum arguments report whether they were set
/// through <see cref="IsFailurePolicySet"/>, <see cref="IsStartOffsetSet"/> and <see cref="IsConcurrencySet"/>.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class KafkaConsumerAttribute : Attribute
{
    /// <summary>The sentinel of the integer arguments meaning "not set: take the value from configuration".</summary>
    public const int FromConfiguration = int.MinValue;

    private FailurePolicy? _failurePolicy;
    private StartOffset? _startOffset;
    private ConsumerConcurrency? _concurrency;

    /// <summary>Consumes <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic; it must equal the <see cref="KafkaTopicAttribute.Topic"/> of the handled message type (KTG203).</param>
    public KafkaConsumerAttribute(string topic)
    {
        Topic = topic;
    }

    /// <summary>The topic consumed.</summary>
    public string Topic { get; }

    /// <summary>The consumer group id; <see langword="null"/> (not set) takes <c>Kafka:Consumer:GroupId</c>, else <see cref="KafkaAppConfig.DefaultGroupId"/>. Must not be empty (KTG204).</summary>
    public string? GroupId { get; set; }

    /// <summary>Retries after the first failed attempt, 0 to 1000 (KTG206); <see cref="FromConfiguration"/> when not set.</summary>
    public int MaxRetries { get; set; } = FromConfiguration;

    /// <summary>The delay before the first retry in milliseconds, 0 to 3,600,000; <see cref="FromConfiguration"/> when not set.</summary>
    public int RetryBackoffMilliseconds { get; set; } = FromConfiguration;

    /// <summary>The longest delay between retries in milliseconds, 0 to 3,600,000; <see cref="FromConfiguration"/> when not set.</summary>
    public int MaxRetryBackoffMilliseconds { get; set; } = FromConfiguration;

    /// <summary>How many handler calls may run at once, 1 to 1024 (KTG206); <see cref="FromConfiguration"/> when not set.</summary>
    public int MaxDegreeOfParallelism { get; set; } = FromConfiguration;

    /// <summary>For an <see cref="IKafkaBatchHandler{T}"/> only (KTG210): the most records per batch, 1 to 100,000 (KTG206); <see cref="FromConfiguration"/> when not set. See <see cref="ConsumerOptions.MaxBatchSize"/>.</summary>
    public int MaxBatchSize { get; set; } = FromConfiguration;

    /// <summary>For an <see cref="IKafkaBatchHandler{T}"/> only (KTG210): how long to wait for a batch to fill in milliseconds, 0 to 600,000 (KTG206); <see cref="FromConfiguration"/> when not set. See <see cref="ConsumerOptions.MaxBatchWait"/>.</summary>
    public int MaxBatchWaitMilliseconds { get; set; } = FromConfiguration;

    /// <summary>What happens after the last failed attempt. When not set (see <see cref="IsFailurePolicySet"/>) it comes from configuration.</summary>
    public FailurePolicy FailurePolicy
    {
        get => _failurePolicy ?? FailurePolicy.DeadLetter;
        set => _failurePolicy = value;
    }

    /// <summary>Whether <see cref="FailurePolicy"/> was set.</summary>
    public bool IsFailurePolicySet => _failurePolicy.HasValue;

    /// <summary>Where to start on a partition without a committed offset. When not set (see <see cref="IsStartOffsetSet"/>) it comes from configuration.</summary>
    public StartOffset StartOffset
    {
        get => _startOffset ?? StartOffset.Oldest;
        set => _startOffset = value;
    }

    /// <summary>Whether <see cref="StartOffset"/> was set.</summary>
    public bool IsStartOffsetSet => _startOffset.HasValue;

    /// <summary>How the messages of one partition may run (see <see cref="ConsumerConcurrency"/>). When not set (see <see cref="IsConcurrencySet"/>) it comes from configuration.</summary>
    public ConsumerConcurrency Concurrency
    {
        get => _concurrency ?? ConsumerConcurrency.InOrder;
        set => _concurrency = value;
    }

    /// <summary>Whether <see cref="Concurrency"/> was set.</summary>
    public bool IsConcurrencySet => _concurrency.HasValue;

    /// <summary>With <see cref="ConsumerConcurrency.PerKey"/>: messages of one partition in flight at once, 1 to 10,000 (KTG206); <see cref="FromConfiguration"/> when not set.</summary>
    public int MaxInFlightPerPartition { get; set; } = FromConfiguration;

    /// <summary>The dead-letter topic; <see langword="null"/> (not set) takes configuration, else <c>{topic}.dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }
}
