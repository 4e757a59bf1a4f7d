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
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ILogger _logger;
    private readonly Lock _inFlightLock = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>>? _roundRobin;
    private readonly KeyValuePair<string, object?>[] _clientTags;

    // librdkafka's client reads the message only during Produce (key and value are kept by reference in its own
    // delivery shim), so each sending thread reuses one instance instead of allocating one per message.
    [ThreadStatic]
    private static Message<byte[]?, byte[]?>? t_message;
    private DeliveryTicket? _head;
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
        _clientTags = [new(SemConv.System, SemConv.Kafka), new(SemConv.ClientId, ClientId)];

        var builder = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigBuilder.Producer(app, options))
            .SetLogHandler((_, m) => Log.Librdkafka(_logger, m))
            .SetErrorHandler((_, e) => Log.ProduceFailed(_logger, "(client)", e.Code, e.Reason));
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

        Log.ProducerStarted(_logger, ClientId, app.BootstrapString);
    }

    public string ClientId { get; }

    public ProducerOptions Options { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public Handle Handle => _producer.Handle;

    /// <summary>Hands one message to librdkafka. Returns <see langword="false"/> when librdkafka's queue is full (nothing was sent; wait for <see cref="WaitForCapacityAsync"/>).</summary>
    public bool TryProduce(string topic, int? partition, byte[]? key, byte[]? value, Headers? headers, DeliveryTicket ticket, bool propagateContext = true)
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

        ticket.Core = this;
        ticket.Activity = activity;
        ticket.StartTimestamp = KafkaTelemetry.OperationDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        Track(ticket);
        // Taken out of the slot while in use, so a send nested in a callback during Produce gets its own.
        var message = t_message ?? new Message<byte[]?, byte[]?>();
        t_message = null;
        message.Key = key;
        message.Value = value;
        message.Headers = headers;
        try
        {
            if (partition is { } p)
            {
                _producer.Produce(new TopicPartition(topic, new Partition(p)), message, ticket.OnDeliveryReport);
            }
            else
            {
                _producer.Produce(topic, message, ticket.OnDeliveryReport);
            }

            return true;
        }
        catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            Untrack(ticket);
            activity?.Dispose();
            return false;
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            Untrack(ticket);
            Finish(ticket, topic, e.Error.Code, -1);
            ticket.Fail(e.Error.Code, e.Error.Reason);
            return true;
        }
        catch (KafkaException e)
        {
            Untrack(ticket);
            Finish(ticket, topic, e.Error.Code, -1);
            ticket.Fail(e.Error.Code, e.Error.Reason);
            return true;
        }
        finally
        {
            // Hold no payload past the call.
            message.Key = null;
            message.Value = null;
            message.Headers = null;
            t_message = message;
        }
    }

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

    internal void OnDeliveryReport(DeliveryTicket ticket, DeliveryReport<byte[]?, byte[]?> report)
    {
        Untrack(ticket);
        if (Volatile.Read(ref _capacity) is not null)
        {
            Interlocked.Exchange(ref _capacity, null)?.TrySetResult();
        }
        if (report.Error.IsError)
        {
            Finish(ticket, report.Topic, report.Error.Code, report.Partition.Value);
            ticket.Fail(report.Error.Code, report.Error.Reason);
        }
        else
        {
            Finish(ticket, report.Topic, ErrorCode.NoError, report.Partition.Value, report.Offset.Value);
            // librdkafka reports the broker's append time for LogAppendTime topics, else the create time it stamped.
            ticket.Deliver(new ProduceResult(report.Topic, report.Partition.Value, report.Offset.Value, report.Timestamp.UtcDateTime));
        }
    }

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
        List<DeliveryTicket> left = [];
        lock (_inFlightLock)
        {
            for (var t = _head; t is not null; t = t.Next)
            {
                left.Add(t);
                t.Tracked = false;
            }

            _head = null;
            _inFlight = 0;
        }

        foreach (var ticket in left)
        {
            Finish(ticket, ticket.Topic, ErrorCode.Local_PurgeQueue, -1);
            ticket.Fail(ErrorCode.Local_PurgeQueue, $"not acknowledged by the broker within the dispose timeout ({timeout.TotalSeconds:0.###} s); the producer was disposed");
        }

        if (left.Count > 0)
        {
            Log.ProducerUnsent(_logger, ClientId, left.Count);
        }

        return left.Count;
    }

    public void Dispose() => Close(Options.DisposeTimeout);

    private void Finish(DeliveryTicket ticket, string topic, ErrorCode error, int partition, long offset = -1)
    {
        if (KafkaTelemetry.SentMessages.Enabled || ticket.StartTimestamp != 0)
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

            KafkaTelemetry.SentMessages.Add(1, tags);
            if (ticket.StartTimestamp != 0)
            {
                KafkaTelemetry.OperationDuration.Record(Stopwatch.GetElapsedTime(ticket.StartTimestamp).TotalSeconds, tags);
            }
        }

        var activity = ticket.Activity;
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

            activity.Stop();
            Activity.Current = null;
            ticket.Activity = null;
        }
    }

    private void Track(DeliveryTicket ticket)
    {
        lock (_inFlightLock)
        {
            ticket.Next = _head;
            ticket.Prev = null;
            if (_head is not null)
            {
                _head.Prev = ticket;
            }

            _head = ticket;
            ticket.Tracked = true;
            _inFlight++;
        }
    }

    private void Untrack(DeliveryTicket ticket)
    {
        lock (_inFlightLock)
        {
            if (!ticket.Tracked)
            {
                return;
            }

            if (ticket.Prev is not null)
            {
                ticket.Prev.Next = ticket.Next;
            }
            else
            {
                _head = ticket.Next;
            }

            if (ticket.Next is not null)
            {
                ticket.Next.Prev = ticket.Prev;
            }

            ticket.Prev = ticket.Next = null;
            ticket.Tracked = false;
            _inFlight--;
        }
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
