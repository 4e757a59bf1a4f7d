using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Integration.Tests.AvroGenerated;
using Kafka.Typed.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Batch;

/// <summary>
/// Typed batch handlers (<see cref="IKafkaBatchHandler{T}"/>) through <see cref="KafkaBatchConsumerService{TMessage, THandler}"/>
/// and the embedded broker, with records written by a raw Confluent producer as another service would: undecodable records
/// are dead-lettered without failing the rest, tombstones follow the single-message rules, and records the handler names
/// as failed alone are retried and then dead-lettered.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class TypedBatchTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task An_undecodable_record_is_dead_lettered_without_a_retry_and_the_rest_of_its_batch_is_handled()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        Produce(topic, ("c-1", """{"customerId":"c-1","name":"Ada"}"""), ("c-x", "{not json"), ("c-2", """{"customerId":"c-2","name":"Bob"}"""), ("c-1", null), ("c-3", """{"customerId":"c-3","name":"Cy"}"""));

        var sink = new Sink();
        var service = await RunAsync<CustomerProfile, ProfileSink>(topic, sink, until: s => s.Group!.HandledCount + s.Group.DeadLetterCount >= 5, batchSize: 5);

        // One batch of the five records: the handler got the three readable values; the bad one and the tombstone were left out.
        Assert.Equal([3], sink.BatchSizes.ToArray());
        Assert.Equal(["c-1 @0", "c-2 @2", "c-3 @4"], sink.Values.ToArray());
        Assert.Equal(1, service.Group!.DeadLetterCount);
        Assert.Equal(0, service.Group.RetryCount);       // a payload that cannot be read cannot be fixed by retrying
        Assert.Equal(1, service.SkippedTombstones);      // the handler did not opt in: skipped, not dead-lettered
        Assert.Empty(sink.Tombstones);
        var dead = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Equal("{not json", Kit.Text(dead.Message.Value));
        Assert.Equal("1", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalOffset)));
        Assert.Contains($"Cannot deserialize the record at topic '{topic}', partition 0, offset 1 as CustomerProfile", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tombstone_handler_gets_tombstones_in_the_batch_with_their_keys()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        Produce(topic, ("c-1", """{"customerId":"c-1","name":"Ada"}"""), ("c-1", null), ("c-2", """{"customerId":"c-2","name":"Bob"}"""));

        var sink = new Sink();
        var service = await RunAsync<CustomerProfile, TombstoneSink>(topic, sink, until: s => s.Group!.HandledCount >= 3, batchSize: 3);

        Assert.Equal(["c-1 @0", "c-2 @2"], sink.Values.ToArray());
        Assert.Equal(["c-1 @1"], sink.Tombstones.ToArray());
        Assert.Equal(0, service.SkippedTombstones);
        Assert.Equal(0, service.Group!.DeadLetterCount);
    }

    [Fact]
    public async Task A_record_the_handler_names_as_failed_alone_is_retried_then_dead_lettered()
    {
        var topic = TestNames.Unique("profiles");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        Produce(topic, ("c-1", """{"customerId":"c-1","name":"Ada"}"""), ("c-2", """{"customerId":"poison","name":"Bob"}"""), ("c-3", """{"customerId":"c-3","name":"Cy"}"""));

        var sink = new Sink();
        var service = await RunAsync<CustomerProfile, RejectingSink>(topic, sink, until: s => s.Group!.HandledCount + s.Group.DeadLetterCount >= 3, batchSize: 3);

        // Each good record was handled once, in the one batch of three; the poison one was tried 1 + MaxRetries (2)
        // times (its retries as batches of one), then dead-lettered.
        Assert.Equal([3, 1, 1], sink.BatchSizes.ToArray());
        Assert.Equal(["c-1 @0", "c-3 @2"], sink.Values.ToArray());
        Assert.Equal([1L, 1L, 1L], sink.Rejected.ToArray());
        Assert.Equal(2, service.Group!.RetryCount);
        Assert.Equal(1, service.Group.DeadLetterCount);
        var dead = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Equal("1", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalOffset)));
        Assert.Equal("3", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Attempts)));
        Assert.Equal("poison rejected", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error)));
    }

    private void Produce(string topic, params (string Key, string? Value)[] records)
    {
        using var raw = new ProducerBuilder<string, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        foreach (var (key, value) in records)
        {
            raw.ProduceAsync(topic, new Message<string, string?> { Key = key, Value = value }).GetAwaiter().GetResult();
        }
    }

    /// <summary>Runs the batch consumer service of <typeparamref name="THandler"/> on <paramref name="topic"/> until <paramref name="until"/> holds, then stops it.</summary>
    private async Task<KafkaBatchConsumerService<TMessage, THandler>> RunAsync<TMessage, THandler>(string topic, Sink sink, Func<KafkaBatchConsumerService<TMessage, THandler>, bool> until, int batchSize)
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IKafkaBatchHandler<TMessage>
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
        // The whole topic in one batch: a batch fills as soon as every record arrived (the wait only bounds a short one).
        options.Consumer.MaxBatchSize = batchSize;
        options.Consumer.MaxBatchWait = TimeSpan.FromSeconds(10);
        var service = new KafkaBatchConsumerService<TMessage, THandler>(
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
        public ConcurrentQueue<string> Values { get; } = new();

        public ConcurrentQueue<string> Tombstones { get; } = new();

        public ConcurrentQueue<long> Rejected { get; } = new();

        public ConcurrentQueue<int> BatchSizes { get; } = new();
    }

    public sealed class ProfileSink(Sink sink) : IKafkaBatchHandler<CustomerProfile>
    {
        public Task<BatchResult> HandleBatchAsync(KafkaBatch<CustomerProfile> batch, CancellationToken cancellationToken)
        {
            sink.BatchSizes.Enqueue(batch.Count);
            foreach (var message in batch)
            {
                sink.Values.Enqueue($"{message.Value.CustomerId} @{message.Offset}");
            }

            return Task.FromResult(BatchResult.Success);
        }
    }

    public sealed class TombstoneSink(Sink sink) : IKafkaBatchTombstoneHandler<CustomerProfile>
    {
        public Task<BatchResult> HandleBatchAsync(KafkaBatch<CustomerProfile> batch, CancellationToken cancellationToken)
        {
            foreach (var message in batch)
            {
                sink.Values.Enqueue($"{message.GetKey()} @{message.Offset}");
            }

            foreach (var tombstone in batch.Tombstones)
            {
                sink.Tombstones.Enqueue($"{tombstone.GetKey()} @{tombstone.Offset}");
            }

            return Task.FromResult(BatchResult.Success);
        }
    }

    public sealed class RejectingSink(Sink sink) : IKafkaBatchHandler<CustomerProfile>
    {
        public Task<BatchResult> HandleBatchAsync(KafkaBatch<CustomerProfile> batch, CancellationToken cancellationToken)
        {
            sink.BatchSizes.Enqueue(batch.Count);
            var failures = new List<BatchRecordFailure>();
            foreach (var message in batch)
            {
                if (message.Value.CustomerId == "poison")
                {
                    sink.Rejected.Enqueue(message.Offset);
                    failures.Add(new BatchRecordFailure(message.Offset, new InvalidOperationException("poison rejected")));
                }
                else
                {
                    sink.Values.Enqueue($"{message.Value.CustomerId} @{message.Offset}");
                }
            }

            return Task.FromResult(BatchResult.WithFailures(failures));
        }
    }
}
