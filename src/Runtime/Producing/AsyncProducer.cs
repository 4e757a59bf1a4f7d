using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed;

/// <summary>
/// Enqueues messages without waiting for the network and publishes them from <see cref="ListenAsync"/> (the Go
/// package's <c>AsyncProducer</c>). Every message gets exactly one <see cref="ProducerReport"/>: delivered, or failed
/// with Kafka's error, including messages still queued or in flight when the producer is disposed.
/// </summary>
/// <remarks>
/// <para>While <see cref="ListenAsync"/> runs and nothing is queued, a send hands the message to librdkafka on the
/// caller's thread (still without waiting for the network); otherwise it waits in the queue, in order.</para>
/// <para>The queue holds <see cref="ProducerOptions.QueueCapacity"/> messages; when it is full
/// <see cref="ProducerOptions.QueueFull"/> decides: wait (with cancellation) or fail fast with <see cref="KafkaQueueFullException"/>.</para>
/// <para>The report callback runs on librdkafka's delivery thread (or on the thread that found the failure) and may be
/// called concurrently: keep it short and thread-safe. An exception it throws is logged and does not stop publishing.</para>
/// </remarks>
public sealed class AsyncProducer : IDisposable, IAsyncDisposable
{
    private readonly ProducerCore _core;
    private readonly Channel<ProducerMessage> _queue;
    private readonly Action<ProducerReport> _onReport;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _listenGate = new(1, 1);

    // Cancelled by disposal when a running ListenAsync does not finish within the dispose timeout (it is waiting for room
    // in librdkafka's queue): the queue must have a single reader again before disposal reports what is left in it.
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private int _queued; // written to _queue and not yet handed over or reported: cheaper to read than the channel's Count, which locks
    private long _acceptedTotal; // messages ever written to _queue
    private long _takenTotal; // messages ever taken out of _queue (handed over, or reported at disposal)
    private readonly Lock _flushLock = new();
    private readonly FlushWaiters _queueWaiters = new();
    private volatile bool _listening;

    /// <summary>Creates the producer, validating every option and checking that the cluster answers.</summary>
    /// <param name="app">The application config (name, server, bootstrap servers).</param>
    /// <param name="onReport">Receives one report per message. Required: no report is dropped.</param>
    /// <param name="options">Producer options; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <exception cref="KafkaConfigurationException">An option is invalid; the message names it.</exception>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</exception>
    public AsyncProducer(KafkaAppConfig app, Action<ProducerReport> onReport, ProducerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(onReport);
        _onReport = onReport;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AsyncProducer>();
        _core = new ProducerCore(app, options ?? new ProducerOptions(), _logger);
        _core.MessageOwner = this;
        _queue = Channel.CreateBounded<ProducerMessage>(new BoundedChannelOptions(_core.Options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The client id this producer sends.</summary>
    public string ClientId => _core.ClientId;

    /// <summary>Health and statistics of the client.</summary>
    internal ProducerDiagnostics Diagnostics => _core.Diagnostics;

    /// <summary>Messages waiting in the queue (not yet handed to librdkafka).</summary>
    public int QueuedCount => _queue.Reader.Count;

    /// <summary>Messages handed to librdkafka and not yet reported.</summary>
    public int InFlightCount => _core.InFlight;

    /// <summary>Enqueues a message. Completes as soon as it is queued; its outcome arrives as a <see cref="ProducerReport"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <exception cref="KafkaQueueFullException">The queue is full and the policy is <see cref="QueueFullPolicy.FailFast"/>.</exception>
    /// <exception cref="ObjectDisposedException">The producer was disposed.</exception>
    public ValueTask SendAsync(ProducerMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // While ListenAsync runs and nothing is queued ahead of it, hand the message to librdkafka directly: the same
        // outcome as queueing it, without a thread hop per message. Anything queued keeps its turn.
        if (_listening && Volatile.Read(ref _queued) == 0)
        {
            // The message itself carries its in-flight state unless it is already in flight (sent again before its report).
            if (message.TryClaim())
            {
                var sent = false;
                try
                {
                    sent = _core.TryProduce(message.Topic, message.Partition, message.Key, message.Value, message.Headers, message);
                }
                finally
                {
                    if (!sent)
                    {
                        message.Release(); // not handed over: queued below, or the exception goes to the caller
                    }
                }

                if (sent)
                {
                    return default;
                }
            }
            else if (_core.TryProduce(message.Topic, message.Partition, message.Key, message.Value, message.Headers, new Ticket(this, message)))
            {
                return default;
            }
        }

        // Counted before the write, so a later send cannot overtake this one while it is on its way into the queue.
        Interlocked.Increment(ref _queued);
        if (_queue.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _acceptedTotal);
            return default;
        }

        if (_core.Options.QueueFull == QueueFullPolicy.FailFast)
        {
            Interlocked.Decrement(ref _queued);

            // The write also fails once disposal has closed the queue: that is not a full queue.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new KafkaQueueFullException(message.Topic, _core.Options.QueueCapacity);
        }

        return WriteSlowAsync(message, cancellationToken);
    }

    /// <summary>Enqueues a value with an optional key and headers; see <see cref="SendAsync(ProducerMessage, CancellationToken)"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="value">The value bytes.</param>
    /// <param name="key">The key bytes, or <see langword="null"/>.</param>
    /// <param name="headers">Headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    public ValueTask SendAsync(string topic, byte[]? value, byte[]? key = null, Headers? headers = null, CancellationToken cancellationToken = default)
        => SendAsync(new ProducerMessage(topic, value, key, headers), cancellationToken);

    /// <summary>Enqueues a value with a key of any supported key type (a <see cref="string"/> is written as UTF-8); see <see cref="SendAsync(ProducerMessage, CancellationToken)"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="value">The value bytes.</param>
    /// <param name="key">The key: a <see cref="string"/>, <see cref="Guid"/>, <see cref="short"/>, <see cref="int"/> or <see cref="long"/> converts implicitly (see <see cref="KafkaRecordKey"/>).</param>
    /// <param name="headers">Headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    public ValueTask SendAsync(string topic, byte[]? value, KafkaRecordKey key, Headers? headers = null, CancellationToken cancellationToken = default)
        => SendAsync(new ProducerMessage(topic, value, key, headers), cancellationToken);

    /// <summary>Enqueues a message if there is room; never waits.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="false"/> when the queue is full or the producer disposed.</returns>
    public bool TrySend(ProducerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        Interlocked.Increment(ref _queued);
        if (Volatile.Read(ref _disposed) == 0 && _queue.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _acceptedTotal);
            return true;
        }

        Interlocked.Decrement(ref _queued);
        return false;
    }

    /// <summary>
    /// Publishes queued messages until <paramref name="cancellationToken"/> is cancelled or the producer is disposed,
    /// then waits (up to <see cref="ProducerOptions.DisposeTimeout"/>) for the reports of what it handed to librdkafka.
    /// Messages still queued stay queued for a later call, or are published by disposal.
    /// </summary>
    /// <param name="cancellationToken">Stops publishing.</param>
    /// <exception cref="InvalidOperationException">Another <see cref="ListenAsync"/> is running.</exception>
    public async Task ListenAsync(CancellationToken cancellationToken)
    {
        if (!_listenGate.Wait(0))
        {
            throw new InvalidOperationException("ListenAsync is already running on this producer.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try
        {
            _listening = true;
            await PublishAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            _listening = false;
            if (Volatile.Read(ref _disposed) == 0)
            {
                await Task.Run(() => _core.Flush(_core.Options.DisposeTimeout), CancellationToken.None).ConfigureAwait(false);
            }

            _listenGate.Release();
        }
    }

    /// <summary>
    /// Publishes what is still queued, waits up to <see cref="ProducerOptions.DisposeTimeout"/> for acknowledgements,
    /// and reports every message that was not acknowledged as failed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        var deadline = DateTime.UtcNow + _core.Options.DisposeTimeout;

        // A running ListenAsync drains the completed queue and exits; otherwise disposal publishes what is queued itself.
        // One still publishing after the timeout is stopped and awaited (it only waits on cancellable calls), so that it
        // neither races the reports of what is left nor touches the closed client.
        var acquired = await _listenGate.WaitAsync(_core.Options.DisposeTimeout).ConfigureAwait(false);
        if (!acquired)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);

            // Still bounded: a report callback that blocks ListenAsync (e.g. one that disposes this producer) must not hang disposal.
            acquired = await _listenGate.WaitAsync(_core.Options.DisposeTimeout).ConfigureAwait(false);
        }

        if (acquired)
        {
            try
            {
                using var bound = new CancellationTokenSource(Remaining(deadline));
                try
                {
                    await PublishAsync(bound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            finally
            {
                _listenGate.Release();
            }
        }

        // Blocks for what is left of the bound: on a thread of its own, as SyncProducer's disposal does.
        await Task.Factory.StartNew(() => _core.Close(Remaining(deadline)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var left))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _takenTotal);
            Report(new ProducerReport(left, ErrorCode.Local_PurgeQueue, "still queued when the producer was disposed; it was never sent"));
        }

        lock (_flushLock)
        {
            // Every message has its report: a FlushAsync still waiting for the queue has nothing left to wait for.
            _queueWaiters.ReleaseAll();
        }
    }

    /// <summary>
    /// Completes when every message accepted before the call has its report (delivered or failed), waiting at most
    /// <see cref="ProducerOptions.DisposeTimeout"/>: queued messages must first be handed over by <see cref="ListenAsync"/>,
    /// then acknowledged. Blocks no thread. Messages sent during the wait are not waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the messages stay queued or in flight).</param>
    /// <exception cref="TimeoutException">Some of those messages still had no report after the bound; the message says how many are queued and in flight.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(_core.Options.DisposeTimeout, cancellationToken);

    /// <summary>As <see cref="FlushAsync(CancellationToken)"/>, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait (<see cref="Timeout.InfiniteTimeSpan"/> for no bound).</param>
    /// <param name="cancellationToken">Stops waiting (the messages stay queued or in flight).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (and not infinite).</exception>
    /// <exception cref="TimeoutException">Some of those messages still had no report after <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Task handedOver;
        lock (_flushLock)
        {
            var target = Volatile.Read(ref _acceptedTotal);
            handedOver = Volatile.Read(ref _takenTotal) >= target ? Task.CompletedTask : _queueWaiters.Add(target);

            // Taken() counts before it looks for waiters: either it saw this one, or this sees its count.
            _queueWaiters.Release(Volatile.Read(ref _takenTotal));
        }

        return ProducerFlush.WaitAsync(
            handedOver.IsCompleted ? _core.WhenSentAcknowledged() : ThenAcknowledged(handedOver),
            timeout,
            () => QueuedCount > 0 && !_listening
                ? $"{QueuedCount} messages of producer '{ClientId}' are still queued and ListenAsync is not running, {InFlightCount} in flight"
                : $"{QueuedCount} messages of producer '{ClientId}' are still queued and {InFlightCount} in flight",
            cancellationToken);
    }

    private async Task ThenAcknowledged(Task handedOver)
    {
        await handedOver.ConfigureAwait(false);
        await _core.WhenSentAcknowledged().ConfigureAwait(false);
    }

    private void Taken()
    {
        var taken = Interlocked.Increment(ref _takenTotal);
        if (_queueWaiters.Any)
        {
            lock (_flushLock)
            {
                _queueWaiters.Release(taken);
            }
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async ValueTask WriteSlowAsync(ProducerMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _acceptedTotal);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(AsyncProducer));
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            throw;
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryPeek(out var message))
            {
                object entry = message.TryClaim() ? message : new Ticket(this, message);
                try
                {
                    while (!_core.TryProduce(message.Topic, message.Partition, message.Key, message.Value, message.Headers, entry))
                    {
                        await _core.WaitForCapacityAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch when (ReferenceEquals(entry, message))
                {
                    message.Release(); // still queued: not in flight
                    throw;
                }

                reader.TryRead(out _);
                Interlocked.Decrement(ref _queued); // after the hand-over: a direct send cannot overtake it
                Taken();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    internal void Report(in ProducerReport report)
    {
        try
        {
            _onReport(report);
        }
        catch (Exception e)
        {
            Log.ReportCallbackFailed(_logger, e, report.Message.Topic);
        }
    }

    private sealed class Ticket(AsyncProducer owner, ProducerMessage message) : DeliveryTicket
    {
        internal override string Topic => message.Topic;

        internal override void OnDelivered(in ProduceResult result) => owner.Report(new ProducerReport(message, result));

        internal override void OnFailed(ErrorCode error, string reason) => owner.Report(new ProducerReport(message, error, reason));
    }
}
