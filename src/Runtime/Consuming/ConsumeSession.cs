using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>
/// One run of <see cref="ConsumerGroup.ConsumeAsync"/>: a librdkafka consumer polled on a dedicated thread, one
/// <see cref="PartitionDispatcher"/> per assigned partition (made by <see cref="CreateDispatcher"/>), and the dead-letter producer.
/// </summary>
/// <remarks>
/// Threading: the poll thread alone calls <c>Consume</c>, <c>Pause</c>, <c>Resume</c>, <c>Commit</c> and <c>Close</c>,
/// and alone touches <see cref="_workers"/>. Workers ask it to pause or resume through <see cref="RequestPauseUpdate"/>.
/// Workers store offsets themselves (librdkafka's offset store is thread-safe).
/// </remarks>
internal sealed class ConsumeSession
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HardStopGrace = TimeSpan.FromSeconds(5);
    private const int MaxBatch = 1000;

    // Handlers run on the poll thread only while they are quick. The clock is read once per InlineWindow inline calls
    // (a read costs about as much as a no-op handler call): two windows in a row averaging over 1 ms a call send every
    // message to the workers for a pause that doubles each time (1 s up to 5 min); and a burst with inline handling ends
    // (the poll loop gets its turn) once it took InlineBudget.
    private const int InlineWindow = 8;
    private static readonly long SlowInlineWindow = Stopwatch.Frequency / 1000 * InlineWindow; // 1 ms a call
    private static readonly long InlineBudget = Stopwatch.Frequency / 200; // 5 ms
    private static readonly long InlinePauseFirst = Stopwatch.Frequency; // 1 s
    private static readonly long InlinePauseMax = Stopwatch.Frequency * 300; // 5 min

    private readonly Dictionary<TopicPartition, PartitionDispatcher> _workers = [];
    private readonly Dictionary<string, PartitionDispatcher?[]> _byTopic = new(StringComparer.Ordinal);
    private readonly List<PartitionDispatcher> _inlined = [];
    private string? _lastTopic;
    private PartitionDispatcher?[] _lastTopicWorkers = [];
    private long _inlineResumeAt;
    private long _inlinePause;
    private bool _slowWindow;
    private bool _inline;
    private bool _burstOver;
    private bool _holdsSlot;
    private long _inlineBudgetEnd;
    private long _windowStart;
    private int _windowCalls;
    private int _inlineHandled;
    // Polling without taking records stops once the buffer has been full this long: then every partition is paused.
    private const int BufferStallBeforePauseMs = 1000;
    private static readonly long BufferStallBeforePause = Stopwatch.Frequency / 1000 * BufferStallBeforePauseMs;
    private long _bufferFullSince;
    private bool _bufferPaused;
    private readonly ConcurrentQueue<PartitionDispatcher> _pauseUpdates = new();
    private readonly HashSet<PartitionDispatcher> _paused = [];
    private readonly List<PartitionDispatcher> _pausedSnapshot = [];
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = new(MaxBatch);
    private readonly CancellationTokenSource _stopping = new();
    private static readonly TimeSpan InlineWatchdogPeriod = TimeSpan.FromMilliseconds(100);
    private volatile PartitionDispatcher? _inlineCall;
    private Timer? _inlineWatchdog;
    private CancellationToken _cancellation;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private readonly ManualResetEventSlim _room = new(initialState: true);
    private readonly int _lowBuffered;
    private int _buffered;
    private volatile bool _parallelismLimited;
    private Error? _fatal;
    private long _lastPoll;
    private volatile PartitionDispatcher[] _assigned = [];
    private volatile bool _crash;

    public ConsumeSession(ConsumerGroup group)
    {
        Group = group;
        Options = group.Options;
        Parallelism = new SemaphoreSlim(Options.MaxDegreeOfParallelism, Options.MaxDegreeOfParallelism);
        GroupTag = new KeyValuePair<string, object?>(SemConv.ConsumerGroup, group.GroupId);
        _lowBuffered = Options.MaxBufferedMessages / 2;
    }

    public ConsumerGroup Group { get; }

    public ConsumerOptions Options { get; }

    public SemaphoreSlim Parallelism { get; }

    /// <summary>Whether more partitions are assigned than <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> (set by the poll thread on each rebalance).</summary>
    public bool ParallelismLimited => _parallelismLimited;

    public ProducerCore? DeadLetterProducer { get; private set; }

    public KeyValuePair<string, object?> GroupTag { get; }

    /// <summary>Cancelled when the session stops: backoff waits end and no new message starts.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Whether the session is stopping, or the token <see cref="ConsumerGroup.ConsumeAsync"/> runs with was cancelled (the poll thread may not have seen it yet).</summary>
    public bool StopRequested => _stopping.IsCancellationRequested || _cancellation.IsCancellationRequested;

    public ILogger Logger => Group.Logger;

    /// <summary>The <see cref="ConsumerOptions.TimeProvider"/> timestamp of the last poll (0 before the first); read by <see cref="ConsumerGroup.GetStatus"/>.</summary>
    public long LastPollTimestamp => Volatile.Read(ref _lastPoll);

    /// <summary>The assigned partitions and their stalls, ordered by topic and partition (any thread; reads the snapshot the poll thread publishes on each assignment change).</summary>
    public IReadOnlyList<ConsumerPartitionStatus> PartitionStatuses()
    {
        var workers = _assigned;
        var statuses = new ConsumerPartitionStatus[workers.Length];
        for (var i = 0; i < workers.Length; i++)
        {
            statuses[i] = workers[i].GetStatus();
        }

        return statuses;
    }

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
            await Task.Factory.StartNew(() => PollLoop(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            DeadLetterProducer?.Close(TimeSpan.FromSeconds(5));
        }

        Log.ConsumerStopped(Logger, Group.GroupId, Group.HandledCount, Group.RetryCount, Group.DeadLetterCount, Group.SkippedCount);
        if (_fatal is { } fatal)
        {
            throw new KafkaConsumerException(Group.GroupId, fatal.Code, fatal.Reason);
        }
    }

    /// <summary>
    /// Test hook: ends the session the way a crashed process would. Handlers are abandoned, nothing more is stored or
    /// committed, and the consumer is destroyed without leaving the group (the group notices at the session timeout).
    /// </summary>
    public void Crash() => _crash = true;

    /// <summary>Asks the poll thread to re-evaluate whether <paramref name="worker"/>'s partition should be paused.</summary>
    public void RequestPauseUpdate(PartitionDispatcher worker) => _pauseUpdates.Enqueue(worker);

    /// <summary>Called by workers for each buffered message they took (or dropped): lets the poll loop go on once half the buffer is free.</summary>
    public void Released(int count)
    {
        if (Interlocked.Add(ref _buffered, -count) <= _lowBuffered && !_room.IsSet)
        {
            _room.Set();
        }
    }

    /// <summary>Stores the offset after <paramref name="offset"/> for the worker's partition (thread-safe).</summary>
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

    private void PollLoop(CancellationToken cancellationToken)
    {
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigBuilder.Consumer(Group.App, Options, Group.GroupId))
            .SetLogHandler((_, m) => Log.Librdkafka(Logger, m))
            .SetErrorHandler(OnError)
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetOffsetsCommittedHandler(OnCommitted)
            .SetStatisticsHandler((_, json) => Group.Statistics.Update(json))
            .Build();
        _consumer = consumer;
        var watchdog = cancellationToken.Register(static s => ((ConsumeSession)s!).OnStopRequested(), this);
        try
        {
            consumer.Subscribe(Group.Topics);
            Log.ConsumerSubscribed(Logger, Group.GroupId, string.Join(", ", Group.Topics));
            while (!cancellationToken.IsCancellationRequested && _fatal is null && !_crash)
            {
                ApplyPauseUpdates(consumer);
                if (_bufferPaused)
                {
                    // Every partition is paused: the Consume below returns nothing new, but it serves rebalance callbacks
                    // and counts as a poll for max.poll.interval.ms, so a long stall does not cost the group membership.
                    if (Volatile.Read(ref _buffered) <= _lowBuffered)
                    {
                        SetBufferPaused(consumer, false);
                    }
                }
                else if (Volatile.Read(ref _buffered) >= Options.MaxBufferedMessages)
                {
                    // Handlers are behind: wait for them (briefly, so pause updates and stop requests are still seen)
                    // instead of pausing partitions, which would make librdkafka drop and refetch what it prefetched.
                    // Not polling at all must not last, though (librdkafka leaves the group after max.poll.interval.ms,
                    // and a backoff can hold a full buffer for minutes): after BufferStallBeforePause every partition is
                    // paused and polling goes on until the handlers have caught up to half the buffer.
                    _room.Reset();
                    if (Volatile.Read(ref _buffered) >= Options.MaxBufferedMessages)
                    {
                        var now = Stopwatch.GetTimestamp();
                        if (_bufferFullSince == 0)
                        {
                            _bufferFullSince = now;
                        }

                        if (now - _bufferFullSince < BufferStallBeforePause)
                        {
                            _room.Wait(PollTimeout);
                            continue;
                        }

                        SetBufferPaused(consumer, true);
                    }
                }
                else
                {
                    _bufferFullSince = 0;
                }

                Volatile.Write(ref _lastPoll, Options.TimeProvider.GetTimestamp());
                try
                {
                    // Take what librdkafka already has in one go: a record whose handler can run right here is handled
                    // as it arrives; the others are handed over after the burst, so each worker is woken once per burst
                    // instead of once per message.
                    var record = consumer.Consume(PollTimeout);
                    BeginBurst();
                    var taken = 0;
                    while (record is not null)
                    {
                        Take(record);
                        if (++taken >= MaxBatch || _burstOver)
                        {
                            break;
                        }

                        record = consumer.Consume(TimeSpan.Zero);
                    }
                }
                catch (ConsumeException e)
                {
                    if (e.Error.IsFatal)
                    {
                        SetFatal(e.Error);
                        break;
                    }

                    if (UnreadableRecord.From(e) is { } unreadable && FindWorker(unreadable) is { } owner)
                    {
                        // A batch librdkafka cannot read: it goes to the partition's worker in order, which holds the
                        // partition there (visibly) until librdkafka moves past it, then dead-letters (or skips) the range.
                        _batch.Add(unreadable);
                        owner.HasCollected = true;
                    }
                    else
                    {
                        // A transient error: log and keep polling.
                        Log.ConsumerError(Logger, Group.GroupId, $"{e.Error.Code}: {e.Error.Reason} at {e.ConsumerRecord?.TopicPartitionOffset}");
                    }
                }
                finally
                {
                    Dispatch(consumer);
                }
            }

            if (_crash)
            {
                CrashNow();
                return;
            }

            Group.SetState(ConsumerGroupState.Stopping); // kept as Faulted after a fatal error
            StopAll(consumer, commit: true);
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                Log.ConsumerError(Logger, Group.GroupId, "leaving the group failed: " + e.Error.Reason);
            }
        }
        finally
        {
            watchdog.Dispose(); // waits for a callback that is running, so the timer below is the last one
            _inlineWatchdog?.Dispose();
            _stopping.Cancel();
            _consumer = null;
            if (_crash)
            {
                // A crashed process waits for nothing: destroy the client in the background (it does not leave the
                // group cleanly and may take until librdkafka's own timeouts).
                _ = Task.Run(consumer.Dispose);
            }
            else
            {
                consumer.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs when <see cref="ConsumerGroup.ConsumeAsync"/>'s token is cancelled. A handler that blocks on the poll thread
    /// (inline) keeps the poll loop from seeing the stop at all, so <see cref="Stop"/> could never cancel it: from
    /// <see cref="ConsumerOptions.ShutdownTimeout"/> on, a timer cancels the token of whatever inline call is running.
    /// </summary>
    private void OnStopRequested()
    {
        // No message may start once the stop is requested, also before the poll thread sees it (up to a poll timeout
        // later, or a handler's time when one blocks that thread): workers check StopRequested before each message.
        _inlineWatchdog = new Timer(static s => ((ConsumeSession)s!)._inlineCall?.CancelHandler(), this, Options.ShutdownTimeout, InlineWatchdogPeriod);
    }

    private void CrashNow()
    {
        _consumer = null; // no further offset stores reach librdkafka
        _stopping.Cancel();
        foreach (var worker in _workers.Values)
        {
            worker.RequestStop(hard: true);
        }

        WaitQuietly(Task.WhenAll(_workers.Values.Select(w => w.Completion)), HardStopGrace);
        _workers.Clear();
        IndexWorkers();
        PublishAssigned();
    }

    /// <summary>Poll thread: starts a burst of records; decides whether handlers may run on this thread during it.</summary>
    private void BeginBurst()
    {
        _inline = InlineAllowed();
        if (_inline)
        {
            _windowStart = Stopwatch.GetTimestamp();
            _windowCalls = 0;
            _inlineBudgetEnd = _windowStart + InlineBudget;
        }

        _burstOver = false;
    }

    /// <summary>
    /// Poll thread: handles <paramref name="record"/> at once when its worker is idle and the handler completes
    /// synchronously (see <see cref="PartitionDispatcher.TryHandleInline"/>); otherwise collects it for <see cref="Dispatch"/>.
    /// </summary>
    /// <remarks>
    /// Spans and consumption metrics are emitted on either path. Not after a rebalance callback in the same burst, and
    /// not for handlers that turn out to be slow. A partition with a record collected in
    /// this burst gets no inline handling until the burst is dispatched, so order within it holds.
    /// </remarks>
    private void Take(ConsumeResult<byte[]?, byte[]?> record)
    {
        var worker = FindWorker(record);
        if (_inline && worker is { HasCollected: false })
        {
            // Inline calls run one at a time on this thread: when handler calls are capped they share one slot, taken
            // once per burst (and again after a hand-over passed it to a worker).
            if (_parallelismLimited && !_holdsSlot)
            {
                _holdsSlot = Parallelism.Wait(0);
            }

            if (_holdsSlot || !_parallelismLimited)
            {
                _inlineCall = worker;
                var outcome = worker.TryHandleInline(record, _holdsSlot);
                _inlineCall = null;
                if (outcome != InlineOutcome.NotTaken)
                {
                    if (++_windowCalls == InlineWindow)
                    {
                        _inline = InlineStillFast();
                    }

                    if (outcome == InlineOutcome.Handled)
                    {
                        _inlineHandled++;
                        if (!worker.InlineProgress)
                        {
                            worker.InlineProgress = true;
                            _inlined.Add(worker);
                        }

                        return;
                    }

                    _holdsSlot = false; // handed over: the worker holds it now
                }
            }
        }

        _batch.Add(record);
        if (worker is not null)
        {
            worker.HasCollected = true;
        }
    }

    /// <summary>
    /// Hands the collected records to their partitions' workers and settles what was handled inline (handled count,
    /// offsets stored, parallelism slot). Runs after each poll and first thing in every rebalance callback (those run
    /// inside <c>Consume</c>), so records never cross an assignment change.
    /// </summary>
    private void Dispatch(IConsumer<byte[]?, byte[]?> consumer)
    {
        _inline = false; // until the next burst begins
        if (_holdsSlot)
        {
            _holdsSlot = false;
            Parallelism.Release();
        }

        if (_inlineHandled > 0)
        {
            Group.CountHandled(_inlineHandled);
            _inlineHandled = 0;
        }

        foreach (var worker in _inlined)
        {
            worker.InlineProgress = false;
            worker.StoreProgress();
        }

        _inlined.Clear();
        foreach (var record in _batch)
        {
            if (FindWorker(record) is { } worker)
            {
                worker.HasCollected = false;
                Interlocked.Increment(ref _buffered);
                if (worker.Enqueue(record))
                {
                    ApplyPause(consumer, worker);
                }
            }
        }

        _batch.Clear();
    }

    private bool InlineAllowed()
        => !_stopping.IsCancellationRequested
           && (_inlineResumeAt == 0 || Stopwatch.GetTimestamp() >= _inlineResumeAt);

    /// <summary>After a window of inline calls: whether to keep handling on the poll thread (and ends the burst once it used its budget).</summary>
    private bool InlineStillFast()
    {
        var now = Stopwatch.GetTimestamp();
        var slow = now - _windowStart > SlowInlineWindow;
        _windowStart = now;
        _windowCalls = 0;
        if (slow && _slowWindow)
        {
            // A handler that blocks: keep the poll thread free and partitions parallel for a while, longer each time.
            _slowWindow = false;
            _inlinePause = _inlinePause == 0 ? InlinePauseFirst : Math.Min(_inlinePause * 2, InlinePauseMax);
            _inlineResumeAt = now + _inlinePause;
            return false;
        }

        _slowWindow = slow;
        _burstOver = now >= _inlineBudgetEnd;
        return true;
    }

    /// <summary>The worker of a record's partition, looked up by topic (the last topic cached by content) and partition number, without allocating.</summary>
    private PartitionDispatcher? FindWorker(ConsumeResult<byte[]?, byte[]?> record)
    {
        var topic = record.Topic;
        PartitionDispatcher?[] workers;
        if (string.Equals(topic, _lastTopic, StringComparison.Ordinal))
        {
            workers = _lastTopicWorkers;
        }
        else if (topic is not null && _byTopic.TryGetValue(topic, out var found))
        {
            workers = found;
            _lastTopic = topic;
            _lastTopicWorkers = found;
        }
        else
        {
            return null;
        }

        var partition = record.Partition.Value;
        return (uint)partition < (uint)workers.Length ? workers[partition] : null;
    }

    /// <summary>Publishes the assigned partitions for <see cref="PartitionStatuses"/> (poll thread; partitions being stopped stay listed until their handlers finished).</summary>
    private void PublishAssigned()
        => _assigned = _workers.Values.OrderBy(w => w.Partition.Topic, StringComparer.Ordinal).ThenBy(w => w.Partition.Partition.Value).ToArray();

    /// <summary>Rebuilds the per-topic worker arrays from <see cref="_workers"/> (poll thread, after every assignment change).</summary>
    private void IndexWorkers()
    {
        _byTopic.Clear();
        _lastTopic = null;
        _lastTopicWorkers = [];
        foreach (var topic in _workers.Values.GroupBy(w => w.Partition.Topic, StringComparer.Ordinal))
        {
            var workers = new PartitionDispatcher?[topic.Max(w => w.Partition.Partition.Value) + 1];
            foreach (var worker in topic)
            {
                workers[worker.Partition.Partition.Value] = worker;
            }

            _byTopic[topic.Key] = workers;
        }
    }

    private void OnError(IConsumer<byte[]?, byte[]?> consumer, Error error)
    {
        if (error.IsFatal)
        {
            SetFatal(error);
        }

        Log.ConsumerError(Logger, Group.GroupId, $"{error.Code}: {error.Reason}");
    }

    private void SetFatal(Error error)
    {
        _fatal ??= error;
        Group.SetFaulted($"{error.Code}: {error.Reason}");
    }

    private void OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        Dispatch(consumer);
        Log.PartitionsAssigned(Logger, Group.GroupId, Describe(partitions));
        foreach (var tp in partitions)
        {
            if (!_workers.ContainsKey(tp))
            {
                // librdkafka keeps an application pause across revocation and re-assignment, so a partition this member
                // paused before may still be paused: start as "paused", state unknown, so that once the assignment is
                // applied the poll loop resumes it (or pauses it, while the buffer is full) either way.
                var worker = CreateDispatcher(tp);
                worker.IsPaused = true;
                worker.PauseUnknown = true;
                _workers[tp] = worker;
                _paused.Add(worker);
                worker.Start();
            }
        }

        IndexWorkers();
        PublishAssigned();
        _parallelismLimited = _workers.Count > Options.MaxDegreeOfParallelism;

        // Running only once the assignment is published: a status read in between showed Running with no partitions.
        if (!_stopping.IsCancellationRequested)
        {
            Group.SetState(ConsumerGroupState.Running);
        }
    }

    /// <summary>
    /// The one place a partition's dispatcher is chosen: by the options' concurrency mode (and the handler's kind), every
    /// implementation honouring the <see cref="PartitionDispatcher"/> contract the rest of the session relies on.
    /// </summary>
    private PartitionDispatcher CreateDispatcher(TopicPartition partition)
        => Group.BatchHandler is { } batch ? new BatchDispatcher(this, partition, batch) : new InOrderDispatcher(this, partition);

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        Dispatch(consumer);
        Log.PartitionsRevoked(Logger, Group.GroupId, Describe(partitions.Select(p => p.TopicPartition)));
        Stop(consumer, partitions.Select(p => p.TopicPartition).ToList(), commit: true);
    }

    private void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        Dispatch(consumer);
        Log.PartitionsLost(Logger, Group.GroupId, Describe(partitions.Select(p => p.TopicPartition)));
        Stop(consumer, partitions.Select(p => p.TopicPartition).ToList(), commit: false);
        if (_workers.Count == 0 && !_stopping.IsCancellationRequested && !_cancellation.IsCancellationRequested)
        {
            Group.SetState(ConsumerGroupState.Joining); // out of the group: librdkafka rejoins
        }
    }

    private void StopAll(IConsumer<byte[]?, byte[]?> consumer, bool commit)
    {
        _stopping.Cancel();
        Stop(consumer, _workers.Keys.ToList(), commit);
    }

    /// <summary>Stops the workers of <paramref name="partitions"/>: no new message starts, backoffs end, handlers in flight get <see cref="ConsumerOptions.ShutdownTimeout"/>; then commits what finished.</summary>
    private void Stop(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, bool commit)
    {
        var stopping = new List<PartitionDispatcher>();
        foreach (var tp in partitions)
        {
            if (_workers.Remove(tp, out var worker))
            {
                worker.RequestStop(hard: !commit);
                stopping.Add(worker);
            }
        }

        IndexWorkers();
        _parallelismLimited = _workers.Count > Options.MaxDegreeOfParallelism;
        if (stopping.Count == 0)
        {
            return;
        }

        try
        {
            StopAndCommit(consumer, stopping, commit);
        }
        finally
        {
            PublishAssigned();
        }
    }

    private void StopAndCommit(IConsumer<byte[]?, byte[]?> consumer, List<PartitionDispatcher> stopping, bool commit)
    {
        var all = Task.WhenAll(stopping.Select(w => w.Completion));
        if (!WaitQuietly(all, Options.ShutdownTimeout))
        {
            Log.DrainTimedOut(Logger, Group.GroupId, (long)Options.ShutdownTimeout.TotalMilliseconds);
            foreach (var worker in stopping)
            {
                worker.RequestStop(hard: true);
            }

            WaitQuietly(all, HardStopGrace);
        }

        if (!commit)
        {
            return;
        }

        var offsets = new List<TopicPartitionOffset>();
        foreach (var worker in stopping)
        {
            if (worker.LastDone is { } done)
            {
                offsets.Add(new TopicPartitionOffset(worker.Partition, new Offset(done + 1)));
            }
        }

        if (offsets.Count == 0)
        {
            return;
        }

        Activity? activity = null;
        if (KafkaTelemetry.Source.HasListeners())
        {
            var topics = offsets.Select(o => o.Topic).Distinct().ToList();
            activity = StartCommitActivity(topics.Count == 1 ? topics[0] : null);
        }

        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e)
        {
            activity?.SetTag(SemConv.ErrorType, e.Error.Code.ToString());
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            Log.CommitFailed(Logger, Group.GroupId, $"{e.Error.Code}: {e.Error.Reason}");
        }
        finally
        {
            activity?.Stop();
        }
    }

    /// <summary>
    /// Waits for workers to end; <see langword="true"/> when they did, also when one faulted (its fault was recorded in
    /// the partition's status and logged; the others' progress is still committed and the consumer goes on).
    /// </summary>
    private static bool WaitQuietly(Task workers, TimeSpan timeout)
    {
        try
        {
            return workers.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private void OnCommitted(IConsumer<byte[]?, byte[]?> consumer, CommittedOffsets committed)
    {
        if (committed.Error.IsError)
        {
            Log.CommitFailed(Logger, Group.GroupId, $"{committed.Error.Code}: {committed.Error.Reason}");
        }

        if (!KafkaTelemetry.Source.HasListeners())
        {
            return;
        }

        foreach (var topic in committed.Offsets.Select(o => o.Topic).Distinct())
        {
            using var activity = StartCommitActivity(topic);
            if (committed.Error.IsError)
            {
                activity?.SetTag(SemConv.ErrorType, committed.Error.Code.ToString());
            }
        }
    }

    /// <summary>A <c>commit {topic}</c> span; for a commit that spans several topics, plain <c>commit</c> without a destination.</summary>
    private Activity? StartCommitActivity(string? topic)
    {
        var activity = KafkaTelemetry.Source.StartActivity(topic is null ? "commit" : "commit " + topic, ActivityKind.Client, parentContext: default);
        if (activity is not null)
        {
            activity.SetTag(SemConv.System, SemConv.Kafka);
            activity.SetTag(SemConv.OperationName, "commit");
            activity.SetTag(SemConv.OperationType, "settle");
            if (topic is not null)
            {
                activity.SetTag(SemConv.Destination, topic);
            }

            activity.SetTag(SemConv.ConsumerGroup, Group.GroupId);
            activity.SetTag(SemConv.ClientId, Group.App.ClientId);
        }

        return activity;
    }

    private void ApplyPauseUpdates(IConsumer<byte[]?, byte[]?> consumer)
    {
        while (_pauseUpdates.TryDequeue(out var worker))
        {
            ApplyPause(consumer, worker);
        }

        // Re-check every paused partition on each iteration: a worker that drained its queue while the pause was being
        // applied has no further reason to signal, and must not stay paused.
        if (_paused.Count > 0)
        {
            _pausedSnapshot.AddRange(_paused);
            foreach (var worker in _pausedSnapshot)
            {
                ApplyPause(consumer, worker);
            }

            _pausedSnapshot.Clear();
        }
    }

    private void ApplyPause(IConsumer<byte[]?, byte[]?> consumer, PartitionDispatcher worker)
    {
        if (!_workers.TryGetValue(worker.Partition, out var current) || !ReferenceEquals(current, worker))
        {
            _paused.Remove(worker);
            return;
        }

        var wanted = worker.WantsPause || _bufferPaused;
        if (wanted == worker.IsPaused && !worker.PauseUnknown)
        {
            return;
        }

        try
        {
            if (wanted)
            {
                consumer.Pause([worker.Partition]);
            }
            else
            {
                consumer.Resume([worker.Partition]);
            }

            worker.IsPaused = wanted;
            worker.PauseUnknown = false;
            if (wanted)
            {
                _paused.Add(worker);
            }
            else
            {
                _paused.Remove(worker);
            }
            Log.PauseChanged(Logger, Group.GroupId, wanted ? "paused" : "resumed", worker.Partition.ToString(), worker.Queued, worker.Retrying);
        }
        catch (KafkaException e)
        {
            Log.ConsumerError(Logger, Group.GroupId, $"{(wanted ? "pause" : "resume")} of {worker.Partition} failed: {e.Error.Reason}");
        }
    }

    /// <summary>Poll thread: pauses every partition while handlers are far behind (see the poll loop), or lifts that pause.</summary>
    private void SetBufferPaused(IConsumer<byte[]?, byte[]?> consumer, bool paused)
    {
        _bufferPaused = paused;
        _bufferFullSince = 0;
        if (paused)
        {
            Log.BufferStalled(Logger, Group.GroupId, Volatile.Read(ref _buffered), BufferStallBeforePauseMs);
        }
        else
        {
            Log.BufferCaughtUp(Logger, Group.GroupId, Volatile.Read(ref _buffered));
        }

        foreach (var worker in _workers.Values)
        {
            ApplyPause(consumer, worker);
        }
    }

    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.GroupBy(p => p.Topic).Select(g => $"{g.Key} [{string.Join(',', g.Select(p => p.Partition.Value.ToString(CultureInfo.InvariantCulture)))}]"));
}
