using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// How far handlers are behind the poll loop, and the partition pauses that follow: the buffered-record count across
/// partitions with its full-buffer wait and pause-all fallback, and each partition's pause as its dispatcher wants it
/// (<see cref="PartitionDispatcher.WantsPause"/>).
/// </summary>
/// <remarks>
/// Threading: <see cref="Released"/> and <see cref="RequestPauseUpdate"/> are called by dispatchers (any thread); the
/// rest runs on the poll thread, the only one calling librdkafka's <c>Pause</c> and <c>Resume</c>.
/// </remarks>
internal sealed class Backpressure
{
    /// <summary>Polling without taking records stops once the buffer has been full this long: then every partition is paused.</summary>
    private const int BufferStallBeforePauseMs = 1000;
    private static readonly long BufferStallBeforePause = Stopwatch.Frequency / 1000 * BufferStallBeforePauseMs;

    private readonly ConsumeSession _session;
    private readonly ManualResetEventSlim _room = new(initialState: true);
    private readonly int _maxBuffered;
    private readonly int _lowBuffered;
    private readonly ConcurrentQueue<PartitionDispatcher> _pauseUpdates = new();
    private readonly HashSet<PartitionDispatcher> _paused = [];
    private readonly List<PartitionDispatcher> _pausedSnapshot = [];
    private int _buffered;
    private long _bufferFullSince;
    private bool _bufferPaused;

    public Backpressure(ConsumeSession session)
    {
        _session = session;
        _maxBuffered = session.Options.MaxBufferedMessages;
        _lowBuffered = _maxBuffered / 2;
    }

    /// <summary>Called by dispatchers for each buffered message they took (or dropped): lets the poll loop go on once half the buffer is free.</summary>
    public void Released(int count)
    {
        if (Interlocked.Add(ref _buffered, -count) <= _lowBuffered && !_room.IsSet)
        {
            _room.Set();
        }
    }

    /// <summary>Poll thread: a record was queued to a dispatcher.</summary>
    public void Buffered() => Interlocked.Increment(ref _buffered);

    /// <summary>Asks the poll thread to re-evaluate whether <paramref name="dispatcher"/>'s partition should be paused (any thread).</summary>
    public void RequestPauseUpdate(PartitionDispatcher dispatcher) => _pauseUpdates.Enqueue(dispatcher);

    /// <summary>Poll thread: a newly assigned partition whose pause state in librdkafka is unknown (see <see cref="PartitionDispatcher.PauseUnknown"/>); the next pause update settles it.</summary>
    public void Track(PartitionDispatcher dispatcher) => _paused.Add(dispatcher);

    /// <summary>
    /// Poll thread, before each poll: applies the pause updates dispatchers asked for, and decides whether to poll now.
    /// <see langword="false"/>: handlers are behind, the loop waited briefly for room and should check again (stop
    /// requests and pause updates are still seen) instead of polling.
    /// </summary>
    public bool BeforePoll(IConsumer<byte[]?, byte[]?> consumer, TimeSpan wait)
    {
        ApplyPauseUpdates(consumer);
        if (_bufferPaused)
        {
            // Every partition is paused: the Consume that follows returns nothing new, but it serves rebalance callbacks
            // and counts as a poll for max.poll.interval.ms, so a long stall does not cost the group membership.
            if (Volatile.Read(ref _buffered) <= _lowBuffered)
            {
                SetBufferPaused(consumer, false);
            }
        }
        else if (Volatile.Read(ref _buffered) >= _maxBuffered)
        {
            // Handlers are behind: wait for them (briefly, so pause updates and stop requests are still seen) instead of
            // pausing partitions, which would make librdkafka drop and refetch what it prefetched. Not polling at all must
            // not last, though (librdkafka leaves the group after max.poll.interval.ms, and a backoff can hold a full
            // buffer for minutes): after BufferStallBeforePause every partition is paused and polling goes on until the
            // handlers have caught up to half the buffer.
            _room.Reset();
            if (Volatile.Read(ref _buffered) >= _maxBuffered)
            {
                var now = Stopwatch.GetTimestamp();
                if (_bufferFullSince == 0)
                {
                    _bufferFullSince = now;
                }

                if (now - _bufferFullSince < BufferStallBeforePause)
                {
                    _room.Wait(wait);
                    return false;
                }

                SetBufferPaused(consumer, true);
            }
        }
        else
        {
            _bufferFullSince = 0;
        }

        return true;
    }

    /// <summary>Poll thread: pauses or resumes <paramref name="dispatcher"/>'s partition as it (and the buffer) wants, if it is still assigned.</summary>
    public void ApplyPause(IConsumer<byte[]?, byte[]?> consumer, PartitionDispatcher dispatcher)
    {
        if (!_session.Assignment.IsCurrent(dispatcher))
        {
            _paused.Remove(dispatcher);
            return;
        }

        var wanted = dispatcher.WantsPause || _bufferPaused;
        if (wanted == dispatcher.IsPaused && !dispatcher.PauseUnknown)
        {
            return;
        }

        try
        {
            if (wanted)
            {
                consumer.Pause([dispatcher.Partition]);
            }
            else
            {
                consumer.Resume([dispatcher.Partition]);
            }

            dispatcher.IsPaused = wanted;
            dispatcher.PauseUnknown = false;
            if (wanted)
            {
                _paused.Add(dispatcher);
            }
            else
            {
                _paused.Remove(dispatcher);
            }

            Log.PauseChanged(_session.Logger, _session.Group.GroupId, wanted ? "paused" : "resumed", dispatcher.Partition.ToString(), dispatcher.Queued, dispatcher.Retrying);
        }
        catch (KafkaException e)
        {
            Log.ConsumerError(_session.Logger, _session.Group.GroupId, $"{(wanted ? "pause" : "resume")} of {dispatcher.Partition} failed: {e.Error.Reason}");
        }
    }

    private void ApplyPauseUpdates(IConsumer<byte[]?, byte[]?> consumer)
    {
        while (_pauseUpdates.TryDequeue(out var dispatcher))
        {
            ApplyPause(consumer, dispatcher);
        }

        // Re-check every paused partition on each iteration: a dispatcher that drained its queue while the pause was
        // being applied has no further reason to signal, and must not stay paused.
        if (_paused.Count > 0)
        {
            _pausedSnapshot.AddRange(_paused);
            foreach (var dispatcher in _pausedSnapshot)
            {
                ApplyPause(consumer, dispatcher);
            }

            _pausedSnapshot.Clear();
        }
    }

    /// <summary>Poll thread: pauses every partition while handlers are far behind (see <see cref="BeforePoll"/>), or lifts that pause.</summary>
    private void SetBufferPaused(IConsumer<byte[]?, byte[]?> consumer, bool paused)
    {
        _bufferPaused = paused;
        _bufferFullSince = 0;
        if (paused)
        {
            Log.BufferStalled(_session.Logger, _session.Group.GroupId, Volatile.Read(ref _buffered), BufferStallBeforePauseMs);
        }
        else
        {
            Log.BufferCaughtUp(_session.Logger, _session.Group.GroupId, Volatile.Read(ref _buffered));
        }

        foreach (var dispatcher in _session.Assignment.Current)
        {
            ApplyPause(consumer, dispatcher);
        }
    }
}
