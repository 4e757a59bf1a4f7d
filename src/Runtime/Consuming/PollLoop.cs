using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// The librdkafka consumer and its dedicated thread: builds and subscribes it, polls in bursts, routes each record to its
/// partition's dispatcher (handling it right here when the <see cref="InlinePolicy"/> and the dispatcher allow), serves
/// the rebalance callbacks, and at the end stops every partition, commits and leaves the group (or, after
/// <see cref="ConsumeSession.Crash"/>, abandons everything as a crashed process would).
/// </summary>
/// <remarks>
/// This thread alone calls <c>Consume</c>, <c>Pause</c>, <c>Resume</c>, <c>Commit</c> and <c>Close</c> (dispatchers store
/// offsets themselves: librdkafka's offset store is thread-safe). It knows nothing about handlers, retries or offsets.
/// </remarks>
internal sealed class PollLoop
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan InlineWatchdogPeriod = TimeSpan.FromMilliseconds(100);
    private const int MaxBatch = 1000;

    private readonly ConsumeSession _session;
    private readonly PartitionAssignment _assignment;
    private readonly Backpressure _backpressure;
    private readonly InlinePolicy _inline = new();
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = new(MaxBatch);
    private readonly List<PartitionDispatcher> _inlined = [];
    private bool _holdsSlot;
    private int _inlineHandled;
    private volatile PartitionDispatcher? _inlineCall;
    private Timer? _inlineWatchdog;
    private long _lastPoll;

    public PollLoop(ConsumeSession session)
    {
        _session = session;
        _assignment = session.Assignment;
        _backpressure = session.Backpressure;
    }

    /// <summary>The fatal error that ended the loop, if any.</summary>
    public Error? Fatal { get; private set; }

    /// <summary>The <see cref="ConsumerOptions.TimeProvider"/> timestamp of the last poll (0 before the first); any thread.</summary>
    public long LastPollTimestamp => Volatile.Read(ref _lastPoll);

    /// <summary>Runs the loop on the calling (dedicated) thread until <paramref name="cancellationToken"/> is cancelled, a fatal error, or a crash.</summary>
    public void Run(CancellationToken cancellationToken)
    {
        var group = _session.Group;
        var options = _session.Options;
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigBuilder.Consumer(group.App, options, group.GroupId))
            .SetLogHandler((_, m) => Log.Librdkafka(_session.Logger, m))
            .SetErrorHandler(OnError)
            .SetPartitionsAssignedHandler((c, partitions) =>
            {
                Dispatch(c);
                _assignment.Assigned(partitions);
            })
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                Dispatch(c);
                _assignment.Revoked(c, partitions);
            })
            .SetPartitionsLostHandler((c, partitions) =>
            {
                Dispatch(c);
                _assignment.Lost(c, partitions);
            })
            .SetOffsetsCommittedHandler((_, committed) => _assignment.Committed(committed))
            .SetStatisticsHandler((_, json) => group.Statistics.Update(json))
            .Build();
        _session.Consumer = consumer;
        var watchdog = cancellationToken.Register(static s => ((PollLoop)s!).OnStopRequested(), this);
        try
        {
            consumer.Subscribe(group.Topics);
            Log.ConsumerSubscribed(_session.Logger, group.GroupId, string.Join(", ", group.Topics));
            while (!cancellationToken.IsCancellationRequested && Fatal is null && !_session.Crashing)
            {
                if (!_backpressure.BeforePoll(consumer, PollTimeout))
                {
                    continue;
                }

                Volatile.Write(ref _lastPoll, options.TimeProvider.GetTimestamp());
                try
                {
                    // Take what librdkafka already has in one go: a record whose handler can run right here is handled
                    // as it arrives; the others are handed over after the burst, so each dispatcher is woken once per
                    // burst instead of once per message.
                    var record = consumer.Consume(PollTimeout);
                    _inline.BeginBurst(_session.Stopping.IsCancellationRequested);
                    var taken = 0;
                    while (record is not null)
                    {
                        Take(record);
                        if (++taken >= MaxBatch || _inline.BurstOver)
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

                    if (UnreadableRecord.From(e) is { } unreadable && _assignment.Find(unreadable) is { } owner)
                    {
                        // A batch librdkafka cannot read: it goes to the partition's dispatcher in order, which holds the
                        // partition there (visibly) until librdkafka moves past it, then dead-letters (or skips) the range.
                        _batch.Add(unreadable);
                        owner.HasCollected = true;
                    }
                    else
                    {
                        // A transient error: log and keep polling.
                        Log.ConsumerError(_session.Logger, group.GroupId, $"{e.Error.Code}: {e.Error.Reason} at {e.ConsumerRecord?.TopicPartitionOffset}");
                    }
                }
                finally
                {
                    Dispatch(consumer);
                }
            }

            if (_session.Crashing)
            {
                _session.Consumer = null; // no further offset stores reach librdkafka
                _session.CancelStopping();
                _assignment.Crash();
                return;
            }

            group.SetState(ConsumerGroupState.Stopping); // kept as Faulted after a fatal error
            _session.CancelStopping();
            _assignment.StopAll(consumer, commit: true);
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                Log.ConsumerError(_session.Logger, group.GroupId, "leaving the group failed: " + e.Error.Reason);
            }
        }
        finally
        {
            watchdog.Dispose(); // waits for a callback that is running, so the timer below is the last one
            _inlineWatchdog?.Dispose();
            _session.CancelStopping();
            _session.Consumer = null;
            if (_session.Crashing)
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
    /// (inline) keeps the poll loop from seeing the stop at all, so a stop could never cancel it: from
    /// <see cref="ConsumerOptions.ShutdownTimeout"/> on, a timer cancels the token of whatever inline call is running.
    /// </summary>
    private void OnStopRequested()
    {
        // No message may start once the stop is requested, also before the poll thread sees it (up to a poll timeout
        // later, or a handler's time when one blocks that thread): dispatchers check StopRequested before each message.
        _inlineWatchdog = new Timer(static s => ((PollLoop)s!)._inlineCall?.CancelHandler(), this, _session.Options.ShutdownTimeout, InlineWatchdogPeriod);
    }

    /// <summary>
    /// Handles <paramref name="record"/> at once when its dispatcher can run it inline (see
    /// <see cref="PartitionDispatcher.TryHandleInline"/>); otherwise collects it for <see cref="Dispatch"/>.
    /// </summary>
    /// <remarks>
    /// Spans and consumption metrics are emitted on either path. Not after a rebalance callback in the same burst, and
    /// not for handlers that turn out to be slow. A partition with a record collected in this burst gets no inline
    /// handling until the burst is dispatched, so order within it holds.
    /// </remarks>
    private void Take(ConsumeResult<byte[]?, byte[]?> record)
    {
        var dispatcher = _assignment.Find(record);
        if (_inline.Enabled && dispatcher is { HasCollected: false })
        {
            // Inline calls run one at a time on this thread: when handler calls are capped they share one slot, taken
            // once per burst (and again after a hand-over passed it to a dispatcher).
            var limited = _assignment.ParallelismLimited;
            if (limited && !_holdsSlot)
            {
                _holdsSlot = _session.Parallelism.Wait(0);
            }

            if (_holdsSlot || !limited)
            {
                _inlineCall = dispatcher;
                var outcome = dispatcher.TryHandleInline(record, _holdsSlot);
                _inlineCall = null;
                if (outcome != InlineOutcome.NotTaken)
                {
                    _inline.CountCall();
                    if (outcome == InlineOutcome.Handled)
                    {
                        _inlineHandled++;
                        if (!dispatcher.InlineProgress)
                        {
                            dispatcher.InlineProgress = true;
                            _inlined.Add(dispatcher);
                        }

                        return;
                    }

                    _holdsSlot = false; // handed over: the dispatcher holds it now
                }
            }
        }

        _batch.Add(record);
        if (dispatcher is not null)
        {
            dispatcher.HasCollected = true;
        }
    }

    /// <summary>
    /// Hands the collected records to their partitions' dispatchers and settles what was handled inline (handled count,
    /// offsets stored, parallelism slot). Runs after each poll and first thing in every rebalance callback (those run
    /// inside <c>Consume</c>), so records never cross an assignment change.
    /// </summary>
    private void Dispatch(IConsumer<byte[]?, byte[]?> consumer)
    {
        _inline.EndBurst(); // until the next burst begins
        if (_holdsSlot)
        {
            _holdsSlot = false;
            _session.Parallelism.Release();
        }

        if (_inlineHandled > 0)
        {
            _session.Group.CountHandled(_inlineHandled);
            _inlineHandled = 0;
        }

        foreach (var dispatcher in _inlined)
        {
            dispatcher.InlineProgress = false;
            dispatcher.StoreProgress();
        }

        _inlined.Clear();
        foreach (var record in _batch)
        {
            if (_assignment.Find(record) is { } dispatcher)
            {
                dispatcher.HasCollected = false;
                _backpressure.Buffered();
                if (dispatcher.Enqueue(record))
                {
                    _backpressure.ApplyPause(consumer, dispatcher);
                }
            }
        }

        _batch.Clear();
    }

    private void OnError(IConsumer<byte[]?, byte[]?> consumer, Error error)
    {
        if (error.IsFatal)
        {
            SetFatal(error);
        }

        Log.ConsumerError(_session.Logger, _session.Group.GroupId, $"{error.Code}: {error.Reason}");
    }

    private void SetFatal(Error error)
    {
        Fatal ??= error;
        _session.Group.SetFaulted($"{error.Code}: {error.Reason}");
    }
}
