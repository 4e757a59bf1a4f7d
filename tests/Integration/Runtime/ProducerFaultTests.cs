using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Producer behaviour under injected faults; each test owns its cluster because faults are cluster-wide.</summary>
public sealed class ProducerFaultTests
{
    [Fact]
    public async Task Non_retriable_error_throws_a_typed_exception_naming_topic_and_code()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "orders";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, [0]);
            cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
            var e = await Assert.ThrowsAsync<KafkaProduceException>(() => producer.SendAsync(topic, [1]));
            Assert.Equal(topic, e.Topic);
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, e.ErrorCode);
            Assert.Contains("'orders'", e.Message, StringComparison.Ordinal);
            Assert.Contains("TopicAuthorizationFailed", e.Message, StringComparison.Ordinal);

            // The error affected that message only: other topics keep flowing. (librdkafka keeps the refused
            // topic in its failed state until its next metadata refresh, as against a real broker.)
            cluster.CreateTopic("other", 1);
            var next = await producer.SendAsync("other", [2]);
            Assert.Equal(0, next.Offset);
        }
    }

    [Fact]
    public async Task Retriable_errors_are_retried_to_success()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "retriable";
        cluster.CreateTopic(topic, 1);
        await using var producer = new SyncProducer(Kit.App(cluster));
        await producer.SendAsync(topic, [0]);
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
        var result = await producer.SendAsync(topic, [1]);
        Assert.Equal(1, result.Offset);
    }

    [Fact]
    public async Task Disposal_reports_every_unacknowledged_message_as_failed()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "unsent";
        cluster.CreateTopic(topic, 2);
        var reports = new ConcurrentQueue<ProducerReport>();
        var producer = new AsyncProducer(Kit.App(cluster), reports.Enqueue, new ProducerOptions { DisposeTimeout = TimeSpan.FromSeconds(1) });
        await producer.SendAsync(topic, [0]);
        using var cts = new CancellationTokenSource();
        var listen = producer.ListenAsync(cts.Token);
        await Kit.WaitUntilAsync(() => !reports.IsEmpty, "the first report");

        cluster.SetAllBrokersDown();
        for (var i = 1; i <= 200; i++)
        {
            await producer.SendAsync(topic, Kit.Bytes($"m{i}"));
        }

        await producer.DisposeAsync();
        await listen.WaitAsync(TimeSpan.FromSeconds(10));
        cluster.SetAllBrokersUp();

        Assert.Equal(201, reports.Count);
        var failed = reports.Where(r => !r.IsSuccess).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Equal(ErrorCode.Local_PurgeQueue, r.ErrorCode));
        Assert.Equal(201, reports.Select(r => r.Message).Distinct().Count());
    }

    [Fact]
    public async Task Disposal_while_listen_waits_for_librdkafka_capacity_stops_listen_cleanly_and_reports_each_message_once()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "backlog";
        cluster.CreateTopic(topic, 1);
        var reports = new ConcurrentQueue<ProducerReport>();
        var producer = new AsyncProducer(Kit.App(cluster), reports.Enqueue, new ProducerOptions
        {
            DisposeTimeout = TimeSpan.FromMilliseconds(300),
            Settings = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "2" },
        });
        using var cts = new CancellationTokenSource();
        var listen = producer.ListenAsync(cts.Token);
        await producer.SendAsync(topic, [0]);
        await Kit.WaitUntilAsync(() => !reports.IsEmpty, "the first report");

        // librdkafka holds 2 and cannot send them: ListenAsync waits for room with the rest still queued.
        cluster.SetAllBrokersDown();
        for (var i = 1; i <= 20; i++)
        {
            await producer.SendAsync(topic, Kit.Bytes($"m{i}"));
        }

        await Kit.WaitUntilAsync(() => producer.InFlightCount == 2 && producer.QueuedCount > 0, "a backlog behind a full librdkafka queue");
        await producer.DisposeAsync();
        var countAtDispose = reports.Count;

        // Disposal ends publishing: ListenAsync returns normally (it is not an error of the caller's).
        await listen.WaitAsync(TimeSpan.FromSeconds(10));
        cluster.SetAllBrokersUp();
        Assert.Equal(21, countAtDispose);
        Assert.Equal(21, reports.Count);
        Assert.Equal(21, reports.Select(r => r.Message).Distinct().Count());
    }

    [Fact]
    public async Task Stopping_the_producer_host_is_bounded_by_one_dispose_timeout()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "host-stop";
        cluster.CreateTopic(topic, 1);
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci", ConnectTimeout = TimeSpan.FromSeconds(10) };
        options.BootstrapServers.Add(cluster.BootstrapServers);
        options.Producer.DisposeTimeout = TimeSpan.FromSeconds(1.5);
        var reports = new ConcurrentQueue<ProducerReport>();
        var host = new KafkaProducerHost(Microsoft.Extensions.Options.Options.Create(options), [new Observer(reports)]);
        await host.Async.SendAsync(topic, [0]);
        await host.Sync.SendAsync(topic, [0]);
        await Kit.WaitUntilAsync(() => !reports.IsEmpty, "the first report");

        // Nothing can be acknowledged now: each flush waits for its whole timeout.
        cluster.SetAllBrokersDown();
        for (var i = 0; i < 5; i++)
        {
            await host.Async.SendAsync(topic, [1]);
        }

        var pending = host.Sync.SendAsync(topic, [1]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync(CancellationToken.None);
        var took = watch.Elapsed;
        cluster.SetAllBrokersUp();

        // The producers share the one dispose timeout (serially they took 3 × 1.5 s).
        Assert.True(took < TimeSpan.FromSeconds(2.9), $"stopping took {took}");
        Assert.Equal(6, reports.Count);
        var e = await Assert.ThrowsAsync<KafkaProduceException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.Local_PurgeQueue, e.ErrorCode);
    }

    private sealed class Observer(ConcurrentQueue<ProducerReport> reports) : IKafkaDeliveryObserver
    {
        public void OnDelivery(in ProducerReport report) => reports.Enqueue(report);
    }

    [Fact]
    public async Task Sync_sends_pending_at_disposal_fail_instead_of_hanging()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "sync-unsent";
        cluster.CreateTopic(topic, 1);
        var producer = new SyncProducer(Kit.App(cluster), new ProducerOptions { DisposeTimeout = TimeSpan.FromMilliseconds(500) });
        await producer.SendAsync(topic, [0]);
        cluster.SetAllBrokersDown();
        var pending = producer.SendAsync(topic, [1]);
        await producer.DisposeAsync();
        var e = await Assert.ThrowsAsync<KafkaProduceException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.Local_PurgeQueue, e.ErrorCode);
        cluster.SetAllBrokersUp();
    }
}
