using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;

namespace Kafka.Typed;

/// <summary>
/// One message's processing for a partition's <see cref="PartitionDispatcher"/>, whatever order the dispatcher runs
/// messages in: the handler call (behind the parallelism gate), outages of what the handler needs, retries with backoff,
/// the failure policy and the dead letter, and the message's process span and metrics.
/// </summary>
/// <remarks>
/// It knows nothing about ordering or offsets: the dispatcher calls <see cref="ProcessAsync"/> for a record when that
/// record may run, and stores the offset by the <see cref="MessageOutcome"/>. Stop and hard stop are the dispatcher's
/// (<see cref="PartitionDispatcher.StopToken"/>, <see cref="PartitionDispatcher.HandlerToken"/>), and so are the
/// partition's stall and what a backoff does to the partition (<see cref="PartitionDispatcher.OnBackoff"/>).
/// </remarks>
internal sealed partial class MessageProcessor
{
    private const string ReferenceTag = "kafka.typed.dead_letter.reference";

    /// <summary>The <c>error.type</c> of a message abandoned by a stop or revocation before it finished (it is delivered again).</summary>
    internal const string AbandonedErrorType = "abandoned";

    private readonly ConsumeSession _session;
    private readonly PartitionDispatcher _owner;
    private readonly string _partitionId;
    private readonly string _processSpanName;

    /// <summary>The instruments of the group's meter.</summary>
    private KafkaMetrics Metrics => _session.Group.Metrics;

    public MessageProcessor(ConsumeSession session, PartitionDispatcher owner)
    {
        _session = session;
        _owner = owner;
        _partitionId = owner.Partition.Partition.Value.ToString(CultureInfo.InvariantCulture);
        _processSpanName = "process " + owner.Partition.Topic;
    }

    /// <summary>
    /// Poll thread: runs the first attempt of <paramref name="record"/> on the calling thread.
    /// <see cref="InlineOutcome.Handled"/> when the handler completed synchronously and successfully (span and metrics
    /// finished here); <see cref="InlineOutcome.HandedOver"/> with <paramref name="handedOver"/> the attempt to pass to
    /// <see cref="ProcessAsync"/>, which continues from it, so a message has one span whichever path runs it;
    /// <see cref="InlineOutcome.NotTaken"/> when starting the message's telemetry failed before the handler ran (a throwing
    /// propagator or listener): the record then goes to the dispatcher, whose own path meets the same failure and records
    /// it as the partition's fault, instead of the exception ending the poll loop. <paramref name="holdsSlot"/>: the
    /// call holds a parallelism slot, which passes with the handed-over attempt.
    /// </summary>
    public InlineOutcome TryCompleteInline(ConsumeResult<byte[]?, byte[]?> record, bool holdsSlot, out FirstAttempt? handedOver)
    {
        var message = new ConsumerMessage(record, _session.Group.GroupId);
        if (KafkaTelemetry.Source.HasListeners() || Metrics.ConsumedMessages.Enabled || Metrics.ProcessDuration.Enabled)
        {
            return TryCompleteInlineObserved(record, message, holdsSlot, out handedOver);
        }

        var task = InvokeAsync(_session.Group.Handler, message, _owner.HandlerToken);
        if (task.IsCompletedSuccessfully)
        {
            handedOver = null;
            return InlineOutcome.Handled;
        }

        handedOver = new FirstAttempt(record, message, task, holdsSlot, null);
        return InlineOutcome.HandedOver;
    }

    /// <summary>
    /// <see cref="TryCompleteInline"/> while spans or consumption metrics are listened to: the handler runs inside the
    /// message's process span (with the propagated baggage), as on the dispatcher; a success finishes span and metrics
    /// here, anything else hands them over with the first attempt.
    /// </summary>
    private InlineOutcome TryCompleteInlineObserved(ConsumeResult<byte[]?, byte[]?> record, ConsumerMessage message, bool holdsSlot, out FirstAttempt? handedOver)
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
            try
            {
                activity = traced ? StartProcessActivity(record) : null; // current (and the baggage set) for the handler
                baggage = Baggage.Current;
            }
            catch (Exception)
            {
                // Outside the handler (the propagator or an activity listener threw): the handler has not run; the
                // dispatcher's path starts the telemetry again and records what fails as the partition's fault.
                handedOver = null;
                return InlineOutcome.NotTaken;
            }

            task = InvokeAsync(_session.Group.Handler, message, _owner.HandlerToken);
        }
        finally
        {
            // The poll thread keeps none of the message's ambient state.
            Activity.Current = previousActivity;
            Baggage.Current = previousBaggage;
        }

        var telemetry = new ProcessTelemetry(traced, activity, baggage, startedAt);
        if (task.IsCompletedSuccessfully)
        {
            try
            {
                FinishTelemetry(record, activity, startedAt, errorType: null);
            }
            catch (Exception)
            {
                // A metric or activity listener threw after the handler succeeded: hand the finished attempt over, so
                // the dispatcher settles it on its own path (which records such a failure as the partition's fault).
                handedOver = new FirstAttempt(record, message, task, holdsSlot, telemetry);
                return InlineOutcome.HandedOver;
            }

            handedOver = null;
            return InlineOutcome.Handled;
        }

        handedOver = new FirstAttempt(record, message, task, holdsSlot, telemetry);
        return InlineOutcome.HandedOver;
    }

    /// <summary>Records the message's consumption metrics (with <c>error.type</c> when it failed or was abandoned) and ends its process span.</summary>
    private void FinishTelemetry(ConsumeResult<byte[]?, byte[]?> record, Activity? activity, long startedAt, string? errorType)
    {
        if (startedAt != 0 || Metrics.ConsumedMessages.Enabled)
        {
            var tags = Tags(record.Topic);
            if (errorType is not null)
            {
                tags.Add(SemConv.ErrorType, errorType);
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

    /// <summary>Runs the attempts and the failure policy. <see cref="MessageOutcome.Abandoned"/> when stopped (stop or revocation) before the message finished: it is then not stored.</summary>
    public async Task<MessageOutcome> ProcessAsync(ConsumeResult<byte[]?, byte[]?> record, FirstAttempt? first)
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
        var settled = false; // handled, skipped or dead-lettered; otherwise abandoned
        try
        {
            while (true)
            {
                attempt++;
                message.Attempt = attempt;
                failure = null;

                // The gate only matters when more partitions are assigned than handlers may run at once, or when the
                // dispatcher runs several of a partition's messages at once.
                // A first attempt started on the poll thread already holds its slot (when it needed one) and is running.
                var started = attempt == 1 && outages == 0 ? first : null; // after an outage the first attempt runs again
                var gated = started?.Gated ?? (_owner.GatesEveryCall || _session.ParallelismLimited);
                if (gated && started is null && !await EnterGateAsync().ConfigureAwait(false))
                {
                    return MessageOutcome.Abandoned;
                }

                try
                {
                    await (started?.Task ?? group.Handler(message, _owner.HandlerToken)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_owner.HardStopRequested || _owner.StopRequested || _session.StopRequested)
                {
                    // Cancelled by a stop (a hard stop through the handler's token, or the application's own token, which
                    // is often the one ConsumeAsync runs with): the message did not fail, it is abandoned and redelivered.
                    // Counting it as a failure would skip or dead-letter a good message on its last attempt.
                    return MessageOutcome.Abandoned;
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
                    if (!await WaitOutOutageAsync(record, failure, outages).ConfigureAwait(false))
                    {
                        return MessageOutcome.Abandoned;
                    }

                    continue;
                }

                outages = 0;
                if (failure is null || failure is NonRetriableMessageException || attempt >= maxAttempts)
                {
                    break;
                }

                CountRetry(record.Topic);
                var delay = options.Backoff.DelayAfter(attempt, Random.Shared.NextDouble());
                _owner.SetStall(PartitionStall.HandlerRetrying, record.Offset.Value, failure);
                Log.HandlerRetry(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, attempt, maxAttempts, (long)delay.TotalMilliseconds, Payload(record));
                activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["attempt"] = attempt, ["exception.type"] = failure.GetType().FullName }));
                if (!await BackoffAsync(delay).ConfigureAwait(false))
                {
                    return MessageOutcome.Abandoned;
                }
            }

            if (failure is null)
            {
                settled = true;
                return MessageOutcome.Handled;
            }

            activity?.SetTag(SemConv.ErrorType, failure.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            settled = await SettleAsync(record, failure, attempt).ConfigureAwait(false);
            return settled ? MessageOutcome.Settled : MessageOutcome.Abandoned;
        }
        finally
        {
            if (settled)
            {
                FinishTelemetry(record, activity, telemetry.StartedAt, failure?.GetType().FullName);
            }
            else
            {
                // Not finished (a stop or revocation came first, or the dispatcher failed outside the handler): it is
                // delivered again, so neither the span nor the count may read as a success.
                activity?.SetTag(SemConv.ErrorType, AbandonedErrorType);
                activity?.SetStatus(ActivityStatusCode.Error, "abandoned: the consumer stopped or the partition was revoked before the message finished; it is delivered again");
                FinishTelemetry(record, activity, telemetry.StartedAt, AbandonedErrorType);
            }

            if (telemetry.Traced)
            {
                Activity.Current = null;
                Baggage.Current = previousBaggage;
            }
        }
    }

    /// <summary>Waits out a backoff (telling the dispatcher, which may pause the partition meanwhile). <see langword="false"/> when stopped meanwhile.</summary>
    /// <summary>
    /// Takes a parallelism slot for a handler call. A stop or revocation ends the wait: <see langword="false"/> (no slot
    /// held), and nothing starts after it (the message or batch is not stored and is delivered again). A slot taken just
    /// as the stop came is given back unused.
    /// </summary>
    private async Task<bool> EnterGateAsync()
    {
        try
        {
            await _session.Parallelism.WaitAsync(_owner.StopToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        if (_owner.StopRequested || _session.StopRequested)
        {
            _session.Parallelism.Release();
            return false;
        }

        return true;
    }

    /// <summary>
    /// Bookkeeping of an outage (<see cref="KafkaUnavailableException"/>, which spends no attempt), shared by one message
    /// and a batch (<paramref name="record"/> is its first): counted as a retry, the partition stalled as unavailable,
    /// logged, and waited out with the backoff of the <paramref name="outages"/>-th outage in a row. <see langword="false"/> when stopped.
    /// </summary>
    private Task<bool> WaitOutOutageAsync(ConsumeResult<byte[]?, byte[]?> record, Exception failure, int outages)
    {
        CountRetry(record.Topic);
        var wait = _session.Options.Backoff.DelayAfter(outages, Random.Shared.NextDouble());
        _owner.SetStall(PartitionStall.Unavailable, record.Offset.Value, failure);
        Log.Unavailable(_session.Logger, failure, record.Topic, record.Partition.Value, record.Offset.Value, outages, (long)wait.TotalMilliseconds);
        return BackoffAsync(wait);
    }

    /// <summary>Counts a retry (or an outage's wait) in the group's status and the retries metric.</summary>
    private void CountRetry(string topic)
    {
        _session.Group.CountRetry();
        if (Metrics.Retries.Enabled)
        {
            Metrics.Retries.Add(1, Tags(topic));
        }
    }

    public async Task<bool> BackoffAsync(TimeSpan delay)
    {
        _owner.OnBackoff(true);
        try
        {
            await Task.Delay(delay, _session.Options.TimeProvider, _owner.StopToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _owner.OnBackoff(false);
        }
    }

    /// <summary>
    /// Writes the original record plus failure headers to the dead-letter topic and waits for the acknowledgement. A
    /// record too large for the dead-letter topic is written as a reference instead (see <see cref="DeadLetterHeaders"/>).
    /// Any other failed write is retried with backoff until it succeeds or the partition stops: the message is never
    /// committed before it is safe somewhere. The partition shows as <see cref="PartitionStall.DeadLetterBlocked"/>
    /// meanwhile; the first failure is logged at error level, the retries at debug level, the recovery at information.
    /// </summary>
    public async Task<bool> DeadLetterAsync(ConsumeResult<byte[]?, byte[]?> record, Exception failure, int attempts)
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
                    await producer.WaitForCapacityAsync(_owner.StopToken).ConfigureAwait(false);
                }

                var result = await ticket.Task.WaitAsync(_owner.HandlerToken).ConfigureAwait(false);
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
            _owner.SetStall(PartitionStall.DeadLetterBlocked, record.Offset.Value, new KafkaProduceException(topic, code, reason));
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

    /// <summary>A first attempt the poll thread started: the handler's task and whether it holds a parallelism slot.</summary>
    internal sealed record FirstAttempt(ConsumeResult<byte[]?, byte[]?> Record, ConsumerMessage Message, Task Task, bool Gated, ProcessTelemetry? Telemetry);

    /// <summary>A message's process span (when traced), the baggage its handler sees, and when processing started (0 when the duration is not recorded).</summary>
    internal sealed record ProcessTelemetry(bool Traced, Activity? Activity, Baggage Baggage, long StartedAt)
    {
        /// <summary>Neither traced nor timed (no per-message object then).</summary>
        public static readonly ProcessTelemetry None = new(false, null, default, 0);
    }
}

/// <summary>How <see cref="MessageProcessor.ProcessAsync"/> ended.</summary>
internal enum MessageOutcome
{
    /// <summary>The handler succeeded: the message is done and counted as handled.</summary>
    Handled,

    /// <summary>The handler failed for good and the failure policy settled the message (skipped or dead-lettered): it is done.</summary>
    Settled,

    /// <summary>Stopped (a stop or revocation) before the message finished: it is not done and is delivered again.</summary>
    Abandoned,
}
