using System.Diagnostics;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// What the producer keeps per message between the hand-over to librdkafka and its report: whether the report is still
/// due, the links of the producer's in-flight list (so that disposal can report every message librdkafka never
/// acknowledged) and the telemetry started for it. Embedded in the in-flight entry itself, which is either the caller's
/// <see cref="ProducerMessage"/> (an <see cref="AsyncProducer"/> send) or a <see cref="DeliveryTicket"/>.
/// </summary>
internal struct InFlightState
{
    /// <summary>1 from the claim (or the ticket's creation) until the one report; taken back to 0 by whoever reports.</summary>
    internal int Pending;
    internal object? Prev;
    internal object? Next;

    /// <summary>The producer's count of hand-overs when this one was handed over: orders the in-flight list for <c>FlushAsync</c>.</summary>
    internal long Sequence;

    /// <summary>Only when a listener wants the send's span or duration: nothing more stays alive per message otherwise.</summary>
    internal SendTelemetry? Telemetry;
}

/// <summary>The span and start time of one send, kept until its report.</summary>
internal sealed class SendTelemetry(Activity? activity, long startTimestamp)
{
    public Activity? Activity { get; } = activity;

    public long StartTimestamp { get; } = startTimestamp;
}

/// <summary>An in-flight entry other than a <see cref="ProducerMessage"/>: it reports its own outcome.</summary>
internal abstract class DeliveryTicket
{
    internal InFlightState InFlight;

    protected DeliveryTicket() => InFlight.Pending = 1;

    internal abstract string Topic { get; }

    internal abstract void OnDelivered(in ProduceResult result);

    internal abstract void OnFailed(ErrorCode error, string reason);
}

/// <summary>A ticket whose outcome completes a task: the form <see cref="SyncProducer"/> and the dead-letter writer await.</summary>
internal sealed class TaskTicket(string topic) : DeliveryTicket
{
    private readonly TaskCompletionSource<ProduceResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ProduceResult> Task => _completion.Task;

    internal override string Topic => topic;

    internal override void OnDelivered(in ProduceResult result) => _completion.TrySetResult(result);

    internal override void OnFailed(ErrorCode error, string reason)
        => _completion.TrySetException(new KafkaProduceException(topic, error, reason));
}
