using System.Buffers.Binary;
using System.Collections.Concurrent;
using Kafka.Typed.Integration.Tests.AvroGenerated;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Keys given with a send: explicit keys on a generated producer of a type without [KafkaKey], and string keys on the untyped producers.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ProducerKeyTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task Explicit_keys_are_written_as_the_generator_writes_key_members()
    {
        new ProducerReadinessTests(shared).EnsureAuditTopic();
        var reports = new ConcurrentQueue<ProducerReport>();
        await using var host = new KafkaProducerHost(Options.Create(ProducerReadinessTests.OptionsFor(_cluster.BootstrapServers, TimeSpan.FromSeconds(10))), [new ProducerReadinessTests.Observer(reports)]);
        await host.StartAsync(CancellationToken.None);
        IKafkaExplicitKeyProducer<AuditEntry> producer = new AuditEntryProducer(host);
        var marker = Guid.NewGuid().ToString("N");
        var id = Guid.NewGuid();

        await producer.SendAsync("tenant-7", new AuditEntry(marker + "string"));
        await producer.SendAsync(42L, new AuditEntry(marker + "long"));
        await producer.SendAsync(id, new AuditEntry(marker + "guid"));
        await producer.SendAsync(new AuditEntry(marker + "none"));
        await producer.EnqueueAsync(7, new AuditEntry(marker + "int"));
        await producer.FlushAsync();

        var keys = Kit.ReadAll(_cluster, "typed.audit", int.MaxValue, TimeSpan.FromSeconds(5))
            .Where(r => Kit.Text(r.Message.Value).Contains(marker, StringComparison.Ordinal))
            .ToDictionary(r => Kit.Text(r.Message.Value).Split(marker)[1].TrimEnd('"', '}'), r => r.Message.Key);
        Assert.Equal(5, keys.Count);
        Assert.Equal("tenant-7", Kit.Text(keys["string"]));
        Assert.Equal(42L, BinaryPrimitives.ReadInt64BigEndian(keys["long"]));
        Assert.Equal(id.ToString("D"), Kit.Text(keys["guid"]));
        Assert.Null(keys["none"]);
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(keys["int"]));
    }

    [Fact]
    public async Task The_untyped_producers_take_string_keys()
    {
        var topic = TestNames.Unique("string-keys");
        _cluster.CreateTopic(topic, 1);
        await using (var sync = new SyncProducer(Kit.App(_cluster)))
        {
            await sync.SendAsync(topic, Kit.Bytes("a"), "order-1");
        }

        var reports = new ConcurrentQueue<ProducerReport>();
        await using (var queued = new AsyncProducer(Kit.App(_cluster), reports.Enqueue))
        {
            await queued.SendAsync(topic, Kit.Bytes("b"), "order-2");
            await queued.SendAsync(new ProducerMessage(topic, Kit.Bytes("c"), "order-3"));
        }

        var records = Kit.ReadAll(_cluster, topic, 3);
        Assert.Equal(["a order-1", "b order-2", "c order-3"], records.Select(r => Kit.Text(r.Message.Value) + " " + Kit.Text(r.Message.Key)).Order().ToArray());
    }
}
