namespace Kafka.Typed;

/// <summary>Producer settings in configuration; <see langword="null"/> keeps the <see cref="ProducerOptions"/> default.</summary>
public sealed class KafkaTypedProducerSettings
{
    /// <summary>See <see cref="ProducerOptions.Acks"/>.</summary>
    public AckMode? Acks { get; set; }

    /// <summary>See <see cref="ProducerOptions.AutoCreateTopics"/>.</summary>
    public bool? AutoCreateTopics { get; set; }

    /// <summary>See <see cref="ProducerOptions.Partitioner"/>.</summary>
    public PartitionerKind? Partitioner { get; set; }

    /// <summary>See <see cref="ProducerOptions.FlushFrequency"/>.</summary>
    public TimeSpan? FlushFrequency { get; set; }

    /// <summary>See <see cref="ProducerOptions.Compression"/>.</summary>
    public KafkaCompression? Compression { get; set; }

    /// <summary>See <see cref="ProducerOptions.EnableIdempotence"/>.</summary>
    public bool? EnableIdempotence { get; set; }

    /// <summary>See <see cref="ProducerOptions.MessageTimeout"/>.</summary>
    public TimeSpan? MessageTimeout { get; set; }

    /// <summary>See <see cref="ProducerOptions.QueueCapacity"/>.</summary>
    public int? QueueCapacity { get; set; }

    /// <summary>See <see cref="ProducerOptions.QueueFull"/>.</summary>
    public QueueFullPolicy? QueueFull { get; set; }

    /// <summary>See <see cref="ProducerOptions.DisposeTimeout"/>.</summary>
    public TimeSpan? DisposeTimeout { get; set; }

    /// <summary>See <see cref="ProducerOptions.Settings"/>.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
