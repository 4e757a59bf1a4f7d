using System.Collections;

namespace Kafka.Typed;

/// <summary>
/// Handles the messages of one type a batch at a time: up to <see cref="KafkaConsumerAttribute.MaxBatchSize"/> messages
/// of one partition per call, in offset order, waiting at most <see cref="KafkaConsumerAttribute.MaxBatchWaitMilliseconds"/>
/// for a batch to fill. Registered scoped, like <see cref="IKafkaHandler{T}"/>: a new instance (and DI scope) serves each batch.
/// </summary>
/// <remarks>
/// <para>Return <see cref="BatchResult.Success"/> when every message is done, or name the messages that failed by offset
/// (<see cref="BatchResult.Failed(long, Exception)"/>, <see cref="BatchResult.WithFailures"/>): those alone are retried,
/// one at a time as batches of one, and then go through the <see cref="FailurePolicy"/>; the rest are done. Throwing fails
/// the whole batch: it is retried as a unit with backoff, then every message goes through the failure policy.</para>
/// <para>A record whose value cannot be deserialized is never in a batch: it goes to the failure policy (dead-lettered by
/// default) without a retry, and the rest of its batch is handled. Tombstones (null values) are skipped and counted,
/// unless the handler implements <see cref="IKafkaBatchTombstoneHandler{T}"/>: then they arrive in <see cref="KafkaBatch{T}.Tombstones"/>.</para>
/// <para>A class implements this or <see cref="IKafkaHandler{T}"/> for a given <typeparamref name="T"/>, not both (KTG211).</para>
/// </remarks>
/// <typeparam name="T">The message type (a <see cref="KafkaTopicAttribute"/> type).</typeparam>
public interface IKafkaBatchHandler<T>
{
    /// <summary>Handles one batch.</summary>
    /// <param name="batch">The messages, of one partition, in offset order.</param>
    /// <param name="cancellationToken">Cancelled only when the handler must stop at once (shutdown or revocation timed out, or the partition was lost).</param>
    /// <returns>Which messages failed, if any.</returns>
    Task<BatchResult> HandleBatchAsync(KafkaBatch<T> batch, CancellationToken cancellationToken);
}

/// <summary>
/// A batch handler that also receives tombstones (records whose value is null: on a compacted topic, the delete of their
/// key) in <see cref="KafkaBatch{T}.Tombstones"/>, with the batch's messages. A batch handler that does not implement it
/// never sees them: each is skipped (committed, logged at debug level, counted in <c>kafka.typed.consumer.tombstones_skipped</c>),
/// never dead-lettered. A tombstone named in <see cref="BatchResult"/> fails like a message (a dead-lettered tombstone is
/// written with a null value and its key).
/// </summary>
/// <typeparam name="T">The message type (a <see cref="KafkaTopicAttribute"/> type).</typeparam>
#pragma warning disable CA1040 // A marker: the handler opts in to tombstones, as IKafkaTombstoneHandler<T> does for single messages.
public interface IKafkaBatchTombstoneHandler<T> : IKafkaBatchHandler<T>
#pragma warning restore CA1040
{
}

/// <summary>
/// A batch of consumed messages of one partition, in offset order: the messages (this list) and, for an
/// <see cref="IKafkaBatchTombstoneHandler{T}"/>, the tombstones between them (<see cref="Tombstones"/>). Both carry their
/// offsets; merge by <see cref="KafkaMessage{T}.Offset"/> and <see cref="KafkaTombstone{T}.Offset"/> when the order of
/// writes and deletes of a key matters.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class KafkaBatch<T> : IReadOnlyList<KafkaMessage<T>>
{
    private static readonly KafkaTombstone<T>[] NoTombstones = [];
    private readonly IReadOnlyList<KafkaMessage<T>> _messages;

    /// <summary>Creates a batch, for example to test a handler.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="messages">The messages, in offset order.</param>
    /// <param name="tombstones">The tombstones, in offset order; <see langword="null"/> for none.</param>
    /// <param name="groupId">The consumer group handling it.</param>
    public KafkaBatch(string topic, int partition, IReadOnlyList<KafkaMessage<T>> messages, IReadOnlyList<KafkaTombstone<T>>? tombstones = null, string groupId = "")
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(messages);
        Topic = topic;
        Partition = partition;
        _messages = messages;
        Tombstones = tombstones ?? NoTombstones;
        GroupId = groupId;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The partition all the batch's records come from.</summary>
    public int Partition { get; }

    /// <summary>The consumer group handling it.</summary>
    public string GroupId { get; }

    /// <summary>The tombstones of the batch's offset range (only for an <see cref="IKafkaBatchTombstoneHandler{T}"/>; otherwise empty).</summary>
    public IReadOnlyList<KafkaTombstone<T>> Tombstones { get; }

    /// <summary>How many messages the batch holds (tombstones not counted).</summary>
    public int Count => _messages.Count;

    /// <summary>The message at <paramref name="index"/>.</summary>
    /// <param name="index">From 0.</param>
    public KafkaMessage<T> this[int index] => _messages[index];

    /// <inheritdoc />
    public IEnumerator<KafkaMessage<T>> GetEnumerator() => _messages.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] ({Count} messages, {Tombstones.Count} tombstones)";
}
