using Kafka.Typed;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Shop.Api;
using Shop.Contracts;
using Shop.Worker;
using Xunit;

namespace Shop.Worker.Tests;

/// <summary>
/// The Api and the Worker as deployed: each built by its own program with its one AddKafkaTyped call, configured only
/// through configuration keys, on the embedded broker with the in-process Schema Registry. The tests of this class run one
/// after the other (a running host shares its registry connection process-wide).
/// </summary>
public sealed class ShopSolutionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An order placed through the Api reaches the Worker, whose handler requests a shipment through the injected
    /// producer of a Contracts type, which the Worker's other handler sees. Two environments on one cluster, apart only by
    /// configuration (topic template, a per-type topic, per-consumer group ids), do not see each other's messages.
    /// </summary>
    [Fact]
    public async Task OrdersFlowFromApiToWorkerAndTwoEnvironmentsStayApart()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        string[] environments = ["blue", "green"];
        foreach (var environment in environments)
        {
            cluster.CreateTopic(environment + ".orders-v2", 2);
            cluster.CreateTopic(environment + ".orders-v2.dlq", 1);
            cluster.CreateTopic(environment + ".shipments.requested", 2);
        }

        var hosts = new List<IHost>();
        try
        {
            var apis = new Dictionary<string, OrderApi>();
            var logs = new Dictionary<string, ShipmentLog>();
            foreach (var environment in environments)
            {
                // What both deployments of the environment share; the Worker's consumer sections are its own (in the Api,
                // which has no handlers, they would name no handler and fail its start).
                var shared = new Dictionary<string, string?>
                {
                    ["Kafka:TopicTemplate"] = "{environment}.{topic}",
                    ["Kafka:Environment"] = environment,
                    ["Kafka:Topics:OrderPlaced"] = "orders-v2",
                };
                var worker = Build(WorkerProgram.CreateBuilder([]), cluster, registry, new(shared)
                {
                    ["Kafka:Consumers:OrderHandler:GroupId"] = environment + "-orders",
                    ["Kafka:Consumers:ShipmentHandler:GroupId"] = environment + "-shipments",
                });
                var api = Build(ApiProgram.CreateBuilder([]), cluster, registry, shared);
                await worker.StartAsync();
                hosts.Add(worker);
                await api.StartAsync();
                hosts.Add(api);
                apis[environment] = api.Services.GetRequiredService<OrderApi>();
                logs[environment] = worker.Services.GetRequiredService<ShipmentLog>();
                Assert.Equal(environment + ".orders-v2", api.Services.GetRequiredService<IKafkaProducer<OrderPlaced>>().Topic);
            }

            var sent = await apis["blue"].PlaceAsync("b-1", 1m);
            Assert.Equal("blue.orders-v2", sent.Topic);
            await apis["green"].PlaceAsync("g-1", 2m);

            using var timeout = new CancellationTokenSource(Wait);
            var blue = await logs["blue"].Seen.ReadAsync(timeout.Token);
            var green = await logs["green"].Seen.ReadAsync(timeout.Token);
            Assert.Equal((new ShipmentRequested("b-1", "north"), "blue.shipments.requested", "blue-shipments"), blue);
            Assert.Equal((new ShipmentRequested("g-1", "north"), "green.shipments.requested", "green-shipments"), green);

            // Nothing crosses over: another round per environment, and each worker sees only its own.
            await apis["green"].PlaceAsync("g-2", 3m);
            await apis["blue"].PlaceAsync("b-2", 4m);
            Assert.Equal("b-2", (await logs["blue"].Seen.ReadAsync(timeout.Token)).Shipment.OrderId);
            Assert.Equal("g-2", (await logs["green"].Seen.ReadAsync(timeout.Token)).Shipment.OrderId);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(logs["blue"].Seen.TryRead(out var extraBlue), "blue saw " + extraBlue);
            Assert.False(logs["green"].Seen.TryRead(out var extraGreen), "green saw " + extraGreen);

            // A record the Worker cannot read is dead-lettered next to the topic it came from, in its environment.
            var producers = hosts[0].Services.GetRequiredService<KafkaProducerHost>();
            await producers.Sync.SendAsync("blue.orders-v2", "not json"u8.ToArray(), "bad"u8.ToArray());
            using (var dlq = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = "dlq-reader",
                AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            }).Build())
            {
                dlq.Subscribe("blue.orders-v2.dlq");
                Confluent.Kafka.ConsumeResult<byte[], byte[]>? dead = null;
                while (dead is null && !timeout.IsCancellationRequested)
                {
                    dead = dlq.Consume(TimeSpan.FromMilliseconds(200));
                }

                Assert.NotNull(dead);
                Assert.Equal("not json", System.Text.Encoding.UTF8.GetString(dead.Message.Value));
                Assert.Equal("blue.orders-v2", System.Text.Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalTopic)));
                dlq.Close();
            }

            // The Avro Contracts type was registered under the configured topic's subject.
            using var client = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = registry.Url });
            var subjects = await client.GetAllSubjectsAsync();
            Assert.Contains("blue.shipments.requested-value", subjects);
            Assert.Contains("green.shipments.requested-value", subjects);
        }
        finally
        {
            await StopAllAsync(hosts);
        }
    }

    /// <summary>
    /// Kafka:Consumers:Enabled=false makes the Worker a producer-only host: it runs no consumer and consumes nothing (its
    /// group's messages are still there for the next consumer). Enabling one handler again gives a split deployment.
    /// </summary>
    [Fact]
    public async Task AProducerOnlyHostConsumesNothingAndOneEnabledHandlerRunsAlone()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        cluster.CreateTopic("orders.placed", 1);
        cluster.CreateTopic("shipments.requested", 1);
        var hosts = new List<IHost>();
        try
        {
            var producerOnly = Build(WorkerProgram.CreateBuilder([]), cluster, registry, new() { ["Kafka:Consumers:Enabled"] = "false" });
            await producerOnly.StartAsync();
            hosts.Add(producerOnly);
            Assert.Empty(Consumers(producerOnly));
            await producerOnly.Services.GetRequiredService<IKafkaProducer<ShipmentRequested>>().SendAsync(new ShipmentRequested("s-1", "south"));

            var split = Build(WorkerProgram.CreateBuilder([]), cluster, registry, new()
            {
                ["Kafka:Consumers:Enabled"] = "false",
                ["Kafka:Consumers:ShipmentHandler:Enabled"] = "true",
            });
            await split.StartAsync();
            hosts.Add(split);
            Assert.Equal(["Shop.Worker.ShipmentHandler"], Consumers(split).Select(d => d.HandlerName));

            // The shipment the producer-only host sent was left for the group: the split host's handler gets it.
            using var timeout = new CancellationTokenSource(Wait);
            var log = split.Services.GetRequiredService<ShipmentLog>();
            Assert.Equal("s-1", (await log.Seen.ReadAsync(timeout.Token)).Shipment.OrderId);
        }
        finally
        {
            await StopAllAsync(hosts);
        }
    }

    /// <summary>
    /// A message type bound to a named cluster (Kafka:Clusters:shipping, its bootstrap servers from Aspire's
    /// ConnectionStrings:shipping, its own Schema Registry) is produced to and consumed from that cluster; the rest stays
    /// on the default cluster.
    /// </summary>
    [Fact]
    public async Task AMessageTypeBoundToANamedClusterIsProducedAndConsumedThere()
    {
        using var main = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        using var shipping = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        await using var mainRegistry = await InProcessSchemaRegistry.StartAsync();
        await using var shippingRegistry = await InProcessSchemaRegistry.StartAsync();
        main.CreateTopic("orders.placed", 1);
        shipping.CreateTopic("shipments.requested", 1);
        var hosts = new List<IHost>();
        try
        {
            var worker = Build(WorkerProgram.CreateBuilder([]), main, mainRegistry, new()
            {
                ["Kafka:Clusters:shipping:MessageTypes:0"] = "ShipmentRequested",
                ["Kafka:Clusters:shipping:SchemaRegistry:Url"] = shippingRegistry.Url,
                ["ConnectionStrings:shipping"] = shipping.BootstrapServers,
            });
            await worker.StartAsync();
            hosts.Add(worker);
            var api = Build(ApiProgram.CreateBuilder([]), main, mainRegistry, new());
            await api.StartAsync();
            hosts.Add(api);

            await api.Services.GetRequiredService<OrderApi>().PlaceAsync("c-1", 5m);

            // The order came through the default cluster; the shipment went to, and was read from, the shipping cluster
            // (the topic exists only there, and the consumer reads only there).
            using var timeout = new CancellationTokenSource(Wait);
            var seen = await worker.Services.GetRequiredService<ShipmentLog>().Seen.ReadAsync(timeout.Token);
            Assert.Equal((new ShipmentRequested("c-1", "north"), "shipments.requested"), (seen.Shipment, seen.Topic));
            using var shippingClient = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = shippingRegistry.Url });
            using var mainClient = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = mainRegistry.Url });
            Assert.Contains("shipments.requested-value", await shippingClient.GetAllSubjectsAsync());
            Assert.DoesNotContain("shipments.requested-value", await mainClient.GetAllSubjectsAsync());
        }
        finally
        {
            await StopAllAsync(hosts);
        }
    }

    /// <summary>
    /// Start-up fails naming what to fix: the Contracts' Avro type needs a Schema Registry in the Worker and in the Api
    /// (which only produces it), and configuration keys naming no type or handler, or values out of range, are errors.
    /// </summary>
    [Fact]
    public async Task StartUpValidationNamesTheKeysOfEveryApplication()
    {
        Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        foreach (var builder in new[] { WorkerProgram.CreateBuilder([]), ApiProgram.CreateBuilder([]) })
        {
            using var host = Build(builder, cluster, registry: null, new());
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            Assert.Contains("Kafka:SchemaRegistry:Url is not set, but these message types use Avro (the default format) or KafkaFormat.JsonSchema and need a Schema Registry: ShipmentRequested;", error.Message, StringComparison.Ordinal);
        }

        await using var registry = await InProcessSchemaRegistry.StartAsync();
        using var bad = Build(WorkerProgram.CreateBuilder([]), cluster, registry, new()
        {
            ["Kafka:Topics:Shipment"] = "shipments",
            ["Kafka:Topics:ShipmentRequested"] = "shipments requested",
            ["Kafka:Consumers:BillingHandler:GroupId"] = "billing",
            ["Kafka:Consumers:OrderHandler:MaxRetries"] = "-1",
            ["Kafka:Consumers:ShipmentHandler:Cluster"] = "nowhere",
            ["Kafka:Clusters:analytics:MessageTypes:0"] = "Invoice",
            ["Kafka:Clusters:archive:SchemaRegistry:Url"] = "http://registry:8081",
        });
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
        Assert.Contains("Kafka:Topics:Shipment names no message type of this application; the keys are the [KafkaTopic] types this application produces or consumes: OrderPlaced, ShipmentRequested", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Topics:ShipmentRequested = 'shipments requested'; a topic name may contain only ASCII letters, digits, '.', '_' and '-' (found ' ')", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:BillingHandler names no handler of this application; the keys are the [KafkaConsumer] handlers of this application: OrderHandler, ShipmentHandler", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:OrderHandler:MaxRetries = '-1'; must be from 0 to 1000", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:ShipmentHandler:Cluster = 'nowhere'; names no cluster: the clusters are analytics, archive", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Clusters:analytics:MessageTypes contains 'Invoice', which names no message type of this application; known: OrderPlaced, ShipmentRequested", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Clusters:archive:BootstrapServers is not set and there is no ConnectionStrings:archive", failure.Message, StringComparison.Ordinal);
    }

    private static IHost Build(HostApplicationBuilder builder, EmbeddedKafkaCluster cluster, InProcessSchemaRegistry? registry, Dictionary<string, string?> settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "shop",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:SchemaRegistry:Url"] = registry?.Url,
            ["Kafka:Producer:FlushFrequency"] = "00:00:00",
            ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
            ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
            ["Kafka:Consumer:CommitInterval"] = "00:00:00.200",
            ["Kafka:Consumer:ShutdownTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        return builder.Build();
    }

    private static List<KafkaConsumerDefinition> Consumers(IHost host)
        => host.Services.GetServices<IHostedService>()
            .Where(s => s.GetType().IsGenericType && s.GetType().GetGenericTypeDefinition() == typeof(KafkaConsumerService<,>))
            .Select(s => (KafkaConsumerDefinition)s.GetType().GetProperty(nameof(KafkaConsumerService<OrderPlaced, NoHandler>.Definition))!.GetValue(s)!)
            .ToList();

    private static async Task StopAllAsync(List<IHost> hosts)
    {
        foreach (var host in Enumerable.Reverse(hosts))
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private sealed class NoHandler : IKafkaHandler<OrderPlaced>
    {
        public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
