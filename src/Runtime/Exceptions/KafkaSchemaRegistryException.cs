namespace Kafka.Typed;

/// <summary>
/// The Schema Registry could not be reached or answered with an error that is not about the message (a timeout, a 5xx,
/// refused credentials). Not a bad message: a consumer's partition waits until the registry answers (see
/// <see cref="KafkaUnavailableException"/>); a producer's send fails with it.
/// </summary>
public sealed class KafkaSchemaRegistryException : KafkaUnavailableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The cause.</param>
    public KafkaSchemaRegistryException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
