using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>
/// The librdkafka producer under <see cref="SyncProducer"/>, <see cref="AsyncProducer"/> and the dead-letter writer:
/// builds it from options, partitions round-robin when asked, traces, tracks what is in flight and reports what disposal
/// could not deliver.
/// </summary>
internal sealed class ProducerCore : IDisposable
{
    // The record key slot carries the in-flight entry (a ProducerMessage or a DeliveryTicket): Confluent keeps the key
    // object in its per-message delivery shim and hands it back in the report, so one delivery handler per producer
    // recovers the entry without a delegate per message. KeyBytes turns it into the real key bytes at Produce.
    private readonly IProducer<object, byte[]?> _producer;
    private readonly Action<DeliveryReport<object, byte[]?>> _onDelivery;
    private readonly ILogger _logger;
    private readonly Lock _inFlightLock = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>>? _roundRobin;
    private readonly KeyValuePair<string, object?>[] _clientTags;

    // librdkafka's client reads the message only during Produce (key and value are kept by reference in its own
    // delivery shim), so each sending thread reuses one instance instead of allocating one per message.
    [ThreadStatic]
    private static Message<object, byte[]?>? t_message;

    // The key bytes of the message being produced on this thread, read by KeyBytes during the Produce call.
    [ThreadStatic]
    private static byte[]? t_key;

    // Confluent allocates an empty Headers (and its list) per message when the message has none; it only reads them.
    private static readonly Headers s_noHeaders = [];

    private TopicPartition? _lastAnyPartition;
    private object? _head;
    private object? _tail; // the oldest entry in flight (entries are added at the head)
    private long _sequence;
    private readonly FlushWaiters _flushWaiters = new();
    private int _inFlight;
    private TaskCompletionSource? _capacity;
    private int _disposed;

    public ProducerCore(KafkaAppConfig app, ProducerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        app.Validate();
        options.Validate();
        _logger = logger;
        ClientId = app.ClientId;
        Options = options;
        Metrics = KafkaMetrics.For(options.MeterFactory);
        _clientTags = [new(SemConv.System, SemConv.Kafka), new(SemConv.ClientId, ClientId)];
        Diagnostics = new ProducerDiagnostics(ClientId, app);

        var config = ClientConfigBuilder.Producer(app, options);
        // The report needs the entry (the key slot) and the timestamp; not marshalling headers, value and status back
        // saves a Headers object and native calls per message.
        config[ConfigPropertyNames.Producer.EnableDeliveryReports] = "true";
        config[ConfigPropertyNames.Producer.DeliveryReportFields] = "key,timestamp";
        _onDelivery = OnDeliveryReport;
        var builder = new ProducerBuilder<object, byte[]?>(config)
            .SetKeySerializer(KeyBytes.Instance)
            .SetLogHandler((_, m) => Log.Librdkafka(_logger, m))
            .SetErrorHandler(OnError)
            .SetStatisticsHandler((_, json) => Diagnostics.Statistics.Update(json));
        if (options.Partitioner == PartitionerKind.RoundRobin)
        {
            _roundRobin = new ConcurrentDictionary<string, StrongBox<int>>(StringComparer.Ordinal);
            builder.SetDefaultPartitioner(RoundRobin);
        }

        try
        {
            _producer = builder.Build();
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw ClientConfigBuilder.Rejected("ProducerOptions", e);
        }

        try
        {
            Connectivity.Verify(_producer.Handle, app);
        }
        catch
        {
            _producer.Dispose();
            throw;
        }

        Diagnostics.Handle = _producer.Handle;
        Metrics.Clients.Add(Diagnostics.Statistics);
        Log.ProducerStarted(_logger, ClientId, app.BootstrapString);
    }

    /// <summary>Health and statistics of the client, read by the health check and the queue gauges.</summary>
    public ProducerDiagnostics Diagnostics { get; }

    public string ClientId { get; }

    public ProducerOptions Options { get; }

    /// <summary>The instruments this producer records on (of <see cref="ProducerOptions.MeterFactory"/>'s meter, or the shared one).</summary>
    public KafkaMetrics Metrics { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public Handle Handle => _producer.Handle;

    /// <summary>Hands one message to librdkafka. Returns <see langword="false"/> when librdkafka's queue is full (nothing was sent; wait for <see cref="WaitForCapacityAsync"/>).</summary>
    /// <remarks>The entry is a <see cref="DeliveryTicket"/>, or a <see cref="ProducerMessage"/> claimed by <see cref="AsyncProducer"/> (reported to <see cref="MessageOwner"/>).</remarks>
    public bool TryProduce(string topic, int? partition, byte[]? key, byte[]? value, Headers? headers, object entry, bool propagateContext = true)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Activity? activity = null;
        var previous = Activity.Current;
        if (KafkaTelemetry.Source.HasListeners())
        {
            activity = KafkaTelemetry.Source.StartActivity("send " + topic, ActivityKind.Producer);
            if (activity is not null)
            {
                activity.SetTag(SemConv.System, SemConv.Kafka);
                activity.SetTag(SemConv.OperationName, "send");
                activity.SetTag(SemConv.OperationType, "send");
                activity.SetTag(SemConv.Destination, topic);
                activity.SetTag(SemConv.ClientId, ClientId);
                if (value is not null)
                {
                    activity.SetTag(SemConv.BodySize, value.Length);
                }
                else
                {
                    activity.SetTag(SemConv.Tombstone, true);
                }

                if (key is not null && activity.IsAllDataRequested)
                {
                    activity.SetTag(SemConv.MessageKey, System.Text.Encoding.UTF8.GetString(key));
                }
            }
        }

        var context = activity?.Context ?? previous?.Context ?? default;
        if (propagateContext && context.TraceId != default)
        {
            var copy = new Headers();
            if (headers is not null)
            {
                foreach (var h in headers)
                {
                    copy.Add(h.Key, h.GetValueBytes());
                }
            }

            KafkaTelemetry.Inject(context, copy);
            headers = copy;
        }

        if (activity is not null)
        {
            Activity.Current = previous;
        }

        ref var state = ref StateOf(entry);
        var start = Metrics.OperationDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        state.Telemetry = activity is null && start == 0 ? null : new SendTelemetry(activity, start);
        Track(entry);
        // Taken out of the slot while in use, so a send nested in a callback during Produce gets its own.
        var message = t_message ?? new Message<object, byte[]?>();
        t_message = null;
        message.Key = entry;
        message.Value = value;
        message.Headers = headers ?? s_noHeaders;
        t_key = key;
        try
        {
            if (partition is { } p)
            {
                _producer.Produce(new TopicPartition(topic, new Partition(p)), message, _onDelivery);
            }
            else
            {
                var any = _lastAnyPartition;
                if (any is null || !ReferenceEquals(any.Topic, topic))
                {
                    _lastAnyPartition = any = new TopicPartition(topic, Partition.Any);
                }

                _producer.Produce(any, message, _onDelivery);
            }

            Diagnostics.OnQueueRoom();
            return true;
        }
        catch (ProduceException<object, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            Untrack(entry);
            StateOf(entry).Telemetry = null;
            Diagnostics.OnQueueFull();
            if (activity is not null)
            {
                // Nothing was sent and the caller tries again (every wake-up while librdkafka has no room): not a span.
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                activity.Dispose();
            }

            ReleaseFlushWaiters();
            return false;
        }
        catch (ProduceException<object, byte[]?> e)
        {
            Untrack(entry);
            Finish(ref StateOf(entry), topic, e.Error.Code, -1);
            Fail(entry, e.Error.Code, e.Error.Reason);
            ReleaseFlushWaiters();
            return true;
        }
        catch (KafkaException e)
        {
            Untrack(entry);
            Finish(ref StateOf(entry), topic, e.Error.Code, -1);
            Fail(entry, e.Error.Code, e.Error.Reason);
            ReleaseFlushWaiters();
            return true;
        }
        catch
        {
            // Anything else (a disposed client, an argument librdkafka rejects) reaches the caller as is: the message
            // is not in flight, so it must not be reported again at disposal.
            Untrack(entry);
            StateOf(entry).Telemetry = null;
            activity?.Dispose();
            ReleaseFlushWaiters();
            throw;
        }
        finally
        {
            // Hold no payload past the call.
            t_key = null;
            message.Key = null!;
            message.Value = null;
            message.Headers = null;
            t_message = message;
        }
    }

    /// <summary>Receives the reports of <see cref="ProducerMessage"/> entries.</summary>
    internal AsyncProducer? MessageOwner { get; set; }

    /// <summary>Completes when librdkafka has delivered something since the queue was full (or after a short bound, to never miss a wake-up).</summary>
    public async Task WaitForCapacityAsync(CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _capacity);
        if (signal is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = Interlocked.CompareExchange(ref _capacity, fresh, null) ?? fresh;
        }

        await Task.WhenAny(signal.Task, Task.Delay(50, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    /// <summary>
    /// Completes when every message handed to librdkafka before the call has its report (acknowledged or failed), without
    /// blocking a thread: the in-flight list is ordered, so that is when its oldest entry is newer than the call.
    /// </summary>
    public Task WhenSentAcknowledged()
    {
        lock (_inFlightLock)
        {
            var target = _sequence;
            return OldestPending() > target ? Task.CompletedTask : _flushWaiters.Add(target);
        }
    }

    // Under _inFlightLock: the sequence of the oldest message in flight, or past the last one when none is.
    private long OldestPending() => _tail is null ? long.MaxValue : StateOf(_tail).Sequence;

    /// <summary>Completes the flushes whose messages all have their outcome. Called after a report was delivered, never before, so that a flush never returns ahead of the reports it waited for.</summary>
    private void ReleaseFlushWaiters()
    {
        if (_flushWaiters.Any)
        {
            lock (_inFlightLock)
            {
                _flushWaiters.Release(OldestPending() - 1);
            }
        }
    }

    private void OnDeliveryReport(DeliveryReport<object, byte[]?> report)
    {
        var entry = report.Message.Key;
        Untrack(entry);
        if (Volatile.Read(ref _capacity) is not null)
        {
            Interlocked.Exchange(ref _capacity, null)?.TrySetResult();
        }

        if (report.Error.IsError)
        {
            Finish(ref StateOf(entry), report.Topic, report.Error.Code, report.Partition.Value);
            Fail(entry, report.Error.Code, report.Error.Reason);
        }
        else
        {
            Diagnostics.OnDelivered();
            Finish(ref StateOf(entry), report.Topic, ErrorCode.NoError, report.Partition.Value, report.Offset.Value);
            // librdkafka reports the broker's append time for LogAppendTime topics, else the create time it stamped.
            var result = new ProduceResult(report.Topic, report.Partition.Value, report.Offset.Value, report.Timestamp.UtcDateTime);
            if (entry is ProducerMessage message)
            {
                if (Interlocked.Exchange(ref message.InFlight.Pending, 0) == 1)
                {
                    MessageOwner!.Report(new ProducerReport(message, result));
                }
            }
            else if (Interlocked.Exchange(ref ((DeliveryTicket)entry).InFlight.Pending, 0) == 1)
            {
                ((DeliveryTicket)entry).OnDelivered(result);
            }
        }

        ReleaseFlushWaiters();
    }

    private void Fail(object entry, ErrorCode error, string reason)
    {
        if (entry is ProducerMessage message)
        {
            if (Interlocked.Exchange(ref message.InFlight.Pending, 0) == 1)
            {
                MessageOwner!.Report(new ProducerReport(message, error, reason));
            }
        }
        else if (Interlocked.Exchange(ref ((DeliveryTicket)entry).InFlight.Pending, 0) == 1)
        {
            ((DeliveryTicket)entry).OnFailed(error, reason);
        }
    }

    private static ref InFlightState StateOf(object entry)
    {
        if (entry is ProducerMessage message)
        {
            return ref message.InFlight;
        }

        return ref ((DeliveryTicket)entry).InFlight;
    }

    private static string TopicOf(object entry) => entry is ProducerMessage message ? message.Topic : ((DeliveryTicket)entry).Topic;

    /// <summary>Flushes for <paramref name="timeout"/>, closes librdkafka, and fails every message it did not acknowledge.</summary>
    public int Close(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return 0;
        }

        try
        {
            _producer.Flush(timeout);
        }
        catch (KafkaException)
        {
            // Nothing more can be flushed; what is left is failed below.
        }

        _producer.Dispose();
        Diagnostics.Disposed = true;
        Metrics.Clients.Remove(Diagnostics.Statistics);
        List<object> left = [];
        lock (_inFlightLock)
        {
            for (var e = _head; e is not null;)
            {
                ref var state = ref StateOf(e);
                left.Add(e);
                var next = state.Next;
                state.Prev = state.Next = null;
                e = next;
            }

            _head = null;
            _tail = null;
            _inFlight = 0;
        }

        foreach (var entry in left)
        {
            Finish(ref StateOf(entry), TopicOf(entry), ErrorCode.Local_PurgeQueue, -1);
            Fail(entry, ErrorCode.Local_PurgeQueue, $"not acknowledged by the broker within the dispose timeout ({timeout.TotalSeconds:0.###} s); the producer was disposed");
        }

        if (left.Count > 0)
        {
            Log.ProducerUnsent(_logger, ClientId, left.Count);
        }

        lock (_inFlightLock)
        {
            // Everything has its report now: a FlushAsync still waiting has nothing left to wait for.
            _flushWaiters.ReleaseAll();
        }

        return left.Count;
    }

    public void Dispose() => Close(Options.DisposeTimeout);

    private void OnError(IProducer<object, byte[]?> producer, Error error)
    {
        Diagnostics.OnError(error);
        Log.ProduceFailed(_logger, "(client)", error.Code, error.Reason);
    }

    private void Finish(ref InFlightState state, string topic, ErrorCode error, int partition, long offset = -1)
    {
        var telemetry = state.Telemetry;
        state.Telemetry = null;
        var startTimestamp = telemetry?.StartTimestamp ?? 0;
        if (Metrics.SentMessages.Enabled || startTimestamp != 0)
        {
            var tags = new TagList(_clientTags.AsSpan())
            {
                { SemConv.OperationName, "send" },
                { SemConv.Destination, topic },
            };
            if (error != ErrorCode.NoError)
            {
                tags.Add(SemConv.ErrorType, error.ToString());
            }

            Metrics.SentMessages.Add(1, tags);
            if (startTimestamp != 0)
            {
                Metrics.OperationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
            }
        }

        var activity = telemetry?.Activity;
        if (activity is not null)
        {
            if (partition >= 0)
            {
                activity.SetTag(SemConv.PartitionId, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (offset >= 0)
            {
                activity.SetTag(SemConv.Offset, offset);
            }

            if (error != ErrorCode.NoError)
            {
                activity.SetTag(SemConv.ErrorType, error.ToString());
                activity.SetStatus(ActivityStatusCode.Error, error.ToString());
            }

            // Stop makes the span's parent current on this thread. That is the delivery thread, which keeps none, or the
            // caller's thread when the send failed at once (or at disposal), whose own current span must survive.
            var current = Activity.Current;
            activity.Stop();
            Activity.Current = current;
        }
    }

    private void Track(object entry)
    {
        ref var state = ref StateOf(entry);
        lock (_inFlightLock)
        {
            state.Sequence = ++_sequence;
            state.Next = _head;
            state.Prev = null;
            if (_head is not null)
            {
                StateOf(_head).Prev = entry;
            }
            else
            {
                _tail = entry;
            }

            _head = entry;
            _inFlight++;
        }
    }

    private void Untrack(object entry)
    {
        ref var state = ref StateOf(entry);
        lock (_inFlightLock)
        {
            // In the list exactly when it has a predecessor or is the head.
            if (state.Prev is null && !ReferenceEquals(_head, entry))
            {
                return;
            }

            if (state.Prev is not null)
            {
                StateOf(state.Prev).Next = state.Next;
            }
            else
            {
                _head = state.Next;
            }

            if (state.Next is not null)
            {
                StateOf(state.Next).Prev = state.Prev;
            }
            else
            {
                _tail = state.Prev;
            }

            state.Prev = state.Next = null;
            _inFlight--;
        }
    }

    /// <summary>The key serializer: the key slot holds the in-flight entry, the bytes are the ones given to <see cref="TryProduce"/>.</summary>
    private sealed class KeyBytes : ISerializer<object>
    {
        public static readonly KeyBytes Instance = new();

        public byte[]? Serialize(object data, SerializationContext context) => t_key;
    }

    private Partition RoundRobin(string topic, int partitionCount, ReadOnlySpan<byte> keyData, bool keyIsNull)
    {
        var counter = _roundRobin!.GetOrAdd(topic, static _ => new StrongBox<int>(-1));
        var next = (uint)Interlocked.Increment(ref counter.Value);
        return new Partition((int)(next % (uint)partitionCount));
    }
}

/// <summary>The fail-fast check that the cluster answers, run by every client's constructor.</summary>
internal static class Connectivity
{
    public static void Verify(Handle handle, KafkaAppConfig app)
    {
        if (app.ConnectTimeout == TimeSpan.Zero)
        {
            return;
        }

        using var admin = new DependentAdminClientBuilder(handle).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(app.ConnectTimeout);
        }
        catch (KafkaException e)
        {
            throw new KafkaUnreachableException(app.BootstrapString, app.ConnectTimeout, e);
        }

        if (metadata.Brokers.Count == 0)
        {
            throw new KafkaUnreachableException(app.BootstrapString, app.ConnectTimeout, null);
        }
    }
}
