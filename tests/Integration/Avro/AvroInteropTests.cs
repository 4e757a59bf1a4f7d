using Avro;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Xunit;
using AvroDecimal = Avro.AvroDecimal;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.Avro;

public sealed class AvroInteropTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private static readonly RecordSchema SampleSchema = (RecordSchema)Schema.Parse(SampleCodec.SchemaJson);

    private AvroSerializer<GenericRecord> ConfluentSerializer() => new(fixture.Client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic, AutoRegisterSchemas = true });

    private AvroDeserializer<GenericRecord> ConfluentDeserializer() => new(fixture.Client, new AvroDeserializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic });

    [Fact]
    public async Task Our_bytes_equal_confluents_for_every_covered_type_and_decode_both_ways()
    {
        var topic = TestNames.Unique("avro-interop");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var confluent = ConfluentSerializer();
        var deserializer = ConfluentDeserializer();
        var context = new SerializationContext(MessageComponentType.Value, topic);
        for (var seed = 0; seed < 40; seed++)
        {
            var value = Sample.Make(seed);
            var theirs = await confluent.SerializeAsync(SampleCodec.ToGeneric(value, SampleSchema), context);
            var ours = serde.Serialize(value, topic);
            Assert.Equal(theirs, ours);

            SampleCodec.AssertEqual(value, serde.Deserialize(theirs, topic, 0, seed));
            var generic = await deserializer.DeserializeAsync(ours, isNull: false, context);
            Assert.Equal(value.S, generic["s"]);
            Assert.Equal(value.Note, generic["note"]);
            Assert.Equal(value.Amount, ((AvroDecimal)generic["amount"]).ToType<decimal>());
            Assert.Equal(value.Id, generic["id"]);
            Assert.Equal(value.At.UtcDateTime, (DateTime)generic["at"]);
            Assert.Equal(value.Tags, ((object[])generic["tags"]).Cast<int>());
            Assert.Equal(((int)value.Color), ((GenericEnum)generic["color"]).Schema.Ordinal(((GenericEnum)generic["color"]).Value));
        }
    }

    [Fact]
    public void Writer_matches_apache_avro_encoder_for_edge_values()
    {
        var cases = new (Action<global::Avro.IO.BinaryEncoder> Theirs, AvroWrite Ours)[]
        {
            (e => e.WriteLong(long.MinValue), (ref AvroWriter w) => w.WriteLong(long.MinValue)),
            (e => e.WriteLong(long.MaxValue), (ref AvroWriter w) => w.WriteLong(long.MaxValue)),
            (e => e.WriteInt(int.MinValue), (ref AvroWriter w) => w.WriteInt(int.MinValue)),
            (e => e.WriteInt(-1), (ref AvroWriter w) => w.WriteInt(-1)),
            (e => e.WriteFloat(float.NaN), (ref AvroWriter w) => w.WriteFloat(float.NaN)),
            (e => e.WriteDouble(-0.0), (ref AvroWriter w) => w.WriteDouble(-0.0)),
            (e => e.WriteString(new string('x', 5000)), (ref AvroWriter w) => w.WriteString(new string('x', 5000))),
            (e => e.WriteBytes(new byte[70_000]), (ref AvroWriter w) => w.WriteBytes(new byte[70_000])),
        };
        foreach (var (theirs, ours) in cases)
        {
            using var stream = new MemoryStream();
            theirs(new global::Avro.IO.BinaryEncoder(stream));
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new AvroWriter(buffer);
            ours(ref writer);
            writer.Flush();
            Assert.Equal(stream.ToArray(), buffer.WrittenSpan.ToArray());
        }
    }

    [Theory]
    [InlineData("0", 4)]
    [InlineData("-1", 0)]
    [InlineData("127", 0)]
    [InlineData("128", 0)]
    [InlineData("-128", 0)]
    [InlineData("-129", 0)]
    [InlineData("79228162514264337593543950335", 0)]
    [InlineData("-7922816251426433759354395.0335", 4)]
    [InlineData("0.0001", 4)]
    public void Decimal_round_trips_and_matches_apache_avro(string text, int scale)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        writer.WriteDecimal(value, scale);
        writer.Flush();

        var logical = (LogicalSchema)Schema.Parse($$"""{"type":"bytes","logicalType":"decimal","precision":38,"scale":{{scale}}}""");
        var unscaled = System.Numerics.BigInteger.Parse(text.Replace(".", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) * System.Numerics.BigInteger.Pow(10, scale - (text.Contains('.', StringComparison.Ordinal) ? text.Length - text.IndexOf('.', StringComparison.Ordinal) - 1 : 0));
        var baseValue = (byte[])logical.LogicalType.ConvertToBaseValue(new AvroDecimal(unscaled, scale), logical);
        using var stream = new MemoryStream();
        new global::Avro.IO.BinaryEncoder(stream).WriteBytes(baseValue);
        Assert.Equal(stream.ToArray(), buffer.WrittenSpan.ToArray());

        var reader = new AvroReader(buffer.WrittenSpan);
        Assert.Equal(value, reader.ReadDecimal(scale));
        reader.EnsureEnd();
    }

    [Fact]
    public void Decimal_with_more_digits_than_the_scale_is_rejected()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var e = Assert.Throws<KafkaAvroException>(() =>
        {
            var writer = new AvroWriter(buffer);
            writer.WriteDecimal(1.23456m, 4);
        });
        Assert.Equal(AvroErrorKind.InvalidValue, e.Kind);
    }

    [Fact]
    public async Task Data_written_with_an_older_schema_is_resolved_to_ours()
    {
        var topic = TestNames.Unique("avro-evolve");
        var v1 = (RecordSchema)Schema.Parse("""{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"legacy","type":"string","default":""},{"name":"name","type":"string"}]}""");
        var record = new GenericRecord(v1);
        record.Add("id", 42);
        record.Add("legacy", "dropped");
        record.Add("name", "Ada");
        var bytes = await ConfluentSerializer().SerializeAsync(record, new SerializationContext(MessageComponentType.Value, topic));

        using var serde = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client);
        var value = serde.Deserialize(bytes, topic, 1, 2);
        Assert.Equal(new Evo(42, "Ada", "x"), value);

        // Ours registers as version 2 (BACKWARD compatible) and then writes its own id.
        var ours = serde.Serialize(new Evo(long.MaxValue, "Bob", "y"), topic);
        Assert.NotEqual(bytes.AsSpan(1, 4).ToArray(), ours.AsSpan(1, 4).ToArray());
        Assert.Equal(new Evo(long.MaxValue, "Bob", "y"), serde.Deserialize(ours, topic, 1, 3));
        Assert.Equal([1, 2], await fixture.Client.GetSubjectVersionsAsync(topic + "-value"));
    }

    [Fact]
    public async Task Incompatible_writer_schema_fails_with_a_clear_error()
    {
        var topic = TestNames.Unique("avro-incompatible");
        var other = (RecordSchema)Schema.Parse("""{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"string"}]}""");
        var record = new GenericRecord(other);
        record.Add("id", "nope");
        var bytes = await ConfluentSerializer().SerializeAsync(record, new SerializationContext(MessageComponentType.Value, topic));

        using var serde = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client);
        var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes, topic, 3, 99));
        Assert.Equal(AvroErrorKind.IncompatibleSchema, e.Kind);
        Assert.Equal(topic, e.Topic);
        Assert.Equal(3, e.Partition);
        Assert.Equal(99, e.Offset);
        Assert.Contains("offset 99", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<NonRetriableMessageException>(e);
    }

    [Fact]
    public async Task Subject_strategies_and_registration_modes()
    {
        var topic = TestNames.Unique("avro-strategy");
        using (var record = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.RecordName }))
        {
            Assert.Equal("t.Evo", record.GetSubject(topic));
        }

        using var topicRecord = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { SubjectNameStrategy = AvroSubjectNameStrategy.TopicRecordName });
        Assert.Equal(topic + "-t.Evo", topicRecord.GetSubject(topic));
        var id = await topicRecord.PrepareAsync(topic);
        Assert.Equal(id, (await fixture.Client.GetLatestSchemaAsync(topic + "-t.Evo")).Id);

        using var key = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { IsKey = true });
        Assert.Equal(topic + "-key", key.GetSubject(topic));

        // LookupOnly fails until the schema is registered; UseLatest writes the latest id when it encodes identically.
        var other = TestNames.Unique("avro-lookup");
        using var lookup = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { Registration = AvroSchemaRegistration.LookupOnly });
        var e = Assert.Throws<KafkaAvroException>(() => lookup.Serialize(new Evo(1, "a", "b"), other));
        Assert.Equal(AvroErrorKind.SchemaNotRegistered, e.Kind);
        var registered = await fixture.Client.RegisterSchemaAsync(other + "-value", new Confluent.SchemaRegistry.Schema(EvoCodec.SchemaJson, SchemaType.Avro));
        Assert.Equal(registered, lookup.GetSchemaId(other));

        using var latest = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { Registration = AvroSchemaRegistration.UseLatest });
        Assert.Equal(registered, latest.GetSchemaId(other));
        var requests = fixture.Registry.RequestCount;
        for (var i = 0; i < 10; i++)
        {
            latest.Serialize(new Evo(i, "a", "b"), other);
        }

        Assert.Equal(requests, fixture.Registry.RequestCount);
    }

    [Fact]
    public void Invalid_options_and_schemas_are_rejected_at_construction()
    {
        Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Evo>(EvoCodec.Instance, new AvroSerdeOptions()));
        Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client, new AvroSerdeOptions { MaxCachedWriterSchemas = 0 }));
        Assert.Throws<KafkaConfigurationException>(() => new AvroSerde<Evo>(new BrokenSchemaCodec(), fixture.Client));
    }

    private sealed class BrokenSchemaCodec : IAvroCodec<Evo>
    {
        public string Schema => """{"type":"record","name":"X","fields":[{"name":"a","type":"what"}]}""";

        public void Write(ref AvroWriter writer, Evo value) => throw new NotSupportedException();

        public Evo Read(ref AvroReader reader) => throw new NotSupportedException();
    }
}

public sealed record Evo(long Id, string Name, string Extra);

public sealed class EvoCodec : IAvroCodec<Evo>
{
    public const string SchemaJson = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"extra","type":"string","default":"x"}]}""";

    public static readonly EvoCodec Instance = new();

    public string Schema => SchemaJson;

    public void Write(ref AvroWriter writer, Evo value)
    {
        writer.WriteLong(value.Id);
        writer.WriteString(value.Name);
        writer.WriteString(value.Extra);
    }

    public Evo Read(ref AvroReader reader) => new(reader.ReadLong(), reader.ReadString(), reader.ReadString());
}

public delegate void AvroWrite(ref AvroWriter writer);

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KafkaAvroDefaultsCollection
{
    public const string Name = "KafkaAvroDefaults (process-wide state)";
}

[Collection(KafkaAvroDefaultsCollection.Name)]
public sealed class AvroKafkaSerializerTests
{
    [Fact]
    public async Task Binds_lazily_to_the_configured_registry_and_rebinds_after_reconfiguration()
    {
        var serializer = new AvroKafkaSerializer<Evo>(EvoCodec.Instance);
        KafkaAvroDefaults.Reset();
        var missing = Assert.Throws<KafkaConfigurationException>(() => serializer.Serde);
        Assert.Contains("Schema Registry", missing.Message, StringComparison.Ordinal);

        await using var first = await Kafka.Typed.Testing.InProcessSchemaRegistry.StartAsync();
        await using var second = await Kafka.Typed.Testing.InProcessSchemaRegistry.StartAsync();
        try
        {
            KafkaAvroDefaults.Configure(new AvroSerdeOptions { Registry = new SchemaRegistryConfig { Url = first.Url } });
            var topic = TestNames.Unique("avro-defaults");
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            serializer.Serialize(new Evo(1, "one", "x"), buffer, new KafkaSerializationContext(topic));
            Assert.Equal(new Evo(1, "one", "x"), serializer.Deserialize(buffer.WrittenSpan, new KafkaSerializationContext(topic)));
            Assert.Same(serializer.Serde, serializer.Serde);
            Assert.True(first.RequestCount > 0);

            KafkaAvroDefaults.Configure(new AvroSerdeOptions { Registry = new SchemaRegistryConfig { Url = second.Url } });
            buffer.ResetWrittenCount();
            serializer.Serialize(new Evo(2, "two", "x"), buffer, new KafkaSerializationContext(topic));
            Assert.True(second.RequestCount > 0);
        }
        finally
        {
            KafkaAvroDefaults.Reset();
        }
    }
}
