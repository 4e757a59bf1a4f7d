using Avro;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Avro;

public sealed class AvroRobustnessTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    [Fact]
    public void Header_round_trips_and_rejects_wrong_magic_and_short_payloads()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ConfluentWireFormat.WriteHeader(buffer, 0x01020304);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, buffer.WrittenSpan.ToArray());
        Assert.Equal(0x01020304, ConfluentWireFormat.ReadHeader([0, 1, 2, 3, 4, 9], out var body));
        Assert.Equal(new byte[] { 9 }, body.ToArray());
        Assert.Equal(-1, ConfluentWireFormat.ReadHeader([0, 0xFF, 0xFF, 0xFF, 0xFF], out _));

        Assert.Equal(AvroErrorKind.WrongMagicByte, Assert.Throws<KafkaAvroException>(() => ConfluentWireFormat.ReadHeader([1, 0, 0, 0, 1], out _)).Kind);
        Assert.Equal(AvroErrorKind.WrongMagicByte, Assert.Throws<KafkaAvroException>(() => ConfluentWireFormat.ReadHeader("{\"json\":1}"u8, out _)).Kind);
        for (var n = 0; n < 5; n++)
        {
            Assert.Equal(AvroErrorKind.TooShort, Assert.Throws<KafkaAvroException>(() => ConfluentWireFormat.ReadHeader(new byte[n], out _)).Kind);
        }

        Assert.Throws<ArgumentException>(() => ConfluentWireFormat.WriteHeader(new byte[4], 1));
    }

    [Fact]
    public void Serde_errors_name_topic_partition_offset_and_reason()
    {
        var topic = TestNames.Unique("avro-errors");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var magic = Assert.Throws<KafkaAvroException>(() => serde.Deserialize([7, 0, 0, 0, 1, 2], topic, 4, 1234));
        Assert.Equal(AvroErrorKind.WrongMagicByte, magic.Kind);
        Assert.Equal((topic, 4, 1234L), (magic.Topic!, magic.Partition, magic.Offset));
        Assert.Contains($"topic '{topic}', partition 4, offset 1234", magic.Message, StringComparison.Ordinal);
        Assert.Contains("wrong magic byte", magic.Message, StringComparison.Ordinal);

        var unknown = Assert.Throws<KafkaAvroException>(() => serde.Deserialize([0, 0x7F, 0, 0, 1, 2], topic, 0, 5));
        Assert.Equal(AvroErrorKind.UnknownSchemaId, unknown.Kind);
        Assert.Equal(0x7F000001, unknown.SchemaId);
        Assert.Contains("unknown schema id", unknown.Message, StringComparison.Ordinal);

        var valid = serde.Serialize(Sample.Make(5), topic);
        var trailing = Assert.Throws<KafkaAvroException>(() => serde.Deserialize([.. valid, 0], topic, 0, 6));
        Assert.Equal(AvroErrorKind.Corrupt, trailing.Kind);

        // Through the IKafkaSerializer contract the location is the topic only; the consumer adds partition and offset.
        var viaContract = Assert.Throws<KafkaAvroException>(() => ((IKafkaSerializer<Sample>)serde).Deserialize(valid.AsSpan(0, 9), new KafkaSerializationContext(topic)));
        Assert.Equal(AvroErrorKind.Truncated, viaContract.Kind);
        Assert.Equal(topic, viaContract.Topic);
        Assert.Equal(-1, viaContract.Partition);
    }

    [Fact]
    public void Every_truncation_of_valid_messages_throws_KafkaAvroException()
    {
        var topic = TestNames.Unique("avro-truncate");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var checkedLengths = 0;
        for (var seed = 0; seed < 12; seed++)
        {
            var value = Sample.Make(seed);
            var bytes = serde.Serialize(value, topic);
            SampleCodec.AssertEqual(value, serde.Deserialize(bytes, topic, 0, 0));
            for (var length = 0; length < bytes.Length; length++)
            {
                var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes.AsSpan(0, length), topic, 0, length));
                Assert.True(length < 5 ? e.Kind == AvroErrorKind.TooShort : e.Kind is AvroErrorKind.Truncated or AvroErrorKind.Corrupt, $"length {length}: {e.Kind} {e.Detail}");
                checkedLengths++;
            }
        }

        Assert.True(checkedLengths > 500);
    }

    [Fact]
    public async Task Every_truncation_through_the_resolving_path_throws_KafkaAvroException()
    {
        var topic = TestNames.Unique("avro-truncate-resolve");
        var v1 = (RecordSchema)Schema.Parse("""{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"tags","type":{"type":"array","items":"string"},"default":[]},{"name":"name","type":"string"}]}""");
        var record = new GenericRecord(v1);
        record.Add("id", -123456);
        record.Add("tags", new object[] { "a", "bb", "ccc" });
        record.Add("name", "a name with ✓ in it");
        var serializer = new AvroSerializer<GenericRecord>(fixture.Client, new AvroSerializerConfig { SubjectNameStrategy = Confluent.SchemaRegistry.SubjectNameStrategy.Topic });
        var bytes = await serializer.SerializeAsync(record, new SerializationContext(MessageComponentType.Value, topic));

        using var serde = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client);
        Assert.Equal(new Evo(-123456, "a name with ✓ in it", "x"), serde.Deserialize(bytes, topic, 0, 0));
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes.AsSpan(0, length), topic, 0, length));
            Assert.NotEqual(AvroErrorKind.UnknownSchemaId, e.Kind);
        }
    }

    [Fact]
    public void Random_bytes_after_a_valid_header_never_hang_crash_or_escape_as_other_exceptions()
    {
        var topic = TestNames.Unique("avro-random");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var valid = serde.Serialize(Sample.Make(7), topic);
        var random = new Random(20261127);
        var decoded = 0;
        var started = DateTime.UtcNow;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] payload;
            if (i % 2 == 0)
            {
                payload = new byte[5 + random.Next(0, 200)];
                random.NextBytes(payload.AsSpan(5));
                valid.AsSpan(0, 5).CopyTo(payload);
            }
            else
            {
                // Mutate a valid message: flip one to four bytes of its body.
                payload = (byte[])valid.Clone();
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                {
                    payload[random.Next(5, payload.Length)] = (byte)random.Next(256);
                }
            }

            try
            {
                serde.Deserialize(payload, topic, 0, i);
                decoded++;
            }
            catch (KafkaAvroException e)
            {
                Assert.NotEqual(AvroErrorKind.UnknownSchemaId, e.Kind);
            }
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.True(decoded < 20_000);
    }

    [Fact]
    public void Random_whole_payloads_and_random_avro_bodies_fail_cleanly()
    {
        var topic = TestNames.Unique("avro-random-whole");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var payload = new byte[random.Next(0, 64)];
            random.NextBytes(payload);
            if (i % 3 == 0 && payload.Length > 0)
            {
                payload[0] = 0;
            }

            try
            {
                serde.Deserialize(payload, topic, 0, i);
            }
            catch (KafkaAvroException)
            {
            }
        }

        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            try
            {
                var reader = new AvroReader(body);
                SampleCodec.Instance.Read(ref reader);
            }
            catch (KafkaAvroException)
            {
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, AvroErrorKind.Corrupt)]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, AvroErrorKind.Corrupt)]
    [InlineData(new byte[] { 0x80 }, AvroErrorKind.Truncated)]
    [InlineData(new byte[] { }, AvroErrorKind.Truncated)]
    public void Reader_rejects_bad_varints(byte[] data, AvroErrorKind kind)
    {
        var e = Assert.Throws<KafkaAvroException>(() =>
        {
            var reader = new AvroReader(data);
            reader.ReadLong();
        });
        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Reader_caps_lengths_counts_indexes_and_checks_utf8_and_booleans()
    {
        static KafkaAvroException Fails(byte[] data, AvroRead read) => Assert.Throws<KafkaAvroException>(() =>
        {
            var reader = new AvroReader(data);
            read(ref reader);
        });

        Assert.Equal(AvroErrorKind.Truncated, Fails([0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], (ref AvroReader r) => r.ReadString()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x01], (ref AvroReader r) => r.ReadBytes()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x04, 0xC3, 0x28], (ref AvroReader r) => r.ReadString()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x02], (ref AvroReader r) => r.ReadBoolean()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x04], (ref AvroReader r) => r.ReadUnionIndex(2)).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x01], (ref AvroReader r) => r.ReadEnum(3)).Kind);
        Assert.Equal(AvroErrorKind.Truncated, Fails([0xFE, 0xFF, 0xFF, 0xFF, 0x0F], (ref AvroReader r) => r.ReadArrayStart()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0xFE, 0xFF, 0xFF, 0xFF, 0x0F], (ref AvroReader r) => r.ReadArrayStart(minItemSize: 0)).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x80, 0x80, 0x80, 0x80, 0x10], (ref AvroReader r) => r.ReadInt()).Kind);
        Assert.Equal(AvroErrorKind.Truncated, Fails([1, 2, 3], (ref AvroReader r) => r.ReadDouble()).Kind);
        Assert.Equal(AvroErrorKind.Corrupt, Fails([0x06, (byte)'a', (byte)'b', (byte)'c'], (ref AvroReader r) => r.ReadUuid()).Kind);

        // A negative block count carries the block's byte size, which must fit.
        Assert.Equal(AvroErrorKind.Truncated, Fails([0x01, 0x7E], (ref AvroReader r) => r.ReadArrayStart()).Kind);
        var ok = new AvroReader([0x03, 0x04, 0x02, 0x04, 0x00]);
        Assert.Equal(2, ok.ReadArrayStart());
        Assert.Equal(1, ok.ReadInt());
        Assert.Equal(2, ok.ReadInt());
        Assert.Equal(0, ok.ReadArrayNext());
        ok.EnsureEnd();
    }
}

public delegate void AvroRead(ref AvroReader reader);

public sealed class AvroWriterAllocationTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    [Fact]
    public void Serializing_after_registration_allocates_nothing_but_the_output()
    {
        var topic = TestNames.Unique("avro-alloc");
        using var serde = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client);
        IKafkaSerializer<Evo> serializer = serde;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        var value = new Evo(123456789, "a name ✓", "extra");
        var context = new KafkaSerializationContext(topic);
        serializer.Serialize(value, buffer, context);
        var first = buffer.WrittenSpan.ToArray();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            buffer.ResetWrittenCount();
            serializer.Serialize(value, buffer, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(first, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Null_values_and_null_strings_fail_with_UnexpectedNull()
    {
        var topic = TestNames.Unique("avro-null");
        using var serde = new AvroSerde<Evo>(EvoCodec.Instance, fixture.Client);
        Assert.Equal(AvroErrorKind.UnexpectedNull, Assert.Throws<KafkaAvroException>(() => serde.Serialize(null!, topic)).Kind);
        Assert.Equal(AvroErrorKind.UnexpectedNull, Assert.Throws<KafkaAvroException>(() => serde.Serialize(new Evo(1, null!, "x"), topic)).Kind);
        Assert.Contains("'name'", AvroReader.UnexpectedNull("name").Message, StringComparison.Ordinal);
    }
}

public sealed class AvroConcurrencyTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    [Fact]
    public async Task Concurrent_first_use_registers_once_and_every_thread_round_trips()
    {
        var topic = TestNames.Unique("avro-concurrent");
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, fixture.Client);
        var gate = new Barrier(8);
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            gate.SignalAndWait();
            for (var i = 0; i < 200; i++)
            {
                var value = Sample.Make((t * 200) + i);
                SampleCodec.AssertEqual(value, serde.Deserialize(serde.Serialize(value, topic), topic, t, i));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal([1], await fixture.Client.GetSubjectVersionsAsync(topic + "-value"));
    }
}
