using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit;
using static Kafka.Typed.Integration.Tests.Runtime.ConsumerServiceTests;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary><c>AddHealthChecks().AddKafkaTyped()</c>: readiness and liveness driven by the embedded broker's faults.</summary>
/// <remarks>In the non-parallel telemetry collection: whether a handler runs on the polling thread depends on whether anything listens to spans.</remarks>
[Collection(nameof(TelemetryTests))]
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Running_producer_and_consumer_are_ready_and_live()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-ok";
        cluster.CreateTopic(topic, 1);
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await HealthApp.StartAsync(cluster, topic, handled);
        await app.Producers.Sync.SendAsync(topic, Kit.Bytes("hello"));
        Assert.Equal("hello", await handled.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        var ready = await app.CheckAsync("ready");
        Assert.Equal(HealthStatus.Healthy, ready.Status);
        var entry = ready.Entries["kafka-typed"];
        Assert.Equal("connected", entry.Data["producer:sync"]);
        Assert.Equal("running, 1 partition(s)", entry.Data["consumer:" + nameof(TextHandler)]);
        Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("live")).Status);
    }

    [Fact]
    public async Task Brokers_down_make_the_producer_unready_but_not_dead_and_it_recovers()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-down";
        cluster.CreateTopic(topic, 1);
        await using var app = await HealthApp.StartAsync(cluster, topic, consumer: false, configure: o => o.BrokerProbeTimeout = TimeSpan.FromMilliseconds(500));
        await app.Producers.Sync.SendAsync(topic, Kit.Bytes("before"));
        var producer = app.Producers.Sync.Diagnostics;

        cluster.SetAllBrokersDown();
        var pending = app.Producers.Sync.SendAsync(topic, Kit.Bytes("while down"));
        await Kit.WaitUntilAsync(() => producer.BrokersDownSince != 0, "librdkafka reports every broker down");

        var ready = await app.CheckAsync("ready");
        Assert.Equal(HealthStatus.Unhealthy, ready.Status);
        var entry = ready.Entries["kafka-typed"];
        Assert.Equal("brokers unreachable", entry.Data["producer:sync"]);
        Assert.Contains("cannot reach any broker of " + cluster.BootstrapServers, entry.Description, StringComparison.Ordinal);
        Assert.Contains("check the brokers", entry.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("live")).Status);

        cluster.SetAllBrokersUp();
        await pending.WaitAsync(TimeSpan.FromSeconds(30));
        await Kit.WaitUntilAsync(() => app.CheckAsync("ready").Result.Status == HealthStatus.Healthy, "readiness is healthy again once a broker answers");
    }

    [Fact]
    public async Task A_queue_full_longer_than_the_threshold_degrades_readiness()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-full";
        cluster.CreateTopic(topic, 1);
        await using var app = await HealthApp.StartAsync(cluster, topic, consumer: false, queueCapacity: 2, configure: o => o.QueueFullThreshold = TimeSpan.FromSeconds(1));
        await app.Producers.Sync.SendAsync(topic, Kit.Bytes("warm-up"));

        // Slow brokers: two messages fill librdkafka's queue, the third waits for room.
        cluster.SetBrokerLatency(TimeSpan.FromSeconds(3));
        var sends = Enumerable.Range(0, 3).Select(i => app.Producers.Sync.SendAsync(topic, Kit.Bytes("m" + i))).ToArray();
        var producer = app.Producers.Sync.Diagnostics;
        await Kit.WaitUntilAsync(() => producer.QueueFullSince != 0, "the queue is full");
        Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("ready")).Status); // not yet: full for less than the threshold

        // Degraded once full for longer than the threshold (the 3 s latency keeps it full past that).
        await Kit.WaitUntilAsync(() => app.CheckAsync("ready").GetAwaiter().GetResult().Status == HealthStatus.Degraded, "the check reports the full queue");
        var ready = await app.CheckAsync("ready");
        Assert.Equal(HealthStatus.Degraded, ready.Status);
        var entry = ready.Entries["kafka-typed"];
        Assert.Equal("queue full", entry.Data["producer:sync"]);
        Assert.Contains("full librdkafka queue", entry.Description, StringComparison.Ordinal);
        Assert.Contains("queue.buffering.max.messages", entry.Description, StringComparison.Ordinal);

        cluster.SetBrokerLatency(TimeSpan.Zero);
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("ready")).Status);
    }

    [Fact]
    public async Task A_consumer_that_could_not_start_makes_liveness_unhealthy_with_the_reason()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-faulted";
        cluster.CreateTopic(topic, 1);
        cluster.SetAllBrokersDown();
        await using var app = await HealthApp.StartAsync(cluster, topic, connectTimeout: TimeSpan.FromMilliseconds(500));
        await Kit.WaitUntilAsync(() => app.Consumer!.ExecuteTask!.IsCompleted, "the consumer service gives up");

        var live = await app.CheckAsync("live");
        Assert.Equal(HealthStatus.Unhealthy, live.Status);
        var entry = live.Entries["kafka-typed-live"];
        Assert.Equal("faulted", entry.Data["consumer:" + nameof(TextHandler)]);
        Assert.Contains("KafkaUnreachableException", entry.Description, StringComparison.Ordinal);
        Assert.Contains("until the application restarts", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partition_waiting_on_an_unavailable_dependency_longer_than_the_threshold_makes_the_group_unready()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-stalled";
        cluster.CreateTopic(topic, 2);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("stuck")) { Partition = 1 });
        }

        var dependencyUp = false;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, _) =>
            Volatile.Read(ref dependencyUp) ? Task.CompletedTask : throw new KafkaUnavailableException("inventory service unreachable (test)"),
            Kit.FastGroup());
        await using var app = await HealthApp.StartAsync(cluster, topic, consumer: false, configure: o => o.AddConsumerGroup(group, "orders").StalledPartitionThreshold = TimeSpan.FromMilliseconds(300));
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => group.GetStatus().Partitions.Any(p => p.IsStalled), "partition 1 stalls");
            await Kit.WaitUntilAsync(() => app.CheckAsync("ready").GetAwaiter().GetResult().Status == HealthStatus.Unhealthy, "the stall outlasts the threshold");
            var ready = await app.CheckAsync("ready");
            Assert.Equal(HealthStatus.Unhealthy, ready.Status);
            var entry = ready.Entries["kafka-typed"];
            Assert.Equal("partition stalled", entry.Data["consumer:orders"]);
            Assert.Contains($"{topic}[1] at offset 0", entry.Description, StringComparison.Ordinal);
            Assert.Contains("inventory service unreachable", entry.Description, StringComparison.Ordinal);
            Assert.Contains("restore that dependency", entry.Description, StringComparison.Ordinal);
            Assert.DoesNotContain($"{topic}[0]", entry.Description, StringComparison.Ordinal);
            Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("live")).Status); // a restart would not help

            Volatile.Write(ref dependencyUp, true);
            await Kit.WaitUntilAsync(() => group.HandledCount == 1, "the message is handled once the dependency is back");
            var after = await app.CheckAsync("ready");
            Assert.Equal(HealthStatus.Healthy, after.Status);
            Assert.Equal("running, 2 partition(s)", after.Entries["kafka-typed"].Data["consumer:orders"]);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(HealthStatus.Degraded, (await app.CheckAsync("ready")).Status); // stopped
    }

    [Fact]
    public async Task A_handler_blocking_the_polling_thread_makes_the_group_not_live()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-blocked";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("blocks"));
        }

        using var release = new ManualResetEventSlim();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, _) =>
        {
            release.Wait(TimeSpan.FromSeconds(30)); // synchronous: runs on the polling thread when nothing traces
            return Task.CompletedTask;
        }, Kit.FastGroup());
        await using var app = await HealthApp.StartAsync(cluster, topic, consumer: false, configure: o => o.AddConsumerGroup(group, "blocked").PollAgeThreshold = TimeSpan.FromMilliseconds(500));
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => group.GetStatus().SinceLastPoll > TimeSpan.FromMilliseconds(600), "the poll loop stops polling");
            var live = await app.CheckAsync("live");
            Assert.Equal(HealthStatus.Unhealthy, live.Status);
            var entry = live.Entries["kafka-typed-live"];
            Assert.Equal("not polling", entry.Data["consumer:blocked"]);
            Assert.Contains("blocks its polling thread", entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task A_group_not_yet_assigned_is_joining_degraded_for_readiness_only()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "health-joining";
        cluster.CreateTopic(topic, 1);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, _) => Task.CompletedTask, Kit.FastGroup());
        await using var app = await HealthApp.StartAsync(cluster, topic, consumer: false, configure: o => o.AddConsumerGroup(group, "late"));
        var before = await app.CheckAsync("ready");
        Assert.Equal(HealthStatus.Degraded, before.Status);
        Assert.Equal("not started", before.Entries["kafka-typed"].Data["consumer:late"]);

        // The group coordinator does not answer: the member stays joining.
        cluster.PushRequestErrors(KafkaApiKey.FindCoordinator, Enumerable.Repeat(Confluent.Kafka.ErrorCode.GroupCoordinatorNotAvailable, 1000).ToArray());
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => group.GetStatus().State == ConsumerGroupState.Joining, "the member is joining");
            var ready = await app.CheckAsync("ready");
            Assert.Equal(HealthStatus.Degraded, ready.Status);
            Assert.Equal("joining", ready.Entries["kafka-typed"].Data["consumer:late"]);
            Assert.Contains("is joining the group and has no partitions yet", ready.Entries["kafka-typed"].Description, StringComparison.Ordinal);
            Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync("live")).Status);
            cluster.ClearRequestErrors(KafkaApiKey.FindCoordinator);
            await Kit.WaitUntilAsync(() => app.CheckAsync("ready").Result.Status == HealthStatus.Healthy, "the member is assigned its partition");
        }
        finally
        {
            cluster.ClearRequestErrors(KafkaApiKey.FindCoordinator);
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Thresholds_that_are_not_positive_are_rejected_by_name()
    {
        var services = new ServiceCollection();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHealthChecks().AddKafkaTyped(o => o.QueueFullThreshold = TimeSpan.Zero));
        Assert.Contains("KafkaTypedHealthCheckOptions.QueueFullThreshold", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A service provider with AddKafkaTyped's producer host, one hosted consumer and the health checks; hosted services started.</summary>
    private sealed class HealthApp : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly IHostedService[] _hosted;

        private HealthApp(ServiceProvider provider)
        {
            _provider = provider;
            _hosted = provider.GetServices<IHostedService>().ToArray();
        }

        public KafkaProducerHost Producers => _provider.GetRequiredService<KafkaProducerHost>();

        public BackgroundService? Consumer => _hosted.OfType<KafkaConsumerService<TextMessage, TextHandler>>().SingleOrDefault();

        public static async Task<HealthApp> StartAsync(EmbeddedKafkaCluster cluster, string topic, TaskCompletionSource<string>? handled = null, bool consumer = true, int? queueCapacity = null, TimeSpan? connectTimeout = null, Action<KafkaTypedHealthCheckOptions>? configure = null)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            KafkaTypedRegistration.AddCore(services, new ConfigurationBuilder().Build(), o =>
            {
                o.AppName = "tests";
                o.Server = "ci";
                o.BootstrapServers.Add(cluster.BootstrapServers);
                o.ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10);
                if (queueCapacity is { } capacity)
                {
                    o.Producer.Settings["queue.buffering.max.messages"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                o.Consumer.GroupId = "health-" + Guid.NewGuid().ToString("N");
                o.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
                o.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            });
            if (consumer)
            {
                var done = handled ?? new TaskCompletionSource<string>();
                KafkaTypedRegistration.AddConsumer<TextMessage, TextHandler>(services, _ => new TextHandler(done), new KafkaConsumerDefinition(topic, nameof(TextHandler), nameof(TextMessage)));
            }

            services.AddHealthChecks().AddKafkaTyped(configure);
            var app = new HealthApp(services.BuildServiceProvider());
            foreach (var hosted in app._hosted)
            {
                try
                {
                    await hosted.StartAsync(CancellationToken.None);
                }
                catch (KafkaUnreachableException) when (hosted is KafkaProducerHost && connectTimeout is not null)
                {
                    // The faulted-consumer test starts with every broker down: the producers fail at start; the consumer
                    // service is still started, to fail on its own.
                }
            }

            return app;
        }

        public Task<HealthReport> CheckAsync(string tag)
            => _provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains(tag));

        public async ValueTask DisposeAsync()
        {
            foreach (var hosted in _hosted.Reverse())
            {
                try
                {
                    await hosted.StopAsync(CancellationToken.None);
                }
                catch (KafkaUnreachableException)
                {
                    // The faulted-consumer test's service rethrows its start failure when stopped.
                }
            }

            await _provider.DisposeAsync();
        }
    }
}
