// Per-key concurrency (issue 11): one partition, 1,000 keys, a handler that awaits 2 ms; ConsumerGroup in order against
// ConsumerConcurrency.PerKey with 64 in flight, alternating in the same rounds.
//
//   dotnet run -c Release --project benchmarks/Runtime -- --per-key [--messages 3000] [--rounds 3] [--warmup 1]
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Kafka.Typed.Testing;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static partial class Program
{
    private const int PerKeyKeys = 1000;
    private const int PerKeyInFlight = 64;
    private const string InOrderSlow = "per-key bench: ConsumerGroup in order, 2 ms handler";
    private const string PerKeySlow = "per-key bench: ConsumerGroup PerKey (64 in flight), 2 ms handler";

    private static bool s_perKey;

    /// <summary>The per-key rows: both variants read the same pre-filled single-partition topic with a fresh group each round.</summary>
    private static void PerKeyRows(EmbeddedKafkaCluster cluster, KafkaAppConfig app)
    {
        var topic = "bench-per-key-" + Interlocked.Increment(ref s_topicCounter).ToString(CultureInfo.InvariantCulture);
        cluster.CreateTopic(topic, 1, ReplicationFactor);
        var watch = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(RawProducerConfig(cluster)).SetLogHandler(static (_, _) => { }).Build())
        {
            for (var i = 0; i < s_messages; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = System.Text.Encoding.UTF8.GetBytes("key-" + (i % PerKeyKeys).ToString(CultureInfo.InvariantCulture)), Value = s_payload });
                if (i % 1000 == 999)
                {
                    producer.Flush();
                }
            }

            producer.Flush();
        }

        Console.WriteLine($"  filled {topic} (1 partition, {PerKeyKeys:N0} keys) with {s_messages:N0} messages in {watch.Elapsed.TotalSeconds:0.00} s");
        (string Name, Func<Task<Result>> Run)[] variants =
        [
            (InOrderSlow, () => SlowGroupConsume(app, topic, ConsumerConcurrency.InOrder)),
            (PerKeySlow, () => SlowGroupConsume(app, topic, ConsumerConcurrency.PerKey)),
        ];
        for (var round = 0; round < s_warmup + s_rounds; round++)
        {
            MeasureRound(round, variants);
        }

        Console.WriteLine();
        Console.WriteLine($"Medians of {s_rounds} measured rounds ({s_messages:N0} messages each; × raw = × the in-order row):");
        Console.WriteLine();
        Console.WriteLine("| variant | msg/s | × raw | min–max msg/s | alloc B/msg | CPU µs/msg | GC pause ms/round |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Row(InOrderSlow, InOrderSlow);
        Row(PerKeySlow, InOrderSlow);
    }

    /// <summary>A ConsumerGroup whose handler awaits 2 ms; per key with 64 in flight and as many handler calls allowed.</summary>
    private static async Task<Result> SlowGroupConsume(KafkaAppConfig app, string topic, ConsumerConcurrency concurrency)
    {
        var n = s_messages;
        var seen = 0;
        Mark? first = null;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(app, [topic], async (_, _) =>
        {
            await Task.Delay(2).ConfigureAwait(false);
            var count = Interlocked.Increment(ref seen);
            if (count == 1)
            {
                Volatile.Write(ref first, Mark.Now());
            }
            else if (count == n)
            {
                all.TrySetResult();
            }
        }, new ConsumerOptions
        {
            GroupId = "group-" + Guid.NewGuid().ToString("N"),
            Concurrency = concurrency,
            MaxInFlightPerPartition = PerKeyInFlight,
            MaxDegreeOfParallelism = PerKeyInFlight,
            Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs, ["fetch.wait.max.ms"] = FetchWaitMaxMs },
        });

        using var stop = new CancellationTokenSource();
        var meter = Meter.Start();
        var run = group.ConsumeAsync(stop.Token);
        var finished = await Task.WhenAny(all.Task, run).ConfigureAwait(false);
        var result = meter.Stop(Volatile.Read(ref first));
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        Check(finished == all.Task, "ConsumerGroup stopped before it saw every message");
        return result;
    }
}
