namespace Kafka.Typed;

/// <summary>How many replicas must acknowledge a write before it counts as sent.</summary>
public enum AckMode
{
    /// <summary><c>acks=0</c>: fire and forget; the broker does not answer. Fastest, may lose messages.</summary>
    None,

    /// <summary><c>acks=1</c>: the partition leader has written it.</summary>
    Leader,

    /// <summary><c>acks=all</c>: every in-sync replica has it. The default.</summary>
    All,
}

/// <summary>Compression codec for produced batches.</summary>
public enum KafkaCompression
{
    /// <summary>No compression. The default.</summary>
    None,

    /// <summary>gzip.</summary>
    Gzip,

    /// <summary>Snappy.</summary>
    Snappy,

    /// <summary>LZ4.</summary>
    Lz4,

    /// <summary>Zstandard.</summary>
    Zstd,
}

/// <summary>How a producer picks the partition of a message that has no explicit partition.</summary>
public enum PartitionerKind
{
    /// <summary>librdkafka's default: CRC32 of the key; messages without a key go to a random partition.</summary>
    ConsistentRandom,

    /// <summary>Murmur2 of the key, the Java client's choice (same key, same partition as Java producers).</summary>
    Murmur2Random,

    /// <summary>FNV-1a of the key, the Go sarama client's choice (same key, same partition as sarama producers).</summary>
    Fnv1aRandom,

    /// <summary>
    /// Every message to the next partition in turn, ignoring keys (the Go package's
    /// <c>ProducerWithRoundRobinPartitioner</c>; librdkafka has none, Kafka.Typed provides it).
    /// </summary>
    RoundRobin,
}

/// <summary>What <see cref="AsyncProducer.SendAsync(ProducerMessage, CancellationToken)"/> does when its queue is full.</summary>
public enum QueueFullPolicy
{
    /// <summary>Wait (honouring cancellation) until there is room. The default.</summary>
    Wait,

    /// <summary>Throw <see cref="KafkaQueueFullException"/> at once.</summary>
    FailFast,
}

/// <summary>
/// Options for <see cref="SyncProducer"/> and <see cref="AsyncProducer"/>. Every option of the Go package exists here:
/// <c>ProducerWithAckMode</c> → <see cref="Acks"/>, <c>ProducerWithAutoCreateTopics</c> → <see cref="AutoCreateTopics"/>,
/// <c>ProducerWithRoundRobinPartitioner</c> → <see cref="Partitioner"/>, <c>ProducerWithFlushFrequency</c> →
/// <see cref="FlushFrequency"/>, <c>ProducerWithCompression</c> → <see cref="Compression"/>,
/// <c>ProducerWithTLS</c> → <see cref="Tls"/>.
/// </summary>
public sealed class ProducerOptions
{
    /// <summary>Acknowledgement level. Default <see cref="AckMode.All"/>.</summary>
    public AckMode Acks { get; init; } = AckMode.All;

    /// <summary>Whether the broker may create a topic the first time it is written to (<c>allow.auto.create.topics</c>; the broker must allow it too). Default <see langword="false"/>.</summary>
    public bool AutoCreateTopics { get; init; }

    /// <summary>Partitioner for messages without an explicit partition. Default <see cref="PartitionerKind.ConsistentRandom"/>.</summary>
    public PartitionerKind Partitioner { get; init; } = PartitionerKind.ConsistentRandom;

    /// <summary>How long to wait to fill a batch before sending it (<c>linger.ms</c>). Default 5 ms; 0 to 15 minutes.</summary>
    public TimeSpan FlushFrequency { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Compression codec. Default <see cref="KafkaCompression.None"/>.</summary>
    public KafkaCompression Compression { get; init; } = KafkaCompression.None;

    /// <summary>Idempotent production (no duplicates or reordering on retry). <see langword="null"/> (the default) turns it on when <see cref="Acks"/> is <see cref="AckMode.All"/>; it requires that ack mode.</summary>
    public bool? EnableIdempotence { get; init; }

    /// <summary>How long librdkafka keeps retrying a message before reporting it failed (<c>message.timeout.ms</c>). Default 5 minutes.</summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>TLS for broker connections; <see langword="null"/> for plaintext.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>SASL authentication; <see langword="null"/> for none.</summary>
    public SaslOptions? Sasl { get; init; }

    /// <summary>
    /// <see cref="AsyncProducer"/> only: how many messages its queue holds before <see cref="QueueFull"/> applies. Default 100,000; 1 to 10,000,000.
    /// </summary>
    public int QueueCapacity { get; init; } = 100_000;

    /// <summary><see cref="AsyncProducer"/> only: what a send does when the queue is full. Default <see cref="QueueFullPolicy.Wait"/>.</summary>
    public QueueFullPolicy QueueFull { get; init; } = QueueFullPolicy.Wait;

    /// <summary>How long disposal waits for queued and in-flight messages to be acknowledged; what is still unsent then is reported as failed. Default 10 s.</summary>
    public TimeSpan DisposeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Raw librdkafka settings, applied last (see librdkafka's CONFIGURATION.md). Keys that Kafka.Typed owns are rejected.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>
    /// Where the producer's meter comes from: the application's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
    /// (<c>AddKafkaTyped</c> sets the container's for the producers it creates). <see langword="null"/> (the default): one
    /// process-wide meter. Either way the meter is named <see cref="KafkaTelemetry.Name"/>.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <inheritdoc />
    public override string ToString()
        => $"ProducerOptions {{ Acks = {Acks}, AutoCreateTopics = {AutoCreateTopics}, Partitioner = {Partitioner}, FlushFrequency = {FlushFrequency}, Compression = {Compression}, EnableIdempotence = {EnableIdempotence}, Tls = {Tls}, Sasl = {Sasl}, QueueCapacity = {QueueCapacity}, QueueFull = {QueueFull} }}";

    internal void Validate()
    {
        ClientConfigBuilder.CheckEnum(Acks, "ProducerOptions.Acks");
        ClientConfigBuilder.CheckEnum(Compression, "ProducerOptions.Compression");
        ClientConfigBuilder.CheckEnum(Partitioner, "ProducerOptions.Partitioner");
        ClientConfigBuilder.CheckEnum(QueueFull, "ProducerOptions.QueueFull");
        ClientConfigBuilder.CheckRange(FlushFrequency, TimeSpan.Zero, TimeSpan.FromMinutes(15), "ProducerOptions.FlushFrequency");
        ClientConfigBuilder.CheckRange(MessageTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(24), "ProducerOptions.MessageTimeout");
        ClientConfigBuilder.CheckRange(DisposeTimeout, TimeSpan.Zero, TimeSpan.FromHours(1), "ProducerOptions.DisposeTimeout");
        if ((long)MessageTimeout.TotalMilliseconds <= FlushFrequency.TotalMilliseconds)
        {
            // librdkafka refuses it too, but only when the client is built and in terms of its own keys.
            throw new KafkaConfigurationException("ProducerOptions.MessageTimeout", MessageTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                $"must be longer than FlushFrequency ({FlushFrequency.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}): a message must be able to wait for its batch");
        }

        if (QueueCapacity is < 1 or > 10_000_000)
        {
            throw new KafkaConfigurationException("ProducerOptions.QueueCapacity", QueueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 10,000,000");
        }

        if (EnableIdempotence == true && Acks != AckMode.All)
        {
            throw new KafkaConfigurationException("ProducerOptions.EnableIdempotence", "true", $"idempotence requires Acks = All (Acks is {Acks}); leave EnableIdempotence unset or set it to false");
        }

        Tls?.Validate("ProducerOptions.Tls");
        Sasl?.Validate("ProducerOptions.Sasl");
        ClientConfigBuilder.CheckRawSettings(Settings, "ProducerOptions.Settings", ClientConfigBuilder.ProducerOwnedKeys);
        if (Partitioner == PartitionerKind.RoundRobin && Settings?.TryGetValue("sticky.partitioning.linger.ms", out var sticky) == true && sticky.Trim() != "0")
        {
            throw new KafkaConfigurationException("ProducerOptions.Settings[\"sticky.partitioning.linger.ms\"]", sticky, "must be unset or 0 with Partitioner = RoundRobin (sticky partitioning would bypass it for messages without a key)");
        }
    }
}
