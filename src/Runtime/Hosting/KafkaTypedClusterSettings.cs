namespace Kafka.Typed;

/// <summary>
/// A named cluster in configuration (<c>Kafka:Clusters:{name}</c>). Unset connect timeout, TLS, SASL and Schema Registry
/// are the default cluster's.
/// </summary>
public sealed class KafkaTypedClusterSettings
{
    /// <summary>Broker addresses, each <c>host:port</c>; when empty, <c>ConnectionStrings:{name}</c> (a comma-separated list, as .NET Aspire sets it).</summary>
    public IList<string> BootstrapServers { get; } = [];

    /// <summary>See <see cref="KafkaTypedOptions.ConnectTimeout"/>.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>TLS of this cluster's clients; <see langword="null"/> takes <c>Kafka:Tls</c>.</summary>
    public TlsOptions? Tls { get; set; }

    /// <summary>SASL of this cluster's clients; <see langword="null"/> takes <c>Kafka:Sasl</c>.</summary>
    public SaslOptions? Sasl { get; set; }

    /// <summary>This cluster's Schema Registry; without a URL, <c>Kafka:SchemaRegistry</c>.</summary>
    public KafkaTypedSchemaRegistrySettings SchemaRegistry { get; } = new();

    /// <summary>The message types bound to this cluster (names or full names): their producers and consumers use it.</summary>
    public IList<string> MessageTypes { get; } = [];
}
