using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>A message to produce: raw key and value bytes, headers, and an optional caller state echoed in the report.</summary>
public sealed class ProducerMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="topic">The topic (Kafka's naming rule applies).</param>
    /// <param name="value">The value bytes; <see langword="null"/> for a tombstone.</param>
    /// <param name="key">The key bytes; <see langword="null"/> for no key.</param>
    /// <param name="headers">Record headers; <see langword="null"/> for none. Kafka.Typed adds trace context to a copy, never to this instance.</param>
    public ProducerMessage(string topic, byte[]? value, byte[]? key = null, Headers? headers = null)
    {
        Topic = topic;
        Value = value;
        Key = key;
        Headers = headers;
    }

    /// <summary>Creates a message whose key is given in any supported key type (a <see cref="string"/> is written as UTF-8).</summary>
    /// <param name="topic">The topic (Kafka's naming rule applies).</param>
    /// <param name="value">The value bytes; <see langword="null"/> for a tombstone.</param>
    /// <param name="key">The key: a <see cref="string"/>, <see cref="Guid"/>, <see cref="short"/>, <see cref="int"/> or <see cref="long"/> converts implicitly (see <see cref="KafkaRecordKey"/>).</param>
    /// <param name="headers">Record headers; <see langword="null"/> for none.</param>
    public ProducerMessage(string topic, byte[]? value, KafkaRecordKey key, Headers? headers = null)
        : this(topic, value, key.Bytes, headers)
    {
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The key bytes, or <see langword="null"/>.</summary>
    public byte[]? Key { get; }

    /// <summary>The value bytes, or <see langword="null"/> (a tombstone).</summary>
    public byte[]? Value { get; }

    /// <summary>The record headers, or <see langword="null"/>.</summary>
    public Headers? Headers { get; }

    /// <summary>An explicit partition; <see langword="null"/> (the default) lets the partitioner choose.</summary>
    public int? Partition { get; init; }

    /// <summary>Anything the caller wants back in the <see cref="ProducerReport"/> (for example a correlation id).</summary>
    public object? State { get; init; }

    // Per-send state while an AsyncProducer has this message in flight (claimed with TryClaim), so that a send needs no
    // separate ticket; a message sent again while still in flight gets a ticket instead.
    internal InFlightState InFlight;

    internal bool TryClaim() => Interlocked.CompareExchange(ref InFlight.Pending, 1, 0) == 0;

    internal void Release() => Volatile.Write(ref InFlight.Pending, 0);

    // The last topic name that passed the check: messages are usually sent to the same few topics, and a string that is
    // the very same instance has the same (valid) content.
    private static string? s_lastValidTopic;

    internal void Validate()
    {
        if (Topic is null || !ReferenceEquals(Topic, Volatile.Read(ref s_lastValidTopic)))
        {
            var problem = TopicName.Check(Topic);
            if (problem is not null)
            {
                throw new ArgumentException($"Invalid topic '{Topic}': {problem}.", "message.Topic");
            }

            Volatile.Write(ref s_lastValidTopic, Topic);
        }

        if (Partition is < 0)
        {
            throw new ArgumentOutOfRangeException("message.Partition", Partition, "A partition is 0 or greater (or null to let the partitioner choose).");
        }
    }
}

/// <summary>Where the broker stored a message.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset (-1 when <see cref="AckMode.None"/> gives no answer).</param>
/// <param name="Timestamp">The record timestamp: the broker's append time when the topic uses LogAppendTime, else the create time librdkafka stamped on the record.</param>
public readonly record struct ProduceResult(string Topic, int Partition, long Offset, DateTimeOffset Timestamp);

/// <summary>The outcome of one <see cref="AsyncProducer"/> message: delivered, or failed with Kafka's error.</summary>
public readonly struct ProducerReport
{
    internal ProducerReport(ProducerMessage message, ProduceResult result)
    {
        Message = message;
        Result = result;
        ErrorCode = ErrorCode.NoError;
        Reason = null;
    }

    internal ProducerReport(ProducerMessage message, ErrorCode error, string reason)
    {
        Message = message;
        Result = new ProduceResult(message.Topic, message.Partition ?? -1, -1, default);
        ErrorCode = error;
        Reason = reason;
    }

    /// <summary>The message as it was sent (its <see cref="ProducerMessage.State"/> included).</summary>
    public ProducerMessage Message { get; }

    /// <summary>Whether the broker acknowledged the message.</summary>
    public bool IsSuccess => ErrorCode == ErrorCode.NoError;

    /// <summary>Where it was stored (partition and offset are -1 on failure).</summary>
    public ProduceResult Result { get; }

    /// <summary>Kafka's error code; <see cref="ErrorCode.NoError"/> on success.</summary>
    public ErrorCode ErrorCode { get; }

    /// <summary>Kafka's description of the error, or <see langword="null"/> on success.</summary>
    public string? Reason { get; }

    /// <summary>The failure as an exception naming topic and error code, or <see langword="null"/> on success.</summary>
    public KafkaProduceException? ToException()
        => IsSuccess ? null : new KafkaProduceException(Message.Topic, ErrorCode, Reason ?? ErrorCode.ToString());

    /// <inheritdoc />
    public override string ToString()
        => IsSuccess ? $"delivered {Result.Topic} [{Result.Partition}] @{Result.Offset}" : $"failed {Message.Topic}: {ErrorCode}: {Reason}";
}
