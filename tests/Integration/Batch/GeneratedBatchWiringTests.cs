using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Integration.Tests.AvroGenerated;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Batch;

/// <summary>What <see cref="GeneratedProfileBatchSink"/> saw (a singleton; the handler is scoped, one per batch).</summary>
public sealed class GeneratedBatchLog
{
    public ConcurrentQueue<string[]> Batches { get; } = new();
}

/// <summary>A batch handler wired by the generator in this project (its <c>AddKafkaTyped</c>), with attribute batch options.</summary>
[KafkaConsumer("typed.profiles", GroupId = "generated-batch", MaxBatchSize = 4, MaxBatchWaitMilliseconds = 10_000, MaxRetries = 1)]
public sealed class GeneratedProfileBatchSink(GeneratedBatchLog log) : IKafkaBatchHandler<CustomerProfile>
{
    public Task<BatchResult> HandleBatchAsync(KafkaBatch<CustomerProfile> batch, CancellationToken cancellationToken)
    {
        log.Batches.Enqueue(batch.Select(m => $"{m.Value.CustomerId} @{m.Offset}").ToArray());
        return Task.FromResult(BatchResult.Success);
    }
}

/// <summary>The generated registration of a batch handler, end to end: <c>AddKafkaTyped</c> in a host, the embedded broker, the attribute's batch size.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class GeneratedBatchWiringTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task AddKafkaTyped_runs_the_batch_handler_with_the_attribute_batch_size()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        using (var raw = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 6; i++)
            {
                await raw.ProduceAsync(topic, new Message<string, string> { Key = $"c-{i}", Value = $$"""{"customerId":"c-{{i}}","name":"n"}""" });
            }
        }

        await using var registry = await InProcessSchemaRegistry.StartAsync(); // the project's Avro types need one at start
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "batch",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = _cluster.BootstrapServers,
            ["Kafka:SchemaRegistry:Url"] = registry.Url,
            ["Kafka:Topics:CustomerProfile"] = topic,
            ["Kafka:Consumers:GeneratedProfileBatchSink:GroupId"] = TestNames.Unique("g"),
            // This assembly's other generated consumers (the several-types-per-topic tests') are not part of this app.
            ["Kafka:Consumer:Enabled"] = "false",
            ["Kafka:Consumers:GeneratedProfileBatchSink:Enabled"] = "true",
            ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
            ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
            ["Kafka:Consumer:CommitInterval"] = "00:00:00.200",
            ["Kafka:Consumer:ShutdownTimeout"] = "00:00:05",
        });
        builder.Services.AddSingleton<GeneratedBatchLog>();
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var service = host.Services.GetServices<IHostedService>().OfType<KafkaBatchConsumerService<CustomerProfile, GeneratedProfileBatchSink>>().Single();
            Assert.Equal(4, service.Definition.MaxBatchSize);
            await Kit.WaitUntilAsync(() => service.Group is { HandledCount: 4 }, "the first batch was handled (and counted while the next one fills)", TimeSpan.FromSeconds(40));

            // Six records, batches of at most four (the attribute's MaxBatchSize): a full batch of four at once; the last
            // two wait out the 10 s MaxBatchWait, so only the first batch is there now.
            var log = host.Services.GetRequiredService<GeneratedBatchLog>();
            Assert.Equal(["c-0 @0", "c-1 @1", "c-2 @2", "c-3 @3"], Assert.Single(log.Batches));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
