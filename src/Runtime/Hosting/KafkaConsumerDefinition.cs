namespace Kafka.Typed;

/// <summary>
/// The compile-time arguments of one <see cref="KafkaConsumerAttribute"/>, as the generated <c>AddKafkaTyped</c> passes
/// them. A <see langword="null"/> field was not set and comes from <see cref="KafkaTypedOptions.Consumer"/>; a field set in
/// the consumer's own section (<c>Kafka:Consumers:{HandlerName}</c>) overrides it (see <see cref="KafkaTypedOptions.ToConsumerOptions"/>).
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class KafkaConsumerDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="topic">The topic consumed.</param>
    /// <param name="handlerName">The handler's name, for logs and errors.</param>
    /// <param name="messageTypeName">The message type's name, for logs and errors.</param>
    public KafkaConsumerDefinition(string topic, string handlerName, string messageTypeName)
    {
        Topic = topic;
        HandlerName = handlerName;
        MessageTypeName = messageTypeName;
    }

    /// <summary>The topic consumed.</summary>
    public string Topic { get; }

    /// <summary>The handler's fully qualified name.</summary>
    public string HandlerName { get; }

    /// <summary>The message type's fully qualified name.</summary>
    public string MessageTypeName { get; }

    /// <summary>See <see cref="KafkaConsumerAttribute.GroupId"/>.</summary>
    public string? GroupId { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxRetries"/>.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.RetryBackoffMilliseconds"/>.</summary>
    public TimeSpan? RetryBackoff { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxRetryBackoffMilliseconds"/>.</summary>
    public TimeSpan? MaxRetryBackoff { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxDegreeOfParallelism"/>.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.FailurePolicy"/>.</summary>
    public FailurePolicy? FailurePolicy { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxBatchSize"/>.</summary>
    public int? MaxBatchSize { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxBatchWaitMilliseconds"/>.</summary>
    public TimeSpan? MaxBatchWait { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.Concurrency"/>.</summary>
    public ConsumerConcurrency? Concurrency { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.MaxInFlightPerPartition"/>.</summary>
    public int? MaxInFlightPerPartition { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.StartOffset"/>.</summary>
    public StartOffset? StartOffset { get; init; }

    /// <summary>See <see cref="KafkaConsumerAttribute.DeadLetterTopic"/>.</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>
    /// Set by the generator when the handler's one public constructor takes no parameters, so its generated factory reads
    /// nothing from the service provider and a DI scope could hold nothing for it. Unless the handler is disposable or the
    /// application registers it itself, it is then created for each message without a scope.
    /// </summary>
    public bool HandlerHasNoDependencies { get; init; }

    /// <summary>A copy consuming <paramref name="topic"/> (the topic configuration resolved), every other field unchanged.</summary>
    /// <param name="topic">The topic to consume.</param>
    public KafkaConsumerDefinition WithTopic(string topic) => new(topic, HandlerName, MessageTypeName)
    {
        GroupId = GroupId,
        MaxRetries = MaxRetries,
        RetryBackoff = RetryBackoff,
        MaxRetryBackoff = MaxRetryBackoff,
        MaxDegreeOfParallelism = MaxDegreeOfParallelism,
        FailurePolicy = FailurePolicy,
        MaxBatchSize = MaxBatchSize,
        MaxBatchWait = MaxBatchWait,
        Concurrency = Concurrency,
        MaxInFlightPerPartition = MaxInFlightPerPartition,
        StartOffset = StartOffset,
        DeadLetterTopic = DeadLetterTopic,
        HandlerHasNoDependencies = HandlerHasNoDependencies,
    };

    /// <inheritdoc />
    public override string ToString() => $"{HandlerName} ({Topic}, group {GroupId ?? "from configuration"})";
}
