using System.Collections.Concurrent;
using System.Threading.Channels;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

[KafkaTopic("e2e.orders")]
public partial record E2eOrder([property: KafkaKey] string OrderId, decimal Amount);

/// <summary>Collects what the handler saw (a singleton; the handler itself is scoped).</summary>
public sealed class E2eSink
{
    public Channel<KafkaMessage<E2eOrder>> Received { get; } = Channel.CreateUnbounded<KafkaMessage<E2eOrder>>();

    public ConcurrentBag<object> HandlerInstances { get; } = [];
}

[KafkaConsumer("e2e.orders", GroupId = "e2e-billing", MaxRetries = 2, RetryBackoffMilliseconds = 10, MaxRetryBackoffMilliseconds = 50)]
public sealed class E2eHandler(E2eSink sink) : IKafkaHandler<E2eOrder>
{
    public Task HandleAsync(KafkaMessage<E2eOrder> message, CancellationToken cancellationToken)
    {
        sink.HandlerInstances.Add(this);
        sink.Received.Writer.TryWrite(message);
        return Task.CompletedTask;
    }
}

/// <summary>Receives queued-send reports.</summary>
public sealed class E2eObserver : IKafkaDeliveryObserver
{
    public TaskCompletionSource<ProducerReport> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnDelivery(in ProducerReport report) => First.TrySetResult(report);
}

/// <summary>
/// The generated code in this very project (the generator runs on it as an analyzer) against the embedded broker:
/// AddKafkaTyped, the typed producer's both forms, the hosted consumer group with a scope per message, and a poison
/// payload dead-lettered at once without retries.
/// </summary>
[Collection(KafkaAvroDefaultsCollection.Name)]
public sealed class EndToEndTests
{
    [Fact]
    public async Task GeneratedProducerAndConsumerWorkThroughTheEmbeddedBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        cluster.CreateTopic("e2e.orders", 2);
        cluster.CreateTopic("e2e.orders.dlq", 1);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "e2e",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:SchemaRegistry:Url"] = registry.Url,
            ["Kafka:Producer:FlushFrequency"] = "00:00:00",
            ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
            ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
            ["Kafka:Consumer:CommitInterval"] = "00:00:00.200",
            ["Kafka:Consumer:ShutdownTimeout"] = "00:00:05",
        });
        builder.Services.AddSingleton<E2eSink>();
        var observer = new E2eObserver();
        builder.Services.AddSingleton<IKafkaDeliveryObserver>(observer);
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var producer = host.Services.GetRequiredService<IKafkaProducer<E2eOrder>>();
            Assert.IsType<E2eOrderProducer>(producer);
            var sink = host.Services.GetRequiredService<E2eSink>();

            var sent = await producer.SendAsync(new E2eOrder("o-1", 10.5m));
            Assert.Equal("e2e.orders", sent.Topic);
            await producer.EnqueueAsync(new E2eOrder("o-2", 2m), state: "second");
            var report = await observer.First.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(report.IsSuccess, report.ToString());
            Assert.Equal("second", report.Message.State);

            var received = new List<KafkaMessage<E2eOrder>>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            while (received.Count < 2)
            {
                received.Add(await sink.Received.Reader.ReadAsync(timeout.Token));
            }

            var first = Assert.Single(received, m => m.Value.OrderId == "o-1");
            Assert.Equal(new E2eOrder("o-1", 10.5m), first.Value);
            Assert.Equal("o-1", first.KeyAsString);
            Assert.Equal("e2e-billing", first.GroupId);
            Assert.Equal(sent.Offset, first.Offset);
            Assert.Equal(2, sink.HandlerInstances.Distinct().Count());

            // Avro is the default format: the type's generated schema was registered under {topic}-value.
            var registered = await new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = registry.Url })
                .GetLatestSchemaAsync("e2e.orders-value");
            Assert.Equal(E2eOrder.AvroCodec.SchemaJson, registered.SchemaString);

            // A payload that is not an E2eOrder: dead-lettered at once (NonRetriableMessageException skips the retries).
            var service = host.Services.GetServices<IHostedService>().OfType<KafkaConsumerService<E2eOrder, E2eHandler>>().Single();
            await host.Services.GetRequiredService<KafkaProducerHost>().Sync.SendAsync("e2e.orders", "not avro"u8.ToArray(), "bad"u8.ToArray());
            while (service.Group!.DeadLetterCount == 0)
            {
                await Task.Delay(50, timeout.Token);
            }

            Assert.Equal(0, service.Group.RetryCount);
            Assert.Equal(2, service.Group.HandledCount);
        }
        finally
        {
            await host.StopAsync();
            Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        }
    }
    /// <summary>
    /// Two hosts in one process (two services, or two test classes), each with its own cluster and Schema Registry: each
    /// host's typed producer and consumer use its own registry, not whichever host configured the process-wide default
    /// last, and stopping one host leaves the other working.
    /// </summary>
    [Fact]
    public async Task HostsInOneProcessEachUseTheirOwnSchemaRegistry()
    {
        using var clusterA = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        using var clusterB = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        await using var registryA = await InProcessSchemaRegistry.StartAsync();
        await using var registryB = await InProcessSchemaRegistry.StartAsync();
        foreach (var cluster in new[] { clusterA, clusterB })
        {
            cluster.CreateTopic("e2e.orders", 1);
            cluster.CreateTopic("e2e.orders.dlq", 1);
        }

        var hostA = BuildHost(clusterA, registryA);
        var hostB = BuildHost(clusterB, registryB);
        try
        {
            await hostA.StartAsync();
            await hostB.StartAsync(); // B's registry is now the process-wide default

            await hostA.Services.GetRequiredService<IKafkaProducer<E2eOrder>>().SendAsync(new E2eOrder("a-1", 1m));
            await hostB.Services.GetRequiredService<IKafkaProducer<E2eOrder>>().SendAsync(new E2eOrder("b-1", 2m));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            Assert.Equal("a-1", (await hostA.Services.GetRequiredService<E2eSink>().Received.Reader.ReadAsync(timeout.Token)).Value.OrderId);
            Assert.Equal("b-1", (await hostB.Services.GetRequiredService<E2eSink>().Received.Reader.ReadAsync(timeout.Token)).Value.OrderId);

            foreach (var registry in new[] { registryA, registryB })
            {
                using var client = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = registry.Url });
                Assert.Equal(E2eOrder.AvroCodec.SchemaJson, (await client.GetLatestSchemaAsync("e2e.orders-value")).SchemaString);
            }

            // Stopping B (whose connection is the process-wide one) leaves A's producer and consumer working.
            await hostB.StopAsync();
            hostB.Dispose();
            await hostA.Services.GetRequiredService<IKafkaProducer<E2eOrder>>().SendAsync(new E2eOrder("a-2", 3m));
            Assert.Equal("a-2", (await hostA.Services.GetRequiredService<E2eSink>().Received.Reader.ReadAsync(timeout.Token)).Value.OrderId);
            Assert.True(Kafka.Typed.Avro.KafkaAvroDefaults.IsConfigured, "the running host's connection is the process-wide default again");
            using (var direct = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = registryA.Url }))
            {
                // A type's serializer used directly (outside the hosts) now goes to A's registry, the one still running.
                var bytes = new System.Buffers.ArrayBufferWriter<byte>();
                IKafkaSerializerOf<E2eOrder>().Serialize(new E2eOrder("direct", 1m), bytes, new KafkaSerializationContext("e2e.direct"));
                Assert.Contains("e2e.direct-value", await direct.GetAllSubjectsAsync());
            }

            await hostA.StopAsync();
            Assert.False(Kafka.Typed.Avro.KafkaAvroDefaults.IsConfigured, "no host runs: no process-wide connection is left behind");
        }
        finally
        {
            await hostA.StopAsync();
            hostA.Dispose();
            hostB.Dispose();
            Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        }

        static IKafkaSerializer<T> IKafkaSerializerOf<T>()
            where T : IKafkaMessage<T> => T.Serializer;

        static IHost BuildHost(EmbeddedKafkaCluster cluster, InProcessSchemaRegistry registry)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kafka:AppName"] = "e2e",
                ["Kafka:Server"] = "test",
                ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
                ["Kafka:SchemaRegistry:Url"] = registry.Url,
                ["Kafka:Producer:FlushFrequency"] = "00:00:00",
                ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
                ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
                ["Kafka:Consumer:ShutdownTimeout"] = "00:00:05",
            });
            builder.Services.AddSingleton<E2eSink>();
            builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
            return builder.Build();
        }
    }
}

/// <summary>
/// Tests that configure or reset <see cref="Kafka.Typed.Avro.KafkaAvroDefaults"/> (process-wide state) run one at a time:
/// otherwise one test's reset pulls the registry connection out from under another's running host.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KafkaAvroDefaultsCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "KafkaAvroDefaults (process-wide state)";
}
