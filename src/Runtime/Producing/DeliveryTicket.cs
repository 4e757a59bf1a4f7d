using System.Diagnostics;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// One message handed to librdkafka. Tickets sit in the producer's in-flight list until their delivery report arrives, so
/// that disposal can report every message librdkafka never acknowledged.
/// </summary>
internal abstract class DeliveryTicket
{
    private int _done;

    internal DeliveryTicket? Prev;
    internal DeliveryTicket? Next;
    internal bool Tracked;
    internal ProducerCore? Core;
    internal Activity? Activity;
    internal long StartTimestamp;

    internal abstract string Topic { get; }

    protected abstract void OnDelivered(in ProduceResult result);

    protected abstract void OnFailed(ErrorCode error, string reason);

    internal void Deliver(in ProduceResult result)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            OnDelivered(result);
        }
    }

    internal void Fail(ErrorCode error, string reason)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            OnFailed(error, reason);
        }
    }

    /// <summary>The delivery handler handed to librdkafka with the message (bound when produced, so the ticket does not hold it).</summary>
    internal void OnDeliveryReport(DeliveryReport<byte[]?, byte[]?> report) => Core!.OnDeliveryReport(this, report);
}

/// <summary>A ticket whose outcome completes a task: the form <see cref="SyncProducer"/> and the dead-letter writer await.</summary>
internal sealed class TaskTicket(string topic) : DeliveryTicket
{
    private readonly TaskCompletionSource<ProduceResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ProduceResult> Task => _completion.Task;

    internal override string Topic => topic;

    protected override void OnDelivered(in ProduceResult result) => _completion.TrySetResult(result);

    protected override void OnFailed(ErrorCode error, string reason)
        => _completion.TrySetException(new KafkaProduceException(topic, error, reason));
}
