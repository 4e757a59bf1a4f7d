using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>
/// Tombstones (null values) and record keys through the typed consumer, written by a raw Confluent producer as another
/// service would: an IKafkaTombstoneHandler gets each tombstone with its key; a plain handler never sees them, and they are
/// skipped and counted, never dead-lettered.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class GeneratedTombstoneTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task A_tombstone_reaches_an_opted_in_handler_with_its_typed_key()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        Produce(topic, ("c-1", """{"customerId":"c-1","name":"Ada"}"""), ("c-1", null), ("c-2", """{"customerId":"c-2","name":"Bob"}"""));

        var sink = new Sink();
        var service = await RunAsync<CustomerProfile, TombstoneAwareHandler>(topic, sink, until: _ => sink.Seen.Count >= 3);

        Assert.Equal(0, service.Group!.DeadLetterCount);
        Assert.Equal(0, service.SkippedTombstones);
        Assert.Equal(["value c-1 key c-1 @0", "tombstone key c-1 @1", "value c-2 key c-2 @2"], sink.Seen.ToArray());
    }

    [Fact]
    public async Task A_handler_that_did_not_opt_in_skips_tombstones_without_dead_lettering_them()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        Produce(topic, ("c-1", """{"customerId":"c-1","name":"Ada"}"""), ("c-1", null), ("c-2", """{"customerId":"c-2","name":"Bob"}"""));

        var sink = new Sink();
        var service = await RunAsync<CustomerProfile, PlainHandler>(topic, sink, until: s => sink.Seen.Count >= 2 && s.Group!.HandledCount + s.Group.DeadLetterCount >= 3);

        Assert.Equal(0, service.Group!.DeadLetterCount);
        Assert.Equal(1, service.SkippedTombstones);
        Assert.Equal(0, service.Group.RetryCount);
        Assert.Equal(3, service.Group.HandledCount);
        // The value after the tombstone was handled in order; nothing went to the dead-letter topic.
        Assert.Equal(["value c-1 key c-1 @0", "value c-2 key c-2 @2"], sink.Seen.ToArray());
        Assert.Empty(Kit.ReadAll(_cluster, topic + ".dlq", 1, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_long_key_written_by_another_client_is_read_typed_and_a_malformed_one_is_dead_lettered_by_name()
    {
        var topic = TestNames.Unique("shipments");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        var config = new ProducerConfig { BootstrapServers = _cluster.BootstrapServers };
        using (var raw = new ProducerBuilder<long, string?>(config).SetKeySerializer(Serializers.Int64).Build())
        {
            // Confluent's Int64 serializer is big-endian, as Java's LongSerializer: the form a [KafkaKey] long is written in.
            await raw.ProduceAsync(topic, new Message<long, string?> { Key = 9_000_000_001, Value = null });
        }

        using (var raw = new ProducerBuilder<byte[], string?>(config).Build())
        {
            await raw.ProduceAsync(topic, new Message<byte[], string?> { Key = [1, 2, 3], Value = null });
        }

        var sink = new Sink();
        var service = await RunAsync<ShipmentState, ShipmentHandler>(topic, sink, until: s => sink.Seen.Count >= 1 && s.Group!.DeadLetterCount >= 1);

        Assert.Equal(1, service.Group!.DeadLetterCount);
        Assert.Equal(0, service.Group.RetryCount); // a key that is not a long cannot become one by retrying
        Assert.Equal(["tombstone key 9000000001 @0"], sink.Seen.ToArray());
        var dead = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Null(dead.Message.Value);
        Assert.Contains("it is 3 bytes, and a big-endian long is 8", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error)), StringComparison.Ordinal);
    }

    private void Produce(string topic, params (string Key, string? Value)[] records)
    {
        using var raw = new ProducerBuilder<string, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        foreach (var (key, value) in records)
        {
            raw.ProduceAsync(topic, new Message<string, string?> { Key = key, Value = value }).GetAwaiter().GetResult();
        }
    }

    /// <summary>Runs the typed consumer service of <typeparamref name="THandler"/> on <paramref name="topic"/> until <paramref name="until"/> holds, then stops it.</summary>
    private async Task<KafkaConsumerService<TMessage, THandler>> RunAsync<TMessage, THandler>(string topic, Sink sink, Func<KafkaConsumerService<TMessage, THandler>, bool> until)
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IKafkaHandler<TMessage>
    {
        var services = new ServiceCollection();
        services.AddSingleton(sink);
        services.AddScoped<THandler>();
        using var provider = services.BuildServiceProvider();
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci" };
        options.BootstrapServers.Add(_cluster.BootstrapServers);
        options.Consumer.GroupId = TestNames.Unique("g");
        options.Consumer.MaxRetries = 2;
        options.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
        options.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        options.Consumer.CommitInterval = TimeSpan.FromMilliseconds(200);
        options.Consumer.Backoff.InitialDelay = TimeSpan.FromMilliseconds(5);
        options.Consumer.Backoff.MaxDelay = TimeSpan.FromMilliseconds(20);
        var service = new KafkaConsumerService<TMessage, THandler>(
            new KafkaConsumerDefinition(topic, typeof(THandler).Name, typeof(TMessage).Name),
            provider.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(options));
        await service.StartAsync(CancellationToken.None);
        try
        {
            await Kit.WaitUntilAsync(() => service.Group is not null && until(service), "the records were consumed", TimeSpan.FromSeconds(40));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        return service;
    }

    public sealed class Sink
    {
        public ConcurrentQueue<string> Seen { get; } = new();
    }

    public sealed class TombstoneAwareHandler(Sink sink) : IKafkaTombstoneHandler<CustomerProfile>
    {
        public Task HandleAsync(KafkaMessage<CustomerProfile> message, CancellationToken cancellationToken)
        {
            sink.Seen.Enqueue($"value {message.Value.CustomerId} key {message.GetKey()} @{message.Offset}");
            return Task.CompletedTask;
        }

        public Task HandleTombstoneAsync(KafkaTombstone<CustomerProfile> tombstone, CancellationToken cancellationToken)
        {
            sink.Seen.Enqueue($"tombstone key {tombstone.GetKey()} @{tombstone.Offset}");
            return Task.CompletedTask;
        }
    }

    public sealed class PlainHandler(Sink sink) : IKafkaHandler<CustomerProfile>
    {
        public Task HandleAsync(KafkaMessage<CustomerProfile> message, CancellationToken cancellationToken)
        {
            sink.Seen.Enqueue($"value {message.Value.CustomerId} key {message.GetKey()} @{message.Offset}");
            return Task.CompletedTask;
        }
    }

    public sealed class ShipmentHandler(Sink sink) : IKafkaTombstoneHandler<ShipmentState>
    {
        public Task HandleAsync(KafkaMessage<ShipmentState> message, CancellationToken cancellationToken)
        {
            sink.Seen.Enqueue($"value {message.GetKey()} @{message.Offset}");
            return Task.CompletedTask;
        }

        public Task HandleTombstoneAsync(KafkaTombstone<ShipmentState> tombstone, CancellationToken cancellationToken)
        {
            sink.Seen.Enqueue($"tombstone key {tombstone.GetKey()} @{tombstone.Offset}");
            return Task.CompletedTask;
        }
    }
}
