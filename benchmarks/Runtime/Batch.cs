// The batch handler row (issue 11, item 2): ConsumerGroup with a no-op batch handler of up to 500 records per call,
// against the same group with the single-message no-op handler ("consume: ConsumerGroup"), on the same filled topic.
using Kafka.Typed;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static partial class Program
{
    private const string BatchConsumer = "consume: ConsumerGroup, batch handler (500)";

    /// <summary>
    /// <see cref="ConsumerGroup"/> with a no-op <see cref="BatchMessageHandler"/>: batches of up to 500 records of one
    /// partition (MaxBatchWait 10 ms: the topic is full, so batches fill at once but for each partition's tail).
    /// </summary>
    private static async Task<Result> BatchGroupConsume(KafkaAppConfig app, string topic)
    {
        var n = s_messages + 1; // the fill's priming message included
        var seen = 0;
        Mark? first = null;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = ConsumerGroup.ForBatches(app, [topic], (batch, _) =>
        {
            var count = Interlocked.Add(ref seen, batch.Count);
            if (count == batch.Count)
            {
                Volatile.Write(ref first, Mark.Now());
            }

            if (count == n)
            {
                all.TrySetResult();
            }

            return Task.FromResult(BatchResult.Success);
        }, new ConsumerOptions
        {
            GroupId = "batch-" + Guid.NewGuid().ToString("N"),
            MaxBatchSize = 500,
            MaxBatchWait = TimeSpan.FromMilliseconds(10),
            Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs, ["fetch.wait.max.ms"] = FetchWaitMaxMs },
        });

        using var stop = new CancellationTokenSource();
        var meter = Meter.Start();
        var run = group.ConsumeAsync(stop.Token);
        var finished = await Task.WhenAny(all.Task, run).ConfigureAwait(false);
        var result = meter.Stop(Volatile.Read(ref first));
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        Check(finished == all.Task, "ConsumerGroup (batch handler) stopped before it saw every message");
        return result;
    }
}
