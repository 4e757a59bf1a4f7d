using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// Batches (a <see cref="BatchMessageHandler"/>): collects up to <see cref="ConsumerOptions.MaxBatchSize"/> records of the
/// partition in offset order, waiting at most <see cref="ConsumerOptions.MaxBatchWait"/> (on the options'
/// <see cref="TimeProvider"/>) after the first one, and hands them to the handler in one call; the next batch starts once
/// this one is settled.
/// </summary>
/// <remarks>
/// <para>Settling: a batch whose handler throws is retried as a unit with backoff (the partition paused meanwhile), and
/// after the last attempt every record goes through the failure policy. Records the handler names as failed
/// (<see cref="BatchResult"/>) go, in offset order, through <see cref="MessageProcessor.ProcessAsync"/> continuing from
/// that failed first attempt: retried one at a time as batches of one, then the failure policy; the others are done.</para>
/// <para>Offsets: the partition's position moves past a batch only once all its records are done, so the stored offset
/// is never ahead of unfinished work. A stop while a named record is retried keeps the records before it done.</para>
/// <para>Stop: no batch starts after a stop (one being collected is dropped unhandled and redelivered to the partition's
/// next owner); a batch in flight is finished within <see cref="ConsumerOptions.ShutdownTimeout"/>, after which its
/// handler's token is cancelled. Batches never run on the poll thread.</para>
/// </remarks>
internal sealed class BatchDispatcher : PartitionDispatcher
{
    private readonly BatchMessageHandler _handler;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxBatchWait;
    private readonly TimeProvider _time;
    private volatile bool _retrying;

    public BatchDispatcher(ConsumeSession session, TopicPartition partition, BatchMessageHandler handler)
        : base(session, partition)
    {
        _handler = handler;
        _maxBatchSize = session.Options.MaxBatchSize;
        _maxBatchWait = session.Options.MaxBatchWait;
        _time = session.Options.TimeProvider;
    }

    public override bool Retrying => _retrying;

    protected override bool HoldsPartition => _retrying;

    internal override void OnBackoff(bool active)
    {
        _retrying = active;
        Session.RequestPauseUpdate(this);
    }

    protected override async Task RunAsync()
    {
        var batch = new List<ConsumeResult<byte[]?, byte[]?>>(Math.Min(_maxBatchSize, 1024));
        try
        {
            while (!StopRequested)
            {
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

                if (record is UnreadableRecord first)
                {
                    HoldAt(first);
                    continue;
                }

                if (IsHeld)
                {
                    continue; // held at an unreadable batch: nothing after it is handled or stored
                }

                batch.Clear();
                batch.Add(record);
                var unreadable = await CollectAsync(batch).ConfigureAwait(false);
                if (StopRequested || Session.StopRequested)
                {
                    break; // no batch starts after a stop: what was collected is not stored and is delivered again
                }

                var done = await SettleAsync(batch).ConfigureAwait(false);
                if (done >= 0)
                {
                    Offsets.Advance(batch[done].Offset.Value);
                    StoreProgress();
                }

                // Counted per batch: the next batch may wait MaxBatchWait to fill, and HandledCount must not lag meanwhile.
                FlushCounters();

                if (done < batch.Count - 1)
                {
                    break; // abandoned by a stop
                }

                if (unreadable is not null)
                {
                    HoldAt(unreadable);
                }
            }
        }
        catch (Exception e) when (RecordFault(e))
        {
            // Not reached: the filter records the fault for the status and lets the exception end the dispatcher.
        }
        finally
        {
            FlushCounters();
            if (!HardStopRequested)
            {
                StoreProgress();
            }

            DropQueued();
        }
    }

    /// <summary>
    /// Adds queued records to <paramref name="batch"/> until it holds <see cref="ConsumerOptions.MaxBatchSize"/>, the
    /// batch wait since the first one has passed, or the dispatcher stops. Returns an unreadable-batch marker that ended
    /// the collection (the partition is held there once this batch is settled), or <see langword="null"/>.
    /// </summary>
    private async Task<UnreadableRecord?> CollectAsync(List<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var started = _time.GetTimestamp();
        while (batch.Count < _maxBatchSize)
        {
            if (TryDequeue(out var record))
            {
                if (record is UnreadableRecord unreadable)
                {
                    return unreadable;
                }

                batch.Add(record);
                continue;
            }

            var left = _maxBatchWait - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || StopRequested || QueueCompleted)
            {
                return null;
            }

            // Wait for the next record, the end of the batch wait (on the options' clock), or a stop.
            using var timeout = new CancellationTokenSource(left, _time);
            using var stop = StopToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
            // The end of the wait is a cancellation: awaited without throwing (one exception per short batch otherwise).
            var wait = WaitToReadAsync(timeout.Token).AsTask();
            await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (wait.IsFaulted)
            {
                await wait.ConfigureAwait(false); // not a cancellation: let it end the dispatcher (recorded as a fault)
            }

            if (!wait.IsCompletedSuccessfully || !wait.Result)
            {
                return null; // the wait ended, a stop (which the caller checks), or the queue was completed (stop)
            }
        }

        return null;
    }

    /// <summary>
    /// Hands the batch to the handler and settles every record. Returns the index of the last record of the batch's done
    /// prefix (<c>batch.Count - 1</c> when all are done; -1 when none is, the batch abandoned by a stop).
    /// </summary>
    private async Task<int> SettleAsync(List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        var groupId = Session.Group.GroupId;
        var messages = new ConsumerMessage[records.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new ConsumerMessage(records[i], groupId);
        }

        var attempts = await Processor.AttemptBatchAsync(_handler, messages).ConfigureAwait(false);
        if (attempts.IsAbandoned)
        {
            return -1;
        }

        var firstOffset = records[0].Offset.Value;
        if (attempts.Failure is { } failure)
        {
            // Failed as a unit on every attempt: each record goes through the failure policy.
            BatchLog.BatchFailed(Session.Logger, failure, Partition.Topic, Partition.Partition.Value, firstOffset, records[^1].Offset.Value, records.Count, attempts.Attempts, failure.Message);
            for (var i = 0; i < records.Count; i++)
            {
                if (!await Processor.SettleAsync(records[i], failure, attempts.Attempts).ConfigureAwait(false))
                {
                    return i - 1;
                }
            }

            ClearStall(firstOffset);
            return records.Count - 1;
        }

        var result = attempts.Result!;
        ClearStall(firstOffset);
        if (result.IsSuccess)
        {
            for (var i = 0; i < records.Count; i++)
            {
                CountHandled();
            }

            return records.Count - 1;
        }

        // Only the named records are retried (each on its own, continuing from its failed attempt in the batch) and
        // then go through the failure policy; the others are done. In offset order, so the done prefix is exact.
        var failed = new Dictionary<long, Exception>(result.Failures.Count);
        foreach (var f in result.Failures)
        {
            failed[f.Offset] = f.Error;
        }

        for (var i = 0; i < records.Count; i++)
        {
            if (!failed.TryGetValue(records[i].Offset.Value, out var error))
            {
                CountHandled();
                continue;
            }

            var first = new MessageProcessor.FirstAttempt(records[i], messages[i], Task.FromException(error), Gated: false, Telemetry: null);
            var outcome = await Processor.ProcessAsync(records[i], first).ConfigureAwait(false);
            ClearStall(records[i].Offset.Value);
            if (outcome == MessageOutcome.Abandoned)
            {
                return i - 1;
            }

            if (outcome == MessageOutcome.Handled)
            {
                CountHandled();
            }
        }

        return records.Count - 1;
    }
}
