using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>
/// 100,000 messages with unique ids through <see cref="AsyncProducer"/> while faults are injected: every message is
/// delivered exactly once, order per key is kept, and every delivery report reaches the caller.
/// </summary>
public sealed class ProducerUnderFaultsTests(ITestOutputHelper output)
{
    private const int Messages = 100_000;
    private const int Keys = 64;
    private const int Partitions = 8;

    public enum Fault
    {
        OneBrokerDownAndUp,
        AllBrokersDownForSeconds,
        RetriableProduceErrors,
        AddedLatency,
    }

    [Theory]
    [InlineData(Fault.OneBrokerDownAndUp)]
    [InlineData(Fault.AllBrokersDownForSeconds)]
    [InlineData(Fault.RetriableProduceErrors)]
    [InlineData(Fault.AddedLatency)]
    public async Task Every_message_is_delivered_exactly_once_in_key_order(Fault fault)
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "faults";
        cluster.CreateTopic(topic, Partitions, replicationFactor: 3);
        var reports = new ConcurrentQueue<ProducerReport>();
        var delivered = 0;
        var allReported = new TaskCompletionSource();
        var started = DateTime.UtcNow;

        await using (var producer = new AsyncProducer(Kit.App(cluster), r =>
        {
            reports.Enqueue(r);
            if (Interlocked.Increment(ref delivered) == Messages)
            {
                allReported.TrySetResult();
            }
        }, new ProducerOptions { QueueCapacity = 20_000, FlushFrequency = TimeSpan.FromMilliseconds(5) }))
        {
            using var listening = new CancellationTokenSource();
            var listen = producer.ListenAsync(listening.Token);
            var faultTask = Task.CompletedTask;
            for (var i = 0; i < Messages; i++)
            {
                if (i == Messages / 4)
                {
                    faultTask = InjectAsync(cluster, fault);
                }

                var key = (i % Keys).ToString(CultureInfo.InvariantCulture);
                await producer.SendAsync(new ProducerMessage(topic, Encoding.ASCII.GetBytes($"{key}:{i}"), Encoding.ASCII.GetBytes(key)));
            }

            await faultTask;
            await allReported.Task.WaitAsync(TimeSpan.FromSeconds(90));
            await listening.CancelAsync();
            await listen;
        }

        output.WriteLine($"{fault}: {Messages} reported in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.Equal(Messages, reports.Count);
        var failed = reports.Where(r => !r.IsSuccess).Take(5).ToList();
        Assert.True(failed.Count == 0, string.Join("; ", failed));

        var records = Kit.ReadAll(cluster, topic, Messages, TimeSpan.FromSeconds(60));
        var ids = records.Select(r => int.Parse(Encoding.ASCII.GetString(r.Message.Value!).Split(':')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Messages, ids.Count);
        Assert.Equal(Messages, ids.Distinct().Count()); // exactly once: no loss, no duplicate

        // Order per key: within each partition, a key's ids only grow with the offset.
        foreach (var partition in records.GroupBy(r => r.Partition.Value))
        {
            var lastPerKey = new Dictionary<string, int>();
            foreach (var r in partition.OrderBy(r => r.Offset.Value))
            {
                var parts = Encoding.ASCII.GetString(r.Message.Value!).Split(':');
                var id = int.Parse(parts[1], CultureInfo.InvariantCulture);
                Assert.True(!lastPerKey.TryGetValue(parts[0], out var last) || last < id, $"key {parts[0]}: {id} after {last} in partition {partition.Key}");
                lastPerKey[parts[0]] = id;
            }
        }
    }

    [Fact]
    public async Task A_non_retriable_error_reaches_the_caller_named_and_affects_nothing_else()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("refused", 1);
        cluster.CreateTopic("fine", 1);
        var reports = new ConcurrentQueue<ProducerReport>();
        await using (var producer = new AsyncProducer(Kit.App(cluster), reports.Enqueue, new ProducerOptions { FlushFrequency = TimeSpan.Zero }))
        {
            using var listening = new CancellationTokenSource();
            var listen = producer.ListenAsync(listening.Token);
            await producer.SendAsync(new ProducerMessage("refused", [0]) { State = "warm-up" });
            await Kit.WaitUntilAsync(() => !reports.IsEmpty, "the warm-up report");

            cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
            await producer.SendAsync(new ProducerMessage("refused", [1]) { State = "refused" });
            await Kit.WaitUntilAsync(() => reports.Count >= 2, "the refused message's report");

            for (var i = 0; i < 100; i++)
            {
                await producer.SendAsync(new ProducerMessage("fine", [2]) { State = "fine" });
            }

            await listening.CancelAsync();
            await listen;
        }

        var refused = Assert.Single(reports, r => (string)r.Message.State! == "refused");
        Assert.False(refused.IsSuccess);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.ErrorCode);
        var exception = refused.ToException()!;
        Assert.Equal("refused", exception.Topic);
        Assert.Contains("TopicAuthorizationFailed", exception.Message, StringComparison.Ordinal);
        Assert.Equal(100, reports.Count(r => (string)r.Message.State! == "fine" && r.IsSuccess));
    }

    private static async Task InjectAsync(EmbeddedKafkaCluster cluster, Fault fault)
    {
        switch (fault)
        {
            case Fault.OneBrokerDownAndUp:
                cluster.SetBrokerDown(1);
                await Task.Delay(1500);
                cluster.SetBrokerUp(1);
                break;
            case Fault.AllBrokersDownForSeconds:
                cluster.SetAllBrokersDown();
                await Task.Delay(3000);
                cluster.SetAllBrokersUp();
                break;
            case Fault.RetriableProduceErrors:
                cluster.PushRequestErrors(KafkaApiKey.Produce,
                    ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas,
                    ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.LeaderNotAvailable);
                break;
            case Fault.AddedLatency:
                cluster.SetBrokerLatency(TimeSpan.FromMilliseconds(50));
                await Task.Delay(1500);
                cluster.SetBrokerLatency(TimeSpan.Zero);
                break;
        }
    }
}
