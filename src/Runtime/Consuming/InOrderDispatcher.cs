using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// In order (the default): one message at a time in offset order. A message's backoff pauses the
/// partition (nothing after it may run anyway).
/// </summary>
/// <remarks>
/// While the dispatcher is idle (nothing queued, nothing being handled) the poll thread may call the handler itself
/// (<see cref="TryHandleInline"/>): a handler that completes synchronously and successfully is then finished without a
/// thread hop; any other outcome is handed to this dispatcher as the message's first attempt, so retries, the failure
/// policy and order within the partition stay exactly as on the dispatcher.
/// </remarks>
internal sealed class InOrderDispatcher : PartitionDispatcher
{
    private const int StoreEvery = 500;

    private volatile bool _busy = true; // until the dispatcher first finds its queue empty
    private MessageProcessor.FirstAttempt? _adopted;
    private volatile bool _retrying;

    public InOrderDispatcher(ConsumeSession session, TopicPartition partition)
        : base(session, partition)
    {
    }

    public override bool Retrying => _retrying;

    protected override bool HoldsPartition => _retrying;

    /// <summary>
    /// Poll thread only: handles <paramref name="record"/> on the calling thread when this dispatcher is idle. A
    /// synchronous success is finished here (offset recorded as done, stored by <see cref="PartitionDispatcher.StoreProgress"/>);
    /// a failure or a handler that is still running becomes the first attempt of the dispatcher's processing of the
    /// record, which the caller must then <see cref="PartitionDispatcher.Enqueue"/>.
    /// </summary>
    public override InlineOutcome TryHandleInline(ConsumeResult<byte[]?, byte[]?> record, bool holdsSlot)
    {
        // Busy is raised before the dispatcher dequeues and lowered only once everything it dequeued is finished, so
        // "nothing queued and not busy" means no earlier record of this partition is unfinished.
        if (Queued != 0 || _busy || StopRequested || IsHeld || Session.StopRequested)
        {
            return InlineOutcome.NotTaken;
        }

        var outcome = Processor.TryCompleteInline(record, holdsSlot, out var handedOver);
        if (outcome == InlineOutcome.Handled)
        {
            Offsets.Advance(record.Offset.Value);
        }
        else if (outcome == InlineOutcome.HandedOver)
        {
            // Seen by the dispatcher through the queue write that follows (the channel publishes it).
            Volatile.Write(ref _adopted, handedOver);
        }

        return outcome;
    }

    internal override void OnBackoff(bool active)
    {
        _retrying = active;
        RequestPauseUpdate();
    }

    protected override async Task RunAsync()
    {
        var sinceStore = 0;
        try
        {
            // A handler the poll thread started and handed over is a message in flight: it is finished even when a stop
            // arrives first (it is the first record in the queue then).
            while (!StopRequested || Volatile.Read(ref _adopted) is not null)
            {
                if (!TryDequeue(out var record))
                {
                    if (StopRequested || QueueCompleted)
                    {
                        break; // stopping with nothing (left) in flight
                    }

                    FlushCounters();
                    RequestResumeIfPaused();
                    StoreProgress();
                    sinceStore = 0;

                    // Everything dequeued so far is finished: the poll thread may handle this partition's next record itself.
                    _busy = false;
                    try
                    {
                        if (!await WaitToReadAsync(StopToken).ConfigureAwait(false) && Volatile.Read(ref _adopted) is null)
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
                        // Raised before the next dequeue (and before the queue-count decrement the poll thread reads).
                        _busy = true;
                    }

                    continue;
                }

                if (record is UnreadableRecord unreadable)
                {
                    HoldAt(unreadable);
                    continue;
                }

                if (IsHeld)
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
                    if (Session.StopRequested)
                    {
                        // The application asked to stop (the poll thread may not have seen it yet): no new message starts.
                        break;
                    }
                }

                var outcome = await Processor.ProcessAsync(record, first).ConfigureAwait(false);
                ClearStall(record.Offset.Value);
                if (outcome == MessageOutcome.Abandoned)
                {
                    break;
                }

                if (outcome == MessageOutcome.Handled)
                {
                    CountHandled();
                }

                Offsets.Advance(record.Offset.Value);
                if (++sinceStore >= StoreEvery)
                {
                    StoreProgress();
                    sinceStore = 0;
                }
            }
        }
        catch (Exception e) when (RecordFault(e))
        {
            // Not reached: the filter records the fault for the status and lets the exception end the dispatcher.
        }
        finally
        {
            // A first attempt the poll thread handed over but this dispatcher never reached keeps its slot until it ends.
            if (Interlocked.Exchange(ref _adopted, null) is { Gated: true } orphan)
            {
                _ = orphan.Task.ContinueWith(static (t, gate) => { _ = t.Exception; ((SemaphoreSlim)gate!).Release(); }, Session.Parallelism, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            FlushCounters();
            if (!HardStopRequested)
            {
                StoreProgress();
            }

            DropQueued();
        }
    }
}
