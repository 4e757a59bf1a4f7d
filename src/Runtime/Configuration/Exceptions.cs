using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>Thrown by a client's constructor when none of the bootstrap servers answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</summary>
public sealed class KafkaUnreachableException : Exception
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

/// <summary>A message could not be produced: it names the topic and Kafka's error code.</summary>
public sealed class KafkaProduceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="topic">The topic written to.</param>
    /// <param name="error">Kafka's error code.</param>
    /// <param name="reason">Kafka's description of the error.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public KafkaProduceException(string topic, ErrorCode error, string reason, Exception? inner = null)
        : base($"Producing to topic '{topic}' failed: {error} ({(int)error}): {reason}", inner)
    {
        Topic = topic;
        ErrorCode = error;
        Reason = reason;
    }

    /// <summary>The topic written to.</summary>
    public string Topic { get; }

    /// <summary>Kafka's (or librdkafka's local) error code.</summary>
    public ErrorCode ErrorCode { get; }

    /// <summary>Kafka's description of the error.</summary>
    public string Reason { get; }
}

/// <summary>Thrown by <see cref="AsyncProducer.SendAsync(ProducerMessage, CancellationToken)"/> under <see cref="QueueFullPolicy.FailFast"/> when the queue is full.</summary>
public sealed class KafkaQueueFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="topic">The topic of the rejected message.</param>
    /// <param name="capacity">The queue's capacity.</param>
    public KafkaQueueFullException(string topic, int capacity)
        : base($"The producer queue is full ({capacity} messages); the message for topic '{topic}' was not accepted. Raise ProducerOptions.QueueCapacity, run ListenAsync, or use QueueFullPolicy.Wait.")
    {
        Topic = topic;
        Capacity = capacity;
    }

    /// <summary>The topic of the rejected message.</summary>
    public string Topic { get; }

    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; }
}

/// <summary>The consumer hit an error it cannot recover from (a fatal librdkafka error); handler failures never cause it.</summary>
public sealed class KafkaConsumerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="groupId">The consumer group.</param>
    /// <param name="error">Kafka's error code.</param>
    /// <param name="reason">Kafka's description.</param>
    public KafkaConsumerException(string groupId, ErrorCode error, string reason)
        : base($"Consumer group '{groupId}' stopped on a fatal error: {error} ({(int)error}): {reason}")
    {
        GroupId = groupId;
        ErrorCode = error;
    }

    /// <summary>The consumer group.</summary>
    public string GroupId { get; }

    /// <summary>Kafka's error code.</summary>
    public ErrorCode ErrorCode { get; }
}

/// <summary>
/// Throw this (or a subclass) from a handler when retrying cannot help, for example a message that cannot be decoded:
/// the consumer skips the remaining retries and applies the <see cref="FailurePolicy"/> at once.
/// </summary>
public class NonRetriableMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the message cannot be handled.</param>
    /// <param name="inner">The cause.</param>
    public NonRetriableMessageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
