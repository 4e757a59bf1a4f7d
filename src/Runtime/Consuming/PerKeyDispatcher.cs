using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// <see cref="ConsumerConcurrency.PerKey"/>: records of one partition with different keys run at the same time, up to
/// <see cref="ConsumerOptions.MaxInFlightPerPartition"/>; records with the same key run one at a time in offset order
/// (a "lane" per key), and so do records without a key among themselves.
/// </summary>
/// <remarks>
/// <para>The dispatcher loop takes records from the queue in offset order while fewer than the limit are in flight (taken
/// and not finished), begins each in the <see cref="OffsetTracker"/> and appends it to its key's lane; a lane with
/// records runs them on the thread pool one after another through the <see cref="MessageProcessor"/>. The stored
/// offset is the end of the finished prefix (the lowest unfinished offset), stored whenever it moves.</para>
/// <para>A retry waits in its lane only: other keys go on (bounded by the limit) and the partition is not paused for it;
/// the partition is paused when the limit is reached and the queue fills. Every handler call goes through the
/// <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> gate. A stop (or revocation) starts no further record: running
/// handlers finish (or are cancelled after the shutdown timeout) and records behind them stay unfinished, so they are
/// delivered again. No inline handling on the poll thread.</para>
/// </remarks>
internal sealed class PerKeyDispatcher : PartitionDispatcher
{
    private readonly int _maxInFlight;
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], Lane> _lanes = new(KeyComparer.Instance);
    private readonly SemaphoreSlim _changed = new(0); // released when a record finishes or a lane ends
    private Lane? _noKey;
    private int _inFlight; // under _lock
    private int _runningLanes; // under _lock
    private int _backingOff;
    private volatile bool _faulted;

    public PerKeyDispatcher(ConsumeSession session, TopicPartition partition)
        : base(session, partition)
    {
        _maxInFlight = session.Options.MaxInFlightPerPartition;
    }

    public override bool Retrying => Volatile.Read(ref _backingOff) > 0;

    /// <summary>Never for a retry: a retrying key delays only itself (the partition is paused by its full queue).</summary>
    protected override bool HoldsPartition => false;

    internal override bool GatesEveryCall => true;

    internal override void OnBackoff(bool active) => Interlocked.Add(ref _backingOff, active ? 1 : -1);

    /// <summary>Whether no further record may start (a stop, the session's stop, or a fault of this dispatcher).</summary>
    private bool Halted => StopRequested || Session.StopRequested || _faulted;

    protected override async Task RunAsync()
    {
        try
        {
            while (!Halted)
            {
                if (!HasRoom())
                {
                    try
                    {
                        await _changed.WaitAsync(StopToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                if (!TryDequeue(out var record))
                {
                    if (QueueCompleted)
                    {
                        break;
                    }

                    FlushCounters();
                    RequestResumeIfPaused();
                    StoreProgress();
                    try
                    {
                        if (!await WaitToReadAsync(StopToken).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                if (record is UnreadableRecord unreadable)
                {
                    HoldAt(unreadable);
                    continue;
                }

                if (IsHeld || Halted)
                {
                    continue; // held at an unreadable batch (nothing after it runs), or stopping: the record stays unread
                }

                Offsets.Begin(record.Offset.Value);
                Lane lane;
                lock (_lock)
                {
                    _inFlight++;
                    var key = record.Message.Key;
                    if (key is null)
                    {
                        lane = _noKey ??= new Lane(null);
                    }
                    else if (!_lanes.TryGetValue(key, out lane!))
                    {
                        lane = new Lane(key);
                        _lanes[key] = lane;
                    }

                    lane.Waiting.Enqueue(record);
                    if (lane.Running)
                    {
                        continue; // runs after the key's earlier records
                    }

                    lane.Running = true;
                    _runningLanes++;
                }

                _ = Task.Run(() => RunLaneAsync(lane));
            }
        }
        catch (Exception e) when (RecordFault(e))
        {
            // Not reached: the filter records the fault for the status and lets the exception end the dispatcher.
        }
        finally
        {
            // The lanes end after their running record (no further record starts once halted).
            while (true)
            {
                lock (_lock)
                {
                    if (_runningLanes == 0)
                    {
                        break;
                    }
                }

                await _changed.WaitAsync().ConfigureAwait(false);
            }

            FlushCounters();
            if (!HardStopRequested)
            {
                StoreProgress();
            }

            DropQueued();
        }
    }

    private bool HasRoom()
    {
        lock (_lock)
        {
            return _inFlight < _maxInFlight;
        }
    }

    /// <summary>Runs a lane's records one after another until it is empty or the dispatcher halts.</summary>
    /// <remarks>
    /// The lane stops running in the same lock hold in which it finds itself empty: the dispatcher loop appends to a
    /// running lane without starting it, so a lane that found itself empty and released the lock before clearing
    /// <see cref="Lane.Running"/> would strand a record appended in between (nothing would ever run it).
    /// </remarks>
    private async Task RunLaneAsync(Lane lane)
    {
        var ended = false;
        try
        {
            while (true)
            {
                ConsumeResult<byte[]?, byte[]?> record;
                lock (_lock)
                {
                    if (lane.Waiting.Count == 0 || Halted)
                    {
                        EndLane(lane);
                        ended = true;
                        break;
                    }

                    record = lane.Waiting.Peek();
                }

                var outcome = await Processor.ProcessAsync(record, first: null).ConfigureAwait(false);
                ClearStall(record.Offset.Value);
                if (outcome == MessageOutcome.Abandoned)
                {
                    break; // stopped: this record and those behind it stay unfinished (delivered again)
                }

                if (outcome == MessageOutcome.Handled)
                {
                    CountHandled();
                }

                lock (_lock)
                {
                    lane.Waiting.Dequeue();
                    _inFlight--;
                }

                if (Offsets.Finish(record.Offset.Value))
                {
                    StoreProgress();
                }

                _changed.Release();
            }
        }
        catch (Exception e) when (RecordFault(e))
        {
            // Not reached: the fault (outside the handler: a throwing logger or propagator) is recorded for the status.
        }
        catch (Exception)
        {
            // Recorded by the filter above; this partition starts nothing more, as an in-order partition's fault ends it.
            _faulted = true;
        }
        finally
        {
            if (!ended)
            {
                lock (_lock)
                {
                    EndLane(lane);
                }
            }

            _changed.Release();
        }
    }

    /// <summary>Under <see cref="_lock"/>: the lane stops running; an empty lane is forgotten.</summary>
    private void EndLane(Lane lane)
    {
        lane.Running = false;
        _runningLanes--;
        if (lane.Waiting.Count == 0)
        {
            if (lane.Key is null)
            {
                _noKey = null;
            }
            else
            {
                _lanes.Remove(lane.Key);
            }
        }
    }

    /// <summary>The records of one key waiting or running, in offset order (the first one runs).</summary>
    private sealed class Lane(byte[]? key)
    {
        public byte[]? Key { get; } = key;

        public Queue<ConsumeResult<byte[]?, byte[]?>> Waiting { get; } = new();

        public bool Running { get; set; }
    }

    /// <summary>Keys compared by content.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
