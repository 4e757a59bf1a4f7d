namespace Kafka.Typed;

/// <summary>Thrown by a client's constructor when none of the bootstrap servers answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</summary>
public sealed class KafkaUnreachableException : KafkaTypedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="bootstrapServers">The servers that were tried.</param>
    /// <param name="timeout">How long the client waited.</param>
    /// <param name="inner">librdkafka's error.</param>
    public KafkaUnreachableException(string bootstrapServers, TimeSpan timeout, Exception? inner)
        : base($"Kafka broker unreachable: none of the bootstrap servers '{bootstrapServers}' answered within {timeout.TotalSeconds:0.###} s (client has run out of available brokers){(inner is null ? "" : ": " + inner.Message)}.", inner)
    {
        BootstrapServers = bootstrapServers;
        Timeout = timeout;
    }

    /// <summary>The servers that were tried.</summary>
    public string BootstrapServers { get; }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; }
}
