using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// A typed producer for the messages of <typeparamref name="T"/>: key and serializer are fixed at compile time, the topic
/// is the type's <see cref="KafkaTopicAttribute"/> topic unless configuration changes it (<c>Kafka:Topics</c>, <c>Kafka:TopicTemplate</c>).
/// Two forms: <see cref="SendAsync(T, Headers?, CancellationToken)"/> waits for the broker's acknowledgement;
/// <see cref="EnqueueAsync"/> queues the message and reports its outcome later to every <see cref="IKafkaDeliveryObserver"/>.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IKafkaProducer<T>
{
    /// <summary>The topic written to.</summary>
    string Topic { get; }

    /// <summary>Sends <paramref name="message"/> and waits for the broker's acknowledgement.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message.</exception>
    Task<ProduceResult> SendAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="message"/> with <paramref name="headers"/> and waits for the broker's acknowledgement.</summary>
    /// <param name="message">The message.</param>
    /// <param name="headers">Record headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message.</exception>
    Task<ProduceResult> SendAsync(T message, Headers? headers, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues <paramref name="message"/> without waiting for the network. Its outcome (a <see cref="ProducerReport"/> whose
    /// <see cref="ProducerMessage.State"/> is <paramref name="state"/>) goes to every registered <see cref="IKafkaDeliveryObserver"/>;
    /// failures are also logged.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="headers">Record headers, or <see langword="null"/>.</param>
    /// <param name="state">Anything to find in the report (a correlation id, for example).</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <exception cref="KafkaQueueFullException">The queue is full and <see cref="ProducerOptions.QueueFull"/> is <see cref="QueueFullPolicy.FailFast"/>.</exception>
    ValueTask EnqueueAsync(T message, Headers? headers = null, object? state = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes when every message sent or queued before the call (through any typed producer of the host: they share
    /// its producers) has its outcome, waiting at most <see cref="ProducerOptions.DisposeTimeout"/>
    /// (<c>Kafka:Producer:DisposeTimeout</c>). Blocks no thread; messages sent during the wait are not waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the messages stay queued or in flight).</param>
    /// <exception cref="TimeoutException">Some of those messages still had no outcome after the bound; the message says how many are left.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A typed producer of a message type with no <see cref="KafkaKeyAttribute"/> member: each send may carry its record key,
/// in any key type Kafka.Typed writes (<see cref="KafkaRecordKey"/>: a <see cref="string"/>, <see cref="Guid"/>,
/// <see cref="short"/>, <see cref="int"/>, <see cref="long"/> or bytes), given first as in Kafka's
/// <c>ProducerRecord(topic, key, value)</c>: <c>SendAsync("tenant-7", message)</c>. Registered by <c>AddKafkaTyped</c> for every such type.
/// A type with a <see cref="KafkaKeyAttribute"/> member does not satisfy the constraint (compile error CS0315): its key comes
/// from that member, and an explicit one would silently override it.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IKafkaExplicitKeyProducer<T> : IKafkaProducer<T>
    where T : IKafkaKeylessMessage<T>
{
    /// <summary>Sends <paramref name="message"/> with the record key <paramref name="key"/> and waits for the broker's acknowledgement.</summary>
    /// <param name="key">The record key, first as in Kafka's own <c>ProducerRecord(topic, key, value)</c> (<see cref="KafkaRecordKey.None"/> for none).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message.</exception>
    Task<ProduceResult> SendAsync(KafkaRecordKey key, T message, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="message"/> with the record key <paramref name="key"/> and <paramref name="headers"/> and waits for the broker's acknowledgement.</summary>
    /// <param name="key">The record key.</param>
    /// <param name="message">The message.</param>
    /// <param name="headers">Record headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message.</exception>
    Task<ProduceResult> SendAsync(KafkaRecordKey key, T message, Headers? headers, CancellationToken cancellationToken = default);

    /// <summary>Queues <paramref name="message"/> with the record key <paramref name="key"/>; see <see cref="IKafkaProducer{T}.EnqueueAsync"/>.</summary>
    /// <param name="key">The record key.</param>
    /// <param name="message">The message.</param>
    /// <param name="headers">Record headers, or <see langword="null"/>.</param>
    /// <param name="state">Anything to find in the report.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <exception cref="KafkaQueueFullException">The queue is full and <see cref="ProducerOptions.QueueFull"/> is <see cref="QueueFullPolicy.FailFast"/>.</exception>
    ValueTask EnqueueAsync(KafkaRecordKey key, T message, Headers? headers = null, object? state = null, CancellationToken cancellationToken = default);
}

/// <summary>Receives the outcome of every message queued with <see cref="IKafkaProducer{T}.EnqueueAsync"/>. Register as a singleton.</summary>
/// <remarks>Called on librdkafka's delivery thread, possibly concurrently: keep it short and thread-safe.</remarks>
public interface IKafkaDeliveryObserver
{
    /// <summary>Called once per queued message.</summary>
    /// <param name="report">Delivered, or failed with Kafka's error.</param>
    void OnDelivery(in ProducerReport report);
}

/// <summary>
/// The base of every generated producer: serializes with <see cref="IKafkaMessage{TSelf}.Serializer"/>, reads the key
/// with <see cref="IKafkaMessage{TSelf}.SerializeKey"/> and hands the bytes to the shared <see cref="KafkaProducerHost"/>.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public abstract class KafkaTypedProducer<T> : IKafkaProducer<T>
    where T : IKafkaMessage<T>
{
    private readonly KafkaProducerHost _host;
    private readonly IKafkaSerializer<T> _serializer;

    // On a topic of several types, a type that is not Avro is told apart by a header (Avro by its writer schema).
    private static readonly byte[]? s_typeHeader = T.MessageTypeName is { } name && T.Serializer is not Avro.AvroKafkaSerializer<T>
        ? System.Text.Encoding.UTF8.GetBytes(name)
        : null;

    /// <summary>Creates the producer.</summary>
    /// <param name="host">The application's shared Kafka producers.</param>
    protected KafkaTypedProducer(KafkaProducerHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _serializer = host.SerializerFor(T.Serializer);
        Topic = host.TopicFor<T>();
    }

    /// <inheritdoc />
    public string Topic { get; }

    /// <inheritdoc />
    public Task<ProduceResult> SendAsync(T message, CancellationToken cancellationToken = default)
        => SendAsync(message, null, cancellationToken);

    /// <inheritdoc />
    public Task<ProduceResult> SendAsync(T message, Headers? headers, CancellationToken cancellationToken = default)
        => Send(ToProducerMessage(message, headers, null), cancellationToken);

    /// <inheritdoc />
    public ValueTask EnqueueAsync(T message, Headers? headers = null, object? state = null, CancellationToken cancellationToken = default)
        => Enqueue(ToProducerMessage(message, headers, state), cancellationToken);

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => _host.FlushAsync(cancellationToken);

    /// <summary>Serializes <paramref name="message"/> into the raw form both runtime producers take.</summary>
    /// <param name="message">The message.</param>
    /// <param name="headers">Record headers, or <see langword="null"/>.</param>
    /// <param name="state">Caller state echoed in the report.</param>
    public ProducerMessage ToProducerMessage(T message, Headers? headers = null, object? state = null)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message));
        }

        return Serialize(message, T.SerializeKey(message), headers, state);
    }

    /// <summary>Sends through the host's <see cref="SyncProducer"/>; before the host has started, waits for it without blocking the caller.</summary>
    private protected Task<ProduceResult> Send(ProducerMessage message, CancellationToken cancellationToken)
        => _host.TryGetSync(out var sync) ? sync.SendAsync(message, cancellationToken) : SendWhenReadyAsync(message, cancellationToken);

    /// <summary>Queues on the host's <see cref="AsyncProducer"/>; before the host has started, waits for it without blocking the caller.</summary>
    private protected ValueTask Enqueue(ProducerMessage message, CancellationToken cancellationToken)
        => _host.TryGetAsync(out var producer) ? producer.SendAsync(message, cancellationToken) : EnqueueWhenReadyAsync(message, cancellationToken);

    private async Task<ProduceResult> SendWhenReadyAsync(ProducerMessage message, CancellationToken cancellationToken)
    {
        var sync = await _host.GetSyncAsync(cancellationToken).ConfigureAwait(false);
        return await sync.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EnqueueWhenReadyAsync(ProducerMessage message, CancellationToken cancellationToken)
    {
        var producer = await _host.GetAsyncAsync(cancellationToken).ConfigureAwait(false);
        await producer.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serializes <paramref name="message"/> with the record key <paramref name="key"/>.</summary>
    private protected ProducerMessage Serialize(T message, byte[]? key, Headers? headers, object? state)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message));
        }

        if (s_typeHeader is { } typeHeader)
        {
            headers = WithTypeHeader(headers, typeHeader);
        }

        var buffer = KafkaBuffers.Rent();
        try
        {
            _serializer.Serialize(message, buffer, new KafkaSerializationContext(Topic, headers));
            return new ProducerMessage(Topic, buffer.WrittenSpan.ToArray(), key, headers) { State = state };
        }
        finally
        {
            KafkaBuffers.Return(buffer);
        }
    }

    /// <summary>
    /// A copy of <paramref name="headers"/> (the caller's object is not changed, so it may be reused) with the
    /// <see cref="KafkaMessageTypeHeader.Name"/> header set to this type's name, replacing any the caller set.
    /// </summary>
    private static Headers WithTypeHeader(Headers? headers, byte[] typeHeader)
    {
        var result = new Headers();
        if (headers is not null)
        {
            foreach (var header in headers)
            {
                if (header.Key != KafkaMessageTypeHeader.Name)
                {
                    result.Add(header.Key, header.GetValueBytes());
                }
            }
        }

        result.Add(KafkaMessageTypeHeader.Name, typeHeader);
        return result;
    }
}

/// <summary>
/// The base of the generated producer of a type with no <see cref="KafkaKeyAttribute"/> member: a
/// <see cref="KafkaTypedProducer{T}"/> whose sends may also carry an explicit record key.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public abstract class KafkaTypedKeylessProducer<T> : KafkaTypedProducer<T>, IKafkaExplicitKeyProducer<T>
    where T : IKafkaKeylessMessage<T>
{
    /// <summary>Creates the producer.</summary>
    /// <param name="host">The application's shared Kafka producers.</param>
    protected KafkaTypedKeylessProducer(KafkaProducerHost host)
        : base(host)
    {
    }

    /// <inheritdoc />
    public Task<ProduceResult> SendAsync(KafkaRecordKey key, T message, CancellationToken cancellationToken = default)
        => SendAsync(key, message, null, cancellationToken);

    /// <inheritdoc />
    public Task<ProduceResult> SendAsync(KafkaRecordKey key, T message, Headers? headers, CancellationToken cancellationToken = default)
        => Send(Serialize(message, key.Bytes, headers, null), cancellationToken);

    /// <inheritdoc />
    public ValueTask EnqueueAsync(KafkaRecordKey key, T message, Headers? headers = null, object? state = null, CancellationToken cancellationToken = default)
        => Enqueue(Serialize(message, key.Bytes, headers, state), cancellationToken);
}
