namespace Kafka.Typed;

/// <summary>
/// Throw this (or a subclass) from a handler when retrying cannot help, for example a message that cannot be decoded:
/// the consumer skips the remaining retries and applies the <see cref="FailurePolicy"/> at once.
/// </summary>
public class NonRetriableMessageException : KafkaTypedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the message cannot be handled.</param>
    /// <param name="inner">The cause.</param>
    public NonRetriableMessageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
