using System.Threading.Channels;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// One assigned partition's part of a <see cref="ConsumeSession"/>: decides which of the partition's records runs next
/// and how many at once, and which offset is safe to store. One implementation per concurrency mode
/// (<see cref="InOrderDispatcher"/>, ...); each runs one message's attempts through a <see cref="MessageProcessor"/>.
/// </summary>
/// <remarks>
/// <para>The contract with the session (its poll thread): records arrive in offset order through <see cref="Enqueue"/>
/// (after a <see cref="TryHandleInline"/> that was not <see cref="InlineOutcome.Handled"/>); <see cref="WantsPause"/> says
/// whether the partition should be paused, and the dispatcher asks for a re-evaluation with
/// <see cref="ConsumeSession.RequestPauseUpdate"/>; <see cref="StoreProgress"/> stores the offset after
/// <see cref="LastDone"/>, which never passes a record still unfinished; <see cref="RequestStop"/> ends it (no new message
/// starts), <see cref="Completion"/> ends once nothing it started runs any more.</para>
/// <para>This base class holds what every mode shares: the queue fed by the poll thread and its watermarks, the stop and
/// hard-stop tokens, the partition's stall for <see cref="ConsumerGroup.GetStatus"/>, the hold at an unreadable batch,
/// the batched shared counters and the offset store.</para>
/// </remarks>
internal abstract class PartitionDispatcher
{
    private const int CounterBatch = 64;
    private const int MaxStallReason = 1024;

    private readonly Channel<ConsumeResult<byte[]?, byte[]?>> _queue = Channel.CreateUnbounded<ConsumeResult<byte[]?, byte[]?>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _stopLink;
    private readonly CancellationTokenSource _hardStop = new();
    private readonly int _highWatermark;
    private readonly int _lowWatermark;
    private readonly Lock _storeLock = new();
    private int _queued;
    private int _released;
    private int _handled;
    private volatile bool _isPaused;
    private long _lastStored = -1;
    private bool _abandoned; // under _storeLock
    private volatile Stall? _stall; // replaced as a whole when a stall begins, changes or ends (never per message)
    private volatile UnreadableRecord? _unreadable; // an unreadable batch the partition is held at (see HoldAt)

    protected PartitionDispatcher(ConsumeSession session, TopicPartition partition)
    {
        Session = session;
        Partition = partition;
        // Linked to the session's stop by a registration that RequestStop removes: a linked token source would stay
        // registered on the session (and alive) for the session's whole life, one per assignment.
        _stopLink = session.Stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _stop);
        _highWatermark = session.Options.MaxBufferedMessagesPerPartition;
        _lowWatermark = Math.Max(0, _highWatermark / 2);
        Processor = new MessageProcessor(session, this);
    }

    public TopicPartition Partition { get; }

    /// <summary>Ends once the dispatcher stopped and nothing it started still runs (faulted when it failed outside a handler).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The last offset such that it and every record before it finished (handled, dead-lettered or skipped), or <see langword="null"/>: the commit position is the offset after it.</summary>
    public long? LastDone => Offsets.SafeDone;

    /// <summary>Whether the partition is paused in librdkafka. Written by the poll thread only.</summary>
    public bool IsPaused
    {
        get => _isPaused;
        set => _isPaused = value;
    }

    /// <summary>Poll thread only: whether librdkafka's pause state of a newly assigned partition is still unknown (it may keep a pause from an earlier assignment); the first pause update then applies the wanted state either way.</summary>
    public bool PauseUnknown { get; set; }

    /// <summary>Whether the partition should be paused now: its queue is at the high watermark (or still above the low one while paused), it is held at an unreadable batch, or the mode wants it (<see cref="HoldsPartition"/>).</summary>
    public bool WantsPause => HoldsPartition || _unreadable is not null || Volatile.Read(ref _queued) >= _highWatermark || (IsPaused && Volatile.Read(ref _queued) > _lowWatermark);

    /// <summary>Records queued and not yet taken by the dispatcher.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Whether a message of this partition is waiting out a retry backoff (for logs).</summary>
    public abstract bool Retrying { get; }

    /// <summary>Poll thread only: this partition had records handled inline in the current dispatch (its progress is stored once at the end).</summary>
    public bool InlineProgress { get; set; }

    /// <summary>Poll thread only: a record of this partition was collected in the current burst and not yet queued (no inline handling until it is).</summary>
    public bool HasCollected { get; set; }

    internal ConsumeSession Session { get; }

    /// <summary>Runs one message's attempts for this partition.</summary>
    internal MessageProcessor Processor { get; }

    /// <summary>Cancelled by <see cref="RequestStop"/> (and the session's stop): backoff waits end and no new message starts.</summary>
    internal CancellationToken StopToken => _stop.Token;

    /// <summary>Whether <see cref="RequestStop"/> was called (or the session stops).</summary>
    internal bool StopRequested => _stop.IsCancellationRequested;

    /// <summary>The token handlers get: cancelled on a hard stop.</summary>
    internal CancellationToken HandlerToken => _hardStop.Token;

    /// <summary>Whether the handlers' token was cancelled (a hard stop).</summary>
    internal bool HardStopRequested => _hardStop.IsCancellationRequested;

    /// <summary>Where the partition's finished records stand.</summary>
    protected OffsetTracker Offsets { get; } = new();

    /// <summary>Whether the partition is held at an unreadable batch (nothing at or after it is handled or stored).</summary>
    protected bool IsHeld => _unreadable is not null;

    /// <summary>Whether every handler call takes a <see cref="ConsumeSession.Parallelism"/> slot (a mode running several calls per partition); otherwise only while more partitions are assigned than the limit.</summary>
    internal virtual bool GatesEveryCall => false;

    /// <summary>Whether the mode itself wants the partition paused (in order: a backoff is running).</summary>
    protected abstract bool HoldsPartition { get; }

    /// <summary>This partition's status for <see cref="ConsumerGroup.GetStatus"/> (any thread).</summary>
    public ConsumerPartitionStatus GetStatus()
        => _stall is { } stall
            ? new ConsumerPartitionStatus(Partition.Topic, Partition.Partition.Value, stall.Kind, stall.Since, stall.Offset, stall.Reason)
            : new ConsumerPartitionStatus(Partition.Topic, Partition.Partition.Value, PartitionStall.None, null, null, null);

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>
    /// Poll thread only: handles <paramref name="record"/> on the calling thread when the mode allows it now.
    /// <paramref name="holdsSlot"/>: the caller holds a <see cref="ConsumeSession.Parallelism"/> slot for this call; on
    /// <see cref="InlineOutcome.HandedOver"/> that slot passes to the dispatcher. The default: never (<see cref="InlineOutcome.NotTaken"/>).
    /// </summary>
    public virtual InlineOutcome TryHandleInline(ConsumeResult<byte[]?, byte[]?> record, bool holdsSlot) => InlineOutcome.NotTaken;

    /// <summary>Poll thread only: queues a record; returns <see langword="true"/> when the queue reached its high watermark (pause it).</summary>
    public bool Enqueue(ConsumeResult<byte[]?, byte[]?> record)
    {
        _queue.Writer.TryWrite(record);
        return Interlocked.Increment(ref _queued) >= _highWatermark && !IsPaused;
    }

    /// <summary>Stops after the messages in flight (<paramref name="hard"/> also cancels the handlers' token).</summary>
    public void RequestStop(bool hard)
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _stopLink.Unregister();
        if (hard)
        {
            _hardStop.Cancel();
        }
    }

    /// <summary>Cancels the handlers' token (a hard stop of what is in flight) without stopping the dispatcher; thread-safe.</summary>
    public void CancelHandler() => _hardStop.Cancel();

    /// <summary>Stores the offset after <see cref="LastDone"/>, if it moved (any thread; stores never go backwards; never after <see cref="Abandon"/>).</summary>
    public void StoreProgress()
    {
        lock (_storeLock)
        {
            if (!_abandoned && Offsets.SafeDone is { } done && done > _lastStored)
            {
                Session.StoreOffset(Partition, done);
                _lastStored = done;
            }
        }
    }

    /// <summary>
    /// Called once the hard-stop grace is over and handlers of this dispatcher still run (they ignored their token): the
    /// partition is already someone else's (or the consumer is closing), so nothing this dispatcher does from now on may
    /// reach the consumer: no offset store (one in progress finishes first: this waits for it) and no pause request.
    /// </summary>
    public void Abandon()
    {
        lock (_storeLock)
        {
            _abandoned = true;
        }
    }

    /// <summary>Whether <see cref="Abandon"/> was called.</summary>
    internal bool Abandoned
    {
        get
        {
            lock (_storeLock)
            {
                return _abandoned;
            }
        }
    }

    /// <summary>Asks the poll thread to re-evaluate this partition's pause, unless the dispatcher was <see cref="Abandon">abandoned</see>.</summary>
    protected void RequestPauseUpdate()
    {
        if (!Volatile.Read(ref _abandoned))
        {
            Session.RequestPauseUpdate(this);
        }
    }

    /// <summary>The dispatcher's work until it stops.</summary>
    protected abstract Task RunAsync();

    /// <summary>A backoff of one message began (<paramref name="active"/>) or ended.</summary>
    internal abstract void OnBackoff(bool active);

    /// <summary>Takes the next queued record, if any, keeping the queue count, the low-watermark resume signal and the buffer counter.</summary>
    protected bool TryDequeue(out ConsumeResult<byte[]?, byte[]?> record)
    {
        if (!_queue.Reader.TryRead(out record!))
        {
            return false;
        }

        var queued = Interlocked.Decrement(ref _queued);
        if (++_released >= CounterBatch)
        {
            FlushCounters();
        }

        if (IsPaused && queued == _lowWatermark)
        {
            RequestPauseUpdate();
        }

        return true;
    }

    /// <summary>Waits until a record is queued; <see langword="false"/> when the queue was completed (stop). Throws on <paramref name="cancellationToken"/>.</summary>
    protected ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _queue.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Whether the queue was completed and drained.</summary>
    protected bool QueueCompleted => _queue.Reader.Completion.IsCompleted;

    /// <summary>Called with the queue drained while paused: makes sure the poll thread resumes the partition even if the low-watermark signal raced with the pause.</summary>
    protected void RequestResumeIfPaused()
    {
        if (_isPaused)
        {
            RequestPauseUpdate();
        }
    }

    /// <summary>Drops what is still queued (it was not stored: the partition's next owner fetches it again) and gives its buffer room back.</summary>
    protected void DropQueued()
    {
        var left = Interlocked.Exchange(ref _queued, 0);
        if (left > 0)
        {
            Session.Released(left);
        }
    }

    /// <summary>Counts a handled message (published with <see cref="FlushCounters"/>; thread-safe).</summary>
    protected void CountHandled() => Interlocked.Increment(ref _handled);

    /// <summary>Publishes the shared counters (buffer room, handled count) in batches instead of per message.</summary>
    protected void FlushCounters()
    {
        if (_released > 0)
        {
            Session.Released(_released);
            _released = 0;
        }

        if (Volatile.Read(ref _handled) > 0)
        {
            Session.Group.CountHandled(Interlocked.Exchange(ref _handled, 0));
        }
    }

    /// <summary>Records that the partition is stuck on <paramref name="offset"/> for <paramref name="kind"/>; the start time of a stall on the same message is kept.</summary>
    internal void SetStall(PartitionStall kind, long? offset, Exception error)
        => SetStall(kind, offset, error is ConsumeException consume ? $"{consume.Error.Code}: {consume.Error.Reason}" : $"{error.GetType().FullName}: {error.Message}");

    internal void SetStall(PartitionStall kind, long? offset, string reason)
    {
        var previous = _stall;
        var since = previous is not null && previous.Offset == offset ? previous.Since : Session.Options.TimeProvider.GetUtcNow();
        _stall = new Stall(kind, since, offset, reason.Length > MaxStallReason ? reason[..MaxStallReason] : reason);
    }

    /// <summary>Ends the stall once its message finished (a field read when there is none); a stall on another message stays.</summary>
    protected void ClearStall(long offset)
    {
        if (_stall is { } stall && (stall.Offset == offset || stall.Offset is null) && stall.Kind != PartitionStall.Unreadable)
        {
            _stall = null;
        }
    }

    /// <summary>
    /// An unreadable batch arrived in order: the partition stops there (reported once, paused, shown as
    /// <see cref="PartitionStall.Unreadable"/>) and nothing at or after it is handled or stored until the partition is
    /// reassigned. librdkafka 2.16 fetches such a batch again (decompression) or loses its place after it (a failed CRC
    /// check makes it misread the rest of the response and reset the offset), so neither "skip" nor "dead-letter the
    /// range" can be done safely here: the records stay in the topic and an operator decides.
    /// </summary>
    protected void HoldAt(UnreadableRecord unreadable)
    {
        if (_unreadable is not null || (Offsets.SafeDone ?? -1) >= unreadable.Offset.Value)
        {
            return; // already held (librdkafka reported it again), or a report about offsets already handled
        }

        _unreadable = unreadable;
        SetStall(PartitionStall.Unreadable, unreadable.Offset.Value, unreadable.Exception);
        Log.UnreadableBatch(Session.Logger, unreadable.Topic, unreadable.Partition.Value, unreadable.Offset.Value, unreadable.Code, unreadable.Exception.Error.Reason);
        RequestPauseUpdate();
    }

    /// <summary>An exception filter: records a fault outside any handler for the status and the log, and lets it end the dispatcher.</summary>
    protected bool RecordFault(Exception e)
    {
        SetStall(PartitionStall.Faulted, _stall?.Offset, e);
        try
        {
            Log.WorkerFaulted(Session.Logger, e, Partition.Topic, Partition.Partition.Value);
        }
        catch (Exception)
        {
            // The logger may be what failed: the status still shows the fault.
        }

        return false;
    }

    /// <summary>Why and since when the partition is stuck, on which offset (see <see cref="ConsumerPartitionStatus"/>).</summary>
    private sealed record Stall(PartitionStall Kind, DateTimeOffset Since, long? Offset, string Reason);
}

/// <summary>What <see cref="PartitionDispatcher.TryHandleInline"/> did with a record.</summary>
internal enum InlineOutcome
{
    /// <summary>Not attempted (the partition has unfinished records, or no handler slot is free): queue the record.</summary>
    NotTaken,

    /// <summary>Handled successfully on the poll thread; nothing more to do but store progress.</summary>
    Handled,

    /// <summary>The handler failed or is still running: queue the record; the dispatcher continues from that first attempt.</summary>
    HandedOver,
}
