using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// What Kafka.Typed knows about a message type at compile time: its topic, its serializer and how to read its key. The
/// source generator implements it on every <see cref="KafkaTopicAttribute"/> type; implement it by hand only for types
/// the generator cannot see.
/// </summary>
/// <typeparam name="TSelf">The message type.</typeparam>
public interface IKafkaMessage<TSelf>
    where TSelf : IKafkaMessage<TSelf>
{
    /// <summary>The topic the type is written to.</summary>
    static abstract string Topic { get; }

    /// <summary>The serializer fixed for the type.</summary>
    static abstract IKafkaSerializer<TSelf> Serializer { get; }

    /// <summary>The record key of <paramref name="message"/>, or <see langword="null"/> for no key.</summary>
    /// <param name="message">The message.</param>
    static abstract byte[]? SerializeKey(TSelf message);
}

/// <summary>Handles the messages of one type. Registered scoped: a new instance (and DI scope) serves each message.</summary>
/// <typeparam name="T">The message type (a <see cref="KafkaTopicAttribute"/> type).</typeparam>
public interface IKafkaHandler<T>
{
    /// <summary>
    /// Handles one message. Throwing means failure: the consumer retries with backoff, then applies the
    /// <see cref="FailurePolicy"/>. Throw <see cref="NonRetriableMessageException"/> to skip the retries.
    /// </summary>
    /// <param name="message">The message and its record metadata.</param>
    /// <param name="cancellationToken">Cancelled only when the handler must stop at once (shutdown or revocation timed out, or the partition was lost).</param>
    Task HandleAsync(KafkaMessage<T> message, CancellationToken cancellationToken);
}

/// <summary>A consumed message: the typed value plus its record metadata.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class KafkaMessage<T>
{
    /// <summary>Creates a message, for example to test a handler.</summary>
    /// <param name="value">The deserialized value.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="key">The key bytes, or <see langword="null"/>.</param>
    /// <param name="headers">The headers; <see langword="null"/> for none.</param>
    /// <param name="timestamp">The record timestamp.</param>
    /// <param name="attempt">Which attempt this is, from 1.</param>
    /// <param name="groupId">The consumer group handling it.</param>
    public KafkaMessage(T value, string topic, int partition = 0, long offset = 0, byte[]? key = null, Headers? headers = null, DateTimeOffset timestamp = default, int attempt = 1, string groupId = "")
    {
        Value = value;
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Key = key;
        Headers = headers ?? [];
        Timestamp = timestamp;
        Attempt = attempt;
        GroupId = groupId;
    }

    internal KafkaMessage(T value, ConsumerMessage record)
        : this(value, record.Topic, record.Partition, record.Offset, record.Key, record.Headers, record.Timestamp, record.Attempt, record.GroupId)
    {
    }

    /// <summary>The deserialized value.</summary>
    public T Value { get; }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The partition.</summary>
    public int Partition { get; }

    /// <summary>The offset within the partition.</summary>
    public long Offset { get; }

    /// <summary>The key bytes, or <see langword="null"/>.</summary>
    public byte[]? Key { get; }

    /// <summary>The key decoded as UTF-8, or <see langword="null"/>.</summary>
    public string? KeyAsString => Key is null ? null : System.Text.Encoding.UTF8.GetString(Key);

    /// <summary>The record headers (empty when there are none).</summary>
    public Headers Headers { get; }

    /// <summary>The record timestamp.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Which attempt this is, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The consumer group handling it.</summary>
    public string GroupId { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] @{Offset}";
}
