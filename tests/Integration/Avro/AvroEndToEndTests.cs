using System.Collections.Concurrent;
using Confluent.SchemaRegistry;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Avro;

[Collection(SharedClusterCollection.Name)]
public sealed class AvroEndToEndTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task Avro_records_flow_through_the_embedded_broker_and_a_bad_one_is_dead_lettered_without_retries()
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        var topic = TestNames.Unique("avro-e2e");
        _cluster.CreateTopic(topic, 2);
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, new AvroSerdeOptions { Registry = new SchemaRegistryConfig { Url = registry.Url } });
        await serde.PrepareAsync(topic);

        var sent = Enumerable.Range(0, 20).Select(Sample.Make).ToList();
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            foreach (var value in sent)
            {
                await producer.SendAsync(topic, serde.Serialize(value, topic), Kit.Bytes($"k{value.I}"));
            }

            await producer.SendAsync(topic, "{\"not\":\"avro\"}"u8.ToArray(), Kit.Bytes("poison"));
        }

        var received = new ConcurrentDictionary<int, Sample>();
        var failures = new ConcurrentQueue<KafkaAvroException>();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            try
            {
                var value = serde.Deserialize(m.Value, m.Topic, m.Partition, m.Offset);
                received[value.I] = value;
            }
            catch (KafkaAvroException e)
            {
                failures.Enqueue(e);
                throw;
            }

            return Task.CompletedTask;
        }, Kit.FastGroup());
        await Kit.RunUntilAsync(group, () => received.Count == sent.Count && group.DeadLetterCount == 1);

        foreach (var value in sent)
        {
            SampleCodec.AssertEqual(value, received[value.I]);
        }

        var failure = Assert.Single(failures);
        Assert.Equal(AvroErrorKind.WrongMagicByte, failure.Kind);
        Assert.Equal(topic, failure.Topic);
        Assert.Equal(0, group.RetryCount);
        Assert.Equal(1, group.DeadLetterCount);

        var dead = Kit.ReadAll(_cluster, topic + ".dlq", 1);
        Assert.Equal("poison", Kit.Text(Assert.Single(dead).Message.Key));
    }
}
