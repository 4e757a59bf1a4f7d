using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>What a <see cref="BatchDispatcher"/> needs of the message processing besides <see cref="ProcessAsync"/>: a whole batch's attempts and its retry telemetry, and the failure policy applied to a record without attempts of its own.</summary>
internal sealed partial class MessageProcessor
{
    /// <summary>
    /// Runs a batch's attempts as a unit: the batch handler call (behind the parallelism gate), outages (not counted as
    /// attempts), and retries with backoff while the handler throws. Returns the handler's result, or the failure that
    /// ended the attempts (<see cref="BatchAttempts.Failure"/>), or <see cref="BatchAttempts.Abandoned"/> when stopped.
    /// </summary>
    public async Task<BatchAttempts> AttemptBatchAsync(BatchMessageHandler handler, ConsumerMessage[] batch)
    {
        var options = _session.Options;
        var first = batch[0].Record;
        var maxAttempts = options.MaxRetries + 1;
        var attempt = 0;
        var outages = 0;
        while (true)
        {
            attempt++;
            foreach (var message in batch)
            {
                message.Attempt = attempt;
            }

            var gated = _session.ParallelismLimited;
            if (gated && !await EnterGateAsync().ConfigureAwait(false))
            {
                return BatchAttempts.Abandoned;
            }

            Exception? failure;
            BatchResult? result = null;
            try
            {
                result = await InvokeBatchAsync(handler, batch, _owner.HandlerToken).ConfigureAwait(false);
                failure = BatchHandling.Check(result, batch);
            }
            catch (OperationCanceledException) when (_owner.HardStopRequested || _owner.StopRequested || _session.StopRequested)
            {
                // Cancelled by a stop: the batch did not fail; it is not stored and is delivered again.
                return BatchAttempts.Abandoned;
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

            if (failure is null)
            {
                return new BatchAttempts(result, null, attempt, false);
            }

            if (failure is KafkaUnavailableException)
            {
                // What the handler needs is down (the Schema Registry, the handler's construction): no attempt is spent
                // and the partition waits, as for one message.
                attempt--;
                outages++;
                if (!await WaitOutOutageAsync(first, failure, outages).ConfigureAwait(false))
                {
                    return BatchAttempts.Abandoned;
                }

                continue;
            }

            outages = 0;
            if (failure is NonRetriableMessageException || attempt >= maxAttempts)
            {
                return new BatchAttempts(null, failure, attempt, false);
            }

            CountRetry(first.Topic);
            var delay = options.Backoff.DelayAfter(attempt, Random.Shared.NextDouble());
            _owner.SetStall(PartitionStall.HandlerRetrying, first.Offset.Value, failure);
            BatchLog.BatchRetry(_session.Logger, failure, first.Topic, first.Partition.Value, first.Offset.Value, batch[^1].Offset, batch.Length, attempt, maxAttempts, (long)delay.TotalMilliseconds);
            if (!await BackoffAsync(delay).ConfigureAwait(false))
            {
                return BatchAttempts.Abandoned;
            }
        }
    }

    /// <summary>
    /// Applies the failure policy to <paramref name="record"/> after <paramref name="attempts"/> failed attempts (its own,
    /// or those of a batch that failed as a whole): skips it (logged and counted) or dead-letters it. <see langword="false"/>
    /// when stopped before the dead letter was acknowledged (the record is then not done).
    /// </summary>
    public async Task<bool> SettleAsync(ConsumeResult<byte[]?, byte[]?> record, Exception failure, int attempts)
    {
        if (_session.Options.FailurePolicy == FailurePolicy.Skip)
        {
            _session.Group.CountSkipped();
            if (Metrics.Skipped.Enabled)
            {
                Metrics.Skipped.Add(1, Tags(record.Topic));
            }

            Log.Skipped(_session.Logger, record.Topic, record.Partition.Value, record.Offset.Value, attempts, LogText(failure), Payload(record));
            Log.HandlerFailureDetail(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, "skipped");
            return true;
        }

        return await DeadLetterAsync(record, failure, attempts).ConfigureAwait(false);
    }

    /// <summary>Calls the batch handler inside an async method (no ambient state leaks to the caller; a synchronous throw becomes a faulted task).</summary>
    private static async Task<BatchResult> InvokeBatchAsync(BatchMessageHandler handler, ConsumerMessage[] batch, CancellationToken cancellationToken)
        => await handler(batch, cancellationToken).ConfigureAwait(false);
}

/// <summary>How a batch's attempts ended: the handler's (valid) result, or the failure after the last attempt, or abandoned by a stop.</summary>
internal sealed record BatchAttempts(BatchResult? Result, Exception? Failure, int Attempts, bool IsAbandoned)
{
    public static readonly BatchAttempts Abandoned = new(null, null, 0, true);
}

/// <summary>The log lines of batch handling.</summary>
internal static partial class BatchLog
{
    [LoggerMessage(450, LogLevel.Warning, "Batch handler failed for {Topic} [{Partition}] @{FirstOffset}..{LastOffset} ({Count} records), attempt {Attempt} of {MaxAttempts}; retrying the batch in {DelayMs} ms")]
    public static partial void BatchRetry(ILogger logger, Exception exception, string topic, int partition, long firstOffset, long lastOffset, int count, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(451, LogLevel.Error, "Batch handler failed for {Topic} [{Partition}] @{FirstOffset}..{LastOffset} ({Count} records) after {Attempts} attempt(s): {Error}; each record goes through the failure policy")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string topic, int partition, long firstOffset, long lastOffset, int count, int attempts, string error);
}
