using Microsoft.Extensions.Logging;

namespace Kafka.Typed.Testing;

/// <summary>
/// Options for <see cref="EmbeddedKafkaCluster.Start(EmbeddedKafkaClusterOptions?)"/>. They are
/// validated when the cluster starts; an invalid value throws an
/// <see cref="ArgumentOutOfRangeException"/> whose message names the property and the allowed range.
/// </summary>
public sealed class EmbeddedKafkaClusterOptions
{
    /// <summary>The smallest allowed <see cref="BrokerCount"/>.</summary>
    public const int MinBrokerCount = 1;

    /// <summary>The largest allowed <see cref="BrokerCount"/>.</summary>
    public const int MaxBrokerCount = 16;

    /// <summary>
    /// The number of brokers, <see cref="MinBrokerCount"/> to <see cref="MaxBrokerCount"/>;
    /// default 3. Broker ids run from 1 to this value.
    /// </summary>
    public int BrokerCount { get; set; } = 3;

    /// <summary>
    /// Receives librdkafka's own log lines for the cluster (category
    /// <c>Kafka.Typed.Testing.EmbeddedKafkaCluster</c>). When null (the default) they are discarded.
    /// Client logs are not affected: each Confluent.Kafka client has its own log handler.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// librdkafka debug contexts for the cluster's log lines (its <c>debug</c> property, for example
    /// <c>"mock"</c> to see every request the brokers receive), logged at <see cref="LogLevel.Debug"/>.
    /// Null (the default) enables none. Only useful together with <see cref="LoggerFactory"/>.
    /// </summary>
    public string? DebugContexts { get; set; }

    /// <summary>
    /// How long a classic consumer group waits for more members before its first rebalance
    /// (the broker's <c>group.initial.rebalance.delay.ms</c>). Default <see cref="TimeSpan.Zero"/>,
    /// so a subscriber gets its assignment in milliseconds; librdkafka's mock default is 3 seconds.
    /// </summary>
    public TimeSpan InitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The heartbeat interval the brokers ask KIP-848 consumers (<c>group.protocol=consumer</c>) to
    /// use (<c>group.consumer.heartbeat.interval.ms</c>). Null (the default) keeps librdkafka's mock default.
    /// </summary>
    public TimeSpan? ConsumerGroupHeartbeatInterval { get; set; }

    /// <summary>
    /// The session timeout for KIP-848 consumers (<c>group.consumer.session.timeout.ms</c>).
    /// Null (the default) keeps librdkafka's mock default.
    /// </summary>
    public TimeSpan? ConsumerGroupSessionTimeout { get; set; }

    internal void Validate()
    {
        if (BrokerCount is < MinBrokerCount or > MaxBrokerCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BrokerCount),
                BrokerCount,
                $"{nameof(EmbeddedKafkaClusterOptions)}.{nameof(BrokerCount)} must be between {MinBrokerCount} and {MaxBrokerCount}; it was {BrokerCount}.");
        }

        ValidateMilliseconds(InitialRebalanceDelay, nameof(InitialRebalanceDelay), allowZero: true);
        if (ConsumerGroupHeartbeatInterval is { } heartbeat)
        {
            ValidateMilliseconds(heartbeat, nameof(ConsumerGroupHeartbeatInterval), allowZero: false);
        }

        if (ConsumerGroupSessionTimeout is { } session)
        {
            ValidateMilliseconds(session, nameof(ConsumerGroupSessionTimeout), allowZero: false);
        }
    }

    private static void ValidateMilliseconds(TimeSpan value, string name, bool allowZero)
    {
        var min = allowZero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(1);
        if (value < min || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                name,
                value,
                $"{nameof(EmbeddedKafkaClusterOptions)}.{name} must be between {min} and {TimeSpan.FromMilliseconds(int.MaxValue)}; it was {value}.");
        }
    }
}
