using Kafka.Typed.Avro;
using Kafka.Typed.Integration.Tests.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>
/// Schema evolution between generated types that share the Avro name evo.Order: the writer schema id differs from the
/// reader's, so <see cref="AvroSerde{T}"/> resolves writer → reader schema.
/// </summary>
public sealed class GeneratedEvolutionTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private static int SchemaId(byte[] bytes) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4));

    [Fact]
    public async Task V2_reads_v1_data_with_the_added_field_defaulted_and_int_promoted_to_long()
    {
        var topic = TestNames.Unique("gen-evo-v2-reads-v1");
        using var v1 = new AvroSerde<OrderV1>(OrderV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<OrderV2>(OrderV2.AvroCodec.Instance, fixture.Client);
        var old = new[] { new OrderV1("o-1", 5, "first"), new OrderV1("o-2", int.MinValue, ""), new OrderV1("o-3", int.MaxValue, Samples.Unicode) };
        var written = old.Select(o => v1.Serialize(o, topic)).ToList();

        // v2 registers as the subject's second version (BACKWARD: it reads v1) and writes with its own id.
        var fresh = v2.Serialize(new OrderV2("o-4", long.MaxValue, "new", 9), topic);
        Assert.NotEqual(SchemaId(written[0]), SchemaId(fresh));
        Assert.Equal([1, 2], await fixture.Client.GetSubjectVersionsAsync(topic + "-value"));

        for (var i = 0; i < old.Length; i++)
        {
            Assert.Equal(new OrderV2(old[i].Id, old[i].Quantity, old[i].Note, 3), v2.Deserialize(written[i], topic, 0, i));
        }

        Assert.Equal(new OrderV2("o-4", long.MaxValue, "new", 9), v2.Deserialize(fresh, topic, 0, 9));
    }

    [Fact]
    public void V1_reads_data_of_a_v2_that_only_added_fields()
    {
        var topic = TestNames.Unique("gen-evo-v1-reads-v2");
        using var v1 = new AvroSerde<OrderV1>(OrderV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<OrderV2Added>(OrderV2Added.AvroCodec.Instance, fixture.Client);
        var own = v1.Serialize(new OrderV1("o-0", 1, "v1"), topic);
        var values = new[] { new OrderV2Added("o-1", 42, "n", "store", Level.High), new OrderV2Added("o-2", -1, Samples.Unicode), new OrderV2Added("o-3", 0, "", "", Level.Mid) };
        for (var i = 0; i < values.Length; i++)
        {
            var bytes = v2.Serialize(values[i], topic);
            Assert.NotEqual(SchemaId(own), SchemaId(bytes));
            Assert.Equal(new OrderV1(values[i].Id, values[i].Quantity, values[i].Note), v1.Deserialize(bytes, topic, 0, i));
        }

        // And the other way round for the same pair: v2 reads v1 data with both added fields defaulted.
        Assert.Equal(new OrderV2Added("o-0", 1, "v1", "web", Level.Low), v2.Deserialize(own, topic, 0, 99));
    }

    [Fact]
    public void V1_cannot_read_v2_data_after_the_int_to_long_promotion_and_says_so()
    {
        // Avro promotes int → long, never long → int: v1 (Quantity int) reading v2 (Quantity long) is incompatible.
        var topic = TestNames.Unique("gen-evo-v1-reads-promoted");
        using var v1 = new AvroSerde<OrderV1>(OrderV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<OrderV2>(OrderV2.AvroCodec.Instance, fixture.Client);
        v1.Serialize(new OrderV1("o-0", 1, "v1"), topic);
        var bytes = v2.Serialize(new OrderV2("o-1", 7, "n", 1), topic);
        var e = Assert.Throws<KafkaAvroException>(() => v1.Deserialize(bytes, topic, 2, 3));
        Assert.Equal(AvroErrorKind.IncompatibleSchema, e.Kind);

        // Named as the build-time check KTG304 names it: the field and the rule (issue 10 item 8).
        Assert.Contains("field 'Order.Quantity': the writer's type 'long' cannot be read as 'int'", e.Message, StringComparison.Ordinal);
        Assert.Equal(SchemaId(bytes), e.SchemaId);
        Assert.Equal((topic, 2, 3L), (e.Topic!, e.Partition, e.Offset));
    }

    [Fact]
    public void Every_truncation_through_the_resolving_path_throws_KafkaAvroException()
    {
        var topic = TestNames.Unique("gen-evo-truncate");
        using var v1 = new AvroSerde<OrderV1>(OrderV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<OrderV2>(OrderV2.AvroCodec.Instance, fixture.Client);
        var bytes = v1.Serialize(new OrderV1("an id", 123_456, "a note with ✓"), topic);
        Assert.Equal(new OrderV2("an id", 123_456, "a note with ✓", 3), v2.Deserialize(bytes, topic, 0, 0));
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<KafkaAvroException>(() => v2.Deserialize(bytes.AsSpan(0, length), topic, 0, length));
            Assert.True(length < 5 ? e.Kind == AvroErrorKind.TooShort : e.Kind is AvroErrorKind.Truncated or AvroErrorKind.Corrupt, $"length {length}: {e.Kind}");
        }

        var trailing = Assert.Throws<KafkaAvroException>(() => v2.Deserialize([.. bytes, 0], topic, 0, 0));
        Assert.Equal(AvroErrorKind.Corrupt, trailing.Kind);
    }
}
