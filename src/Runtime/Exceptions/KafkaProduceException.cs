using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>A message could not be produced: it names the topic and Kafka's error code.</summary>
public sealed class KafkaProduceException : KafkaTypedException
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
