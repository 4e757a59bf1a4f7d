using System.Collections.Concurrent;
using Avro;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Xunit;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.Avro;

/// <summary>
/// Types implementing <c>ISpecificRecord</c> (as generated types will): byte parity with Confluent's specific serdes,
/// schema resolution through Apache.Avro's SpecificDatumReader, and <see cref="ConfluentAvro.Implementation"/>.
/// </summary>
public sealed class AvroSpecificRecordTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private static SerializationContext Value(string topic) => new(MessageComponentType.Value, topic);

    private AvroSerde<Payment> Confluent(AvroSerdeOptions? options = null)
    {
        options ??= new AvroSerdeOptions();
        options.Implementation = ConfluentAvro.Implementation;
        return new AvroSerde<Payment>(PaymentCodec.Instance, fixture.Client, options);
    }

    private async Task<byte[]> WriteGenericAsync(string topic, string schemaJson, Action<GenericRecord> fill)
    {
        var record = new GenericRecord((RecordSchema)Schema.Parse(schemaJson));
        fill(record);
        var serializer = new AvroSerializer<GenericRecord>(fixture.Client, new AvroSerializerConfig { AutoRegisterSchemas = true });
        return await serializer.SerializeAsync(record, Value(topic));
    }

    [Fact]
    public async Task Generated_serde_and_confluents_specific_serializer_write_identical_bytes_and_read_each_other()
    {
        var topic = TestNames.Unique("avro-specific");
        using var serde = new AvroSerde<Payment>(PaymentCodec.Instance, fixture.Client);
        var serializer = new AvroSerializer<Payment>(fixture.Client, new AvroSerializerConfig { AutoRegisterSchemas = true });
        var deserializer = new AvroDeserializer<Payment>(fixture.Client);
        for (var seed = 0; seed < 30; seed++)
        {
            var value = Payment.Make(seed);
            var theirs = await serializer.SerializeAsync(value, Value(topic));
            var ours = serde.Serialize(value, topic);
            Assert.Equal(theirs, ours);

            Payment.AssertEqual(value, serde.Deserialize(theirs, topic, 0, seed));
            Payment.AssertEqual(value, await deserializer.DeserializeAsync(ours, isNull: false, Value(topic)));
        }

        // Same schema id on both sides: the codec read everything directly.
        Assert.Equal(0, serde.SpecificResolutions);
        Assert.Equal(0, serde.GenericResolutions);
    }

    [Fact]
    public void Confluent_mode_writes_the_generated_bytes_and_round_trips()
    {
        var topic = TestNames.Unique("avro-confluent-mode");
        using var generated = new AvroSerde<Payment>(PaymentCodec.Instance, fixture.Client);
        using var confluent = Confluent();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        for (var seed = 0; seed < 20; seed++)
        {
            var value = Payment.Make(seed);
            buffer.ResetWrittenCount();
            confluent.Serialize(value, buffer, new KafkaSerializationContext(topic));
            var bytes = buffer.WrittenSpan.ToArray();
            Assert.Equal(generated.Serialize(value, topic), bytes);
            Payment.AssertEqual(value, confluent.Deserialize(bytes, topic, 1, seed));
            Payment.AssertEqual(value, confluent.Deserialize(bytes, new KafkaSerializationContext(topic)));
            Payment.AssertEqual(value, generated.Deserialize(bytes, topic, 1, seed));
        }
    }

    [Fact]
    public async Task Confluent_mode_honours_subject_strategy_key_and_lookup_only()
    {
        var topic = TestNames.Unique("avro-confluent-subjects");
        using (var record = Confluent(new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.TopicRecordName, IsKey = true }))
        {
            record.Serialize(Payment.Make(1), topic);
        }

        Assert.Contains(topic + "-Kafka.Typed.Integration.Tests.Avro.Payment", await fixture.Client.GetAllSubjectsAsync());
        Assert.DoesNotContain(topic + "-value", await fixture.Client.GetAllSubjectsAsync());

        var other = TestNames.Unique("avro-confluent-lookup");
        using var lookup = Confluent(new AvroSerdeOptions { Registration = AvroSchemaRegistration.LookupOnly });
        var e = Assert.Throws<KafkaAvroException>(() => lookup.Serialize(Payment.Make(2), other));
        Assert.Equal(AvroErrorKind.SchemaNotRegistered, e.Kind);
        Assert.Equal(other, e.Topic);
        var id = await fixture.Client.RegisterSchemaAsync(other + "-value", new Confluent.SchemaRegistry.Schema(Payment.SchemaJson, SchemaType.Avro));
        var bytes = lookup.Serialize(Payment.Make(2), other);
        Assert.Equal(id, ConfluentWireFormat.ReadHeader(bytes, out _));
    }

    [Fact]
    public async Task Newer_reader_resolves_older_writer_data_through_the_specific_reader()
    {
        var topic = TestNames.Unique("avro-specific-evolve");
        var v1 = await WriteGenericAsync(topic, Shipment.V1SchemaJson, r =>
        {
            r.Add("id", int.MinValue);
            r.Add("name", "Ada");
        });

        using var serde = new AvroSerde<Shipment>(ShipmentCodec.Instance, fixture.Client);
        for (var i = 0; i < 3; i++)
        {
            var value = serde.Deserialize(v1, topic, 0, i);
            Assert.Equal(int.MinValue, value.Id);
            Assert.Equal("Ada", value.Name);
            Assert.Equal("n/a", value.Region);
            Assert.Equal("specific", value.ReadBy);
        }

        Assert.Equal(3, serde.SpecificResolutions);
        Assert.Equal(0, serde.GenericResolutions);

        // The type's own schema id still goes through the codec.
        var own = new AvroSerde<Shipment>(ShipmentCodec.Instance, fixture.Client).Serialize(new Shipment(long.MaxValue, "Bob", "eu"), TestNames.Unique("avro-specific-own"));
        var direct = serde.Deserialize(own, topic, 0, 9);
        Assert.Equal(new Shipment(long.MaxValue, "Bob", "eu"), direct);
        Assert.Equal("codec", direct.ReadBy);
        Assert.Equal(3, serde.SpecificResolutions);

        // Confluent mode resolves the same data with Confluent's AvroDeserializer<T>.
        using var confluent = new AvroSerde<Shipment>(ShipmentCodec.Instance, fixture.Client, new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation });
        var theirs = confluent.Deserialize(v1, topic, 0, 0);
        Assert.Equal((int.MinValue, "Ada", "n/a"), (theirs.Id, theirs.Name, theirs.Region));
    }

    [Fact]
    public async Task Older_reader_skips_an_added_field_and_rejects_a_promoted_one()
    {
        var topic = TestNames.Unique("avro-specific-forward");
        var added = await WriteGenericAsync(topic, """{"type":"record","name":"Shipment","namespace":"Kafka.Typed.Integration.Tests.Avro","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"region","type":"string","default":"n/a"}]}""", r =>
        {
            r.Add("id", 7);
            r.Add("name", "Grace");
            r.Add("region", "ignored");
        });

        using var v1 = new AvroSerde<ShipmentV1>(ShipmentV1Codec.Instance, fixture.Client);
        var value = v1.Deserialize(added, topic, 2, 5);
        Assert.Equal((7, "Grace", "specific"), (value.Id, value.Name, value.ReadBy));
        Assert.Equal(1, v1.SpecificResolutions);

        // Version 2 itself (id promoted to long) cannot be read as an int: Avro does not demote.
        var v2Topic = TestNames.Unique("avro-specific-forward-v2");
        using var v2 = new AvroSerde<Shipment>(ShipmentCodec.Instance, fixture.Client);
        var bytes = v2.Serialize(new Shipment(8, "Linus", "us"), v2Topic);
        var e = Assert.Throws<KafkaAvroException>(() => v1.Deserialize(bytes, v2Topic, 3, 6));
        Assert.Equal(AvroErrorKind.IncompatibleSchema, e.Kind);
        Assert.Equal(6, e.Offset);
    }

    [Fact]
    public async Task Names_apache_avro_cannot_map_fall_back_to_the_generic_path()
    {
        var topic = TestNames.Unique("avro-specific-mismatch");
        var bytes = await WriteGenericAsync(topic, """{"type":"record","name":"Mismatch","namespace":"elsewhere","fields":[{"name":"id","type":"int"}]}""", r => r.Add("id", 41));

        using var serde = new AvroSerde<Mismatch>(MismatchCodec.Instance, fixture.Client);
        Assert.Equal(new Mismatch(41, "dflt"), serde.Deserialize(bytes, topic, 0, 0));
        Assert.Equal(new Mismatch(41, "dflt"), serde.Deserialize(bytes, topic, 0, 1));
        Assert.Equal(0, serde.SpecificResolutions);
        Assert.Equal(2, serde.GenericResolutions);
        Assert.Equal(nameof(AvroException), serde.GetSpecificFallbackReason(ConfluentWireFormat.ReadHeader(bytes, out _)));
    }

    [Fact]
    public async Task Corrupt_input_in_confluent_mode_fails_as_KafkaAvroException_with_its_location()
    {
        var topic = TestNames.Unique("avro-confluent-corrupt");
        using var serde = Confluent();
        var good = serde.Serialize(Payment.Make(4), topic);

        var cases = new (byte[] Bytes, AvroErrorKind Kind)[]
        {
            ([1, .. good.AsSpan(1)], AvroErrorKind.WrongMagicByte),
            (good[..3], AvroErrorKind.TooShort),
            (good[..^3], AvroErrorKind.Truncated),
            ([.. good, 0], AvroErrorKind.Corrupt),
            ([0, 0x7f, 0x12, 0x34, 0x56, .. good.AsSpan(5)], AvroErrorKind.UnknownSchemaId),
        };
        var offset = 100;
        foreach (var (bytes, kind) in cases)
        {
            var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes, topic, 7, offset));
            Assert.Equal(kind, e.Kind);
            Assert.Equal(topic, e.Topic);
            Assert.Equal(7, e.Partition);
            Assert.Equal(offset, e.Offset);
            Assert.Contains($"offset {offset}", e.Message, StringComparison.Ordinal);
            offset++;
        }

        // A compatible writer schema with one more field than the body holds: our validation catches it before Confluent runs.
        var longer = Payment.SchemaJson.Replace("""{"name":"party",""", """{"name":"zzz","type":"string"},{"name":"party",""", StringComparison.Ordinal);
        var wrongId = await fixture.Client.RegisterSchemaAsync(TestNames.Unique("avro-other") + "-value", new Confluent.SchemaRegistry.Schema(longer, SchemaType.Avro));
        var relabelled = good.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(relabelled.AsSpan(1), wrongId);
        var corrupt = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(relabelled, topic, 7, 200));
        Assert.True(corrupt.Kind is AvroErrorKind.Truncated or AvroErrorKind.Corrupt, corrupt.Message);
        Assert.Equal(wrongId, corrupt.SchemaId);
    }

    [Fact]
    public void Confluent_mode_needs_an_ISpecificRecord_whose_schema_is_the_codecs()
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation }));
        Assert.Contains(typeof(Evo).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Contains("ISpecificRecord", e.Message, StringComparison.Ordinal);

        var mismatch = Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Shipment>(new WrongSchemaCodec(), fixture.Client, new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation }));
        Assert.Contains("_SCHEMA", mismatch.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Payment>(PaymentCodec.Instance, fixture.Client, new AvroSerdeOptions { Implementation = null! }));
        Assert.Contains("AvroSerdeOptions.Implementation", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka.Typed.Avro.Confluent", missing.Message, StringComparison.Ordinal);
        Assert.Equal("Confluent", ConfluentAvro.Implementation.ToString());

        // Generated mode accepts any type.
        using var generated = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { Implementation = AvroImplementation.Generated });
    }

    private sealed class WrongSchemaCodec : IAvroCodec<Shipment>
    {
        public string Schema => Shipment.V1SchemaJson;

        public void Write(ref AvroWriter writer, Shipment value) => throw new NotSupportedException();

        public Shipment Read(ref AvroReader reader) => throw new NotSupportedException();
    }
}

[Collection(SharedClusterCollection.Name)]
public sealed class AvroConfluentModeEndToEndTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task Confluent_mode_records_flow_through_the_embedded_broker_and_read_back_with_the_generated_serde()
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        var topic = TestNames.Unique("avro-confluent-e2e");
        _cluster.CreateTopic(topic, 2);
        var options = new AvroSerdeOptions { Registry = new SchemaRegistryConfig { Url = registry.Url }, Implementation = ConfluentAvro.Implementation };
        using var confluent = new AvroSerde<Payment>(PaymentCodec.Instance, options);
        using var generated = new AvroSerde<Payment>(PaymentCodec.Instance, new AvroSerdeOptions { Registry = new SchemaRegistryConfig { Url = registry.Url } });

        var sent = Enumerable.Range(1, 12).Select(Payment.Make).ToList();
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            foreach (var value in sent)
            {
                await producer.SendAsync(topic, confluent.Serialize(value, topic), Kit.Bytes($"k{value.Id}"));
            }
        }

        var byConfluent = new ConcurrentDictionary<long, Payment>();
        var byGenerated = new ConcurrentDictionary<long, Payment>();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            var value = confluent.Deserialize(m.Value, m.Topic, m.Partition, m.Offset);
            byConfluent[value.Id] = value;
            byGenerated[value.Id] = generated.Deserialize(m.Value, m.Topic, m.Partition, m.Offset);
            return Task.CompletedTask;
        }, Kit.FastGroup());
        await Kit.RunUntilAsync(group, () => byConfluent.Count == sent.Count);

        foreach (var value in sent)
        {
            Payment.AssertEqual(value, byConfluent[value.Id]);
            Payment.AssertEqual(value, byGenerated[value.Id]);
        }

        Assert.Equal(0, group.DeadLetterCount);
    }
}
