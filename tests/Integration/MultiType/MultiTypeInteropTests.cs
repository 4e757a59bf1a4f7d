using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.MultiType;

/// <summary>
/// Several Avro types on one topic through the runtime API (<see cref="KafkaMessageRouter"/> on a <see cref="ConsumerGroup"/>),
/// interoperating with Confluent's own <c>AvroSerializer&lt;T&gt;</c>/<c>AvroDeserializer&lt;T&gt;</c> configured with
/// <c>SubjectNameStrategy.TopicRecord</c> and <c>SubjectNameStrategy.Record</c>, both ways, over the embedded broker and the
/// in-process Schema Registry.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class MultiTypeInteropTests(SharedCluster shared) : IAsyncLifetime
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;
    private InProcessSchemaRegistry _registry = null!;
    private CachedSchemaRegistryClient _client = null!;

    public async Task InitializeAsync()
    {
        _registry = await InProcessSchemaRegistry.StartAsync();
        _client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _registry.Url });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task Confluent_writes_with_TopicRecord_and_Record_strategies_and_the_router_reads_each_type()
    {
        var topic = TestNames.Unique("mt-interop-in");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);

        // Confluent's serializers over our generated ISpecificRecord types, registering under their own strategies.
        using (var placed = new ProducerBuilder<string, MtOrderPlaced>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers })
            .SetValueSerializer(new AvroSerializer<MtOrderPlaced>(_client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.TopicRecord }).AsSyncOverAsync()).Build())
        using (var cancelled = new ProducerBuilder<string, MtOrderCancelled>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers })
            .SetValueSerializer(new AvroSerializer<MtOrderCancelled>(_client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Record }).AsSyncOverAsync()).Build())
        {
            await placed.ProduceAsync(topic, new Message<string, MtOrderPlaced> { Key = "o-1", Value = new MtOrderPlaced("o-1", 10) });
            await cancelled.ProduceAsync(topic, new Message<string, MtOrderCancelled> { Key = "o-1", Value = new MtOrderCancelled("o-1", "changed mind") });
            await placed.ProduceAsync(topic, new Message<string, MtOrderPlaced> { Key = "o-2", Value = new MtOrderPlaced("o-2", 20) });
        }

        var subjects = await _client.GetAllSubjectsAsync();
        Assert.Contains(topic + "-Kafka.Typed.Integration.Tests.MultiType.MtOrderPlaced", subjects);
        Assert.Contains("com.acme.OrderCancelled", subjects);

        // Our side only looks the schemas up: it finds them under the subjects Confluent's strategies named.
        var lookup = new AvroSerdeOptions { Registration = AvroSchemaRegistration.LookupOnly };
        using var ourPlaced = new AvroSerde<MtOrderPlaced>(MtOrderPlaced.AvroCodec.Instance, _client, With(lookup, AvroSubjectNameStrategy.TopicRecordName));
        using var ourCancelled = new AvroSerde<MtOrderCancelled>(MtOrderCancelled.AvroCodec.Instance, _client, With(lookup, AvroSubjectNameStrategy.RecordName));
        Assert.Equal((await _client.GetLatestSchemaAsync(topic + "-Kafka.Typed.Integration.Tests.MultiType.MtOrderPlaced")).Id, await ourPlaced.PrepareAsync(topic));
        Assert.Equal((await _client.GetLatestSchemaAsync("com.acme.OrderCancelled")).Id, await ourCancelled.PrepareAsync(topic));

        var seen = new ConcurrentQueue<string>();
        var router = new KafkaMessageRouter()
            .Add(NameOf<MtOrderPlaced>(), ourPlaced, (m, _) => { seen.Enqueue($"placed {m.Value.OrderId} {m.Value.Amount}"); return Task.CompletedTask; })
            .Add(NameOf<MtOrderCancelled>(), ourCancelled, (m, _) => { seen.Enqueue($"cancelled {m.Value.OrderId} {m.Value.Reason}"); return Task.CompletedTask; });
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], router.HandleAsync, Kit.FastGroup(new ConsumerOptions { GroupId = TestNames.Unique("g") }));
        await Kit.RunUntilAsync(group, () => group.HandledCount >= 3);

        Assert.Equal(["placed o-1 10", "cancelled o-1 changed mind", "placed o-2 20"], seen.ToArray());
        Assert.Equal(0, group.DeadLetterCount);
        Assert.Equal(0, router.SkippedUnknownTypes);
    }

    [Fact]
    public async Task Ours_write_with_the_type_strategies_and_Confluent_reads_each_type_and_finds_the_subjects()
    {
        var topic = TestNames.Unique("mt-interop-out");
        _cluster.CreateTopic(topic, 1);

        using var ourPlaced = new AvroSerde<MtOrderPlaced>(MtOrderPlaced.AvroCodec.Instance, _client, new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.TopicRecordName });
        using var ourCancelled = new AvroSerde<MtOrderCancelled>(MtOrderCancelled.AvroCodec.Instance, _client, new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.RecordName });
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(topic, ourPlaced.Serialize(new MtOrderPlaced("o-1", 10), topic), "o-1");
            await producer.SendAsync(topic, ourCancelled.Serialize(new MtOrderCancelled("o-1", "late"), topic), "o-1");
        }

        // Confluent's serializers with auto-registration off find our registrations under their strategies' subjects.
        var context = new SerializationContext(MessageComponentType.Value, topic);
        var lookupOnly = new AvroSerializer<MtOrderPlaced>(_client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.TopicRecord, AutoRegisterSchemas = false });
        Assert.Equal(ourPlaced.Serialize(new MtOrderPlaced("o-9", 9), topic), await lookupOnly.SerializeAsync(new MtOrderPlaced("o-9", 9), context));
        var recordLookup = new AvroSerializer<MtOrderCancelled>(_client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Record, AutoRegisterSchemas = false });
        Assert.Equal(ourCancelled.Serialize(new MtOrderCancelled("o-9", "x"), topic), await recordLookup.SerializeAsync(new MtOrderCancelled("o-9", "x"), context));

        // Confluent's deserializers, one per type, each reading the records of its own type (told apart as a Confluent
        // consumer would: by the record name of the writer schema).
        var placedReader = new AvroDeserializer<MtOrderPlaced>(_client, new AvroDeserializerConfig { SubjectNameStrategy = SubjectNameStrategy.TopicRecord });
        var cancelledReader = new AvroDeserializer<MtOrderCancelled>(_client, new AvroDeserializerConfig { SubjectNameStrategy = SubjectNameStrategy.Record });
        var records = Kit.ReadAll(_cluster, topic, 2);
        var read = new List<string>();
        foreach (var record in records)
        {
            var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(record.Message.Value.AsSpan(1, 4));
            var name = ((global::Avro.NamedSchema)global::Avro.Schema.Parse((await _client.GetSchemaBySubjectAndIdAsync(null, id)).SchemaString)).Fullname;
            read.Add(name switch
            {
                "Kafka.Typed.Integration.Tests.MultiType.MtOrderPlaced" => (await placedReader.DeserializeAsync(record.Message.Value, false, context)).ToString(),
                "com.acme.OrderCancelled" => (await cancelledReader.DeserializeAsync(record.Message.Value, false, context)).ToString(),
                _ => "unexpected " + name,
            });
        }

        Assert.Equal([new MtOrderPlaced("o-1", 10).ToString(), new MtOrderCancelled("o-1", "late").ToString()], read);
    }

    [Fact]
    public async Task A_record_whose_schema_id_the_registry_does_not_know_is_dead_lettered_and_a_header_route_takes_only_its_header()
    {
        var topic = TestNames.Unique("mt-router");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        using var ourPlaced = new AvroSerde<MtOrderPlaced>(MtOrderPlaced.AvroCodec.Instance, _client, new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.TopicRecordName });
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(topic, [0, 0, 0, 0x7f, 0x7f, 2, 0], Kit.Bytes("bad"));       // framed, but schema id 32639 is unknown
            await producer.SendAsync(topic, ourPlaced.Serialize(new MtOrderPlaced("o-1", 1), topic), "o-1");
            await producer.SendAsync(topic, Kit.Bytes("""{"noteId":"n-1"}"""), Kit.Bytes("n-1"), new Headers { { KafkaMessageTypeHeader.Name, Kit.Bytes("Kafka.Typed.Integration.Tests.MultiType.MtNoteRemoved") } });
            await producer.SendAsync(topic, Kit.Bytes("""{"noteId":"n-2"}"""), Kit.Bytes("n-2"), new Headers { { KafkaMessageTypeHeader.Name, Kit.Bytes("something-else") } });
        }

        var seen = new ConcurrentQueue<string>();
        var router = new KafkaMessageRouter(UnknownMessageTypePolicy.Skip)
            .Add(NameOf<MtOrderPlaced>(), ourPlaced, (m, _) => { seen.Enqueue("placed " + m.Value.OrderId); return Task.CompletedTask; })
            .Add<MtNoteRemoved>((m, _) => { seen.Enqueue("removed " + m.Value.NoteId); return Task.CompletedTask; });
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], router.HandleAsync, Kit.FastGroup(new ConsumerOptions { GroupId = TestNames.Unique("g") }));
        await Kit.RunUntilAsync(group, () => group.HandledCount + group.DeadLetterCount >= 4);

        Assert.Equal(["placed o-1", "removed n-1"], seen.ToArray());
        Assert.Equal(1, router.SkippedUnknownTypes);
        Assert.Equal(1, group.DeadLetterCount);
        var dead = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Contains("the registry has no schema with id 32639", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_type_of_a_single_type_topic_or_a_name_twice_is_refused()
    {
        var router = new KafkaMessageRouter();
        var single = Assert.Throws<ArgumentException>(() => router.Add<Kafka.Typed.Integration.Tests.Json.JsonOrderPlaced>((_, _) => Task.CompletedTask));
        Assert.Contains("has no MessageTypeName", single.Message, StringComparison.Ordinal);
        router.Add<MtNoteRemoved>((_, _) => Task.CompletedTask);
        var twice = Assert.Throws<ArgumentException>(() => router.Add<MtNoteRemoved>((_, _) => Task.CompletedTask));
        Assert.Contains("has a handler in this router already", twice.Message, StringComparison.Ordinal);
        Assert.Throws<KafkaConfigurationException>(() => new KafkaMessageRouter((UnknownMessageTypePolicy)5));
    }

    private static string NameOf<T>()
        where T : IKafkaMessage<T>
        => T.MessageTypeName!;

    private static AvroSerdeOptions With(AvroSerdeOptions options, AvroSubjectNameStrategy strategy)
        => new() { Registration = options.Registration, SubjectNameStrategy = strategy };
}
