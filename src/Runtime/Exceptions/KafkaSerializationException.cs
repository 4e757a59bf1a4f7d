namespace Kafka.Typed;

/// <summary>A payload could not be serialized or deserialized; the message says why (and which member).</summary>
public sealed class KafkaSerializationException : KafkaTypedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="inner">The cause.</param>
    public KafkaSerializationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
