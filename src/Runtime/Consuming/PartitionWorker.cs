using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using OpenTelemetry;

namespace Kafka.Typed;

/// <summary>
/// Handles one assigned partition, one message at a time in offset order: attempts with backoff, then the failure policy,
/// then stores the offset. Its queue is fed by the poll thread; the poll thread pauses the partition while the queue is
/// full or a backoff is running.
/// </summary>
/// <remarks>
/// While the worker is idle (nothing queued, nothing being handled) the poll thread may call the handler itself
/// (<see cref="TryHandleInline"/>): a handler that completes synchronously and successfully is then finished without a
/// thread hop; any other outcome is handed to this worker as the message's first attempt, so retries, the failure
/// policy and order within the partition stay exactly as on the worker.
/// </remarks>
internal sealed class PartitionWorker
{
    private const int StoreEvery = 500;
    private const int CounterBatch = 64;
    private const int MaxStallReason = 1024;
    private const string ReferenceTag = "kafka.typed.dead_letter.reference";

    private readonly ConsumeSession _session;
    private readonly Channel<ConsumeResult<byte[]?, byte[]?>> _queue = Channel.CreateUnbounded<ConsumeResult<byte[]?, byte[]?>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _stopLink;
    private readonly CancellationTokenSource _hardStop = new();
    private readonly int _highWatermark;
    private readonly int _lowWatermark;
    private readonly string _partitionId;
    private readonly string _processSpanName;
    private readonly Lock _storeLock = new();
    private int _queued;
    private volatile bool _busy = true; // until the worker first finds its queue empty
    private FirstAttempt? _adopted;
    private int _released;
    private int _handled;
    private volatile bool _retrying;
    private volatile bool _isPaused;
    private long _lastDone = -1;
    private long _lastStored = -1;
    private volatile Stall? _stall; // replaced as a whole when a stall begins, changes or ends (never per message)
    private volatile UnreadableRecord? _unreadable; // an unreadable batch the partition is held at (see UnreadableRecord)

    /// <summary>The instruments of the group's meter.</summary>
    private KafkaMetrics Metrics => _session.Group.Metrics;

    public PartitionWorker(ConsumeSession session, TopicPartition partition)
    {
        _session = session;
        Partition = partition;
        // Linked to the session's stop by a registration that RequestStop removes: a linked token source would stay
        // registered on the session (and alive) for the session's whole life, one per assignment.
        _stopLink = session.Stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _stop);
        _highWatermark = session.Options.MaxBufferedMessagesPerPartition;
        _lowWatermark = Math.Max(0, _highWatermark / 2);
        _partitionId = partition.Partition.Value.ToString(CultureInfo.InvariantCulture);
        _processSpanName = "process " + partition.Topic;
    }

    public TopicPartition Partition { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The offset of the last message finished (handled, dead-lettered or skipped), or <see langword="null"/>.</summary>
    public long? LastDone => Interlocked.Read(ref _lastDone) is var done and >= 0 ? done : null;

    /// <summary>Whether the partition is paused in librdkafka. Written by the poll thread only.</summary>
    public bool IsPaused
    {
        get => _isPaused;
        set => _isPaused = value;
    }

    /// <summary>Poll thread only: whether librdkafka's pause state of a newly assigned partition is still unknown (it may keep a pause from an earlier assignment); the first pause update then applies the wanted state either way.</summary>
    public bool PauseUnknown { get; set; }

    public bool WantsPause => _retrying || _unreadable is not null || Volatile.Read(ref _queued) >= _highWatermark || (IsPaused && Volatile.Read(ref _queued) > _lowWatermark);

    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Poll thread only: this worker's partition had records handled inline in the current dispatch (its progress is stored once at the end).</summary>
    public bool InlineProgress { get; set; }

    /// <summary>Poll thread only: a record of this partition was collected in the current burst and not yet queued (no inline handling until it is).</summary>
    public bool HasCollected { get; set; }

    public bool Retrying => _retrying;

    /// <summary>This partition's status for <see cref="ConsumerGroup.GetStatus"/> (any thread).</summary>
    public ConsumerPartitionStatus GetStatus()
        => _stall is { } stall
            ? new ConsumerPartitionStatus(Partition.Topic, Partition.Partition.Value, stall.Kind, stall.Since, stall.Offset, stall.Reason)
            : new ConsumerPartitionStatus(Partition.Topic, Partition.Partition.Value, PartitionStall.None, null, null, null);

    /// <summary>Records that the partition is stuck on <paramref name="offset"/> for <paramref name="kind"/>; the start time of a stall on the same message is kept.</summary>
    private void SetStall(PartitionStall kind, long? offset, Exception error)
        => SetStall(kind, offset, error is ConsumeException consume ? $"{consume.Error.Code}: {consume.Error.Reason}" : $"{error.GetType().FullName}: {error.Message}");

    private void SetStall(PartitionStall kind, long? offset, string reason)
    {
        var previous = _stall;
        var since = previous is not null && previous.Offset == offset ? previous.Since : _session.Options.TimeProvider.GetUtcNow();
        _stall = new Stall(kind, since, offset, reason.Length > MaxStallReason ? reason[..MaxStallReason] : reason);
    }

    /// <summary>Ends the stall once its message finished (a field read when there is none).</summary>
    private void ClearStall()
    {
        if (_stall is not null)
        {
            _stall = null;
        }
    }

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>
    /// Poll thread only: handles <paramref name="record"/> on the calling thread when this worker is idle. A synchronous
    /// success is finished here (offset recorded as done, stored by <see cref="StoreProgress"/>); a failure or a handler
    /// that is still running becomes the first attempt of the worker's processing of the record, which the caller must
    /// then <see cref="Enqueue"/>. <paramref name="holdsSlot"/>: the caller holds a <see cref="ConsumeSession.Parallelism"/>
    /// slot for this call; on <see cref="InlineOutcome.HandedOver"/> that slot passes to the worker.
    /// </summary>
    public InlineOutcome TryHandleInline(ConsumeResult<byte[]?, byte[]?> record, bool holdsSlot)
    {
        // Busy is raised before the worker dequeues and lowered only once everything it dequeued is finished, so "nothing
        // queued and not busy" means no earlier record of this partition is unfinished.
        if (Volatile.Read(ref _queued) != 0 || _busy || _stop.IsCancellationRequested || _unreadable is not null || _session.StopRequested)
        {
            return InlineOutcome.NotTaken;
        }

        var message = new ConsumerMessage(record, _session.Group.GroupId);
        if (KafkaTelemetry.Source.HasListeners() || Metrics.ConsumedMessages.Enabled || Metrics.ProcessDuration.Enabled)
        {
            return TryHandleInlineObserved(record, message, holdsSlot);
        }

        var task = InvokeAsync(_session.Group.Handler, message, _hardStop.Token);
        if (task.IsCompletedSuccessfully)
        {
            Interlocked.Exchange(ref _lastDone, record.Offset.Value);
            return InlineOutcome.Handled;
        }

        // Seen by the worker through the queue write that follows (the channel publishes it).
        Volatile.Write(ref _adopted, new FirstAttempt(record, message, task, holdsSlot, null));
        return InlineOutcome.HandedOver;
    }

    /// <summary>
    /// <see cref="TryHandleInline"/> while spans or consumption metrics are listened to: the handler runs inside the
    /// message's process span (with the propagated baggage), as on the worker; a success finishes span and metrics here,
    /// anything else hands them over with the first attempt, so a message has one span whichever path runs it.
    /// </summary>
    private InlineOutcome TryHandleInlineObserved(ConsumeResult<byte[]?, byte[]?> record, ConsumerMessage message, bool holdsSlot)
    {
        var startedAt = Metrics.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        var previousActivity = Activity.Current;
        var previousBaggage = Baggage.Current;
        var traced = KafkaTelemetry.Source.HasListeners();
        Activity? activity = null;
        Baggage baggage;
        Task task;
        try
        {
            activity = traced ? StartProcessActivity(record) : null; // current (and the baggage set) for the handler
            baggage = Baggage.Current;
            task = InvokeAsync(_session.Group.Handler, message, _hardStop.Token);
        }
        finally
        {
            // The poll thread keeps none of the message's ambient state.
            Activity.Current = previousActivity;
            Baggage.Current = previousBaggage;
        }

        if (task.IsCompletedSuccessfully)
        {
            Interlocked.Exchange(ref _lastDone, record.Offset.Value);
            FinishTelemetry(record, activity, startedAt, failure: null);
            return InlineOutcome.Handled;
        }

        Volatile.Write(ref _adopted, new FirstAttempt(record, message, task, holdsSlot, new ProcessTelemetry(traced, activity, baggage, startedAt)));
        return InlineOutcome.HandedOver;
    }

    /// <summary>Records the message's consumption metrics and ends its process span.</summary>
    private void FinishTelemetry(ConsumeResult<byte[]?, byte[]?> record, Activity? activity, long startedAt, Exception? failure)
    {
        if (startedAt != 0 || Metrics.ConsumedMessages.Enabled)
        {
            var tags = Tags(record.Topic);
            if (failure is not null)
            {
                tags.Add(SemConv.ErrorType, failure.GetType().FullName);
            }

            Metrics.ConsumedMessages.Add(1, tags);
            if (startedAt != 0)
            {
                Metrics.ProcessDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
            }
        }

        activity?.Stop();
    }

    /// <summary>Calls the handler inside an async method, so that ambient state it sets (AsyncLocal values, Activity.Current) does not leak into the poll thread, and a synchronous throw becomes a faulted task.</summary>
    private static async Task InvokeAsync(MessageHandler handler, ConsumerMessage message, CancellationToken cancellationToken)
        => await handler(message, cancellationToken).ConfigureAwait(false);

    /// <summary>Queues a record; returns <see langword="true"/> when the queue reached its high watermark (pause it).</summary>
    public bool Enqueue(ConsumeResult<byte[]?, byte[]?> record)
    {
        _queue.Writer.TryWrite(record);
        return Interlocked.Increment(ref _queued) >= _highWatermark && !IsPaused;
    }

    /// <summary>Stops after the message in flight (<paramref name="hard"/> also cancels the handler's token).</summary>
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

    /// <summary>Cancels the handler's token (a hard stop of the message in flight) without stopping the worker; thread-safe.</summary>
    public void CancelHandler() => _hardStop.Cancel();

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var sinceStore = 0;
        try
        {
            // A handler the poll thread started and handed over is a message in flight: it is finished even when a stop
            // arrives first (it is the first record in the queue then).
            while (!_stop.IsCancellationRequested || Volatile.Read(ref _adopted) is not null)
            {
                if (!reader.TryRead(out var record))
                {
                    if (_stop.IsCancellationRequested || reader.Completion.IsCompleted)
                    {
                        break; // stopping with nothing (left) in flight
                    }

                    FlushCounters();
                    if (_isPaused)
                    {
                        // Drained while paused: make sure the poll thread resumes us even if the low-watermark signal raced with the pause.
                        _session.RequestPauseUpdate(this);
                    }

                    StoreProgress();
                    sinceStore = 0;

                    // Everything dequeued so far is finished: the poll thread may handle this partition's next record itself.
                    _busy = false;
                    try
                    {
                        if (!await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false) && Volatile.Read(ref _adopted) is null)
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopped: the loop ends unless a handed-over first attempt is queued (the loop condition).
                    }
                    finally
                    {
                        // Raised before the next dequeue (and before the _queued decrement the poll thread reads).
                        _busy = true;
                    }

                    continue;
                }

                var queued = Interlocked.Decrement(ref _queued);
                if (++_released >= CounterBatch)
                {
                    FlushCounters();
                }

                if (IsPaused && queued == _lowWatermark)
                {
                    _session.RequestPauseUpdate(this);
                }

                if (record is UnreadableRecord unreadable)
                {
                    HoldAt(unreadable);
                    continue;
                }

                if (_unreadable is not null)
                {
                    continue; // held at an unreadable batch: nothing after it is handled or stored
                }

                var first = Volatile.Read(ref _adopted);
                if (first is not null && ReferenceEquals(first.Record, record))
                {
                    Volatile.Write(ref _adopted, null);
                }
                else
                {
                    first = null;
                    if (_session.StopRequested)
                    {
                        // The application asked to stop (the poll thread may not have seen it yet): no new message starts.
                        break;
                    }
                }

                var finished = await ProcessAsync(record, first).ConfigureAwait(false);
                ClearStall();
                if (!finished)
                {
                    break;
                }

                Interlocked.Exchange(ref _lastDone, record.Offset.Value);
                if (++sinceStore >= StoreEvery)
                {
                    StoreProgress();
                    sinceStore = 0;
                }
            }
        }
        catch (Exception e) when (RecordFault(e))
        {
            // Not reached: the filter records the fault for the status and lets the exception end the worker.
        }
        finally
        {
            // A first attempt the poll thread handed over but this worker never reached keeps its slot until it ends.
            if (Interlocked.Exchange(ref _adopted, null) is { Gated: true } orphan)
            {
                _ = orphan.Task.ContinueWith(static (t, gate) => { _ = t.Exception; ((SemaphoreSlim)gate!).Release(); }, _session.Parallelism, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            FlushCounters();
            if (!_hardStop.IsCancellationRequested)
            {
                StoreProgress();
            }

            // What is still queued is dropped (it was not stored: the partition's next owner fetches it again).
            var left = Interlocked.Exchange(ref _queued, 0);
            if (left > 0)
            {
                _session.Released(left);
            }
        }
    }

    /// <summary>
    /// An unreadable batch arrived in order: the partition stops there (reported once, paused, shown as
    /// <see cref="PartitionStall.Unreadable"/>) and nothing at or after it is handled or stored until the partition is
    /// reassigned. librdkafka 2.16 fetches such a batch again (decompression) or loses its place after it (a failed CRC
    /// check makes it misread the rest of the response and reset the offset), so neither "skip" nor "dead-letter the
    /// range" can be done safely here: the records stay in the topic and an operator decides.
    /// </summary>
    private void HoldAt(UnreadableRecord unreadable)
    {
        if (_unreadable is not null || Interlocked.Read(ref _lastDone) >= unreadable.Offset.Value)
        {
            return; // already held (librdkafka reported it again), or a report about offsets already handled
        }

        _unreadable = unreadable;
        SetStall(PartitionStall.Unreadable, unreadable.Offset.Value, unreadable.Exception);
        Log.UnreadableBatch(_session.Logger, unreadable.Topic, unreadable.Partition.Value, unreadable.Offset.Value, unreadable.Code, unreadable.Exception.Error.Reason);
        _session.RequestPauseUpdate(this);
    }

    private bool RecordFault(Exception e)
    {
        SetStall(PartitionStall.Faulted, _stall?.Offset, e);
        try
        {
            Log.WorkerFaulted(_session.Logger, e, Partition.Topic, Partition.Partition.Value);
        }
        catch (Exception)
        {
            // The logger may be what failed: the status still shows the fault.
        }

        return false;
    }

    /// <summary>Publishes the shared counters (buffer room, handled count) in batches instead of per message.</summary>
    private void FlushCounters()
    {
        if (_released > 0)
        {
            _session.Released(_released);
            _released = 0;
        }

        if (_handled > 0)
        {
            _session.Group.CountHandled(_handled);
            _handled = 0;
        }
    }

    /// <summary>Stores the offset after the last finished message, if it moved (worker or poll thread; stores never go backwards).</summary>
    public void StoreProgress()
    {
        lock (_storeLock)
        {
            var done = Interlocked.Read(ref _lastDone);
            if (done > _lastStored)
            {
                _session.StoreOffset(Partition, done);
                _lastStored = done;
            }
        }
    }

    /// <summary>Runs the attempts and the failure policy. Returns <see langword="false"/> when the message was abandoned (stop or revocation): it is then not stored.</summary>
    private async Task<bool> ProcessAsync(ConsumeResult<byte[]?, byte[]?> record, FirstAttempt? first)
    {
        var options = _session.Options;
        var group = _session.Group;
        var message = first?.Message ?? new ConsumerMessage(record, group.GroupId);
        var maxAttempts = options.MaxRetries + 1;
        ProcessTelemetry telemetry;
        Baggage previousBaggage = default;
        if (first?.Telemetry is { } begun)
        {
            // Started with the first attempt on the poll thread: the retries run in the same span and baggage.
            telemetry = begun;
            if (begun.Traced)
            {
                previousBaggage = Baggage.Current;
                Activity.Current = begun.Activity;
                Baggage.Current = begun.Baggage;
            }
        }
        else if (KafkaTelemetry.Source.HasListeners())
        {
            previousBaggage = Baggage.Current;
            var span = StartProcessActivity(record);
            telemetry = new ProcessTelemetry(true, span, Baggage.Current, Metrics.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0);
        }
        else
        {
            telemetry = Metrics.ProcessDuration.Enabled ? new ProcessTelemetry(false, null, default, Stopwatch.GetTimestamp()) : ProcessTelemetry.None;
        }

        var activity = telemetry.Activity;
        Exception? failure = null;
        var attempt = 0;
        var outages = 0;
        try
        {
            while (true)
            {
                attempt++;
                message.Attempt = attempt;
                failure = null;

                // The gate only matters when more partitions are assigned than handlers may run at once.
                // A first attempt started on the poll thread already holds its slot (when it needed one) and is running.
                var started = attempt == 1 && outages == 0 ? first : null; // after an outage the first attempt runs again
                var gated = started?.Gated ?? _session.ParallelismLimited;
                if (gated && started is null)
                {
                    // A stop or revocation ends the wait: no message starts after it (the message is not stored and is
                    // delivered again). A slot taken just as the stop came is given back unused.
                    try
                    {
                        await _session.Parallelism.WaitAsync(_stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return false;
                    }

                    if (_stop.IsCancellationRequested || _session.StopRequested)
                    {
                        _session.Parallelism.Release();
                        return false;
                    }
                }

                try
                {
                    await (started?.Task ?? group.Handler(message, _hardStop.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_hardStop.IsCancellationRequested || _stop.IsCancellationRequested || _session.StopRequested)
                {
                    // Cancelled by a stop (a hard stop through the handler's token, or the application's own token, which
                    // is often the one ConsumeAsync runs with): the message did not fail, it is abandoned and redelivered.
                    // Counting it as a failure would skip or dead-letter a good message on its last attempt.
                    return false;
                }
                catch (Exception e)
                {
                    failure = e;
                }
                finally
                {
                    if (gated)
                    {
                        _session.Parallelism.Release();
                    }
                }

                if (failure is KafkaUnavailableException)
                {
                    // The Schema Registry, the handler's construction or something else the handler needs is down: not
                    // the message's fault, so it spends none of the message's attempts and never reaches the failure
                    // policy. The partition waits (paused, polling on) with a growing backoff until it works again or
                    // the consumer stops.
                    attempt--;
                    outages++;
                    group.CountRetry();
                    if (Metrics.Retries.Enabled)
                    {
                        Metrics.Retries.Add(1, Tags(record.Topic));
                    }

                    var wait = options.Backoff.DelayAfter(outages, Random.Shared.NextDouble());
                    SetStall(PartitionStall.Unavailable, record.Offset.Value, failure);
                    Log.Unavailable(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, outages, (long)wait.TotalMilliseconds);
                    if (!await BackoffAsync(wait).ConfigureAwait(false))
                    {
                        return false;
                    }

                    continue;
                }

                outages = 0;
                if (failure is null || failure is NonRetriableMessageException || attempt >= maxAttempts)
                {
                    break;
                }

                group.CountRetry();
                if (Metrics.Retries.Enabled)
                {
                    Metrics.Retries.Add(1, Tags(record.Topic));
                }

                var delay = options.Backoff.DelayAfter(attempt, Random.Shared.NextDouble());
                SetStall(PartitionStall.HandlerRetrying, record.Offset.Value, failure);
                Log.HandlerRetry(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, attempt, maxAttempts, (long)delay.TotalMilliseconds, Payload(record));
                activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["attempt"] = attempt, ["exception.type"] = failure.GetType().FullName }));
                if (!await BackoffAsync(delay).ConfigureAwait(false))
                {
                    return false;
                }
            }

            if (failure is null)
            {
                _handled++;
                return true;
            }

            activity?.SetTag(SemConv.ErrorType, failure.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            if (options.FailurePolicy == FailurePolicy.Skip)
            {
                group.CountSkipped();
                if (Metrics.Skipped.Enabled)
                {
                    Metrics.Skipped.Add(1, Tags(record.Topic));
                }

                Log.Skipped(_session.Logger, record.Topic, record.Partition.Value, record.Offset.Value, attempt, LogText(failure), Payload(record));
                Log.HandlerFailureDetail(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, "skipped");
                return true;
            }

            return await DeadLetterAsync(record, failure, attempt).ConfigureAwait(false);
        }
        finally
        {
            FinishTelemetry(record, telemetry.Activity, telemetry.StartedAt, failure);
            if (telemetry.Traced)
            {
                Activity.Current = null;
                Baggage.Current = previousBaggage;
            }
        }
    }

    /// <summary>Waits out a backoff with the partition paused. <see langword="false"/> when stopped meanwhile.</summary>
    private async Task<bool> BackoffAsync(TimeSpan delay)
    {
        _retrying = true;
        _session.RequestPauseUpdate(this);
        try
        {
            await Task.Delay(delay, _session.Options.TimeProvider, _stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _retrying = false;
            _session.RequestPauseUpdate(this);
        }
    }

    /// <summary>
    /// Writes the original record plus failure headers to the dead-letter topic and waits for the acknowledgement. A
    /// record too large for the dead-letter topic is written as a reference instead (see <see cref="DeadLetterHeaders"/>).
    /// Any other failed write is retried with backoff until it succeeds or the partition stops: the message is never
    /// committed before it is safe somewhere. The partition shows as <see cref="PartitionStall.DeadLetterBlocked"/>
    /// meanwhile; the first failure is logged at error level, the retries at debug level, the recovery at information.
    /// </summary>
    private async Task<bool> DeadLetterAsync(ConsumeResult<byte[]?, byte[]?> record, Exception failure, int attempts)
    {
        var topic = _session.Options.DeadLetterTopic ?? record.Topic + ".dlq";
        var groupId = _session.Group.GroupId;
        var headers = DeadLetterRecord.Headers(record, failure, attempts, _partitionId, groupId, reference: null);
        var value = record.Message.Value;
        KafkaProduceException? tooLarge = null;
        var failures = 0;
        var blockedSince = 0L;
        var producer = _session.DeadLetterProducer!;
        while (true)
        {
            ErrorCode code;
            string reason;
            try
            {
                var ticket = new TaskTicket(topic);
                while (!producer.TryProduce(topic, null, record.Message.Key, value, headers, ticket, propagateContext: false))
                {
                    await producer.WaitForCapacityAsync(_stop.Token).ConfigureAwait(false);
                }

                var result = await ticket.Task.WaitAsync(_hardStop.Token).ConfigureAwait(false);
                _session.Group.CountDeadLettered();
                if (Metrics.DeadLettered.Enabled)
                {
                    var tags = Tags(record.Topic);
                    if (tooLarge is not null)
                    {
                        tags.Add(ReferenceTag, true);
                    }

                    Metrics.DeadLettered.Add(1, tags);
                }

                if (failures > 0)
                {
                    Log.DeadLetterWriteRecovered(_session.Logger, topic, record.Topic, record.Partition.Value, record.Offset.Value, failures, (long)Stopwatch.GetElapsedTime(blockedSince).TotalMilliseconds);
                }

                // One line at error level; the stack trace only at debug level.
                if (tooLarge is not null)
                {
                    Log.DeadLetteredReference(_session.Logger, record.Topic, record.Partition.Value, record.Offset.Value, attempts, LogText(failure), DeadLetterRecord.Size(record), topic, tooLarge.ErrorCode, tooLarge.Reason, result.Partition, result.Offset);
                }
                else
                {
                    Log.DeadLettered(_session.Logger, record.Topic, record.Partition.Value, record.Offset.Value, attempts, LogText(failure), topic, result.Partition, result.Offset, Payload(record));
                }

                Log.HandlerFailureDetail(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, "dead-lettered");

                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (KafkaProduceException e)
            {
                code = e.ErrorCode;
                reason = e.Reason;
                CountDeadLetterError(record.Topic, code);
                if (tooLarge is null && DeadLetterRecord.IsTooLarge(code))
                {
                    // Retrying cannot make the record smaller: write a reference instead, at once.
                    tooLarge = e;
                    value = null;
                    headers = DeadLetterRecord.Headers(record, failure, attempts, _partitionId, groupId, $"{code}: {e.Reason}; the record ({DeadLetterRecord.Size(record).ToString(CultureInfo.InvariantCulture)} bytes) is left out: read it at its original topic, partition and offset");
                    continue;
                }
            }
            catch (ObjectDisposedException)
            {
                code = ErrorCode.Local_Destroy;
                reason = "the dead-letter producer is closed";
            }

            failures++;
            var delay = _session.Options.Backoff.DelayAfter(Math.Min(failures, 10), Random.Shared.NextDouble());
            SetStall(PartitionStall.DeadLetterBlocked, record.Offset.Value, new KafkaProduceException(topic, code, reason));
            if (failures == 1)
            {
                blockedSince = Stopwatch.GetTimestamp();
                var remedy = DeadLetterRecord.NeedsOperator(code)
                    ? "retrying cannot fix this until an operator acts (grants write access to the topic, creates it, or changes what the broker refuses)"
                    : "this may be transient";
                Log.DeadLetterWriteFailed(_session.Logger, topic, record.Topic, record.Partition.Value, record.Offset.Value, code, reason, remedy, (long)delay.TotalMilliseconds);
            }
            else
            {
                Log.DeadLetterWriteRetry(_session.Logger, topic, record.Topic, record.Partition.Value, record.Offset.Value, failures, code, reason, (long)delay.TotalMilliseconds);
            }

            if (!await BackoffAsync(delay).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    private void CountDeadLetterError(string topic, ErrorCode code)
    {
        if (Metrics.DeadLetterErrors.Enabled)
        {
            var tags = Tags(topic);
            tags.Add(SemConv.ErrorType, code.ToString());
            Metrics.DeadLetterErrors.Add(1, tags);
        }
    }

    private Activity? StartProcessActivity(ConsumeResult<byte[]?, byte[]?> record)
    {
        var propagated = KafkaTelemetry.Extract(record.Message.Headers);
        Baggage.Current = propagated.Baggage;
        Activity? activity;
        if (_session.Options.TraceContext == TraceContextMode.Parent && propagated.ActivityContext.TraceId != default)
        {
            activity = KafkaTelemetry.Source.StartActivity(_processSpanName, ActivityKind.Consumer, propagated.ActivityContext);
        }
        else
        {
            var links = propagated.ActivityContext.TraceId != default ? new[] { new ActivityLink(propagated.ActivityContext) } : null;
            activity = KafkaTelemetry.Source.StartActivity(_processSpanName, ActivityKind.Consumer, parentContext: default, links: links);
        }

        if (activity is null)
        {
            return null;
        }

        activity.SetTag(SemConv.System, SemConv.Kafka);
        activity.SetTag(SemConv.OperationName, "process");
        activity.SetTag(SemConv.OperationType, "process");
        activity.SetTag(SemConv.Destination, record.Topic);
        activity.SetTag(SemConv.PartitionId, _partitionId);
        activity.SetTag(SemConv.Offset, record.Offset.Value);
        activity.SetTag(SemConv.ConsumerGroup, _session.Group.GroupId);
        activity.SetTag(SemConv.ClientId, _session.Group.App.ClientId);
        if (record.Message.Value is { } value)
        {
            activity.SetTag(SemConv.BodySize, value.Length);
        }
        else
        {
            activity.SetTag(SemConv.Tombstone, true);
        }

        if (record.Message.Key is { } key && !_session.Options.DisablePayloadLogging)
        {
            activity.SetTag(SemConv.MessageKey, Encoding.UTF8.GetString(key));
        }

        return activity;
    }

    private TagList Tags(string topic)
        => new()
        {
            { SemConv.System, SemConv.Kafka },
            { SemConv.Destination, topic },
            { SemConv.PartitionId, _partitionId },
            _session.GroupTag,
        };

    /// <summary>An exception as one log-line fragment: its type and message, the message cut at 4,096 characters.</summary>
    private static string LogText(Exception failure)
    {
        const int max = DeadLetterHeaders.MaxErrorBytes;
        var message = failure.Message.Length > max ? string.Concat(failure.Message.AsSpan(0, max), DeadLetterHeaders.TruncationMarker) : failure.Message;
        return $"{failure.GetType().FullName}: {message}";
    }

    private string Payload(ConsumeResult<byte[]?, byte[]?> record)
        => _session.Options.DisablePayloadLogging ? string.Empty : $" (key: {Preview(record.Message.Key)}, value: {Preview(record.Message.Value)})";

    private static string Preview(byte[]? bytes)
    {
        if (bytes is null)
        {
            return "null";
        }

        const int max = 128;
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, max));
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            sb.Append(char.IsControl(c) ? '.' : c);
        }

        if (bytes.Length > max)
        {
            sb.Append("… (").Append(bytes.Length).Append(" bytes)");
        }

        return sb.ToString();
    }

    /// <summary>Why and since when the partition is stuck, on which offset (see <see cref="ConsumerPartitionStatus"/>).</summary>
    private sealed record Stall(PartitionStall Kind, DateTimeOffset Since, long? Offset, string Reason);

    /// <summary>A first attempt the poll thread started: the handler's task and whether it holds a parallelism slot.</summary>
    private sealed record FirstAttempt(ConsumeResult<byte[]?, byte[]?> Record, ConsumerMessage Message, Task Task, bool Gated, ProcessTelemetry? Telemetry);

    /// <summary>A message's process span (when traced), the baggage its handler sees, and when processing started (0 when the duration is not recorded).</summary>
    private sealed record ProcessTelemetry(bool Traced, Activity? Activity, Baggage Baggage, long StartedAt)
    {
        /// <summary>Neither traced nor timed (no per-message object then).</summary>
        public static readonly ProcessTelemetry None = new(false, null, default, 0);
    }
}

/// <summary>What <see cref="PartitionWorker.TryHandleInline"/> did with a record.</summary>
internal enum InlineOutcome
{
    /// <summary>Not attempted (the worker has unfinished records, or no handler slot is free): queue the record.</summary>
    NotTaken,

    /// <summary>Handled successfully on the poll thread; nothing more to do but store progress.</summary>
    Handled,

    /// <summary>The handler failed or is still running: queue the record; the worker continues from that first attempt.</summary>
    HandedOver,
}
