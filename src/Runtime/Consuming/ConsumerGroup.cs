using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed;

/// <summary>
/// A member of a Kafka consumer group that calls a handler for every message (the Go package's <c>NewConsumerGroup</c>
/// and <c>Consume</c>), with retries, dead-lettering and tracing.
/// </summary>
/// <remarks>
/// <para>Partitions are handled in parallel (up to <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> handler calls at
/// once); messages of one partition are handled one at a time, in order.</para>
/// <para>While nothing else of its partition is pending and no tracing or consumption metrics are listened to, a message
/// may be handled on the polling thread itself: a handler that completes synchronously then costs no thread hop. Such
/// handlers run one at a time; handlers that return an incomplete task continue on the partition's worker, and handlers
/// that block (averaging over 1 ms a call) are moved back to the workers.</para>
/// <para>A failing handler is retried with exponential backoff while its partition is paused and the consumer keeps
/// polling, so a slow retry never costs group membership and other partitions keep flowing. After the last attempt the
/// <see cref="ConsumerOptions.FailurePolicy"/> applies. A failing handler never makes <see cref="ConsumeAsync"/> fail.</para>
/// <para>Offsets are stored only once a message was handled, dead-lettered or skipped, and never ahead of unfinished work
/// in its partition: delivery is at-least-once.</para>
/// </remarks>
public sealed class ConsumerGroup
{
    private readonly SemaphoreSlim _runGate = new(1, 1);
    private volatile ConsumeSession? _session;
    private volatile GroupState _state;
    private long _handled;
    private long _retries;
    private long _deadLettered;
    private long _skipped;

    /// <summary>Creates the consumer group member, validating every option and checking that the cluster answers.</summary>
    /// <param name="app">The application config (name, server, bootstrap servers).</param>
    /// <param name="topics">The topics to subscribe to.</param>
    /// <param name="handler">Called for each message.</param>
    /// <param name="options">Consumer options; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <exception cref="KafkaConfigurationException">An option or topic is invalid; the message names it.</exception>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</exception>
    public ConsumerGroup(KafkaAppConfig app, IReadOnlyList<string> topics, MessageHandler handler, ConsumerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(handler);
        app.Validate();
        Options = options ?? new ConsumerOptions();
        Options.Validate();
        if (topics is null || topics.Count == 0)
        {
            throw new KafkaConfigurationException("topics", "", "at least one topic is required");
        }

        for (var i = 0; i < topics.Count; i++)
        {
            TopicName.Validate(topics[i], $"topics[{i}]");
            if (Options.FailurePolicy == FailurePolicy.DeadLetter && Options.DeadLetterTopic is null)
            {
                TopicName.Validate(topics[i] + ".dlq", $"topics[{i}] (its dead-letter topic '{{topic}}.dlq')");
            }

            if (Options.DeadLetterTopic == topics[i])
            {
                throw new KafkaConfigurationException("ConsumerOptions.DeadLetterTopic", Options.DeadLetterTopic, "must differ from the topics consumed");
            }
        }

        if (topics.Distinct(StringComparer.Ordinal).Count() != topics.Count)
        {
            throw new KafkaConfigurationException("topics", string.Join(',', topics), "each topic may appear only once");
        }

        App = app;
        Topics = topics.ToArray();
        Handler = handler;
        GroupId = Options.GroupId ?? app.DefaultGroupId;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ConsumerGroup>();
        DeadLetterLogger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(DeadLetterLogCategory);
        Statistics = new KafkaClientStatistics(app.ClientId, GroupId);
        Metrics = KafkaMetrics.For(Options.MeterFactory);
        _state = new GroupState(ConsumerGroupState.NotStarted, Options.TimeProvider.GetUtcNow(), null);

        // Build (and throw away) a consumer now, so that librdkafka rejects bad raw settings at construction.
        try
        {
            using var probe = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigBuilder.Consumer(app, Options, GroupId)).SetLogHandler((_, _) => { }).Build();
            Connectivity.Verify(probe.Handle, app);
        }
        catch (Exception e) when (e is ArgumentException and not KafkaConfigurationException || e is InvalidOperationException || (e is KafkaException && e is not ConsumeException))
        {
            throw ClientConfigBuilder.Rejected("ConsumerOptions", e);
        }
    }

    /// <summary>
    /// Creates a member whose handler takes batches: up to <see cref="ConsumerOptions.MaxBatchSize"/> records of one
    /// partition per call, in offset order, waiting at most <see cref="ConsumerOptions.MaxBatchWait"/> for a batch to fill.
    /// Offsets are stored once a batch is settled. See <see cref="BatchMessageHandler"/> for how failures are reported.
    /// </summary>
    /// <remarks>
    /// A factory rather than a constructor overload: a handler lambda that only throws (<c>(m, ct) =&gt; throw …</c>)
    /// converts to both delegate types, and an overload would silently turn such a single-message handler into a batch one.
    /// </remarks>
    /// <param name="app">The application config (name, server, bootstrap servers).</param>
    /// <param name="topics">The topics to subscribe to.</param>
    /// <param name="batchHandler">Called for each batch; also for each retry of a record it named as failed, with a batch of that record alone.</param>
    /// <param name="options">Consumer options; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <returns>The member, not yet consuming (call <see cref="ConsumeAsync"/>).</returns>
    /// <exception cref="KafkaConfigurationException">An option or topic is invalid; the message names it.</exception>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</exception>
    public static ConsumerGroup ForBatches(KafkaAppConfig app, IReadOnlyList<string> topics, BatchMessageHandler batchHandler, ConsumerOptions? options = null, ILoggerFactory? loggerFactory = null)
        => new(app, topics, BatchHandling.OneRecordAtATime(batchHandler), batchHandler, options, loggerFactory);

    private ConsumerGroup(KafkaAppConfig app, IReadOnlyList<string> topics, MessageHandler oneRecord, BatchMessageHandler batchHandler, ConsumerOptions? options, ILoggerFactory? loggerFactory)
        : this(app, topics, oneRecord, options, loggerFactory)
    {
        if (Options.Concurrency != ConsumerConcurrency.InOrder)
        {
            throw new KafkaConfigurationException("ConsumerOptions.Concurrency", Options.Concurrency.ToString(), "a batch handler takes a partition's records in offset order as one batch; per-key concurrency applies to single-message handlers only (use InOrder)");
        }

        BatchHandler = batchHandler;
    }

    /// <summary>The consumer group id (the configured one, or <see cref="KafkaAppConfig.DefaultGroupId"/>).</summary>
    public string GroupId { get; }

    /// <summary>The subscribed topics.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>The validated options.</summary>
    public ConsumerOptions Options { get; }

    /// <summary>Messages handled successfully so far.</summary>
    public long HandledCount => Interlocked.Read(ref _handled);

    /// <summary>Failed attempts that were retried so far.</summary>
    public long RetryCount => Interlocked.Read(ref _retries);

    /// <summary>Messages written to a dead-letter topic so far.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLettered);

    /// <summary>Messages skipped under <see cref="FailurePolicy.Skip"/> so far.</summary>
    public long SkippedCount => Interlocked.Read(ref _skipped);

    internal KafkaAppConfig App { get; }

    internal MessageHandler Handler { get; }

    /// <summary>The batch handler, when the member was created with one (<see cref="Handler"/> then calls it with one record).</summary>
    internal BatchMessageHandler? BatchHandler { get; }

    internal ILogger Logger { get; }

    /// <summary>The log category of the dead-letter producer (its start, librdkafka's lines and its errors): <c>Kafka.Typed.ConsumerGroup.DeadLetterProducer</c>.</summary>
    public const string DeadLetterLogCategory = "Kafka.Typed.ConsumerGroup.DeadLetterProducer";

    internal ILogger DeadLetterLogger { get; }

    /// <summary>librdkafka's statistics of the running member (lag per assigned partition), when <c>statistics.interval.ms</c> is set.</summary>
    internal KafkaClientStatistics Statistics { get; }

    /// <summary>The instruments this group records on (of <see cref="ConsumerOptions.MeterFactory"/>'s meter, or the shared one).</summary>
    internal KafkaMetrics Metrics { get; }

    /// <summary>
    /// Joins the group and handles messages until <paramref name="cancellationToken"/> is cancelled; then finishes the
    /// handlers in flight (up to <see cref="ConsumerOptions.ShutdownTimeout"/>), commits, and leaves the group.
    /// </summary>
    /// <param name="cancellationToken">Stops consumption.</param>
    /// <returns>A task that completes when the member has left the group. It does not fail because a handler failed.</returns>
    /// <exception cref="KafkaConsumerException">librdkafka reported a fatal error.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ConsumeAsync"/> is already running on this instance.</exception>
    public async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        if (!_runGate.Wait(0))
        {
            throw new InvalidOperationException($"ConsumeAsync is already running for consumer group '{GroupId}'.");
        }

        try
        {
            var session = new ConsumeSession(this);
            _session = session;
            Metrics.Clients.Add(Statistics);
            SetState(ConsumerGroupState.Joining, restart: true);
            try
            {
                await session.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A fatal librdkafka error was recorded when the poll loop saw it; anything else is unexpected.
                SetFaulted(e is KafkaConsumerException ? e.Message : $"{e.GetType().FullName}: {e.Message}");
                throw;
            }

            SetState(ConsumerGroupState.Stopped);
        }
        finally
        {
            Metrics.Clients.Remove(Statistics);
            _session = null;
            _runGate.Release();
        }
    }

    /// <summary>
    /// A snapshot of this member for health checks and dashboards: its <see cref="ConsumerGroupState"/>, the partitions
    /// assigned to it with whether each is stalled (since when, at which offset, why), and when it last polled.
    /// </summary>
    /// <remarks>
    /// Thread-safe and cheap (no lock; it allocates the snapshot only): the consumer records its state when it changes
    /// (assignment, stop, fault, a partition's stall beginning or ending), never per message, and this method reads it.
    /// Call it as often as a health probe needs.
    /// </remarks>
    /// <returns>An immutable snapshot.</returns>
    public ConsumerGroupStatus GetStatus()
    {
        var state = _state;
        var session = _session;
        var time = Options.TimeProvider;
        var now = time.GetUtcNow();
        DateTimeOffset? lastPoll = null;
        IReadOnlyList<ConsumerPartitionStatus> partitions = [];
        if (session is not null && state.State is not (ConsumerGroupState.NotStarted or ConsumerGroupState.Stopped))
        {
            if (session.LastPollTimestamp is var polled and not 0)
            {
                lastPoll = now - time.GetElapsedTime(polled);
            }

            partitions = session.PartitionStatuses();
        }

        return new ConsumerGroupStatus(GroupId, state.State, state.Since, state.Fault, lastPoll, now, partitions);
    }

    /// <summary>Records a state change (from the poll thread, or <see cref="ConsumeAsync"/>); a fault sticks until the next run starts.</summary>
    internal void SetState(ConsumerGroupState state, bool restart = false)
    {
        var current = _state;
        if (current.State == state || (current.State == ConsumerGroupState.Faulted && !restart))
        {
            return;
        }

        _state = new GroupState(state, Options.TimeProvider.GetUtcNow(), null);
    }

    /// <summary>Records that a fatal error ends this run (the first reason wins).</summary>
    internal void SetFaulted(string reason)
    {
        if (_state.State != ConsumerGroupState.Faulted)
        {
            _state = new GroupState(ConsumerGroupState.Faulted, Options.TimeProvider.GetUtcNow(), reason);
        }
    }

    /// <summary>Test hook (internal): makes the running <see cref="ConsumeAsync"/> end as if the process had crashed.</summary>
    internal void Crash() => _session?.Crash();

    internal void CountHandled(int count) => Interlocked.Add(ref _handled, count);

    internal void CountRetry() => Interlocked.Increment(ref _retries);

    internal void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);

    internal void CountSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>The member's state, replaced as a whole on each change so that readers never see a torn one.</summary>
    private sealed record GroupState(ConsumerGroupState State, DateTimeOffset Since, string? Fault);
}
