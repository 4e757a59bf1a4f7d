using System.Collections.Concurrent;
using System.Diagnostics;
using Kafka.Typed.Integration.Tests.AvroGenerated;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>
/// The shared producers of typed hosts are created, and the cluster checked, when the host starts: an unreachable cluster
/// fails start-up within one connect timeout, naming the servers, and no send blocks its caller on a connectivity check.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ProducerReadinessTests(SharedCluster shared)
{
    // Nothing listens on port 1: every connection is refused, as with a wrong address or a firewalled cluster.
    private const string Unreachable = "127.0.0.1:1";

    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task Starting_against_an_unreachable_cluster_fails_within_the_connect_timeout_naming_the_servers()
    {
        var connectTimeout = TimeSpan.FromSeconds(3);
        await using var host = new KafkaProducerHost(Options.Create(OptionsFor(Unreachable, connectTimeout)), []);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<KafkaUnreachableException>(() => host.StartAsync(CancellationToken.None));
        var took = watch.Elapsed;

        Assert.Equal(Unreachable, error.BootstrapServers);
        Assert.Contains(Unreachable, error.Message, StringComparison.Ordinal);

        // Both clients are checked at once: one connect timeout, not one per client (6 s), and not much more.
        Assert.True(took < connectTimeout + TimeSpan.FromSeconds(2.5), $"start-up failed after {took.TotalSeconds:0.0} s; the connect timeout is {connectTimeout.TotalSeconds} s");
    }

    [Fact]
    public async Task A_send_before_the_host_started_does_not_block_its_caller_on_the_connectivity_check()
    {
        // Before: the first SendAsync created the SyncProducer on the caller's thread, whose constructor blocks until the
        // cluster answers or the connect timeout passes (here 4 s) before SendAsync even returned its task.
        var connectTimeout = TimeSpan.FromSeconds(4);
        await using var host = new KafkaProducerHost(Options.Create(OptionsFor(Unreachable, connectTimeout)), []);
        var producer = new AuditEntryProducer(host);

        var watch = Stopwatch.StartNew();
        var send = producer.SendAsync(new AuditEntry("before start"));
        var enqueue = producer.EnqueueAsync(new AuditEntry("before start")).AsTask();
        var returnedAfter = watch.Elapsed;

        Assert.True(returnedAfter < TimeSpan.FromSeconds(1), $"SendAsync and EnqueueAsync returned after {returnedAfter.TotalSeconds:0.00} s");
        Assert.False(send.IsCompleted);
        await Assert.ThrowsAsync<KafkaUnreachableException>(() => send);
        await Assert.ThrowsAsync<KafkaUnreachableException>(() => enqueue);
    }

    [Fact]
    public async Task After_start_both_clients_exist_and_typed_sends_use_them()
    {
        const string topic = "typed.audit";
        EnsureAuditTopic();
        var reports = new ConcurrentQueue<ProducerReport>();
        await using var host = new KafkaProducerHost(Options.Create(OptionsFor(_cluster.BootstrapServers, TimeSpan.FromSeconds(10))), [new Observer(reports)]);
        Assert.False(host.TryGetSync(out _));

        await host.StartAsync(CancellationToken.None);

        Assert.True(host.TryGetSync(out var sync));
        Assert.True(host.TryGetAsync(out var queued));
        Assert.Same(sync, host.Sync);
        Assert.Same(queued, host.Async);
        var producer = new AuditEntryProducer(host);
        var sent = await producer.SendAsync(new AuditEntry("after start"));
        Assert.Equal(topic, sent.Topic);
    }

    internal static KafkaTypedOptions OptionsFor(string bootstrapServers, TimeSpan connectTimeout)
    {
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci", ConnectTimeout = connectTimeout };
        options.BootstrapServers.Add(bootstrapServers);
        options.Producer.FlushFrequency = TimeSpan.Zero;
        return options;
    }

    private static int s_auditTopic;

    /// <summary>The generated AuditEntry's topic, created once in the shared cluster.</summary>
    internal void EnsureAuditTopic()
    {
        if (Interlocked.Exchange(ref s_auditTopic, 1) == 0)
        {
            _cluster.CreateTopic("typed.audit", 1);
        }
    }

    internal sealed class Observer(ConcurrentQueue<ProducerReport> reports) : IKafkaDeliveryObserver
    {
        public void OnDelivery(in ProducerReport report) => reports.Enqueue(report);
    }
}
