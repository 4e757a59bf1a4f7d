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

    /// <summary>
    /// The name that tells this type apart on a topic that carries several message types, or <see langword="null"/> (the
    /// default) when its topic carries it alone. For a type whose <see cref="Serializer"/> is an
    /// <see cref="Avro.AvroKafkaSerializer{T}"/> it is the full name of its Avro record, which consumers match against the
    /// writer schema of each record (found by the schema id in Confluent's framing); for any other serializer it is the value
    /// of the <see cref="KafkaMessageTypeHeader.Name"/> header its producers write and consumers match. The generator sets
    /// it when <see cref="KafkaTopicAttribute.SubjectNameStrategy"/> is not <see cref="KafkaSubjectNameStrategy.TopicName"/>.
    /// </summary>
    static virtual string? MessageTypeName => null;
}

/// <summary>
/// A message type with no <see cref="KafkaKeyAttribute"/> member: its producers take the record key with each send
/// (<see cref="IKafkaExplicitKeyProducer{T}"/>). The source generator implements it on such <see cref="KafkaTopicAttribute"/>
/// types; a type whose key comes from a member never implements it, so an explicit key cannot silently override that member.
/// </summary>
/// <typeparam name="TSelf">The message type.</typeparam>
public interface IKafkaKeylessMessage<TSelf> : IKafkaMessage<TSelf>
    where TSelf : IKafkaKeylessMessage<TSelf>
{
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

/// <summary>
/// A handler that also receives tombstones: records of its topic whose value is null (on a compacted topic, the delete of
/// their key). A handler that implements only <see cref="IKafkaHandler{T}"/> never sees them: the consumer skips each one
/// (committing past it, logging it at debug level and counting it in <c>kafka.typed.consumer.tombstones_skipped</c>) and
/// never dead-letters it.
/// </summary>
/// <typeparam name="T">The message type (a <see cref="KafkaTopicAttribute"/> type).</typeparam>
public interface IKafkaTombstoneHandler<T> : IKafkaHandler<T>
{
    /// <summary>
    /// Handles one tombstone. Throwing means failure, as for <see cref="IKafkaHandler{T}.HandleAsync"/>: retries, then the
    /// failure policy (a dead-lettered tombstone is written with a null value and its key).
    /// </summary>
    /// <param name="tombstone">The record's key and metadata; it has no value.</param>
    /// <param name="cancellationToken">Cancelled only when the handler must stop at once.</param>
    Task HandleTombstoneAsync(KafkaTombstone<T> tombstone, CancellationToken cancellationToken);
}

/// <summary>A consumed message: the typed value plus its record metadata.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class KafkaMessage<T>
{
    // A consumed message reads its metadata from the consumer's record rather than copying it: 40 B per message instead
    // of 88, and a record without headers gets no empty header list unless the handler asks for it. The attempt is kept
    // here because the record's own counts on. A message built by the public constructor (a test) holds a Detached.
    private readonly object _source;

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
        _source = new Detached(topic, partition, offset, key, headers ?? [], timestamp, groupId);
        Attempt = attempt;
    }

    internal KafkaMessage(T value, ConsumerMessage record)
    {
        Value = value;
        _source = record;
        Attempt = record.Attempt;
    }

    /// <summary>The deserialized value.</summary>
    public T Value { get; }

    /// <summary>The topic.</summary>
    public string Topic => _source is ConsumerMessage record ? record.Topic : ((Detached)_source).Topic;

    /// <summary>The partition.</summary>
    public int Partition => _source is ConsumerMessage record ? record.Partition : ((Detached)_source).Partition;

    /// <summary>The offset within the partition.</summary>
    public long Offset => _source is ConsumerMessage record ? record.Offset : ((Detached)_source).Offset;

    /// <summary>
    /// The record key's bytes, or <see langword="null"/> when the record has none. When <typeparamref name="T"/> has a
    /// <see cref="KafkaKeyAttribute"/> member, the generated <c>GetKey()</c> extension reads it as that member's type.
    /// </summary>
    public byte[]? Key => _source is ConsumerMessage record ? record.Key : ((Detached)_source).Key;

    /// <summary>The key decoded as UTF-8, or <see langword="null"/>.</summary>
    public string? KeyAsString => Key is { } key ? System.Text.Encoding.UTF8.GetString(key) : null;

    /// <summary>The record headers (empty when there are none).</summary>
    public Headers Headers => _source is ConsumerMessage record ? record.Headers : ((Detached)_source).Headers;

    /// <summary>The record timestamp.</summary>
    public DateTimeOffset Timestamp => _source is ConsumerMessage record ? record.Timestamp : ((Detached)_source).Timestamp;

    /// <summary>Which attempt this is, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The consumer group handling it.</summary>
    public string GroupId => _source is ConsumerMessage record ? record.GroupId : ((Detached)_source).GroupId;

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] @{Offset}";

    private sealed record Detached(string Topic, int Partition, long Offset, byte[]? Key, Headers Headers, DateTimeOffset Timestamp, string GroupId);
}

/// <summary>
/// A consumed tombstone: a record of <typeparamref name="T"/>'s topic whose value is null, with its key and metadata.
/// Delivered to <see cref="IKafkaTombstoneHandler{T}"/>. When <typeparamref name="T"/> has a <see cref="KafkaKeyAttribute"/>
/// member, the generated <c>GetKey()</c> extension reads the key as that member's type.
/// </summary>
/// <typeparam name="T">The message type of the topic.</typeparam>
public sealed class KafkaTombstone<T>
{
    /// <summary>Creates a tombstone, for example to test a handler.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="key">The key bytes, or <see langword="null"/>.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="headers">The headers; <see langword="null"/> for none.</param>
    /// <param name="timestamp">The record timestamp.</param>
    /// <param name="attempt">Which attempt this is, from 1.</param>
    /// <param name="groupId">The consumer group handling it.</param>
    public KafkaTombstone(string topic, byte[]? key, int partition = 0, long offset = 0, Headers? headers = null, DateTimeOffset timestamp = default, int attempt = 1, string groupId = "")
    {
        Topic = topic;
        Key = key;
        Partition = partition;
        Offset = offset;
        Headers = headers ?? [];
        Timestamp = timestamp;
        Attempt = attempt;
        GroupId = groupId;
    }

    internal KafkaTombstone(ConsumerMessage record)
        : this(record.Topic, record.Key, record.Partition, record.Offset, record.Headers, record.Timestamp, record.Attempt, record.GroupId)
    {
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The record key's bytes, or <see langword="null"/> when the record has none.</summary>
    public byte[]? Key { get; }

    /// <summary>The key decoded as UTF-8, or <see langword="null"/>.</summary>
    public string? KeyAsString => Key is null ? null : System.Text.Encoding.UTF8.GetString(Key);

    /// <summary>The partition.</summary>
    public int Partition { get; }

    /// <summary>The offset within the partition.</summary>
    public long Offset { get; }

    /// <summary>The record headers (empty when there are none).</summary>
    public Headers Headers { get; }

    /// <summary>The record timestamp.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Which attempt this is, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The consumer group handling it.</summary>
    public string GroupId { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] @{Offset} (tombstone)";
}
