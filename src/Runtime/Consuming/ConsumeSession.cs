using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>
/// One run of <see cref="ConsumerGroup.ConsumeAsync"/>: a librdkafka consumer polled on a dedicated thread, one
/// <see cref="PartitionWorker"/> per assigned partition, and the dead-letter producer.
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

    private readonly Dictionary<TopicPartition, PartitionWorker> _workers = [];
    private readonly ConcurrentQueue<PartitionWorker> _pauseUpdates = new();
    private readonly HashSet<PartitionWorker> _paused = [];
    private readonly List<PartitionWorker> _pausedSnapshot = [];
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = new(MaxBatch);
    private readonly CancellationTokenSource _stopping = new();
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private readonly ManualResetEventSlim _room = new(initialState: true);
    private readonly int _lowBuffered;
    private int _buffered;
    private volatile bool _parallelismLimited;
    private Error? _fatal;
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

    public ILogger Logger => Group.Logger;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Options.FailurePolicy == FailurePolicy.DeadLetter)
        {
            DeadLetterProducer = new ProducerCore(
                new KafkaAppConfig(Group.App.AppName, Group.App.Server, Group.App.BootstrapServers) { ConnectTimeout = TimeSpan.Zero },
                new ProducerOptions { Tls = Options.Tls, Sasl = Options.Sasl, FlushFrequency = TimeSpan.Zero, AutoCreateTopics = true },
                Logger);
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
    public void RequestPauseUpdate(PartitionWorker worker) => _pauseUpdates.Enqueue(worker);

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
            .Build();
        _consumer = consumer;
        try
        {
            consumer.Subscribe(Group.Topics);
            Log.ConsumerSubscribed(Logger, Group.GroupId, string.Join(", ", Group.Topics));
            while (!cancellationToken.IsCancellationRequested && _fatal is null && !_crash)
            {
                ApplyPauseUpdates(consumer);
                if (Volatile.Read(ref _buffered) >= Options.MaxBufferedMessages)
                {
                    // Handlers are behind: wait for them (briefly, so pause updates and stop requests are still seen)
                    // instead of pausing partitions, which would make librdkafka drop and refetch what it prefetched.
                    _room.Reset();
                    if (Volatile.Read(ref _buffered) >= Options.MaxBufferedMessages)
                    {
                        _room.Wait(PollTimeout);
                        continue;
                    }
                }

                try
                {
                    // Take what librdkafka already has in one go, then hand it over: each worker is woken once per burst
                    // instead of once per message.
                    var record = consumer.Consume(PollTimeout);
                    while (record is not null)
                    {
                        _batch.Add(record);
                        if (_batch.Count >= MaxBatch)
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
                        _fatal = e.Error;
                        break;
                    }

                    // An undecodable record at the protocol level (or a transient error): log and keep polling.
                    Log.ConsumerError(Logger, Group.GroupId, $"{e.Error.Code}: {e.Error.Reason} at {e.ConsumerRecord?.TopicPartitionOffset}");
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

    private void CrashNow()
    {
        _consumer = null; // no further offset stores reach librdkafka
        _stopping.Cancel();
        foreach (var worker in _workers.Values)
        {
            worker.RequestStop(hard: true);
        }

        Task.WhenAll(_workers.Values.Select(w => w.Completion)).Wait(HardStopGrace);
        _workers.Clear();
    }

    /// <summary>
    /// Hands the collected records to their partitions' workers. Runs after each poll and first thing in every rebalance
    /// callback (those run inside <c>Consume</c>), so records never cross an assignment change.
    /// </summary>
    private void Dispatch(IConsumer<byte[]?, byte[]?> consumer)
    {
        foreach (var record in _batch)
        {
            if (_workers.TryGetValue(record.TopicPartition, out var worker))
            {
                Interlocked.Increment(ref _buffered);
                if (worker.Enqueue(record))
                {
                    ApplyPause(consumer, worker);
                }
            }
        }

        _batch.Clear();
    }

    private void OnError(IConsumer<byte[]?, byte[]?> consumer, Error error)
    {
        if (error.IsFatal)
        {
            _fatal = error;
        }

        Log.ConsumerError(Logger, Group.GroupId, $"{error.Code}: {error.Reason}");
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
                // paused before may still be paused: start as "paused" so the poll loop resumes it once the assignment is applied.
                var worker = new PartitionWorker(this, tp) { IsPaused = true };
                _workers[tp] = worker;
                _paused.Add(worker);
                worker.Start();
            }
        }

        _parallelismLimited = _workers.Count > Options.MaxDegreeOfParallelism;
    }

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
    }

    private void StopAll(IConsumer<byte[]?, byte[]?> consumer, bool commit)
    {
        _stopping.Cancel();
        Stop(consumer, _workers.Keys.ToList(), commit);
    }

    /// <summary>Stops the workers of <paramref name="partitions"/>: no new message starts, backoffs end, handlers in flight get <see cref="ConsumerOptions.ShutdownTimeout"/>; then commits what finished.</summary>
    private void Stop(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, bool commit)
    {
        var stopping = new List<PartitionWorker>();
        foreach (var tp in partitions)
        {
            if (_workers.Remove(tp, out var worker))
            {
                worker.RequestStop(hard: !commit);
                stopping.Add(worker);
            }
        }

        _parallelismLimited = _workers.Count > Options.MaxDegreeOfParallelism;
        if (stopping.Count == 0)
        {
            return;
        }

        var all = Task.WhenAll(stopping.Select(w => w.Completion));
        if (!all.Wait(Options.ShutdownTimeout))
        {
            Log.DrainTimedOut(Logger, Group.GroupId, (long)Options.ShutdownTimeout.TotalMilliseconds);
            foreach (var worker in stopping)
            {
                worker.RequestStop(hard: true);
            }

            all.Wait(HardStopGrace);
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

    private void ApplyPause(IConsumer<byte[]?, byte[]?> consumer, PartitionWorker worker)
    {
        if (!_workers.TryGetValue(worker.Partition, out var current) || !ReferenceEquals(current, worker))
        {
            _paused.Remove(worker);
            return;
        }

        var wanted = worker.WantsPause;
        if (wanted == worker.IsPaused)
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

    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.GroupBy(p => p.Topic).Select(g => $"{g.Key} [{string.Join(',', g.Select(p => p.Partition.Value.ToString(CultureInfo.InvariantCulture)))}]"));
}
