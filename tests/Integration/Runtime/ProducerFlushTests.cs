using System.Collections.Concurrent;
using System.Diagnostics;
using Kafka.Typed.Integration.Tests.AvroGenerated;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>FlushAsync: it returns once everything sent before it has its outcome, within its bound, and honours cancellation.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ProducerFlushTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task SyncProducer_FlushAsync_returns_when_every_earlier_send_is_acknowledged()
    {
        var topic = TestNames.Unique("flush-sync");
        _cluster.CreateTopic(topic, 3);

        // A long linger keeps the sends waiting in librdkafka's batches when FlushAsync is called.
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { FlushFrequency = TimeSpan.FromMilliseconds(300) });
        var sends = Enumerable.Range(0, 50).Select(i => producer.SendAsync(topic, Kit.Bytes("m" + i), "k" + i)).ToList();
        Assert.Contains(sends, s => !s.IsCompleted);

        await producer.FlushAsync();

        Assert.All(sends, s => Assert.True(s.IsCompletedSuccessfully, s.Status.ToString()));
        await producer.FlushAsync(); // nothing in flight: at once
    }

    [Fact]
    public async Task AsyncProducer_FlushAsync_returns_when_every_earlier_message_is_reported()
    {
        var topic = TestNames.Unique("flush-async");
        _cluster.CreateTopic(topic, 3);
        var reports = new ConcurrentQueue<ProducerReport>();
        await using var producer = new AsyncProducer(Kit.App(_cluster), reports.Enqueue, new ProducerOptions { FlushFrequency = TimeSpan.FromMilliseconds(200) });

        // Queued before publishing starts, so the flush first waits for the hand-over and then for the acknowledgements.
        for (var i = 0; i < 200; i++)
        {
            await producer.SendAsync(topic, Kit.Bytes("m" + i), "k" + i);
        }

        using var stop = new CancellationTokenSource();
        var listening = producer.ListenAsync(stop.Token);
        await producer.FlushAsync();
        var reportedAtFlush = reports.Count;
        await stop.CancelAsync();
        await listening;

        Assert.Equal(200, reportedAtFlush);
        Assert.All(reports, r => Assert.True(r.IsSuccess, r.ToString()));
    }

    [Fact]
    public async Task AsyncProducer_FlushAsync_times_out_naming_ListenAsync_when_nothing_publishes()
    {
        var topic = TestNames.Unique("flush-unpublished");
        _cluster.CreateTopic(topic, 1);
        await using var producer = new AsyncProducer(Kit.App(_cluster), _ => { });
        await producer.SendAsync(topic, [1]);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => producer.FlushAsync(TimeSpan.FromMilliseconds(300)));
        var took = watch.Elapsed;

        Assert.Contains("1 messages of producer 'tests-ci' are still queued and ListenAsync is not running", error.Message, StringComparison.Ordinal);
        Assert.InRange(took, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task FlushAsync_is_bounded_and_cancellable_while_the_cluster_is_down_and_completes_once_it_is_back()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("flush-down", 1);
        await using var producer = new SyncProducer(Kit.App(cluster), new ProducerOptions { FlushFrequency = TimeSpan.Zero });
        await producer.SendAsync("flush-down", [0]);

        cluster.SetAllBrokersDown();
        var pending = producer.SendAsync("flush-down", [1]);

        var watch = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => producer.FlushAsync(TimeSpan.FromMilliseconds(500)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(3));
        Assert.Contains("1 messages of producer 'tests-ci' are still in flight", timeout.Message, StringComparison.Ordinal);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        watch.Restart();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => producer.FlushAsync(cancel.Token));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.False(pending.IsCompleted); // neither gave up on the message itself

        cluster.SetAllBrokersUp();
        await producer.FlushAsync(TimeSpan.FromSeconds(30));
        Assert.True(pending.IsCompletedSuccessfully, pending.Status.ToString());
    }

    [Fact]
    public async Task A_typed_producer_FlushAsync_waits_for_the_queued_sends_of_the_host()
    {
        var reports = new ConcurrentQueue<ProducerReport>();
        var options = ProducerReadinessTests.OptionsFor(_cluster.BootstrapServers, TimeSpan.FromSeconds(10));
        options.Producer.FlushFrequency = TimeSpan.FromMilliseconds(200);
        new ProducerReadinessTests(shared).EnsureAuditTopic();
        await using var host = new KafkaProducerHost(Options.Create(options), [new ProducerReadinessTests.Observer(reports)]);
        await host.StartAsync(CancellationToken.None);
        IKafkaProducer<AuditEntry> producer = new AuditEntryProducer(host);

        var marker = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 100; i++)
        {
            await producer.EnqueueAsync(new AuditEntry(marker + i));
        }

        await producer.FlushAsync();

        Assert.Equal(100, reports.Count);
        Assert.All(reports, r => Assert.True(r.IsSuccess, r.ToString()));
    }
}
