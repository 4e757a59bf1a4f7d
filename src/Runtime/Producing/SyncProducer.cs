using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed;

/// <summary>
/// Sends a message and completes only when the broker acknowledged it (the Go package's <c>SyncProducer</c>).
/// Thread-safe: concurrent callers do not wait for each other, so many sends in flight reach full throughput.
/// </summary>
/// <example>
/// <code>
/// await using var producer = new SyncProducer(new KafkaAppConfig("my-app", "local", "localhost:9092"));
/// var result = await producer.SendAsync("my-topic", "hello"u8.ToArray(), key: "msg-1"u8.ToArray());
/// </code>
/// </example>
public sealed class SyncProducer : IDisposable, IAsyncDisposable
{
    private readonly ProducerCore _core;

    /// <summary>Creates the producer, validating every option and checking that the cluster answers.</summary>
    /// <param name="app">The application config (name, server, bootstrap servers).</param>
    /// <param name="options">Producer options; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <exception cref="KafkaConfigurationException">An option is invalid; the message names it.</exception>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</exception>
    public SyncProducer(KafkaAppConfig app, ProducerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _core = new ProducerCore(app, options ?? new ProducerOptions(), (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SyncProducer>());
    }

    /// <summary>The client id this producer sends.</summary>
    public string ClientId => _core.ClientId;

    /// <summary>The librdkafka handle, for building dependent admin clients.</summary>
    public Handle Handle => _core.Handle;

    /// <summary>Health and statistics of the client.</summary>
    internal ProducerDiagnostics Diagnostics => _core.Diagnostics;

    /// <summary>Sends a value with an optional key and headers and waits for the broker's acknowledgement.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="value">The value bytes (<see langword="null"/> for a tombstone).</param>
    /// <param name="key">The key bytes, or <see langword="null"/>.</param>
    /// <param name="headers">Headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written. Already cancelled: nothing is sent.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message; names the topic and error code.</exception>
    public Task<ProduceResult> SendAsync(string topic, byte[]? value, byte[]? key = null, Headers? headers = null, CancellationToken cancellationToken = default)
        => SendAsync(new ProducerMessage(topic, value, key, headers), cancellationToken);

    /// <summary>Sends a value with a key of any supported key type (a <see cref="string"/> is written as UTF-8) and waits for the broker's acknowledgement.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="value">The value bytes (<see langword="null"/> for a tombstone).</param>
    /// <param name="key">The key: a <see cref="string"/>, <see cref="Guid"/>, <see cref="short"/>, <see cref="int"/> or <see cref="long"/> converts implicitly (see <see cref="KafkaRecordKey"/>).</param>
    /// <param name="headers">Headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written. Already cancelled: nothing is sent.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message; names the topic and error code.</exception>
    public Task<ProduceResult> SendAsync(string topic, byte[]? value, KafkaRecordKey key, Headers? headers = null, CancellationToken cancellationToken = default)
        => SendAsync(new ProducerMessage(topic, value, key, headers), cancellationToken);

    /// <summary>Sends a message and waits for the broker's acknowledgement.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a message already handed to librdkafka may still be written. Already cancelled: nothing is sent.</param>
    /// <returns>Where the broker stored the message.</returns>
    /// <exception cref="KafkaProduceException">The broker or librdkafka rejected the message; names the topic and error code.</exception>
    public Task<ProduceResult> SendAsync(ProducerMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled before anything was handed over: the caller is told so, and nothing is written.
            return Task.FromCanceled<ProduceResult>(cancellationToken);
        }

        var ticket = new TaskTicket(message.Topic);
        if (!_core.TryProduce(message.Topic, message.Partition, message.Key, message.Value, message.Headers, ticket))
        {
            return SendWhenRoomAsync(message, ticket, cancellationToken);
        }

        return cancellationToken.CanBeCanceled ? ticket.Task.WaitAsync(cancellationToken) : ticket.Task;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every message in flight; returns how many are still unacknowledged.</summary>
    /// <param name="timeout">The longest wait.</param>
    /// <remarks>Blocks the calling thread; <see cref="FlushAsync(TimeSpan, CancellationToken)"/> does not.</remarks>
    public int Flush(TimeSpan timeout) => _core.Flush(timeout);

    /// <summary>
    /// Completes when every message sent before the call has its outcome (acknowledged, or failed: the failure goes to its
    /// own <see cref="SendAsync(ProducerMessage, CancellationToken)"/> task), waiting at most
    /// <see cref="ProducerOptions.DisposeTimeout"/>. Blocks no thread. Messages sent during the wait are not waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the messages stay in flight).</param>
    /// <exception cref="TimeoutException">Some of those messages still had no outcome after the bound; the message says how many are in flight.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(_core.Options.DisposeTimeout, cancellationToken);

    /// <summary>As <see cref="FlushAsync(CancellationToken)"/>, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait (<see cref="Timeout.InfiniteTimeSpan"/> for no bound).</param>
    /// <param name="cancellationToken">Stops waiting (the messages stay in flight).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (and not infinite).</exception>
    /// <exception cref="TimeoutException">Some of those messages still had no outcome after <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => ProducerFlush.WaitAsync(_core.WhenSentAcknowledged(), timeout, () => $"{_core.InFlight} messages of producer '{ClientId}' are still in flight", cancellationToken);

    /// <summary>Flushes within <see cref="ProducerOptions.DisposeTimeout"/>; sends still unacknowledged then fail with <see cref="KafkaProduceException"/>.</summary>
    public void Dispose() => _core.Dispose();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
        // The flush blocks a thread for up to the dispose timeout: a thread of its own, so that a starved pool (a host
        // stopping many services at once) neither delays its start past the bound nor loses a pool thread to it.
        => new(Task.Factory.StartNew(_core.Dispose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));

    private async Task<ProduceResult> SendWhenRoomAsync(ProducerMessage message, TaskTicket ticket, CancellationToken cancellationToken)
    {
        do
        {
            await _core.WaitForCapacityAsync(cancellationToken).ConfigureAwait(false);
        }
        while (!_core.TryProduce(message.Topic, message.Partition, message.Key, message.Value, message.Headers, ticket));

        return await ticket.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
