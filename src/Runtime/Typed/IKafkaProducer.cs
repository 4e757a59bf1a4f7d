using System.Buffers;
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
        => _host.Sync.SendAsync(ToProducerMessage(message, headers, null), cancellationToken);

    /// <inheritdoc />
    public ValueTask EnqueueAsync(T message, Headers? headers = null, object? state = null, CancellationToken cancellationToken = default)
        => _host.Async.SendAsync(ToProducerMessage(message, headers, state), cancellationToken);

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

        var buffer = KafkaBuffers.Rent();
        try
        {
            _serializer.Serialize(message, buffer, new KafkaSerializationContext(Topic, headers));
            return new ProducerMessage(Topic, buffer.WrittenSpan.ToArray(), T.SerializeKey(message), headers) { State = state };
        }
        finally
        {
            KafkaBuffers.Return(buffer);
        }
    }
}

/// <summary>Thread-cached serialization buffers.</summary>
internal static class KafkaBuffers
{
    private const int MaxCachedCapacity = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        t_buffer = null;
        return buffer;
    }

    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxCachedCapacity)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
    }
}
