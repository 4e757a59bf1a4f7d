using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>
/// One run of <see cref="ConsumerGroup.ConsumeAsync"/>, as parts with one job each: the <see cref="PollLoop"/> (the
/// librdkafka consumer and its thread, with the <see cref="InlinePolicy"/>), <see cref="Backpressure"/> (buffered records
/// and pauses), the <see cref="PartitionAssignment"/> (rebalances and commits) with one <see cref="PartitionDispatcher"/>
/// per assigned partition (made by <see cref="CreateDispatcher"/>), and the dead-letter producer. The session holds what
/// they share: options, the parallelism gate, the stop state and the offset store.
/// </summary>
internal sealed class ConsumeSession
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly PollLoop _pollLoop;
    private CancellationToken _cancellation;
    private volatile IConsumer<byte[]?, byte[]?>? _consumer;
    private volatile bool _crash;

    public ConsumeSession(ConsumerGroup group)
    {
        Group = group;
        Options = group.Options;
        Parallelism = new SemaphoreSlim(Options.MaxDegreeOfParallelism, Options.MaxDegreeOfParallelism);
        GroupTag = new KeyValuePair<string, object?>(SemConv.ConsumerGroup, group.GroupId);
        Backpressure = new Backpressure(this);
        Assignment = new PartitionAssignment(this);
        _pollLoop = new PollLoop(this);
    }

    public ConsumerGroup Group { get; }

    public ConsumerOptions Options { get; }

    /// <summary>The gate on handler calls across partitions (<see cref="ConsumerOptions.MaxDegreeOfParallelism"/>).</summary>
    public SemaphoreSlim Parallelism { get; }

    /// <summary>Whether more partitions are assigned than <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> (set by the poll thread on each rebalance).</summary>
    public bool ParallelismLimited => Assignment.ParallelismLimited;

    public ProducerCore? DeadLetterProducer { get; private set; }

    public KeyValuePair<string, object?> GroupTag { get; }

    /// <summary>Buffered records and partition pauses.</summary>
    public Backpressure Backpressure { get; }

    /// <summary>The assigned partitions' dispatchers, rebalances and commits.</summary>
    public PartitionAssignment Assignment { get; }

    /// <summary>Cancelled when the session stops: backoff waits end and no new message starts.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Whether the session is stopping, or the token <see cref="ConsumerGroup.ConsumeAsync"/> runs with was cancelled (the poll thread may not have seen it yet).</summary>
    public bool StopRequested => _stopping.IsCancellationRequested || _cancellation.IsCancellationRequested;

    public ILogger Logger => Group.Logger;

    /// <summary>The <see cref="ConsumerOptions.TimeProvider"/> timestamp of the last poll (0 before the first); read by <see cref="ConsumerGroup.GetStatus"/>.</summary>
    public long LastPollTimestamp => _pollLoop.LastPollTimestamp;

    /// <summary>The librdkafka consumer while it may take offset stores (set and cleared by the poll loop).</summary>
    internal IConsumer<byte[]?, byte[]?>? Consumer
    {
        get => _consumer;
        set => _consumer = value;
    }

    /// <summary>Whether <see cref="Crash"/> was called.</summary>
    internal bool Crashing => _crash;

    /// <summary>The assigned partitions and their stalls, ordered by topic and partition (any thread).</summary>
    public IReadOnlyList<ConsumerPartitionStatus> PartitionStatuses() => Assignment.Statuses();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        if (Options.FailurePolicy == FailurePolicy.DeadLetter)
        {
            DeadLetterProducer = new ProducerCore(
                new KafkaAppConfig(Group.App.AppName, Group.App.Server, Group.App.BootstrapServers) { ConnectTimeout = TimeSpan.Zero },
                // Not idempotent: each write is awaited on its own, so its sequence buys nothing, while an idempotent
                // producer's fatal error (a sequence desynchronisation, say) would fail every later write and stall every
                // partition with a poison message for good. A retried write may duplicate a dead letter; none is lost.
                new ProducerOptions { Tls = Options.Tls, Sasl = Options.Sasl, FlushFrequency = TimeSpan.Zero, AutoCreateTopics = true, EnableIdempotence = false, MeterFactory = Options.MeterFactory },
                Group.DeadLetterLogger);
        }

        try
        {
            await Task.Factory.StartNew(() => _pollLoop.Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            DeadLetterProducer?.Close(TimeSpan.FromSeconds(5));
        }

        Log.ConsumerStopped(Logger, Group.GroupId, Group.HandledCount, Group.RetryCount, Group.DeadLetterCount, Group.SkippedCount);
        if (_pollLoop.Fatal is { } fatal)
        {
            throw new KafkaConsumerException(Group.GroupId, fatal.Code, fatal.Reason);
        }
    }

    /// <summary>
    /// Test hook: ends the session the way a crashed process would. Handlers are abandoned, nothing more is stored or
    /// committed, and the consumer is destroyed without leaving the group (the group notices at the session timeout).
    /// </summary>
    public void Crash() => _crash = true;

    /// <summary>
    /// The one place a partition's dispatcher is chosen: by the options' concurrency mode (and the handler's kind), every
    /// implementation honouring the <see cref="PartitionDispatcher"/> contract the rest of the session relies on.
    /// </summary>
    internal PartitionDispatcher CreateDispatcher(TopicPartition partition)
        => Group.BatchHandler is { } batch
            ? new BatchDispatcher(this, partition, batch)
            : Options.Concurrency switch
        {
            ConsumerConcurrency.PerKey => new PerKeyDispatcher(this, partition),
            _ => new InOrderDispatcher(this, partition),
        };

    /// <summary>Asks the poll thread to re-evaluate whether <paramref name="dispatcher"/>'s partition should be paused.</summary>
    public void RequestPauseUpdate(PartitionDispatcher dispatcher) => Backpressure.RequestPauseUpdate(dispatcher);

    /// <summary>Called by dispatchers for each buffered message they took (or dropped): lets the poll loop go on once half the buffer is free.</summary>
    public void Released(int count) => Backpressure.Released(count);

    /// <summary>Stores the offset after <paramref name="offset"/> for the dispatcher's partition (thread-safe).</summary>
    public void StoreOffset(TopicPartition partition, long offset)
    {
        try
        {
            _consumer?.StoreOffset(new TopicPartitionOffset(partition, new Offset(offset + 1)));
        }
        catch (KafkaException)
        {
            // The partition is no longer assigned (revoked or lost): the new owner resumes from the last commit.
        }
    }

    /// <summary>Stops the session: backoff waits end and no new message starts (poll thread).</summary>
    internal void CancelStopping() => _stopping.Cancel();
}
