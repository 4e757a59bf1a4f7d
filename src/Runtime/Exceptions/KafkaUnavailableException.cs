namespace Kafka.Typed;

/// <summary>
/// Something the consumer needs, not the message, is unavailable: the Schema Registry, the handler itself (its
/// construction failed, for example a dependency that is not registered or cannot connect), or anything a handler
/// reports by throwing this (its database is down). A consumer's partition then waits with a growing backoff (paused,
/// polling on) and tries again, spending none of the message's attempts and never dead-lettering or skipping it.
/// </summary>
public class KafkaUnavailableException : KafkaTypedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is unavailable and why.</param>
    /// <param name="inner">The cause.</param>
    public KafkaUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
