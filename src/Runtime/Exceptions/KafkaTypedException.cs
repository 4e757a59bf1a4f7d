namespace Kafka.Typed;

/// <summary>
/// The base of the exceptions Kafka.Typed throws at run time, so a caller can catch them in one clause: a produce that
/// failed (<see cref="KafkaProduceException"/>, <see cref="KafkaQueueFullException"/>), an unreachable cluster
/// (<see cref="KafkaUnreachableException"/>), a payload that cannot be encoded or decoded
/// (<see cref="KafkaSerializationException"/>, <see cref="Avro.KafkaAvroException"/>), an unavailable dependency
/// (<see cref="KafkaUnavailableException"/>, <see cref="KafkaSchemaRegistryException"/>), a fatal consumer error
/// (<see cref="KafkaConsumerException"/>) and <see cref="NonRetriableMessageException"/>.
/// <see cref="KafkaConfigurationException"/> is not one: invalid options are an <see cref="ArgumentException"/>,
/// thrown at construction.
/// </summary>
public abstract class KafkaTypedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause, if any.</param>
    protected KafkaTypedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
