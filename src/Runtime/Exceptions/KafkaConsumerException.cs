using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>The consumer hit an error it cannot recover from (a fatal librdkafka error); handler failures never cause it.</summary>
public sealed class KafkaConsumerException : KafkaTypedException
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
