namespace Kafka.Typed;

/// <summary>Consumer settings in configuration; <see langword="null"/> keeps the <see cref="ConsumerOptions"/> default.</summary>
public sealed class KafkaTypedConsumerSettings
{
    /// <summary>
    /// Whether the consumer runs. In <c>Kafka:Consumers:{HandlerName}</c> it switches that consumer; in <c>Kafka:Consumer</c>
    /// it is the default of all (as <c>Kafka:Consumers:Enabled</c> is, which wins over it).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// The cluster the consumer reads from (a key of <see cref="KafkaTypedOptions.Clusters"/>); in
    /// <c>Kafka:Consumers:{HandlerName}</c> only. <see langword="null"/>: the message type's cluster, else the default.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>See <see cref="ConsumerOptions.GroupId"/>.</summary>
    public string? GroupId { get; set; }

    /// <summary>See <see cref="ConsumerOptions.StartOffset"/>.</summary>
    public StartOffset? StartOffset { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxRetries"/>.</summary>
    public int? MaxRetries { get; set; }

    /// <summary>See <see cref="ConsumerOptions.Backoff"/>.</summary>
    public KafkaTypedBackoffSettings Backoff { get; } = new();

    /// <summary>See <see cref="ConsumerOptions.FailurePolicy"/>.</summary>
    public FailurePolicy? FailurePolicy { get; set; }

    /// <summary>See <see cref="ConsumerOptions.DeadLetterTopic"/>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>See <see cref="ConsumerOptions.AutoCreateTopics"/>.</summary>
    public bool? AutoCreateTopics { get; set; }

    /// <summary>See <see cref="ConsumerOptions.DisablePayloadLogging"/>.</summary>
    public bool? DisablePayloadLogging { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxDegreeOfParallelism"/>.</summary>
    public int? MaxDegreeOfParallelism { get; set; }

    /// <summary>See <see cref="ConsumerOptions.Concurrency"/>.</summary>
    public ConsumerConcurrency? Concurrency { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxInFlightPerPartition"/>.</summary>
    public int? MaxInFlightPerPartition { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBufferedMessagesPerPartition"/>.</summary>
    public int? MaxBufferedMessagesPerPartition { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBatchSize"/>.</summary>
    public int? MaxBatchSize { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBatchWait"/>.</summary>
    public TimeSpan? MaxBatchWait { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBufferedMessages"/>.</summary>
    public int? MaxBufferedMessages { get; set; }

    /// <summary>See <see cref="ConsumerOptions.ShutdownTimeout"/>.</summary>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>See <see cref="ConsumerOptions.CommitInterval"/>.</summary>
    public TimeSpan? CommitInterval { get; set; }

    /// <summary>See <see cref="ConsumerOptions.SessionTimeout"/>.</summary>
    public TimeSpan? SessionTimeout { get; set; }

    /// <summary>See <see cref="ConsumerOptions.HeartbeatInterval"/>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>See <see cref="ConsumerOptions.TraceContext"/>.</summary>
    public TraceContextMode? TraceContext { get; set; }

    /// <summary>
    /// On a topic that carries several message types: what a record of a type none of the group's handlers takes gets
    /// (<see cref="UnknownMessageTypePolicy"/>; <see cref="UnknownMessageTypePolicy.Skip"/> when no layer sets it).
    /// </summary>
    public UnknownMessageTypePolicy? UnknownMessageTypes { get; set; }

    /// <summary>See <see cref="ConsumerOptions.Settings"/>.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
