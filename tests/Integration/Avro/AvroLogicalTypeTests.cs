using System.Buffers;
using Avro;
using Avro.Generic;
using Kafka.Typed.Avro;
using Xunit;
using AvroDecimal = Avro.AvroDecimal;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.Avro;

public sealed class AvroLogicalTypeTests
{
    private static byte[] ApacheEncode(string schemaJson, object value)
    {
        var schema = Schema.Parse(schemaJson);
        using var stream = new MemoryStream();
        new GenericDatumWriter<object>(schema).Write(value, new global::Avro.IO.BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static byte[] Ours(AvroWrite write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData("12.34")]
    [InlineData("-12.34")]
    [InlineData("0")]
    [InlineData("99999999.99")]
    public void Decimal_over_fixed_matches_apache_avro_and_round_trips(string text)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        const string schema = """{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":12,"scale":2}""";
        var ours = Ours((ref AvroWriter w) => w.WriteDecimalFixed(value, 2, 8));
        Assert.Equal(ApacheEncode(schema, new AvroDecimal(decimal.Round(value, 2) + 0.00m)), ours);
        var reader = new AvroReader(ours);
        Assert.Equal(value, reader.ReadDecimalFixed(2, 8));
        reader.EnsureEnd();
    }

    [Fact]
    public void Decimal_too_large_for_the_fixed_size_is_rejected()
        => Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() => Ours((ref AvroWriter w) => w.WriteDecimalFixed(1e20m, 2, 8))).Kind);

    [Fact]
    public void Date_timestamps_and_uuid_match_apache_avro_and_round_trip()
    {
        var date = new DateOnly(2026, 11, 27);
        Assert.Equal(ApacheEncode("""{"type":"int","logicalType":"date"}""", date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)), Ours((ref AvroWriter w) => w.WriteDate(date)));
        var before = new DateOnly(1969, 7, 20);
        var bytes = Ours((ref AvroWriter w) => w.WriteDate(before));
        var r1 = new AvroReader(bytes);
        Assert.Equal(before, r1.ReadDate());

        var instant = new DateTimeOffset(2026, 11, 27, 1, 2, 3, TimeSpan.Zero).AddTicks(4_560);
        var micros = Ours((ref AvroWriter w) => w.WriteTimestampMicros(instant));
        Assert.Equal(ApacheEncode("""{"type":"long","logicalType":"timestamp-micros"}""", instant.UtcDateTime), micros);
        var r2 = new AvroReader(micros);
        Assert.Equal(instant, r2.ReadTimestampMicros());

        var millis = Ours((ref AvroWriter w) => w.WriteTimestampMillis(instant));
        var r3 = new AvroReader(millis);
        Assert.Equal(instant.AddTicks(-4_560), r3.ReadTimestampMillis());

        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var uuid = Ours((ref AvroWriter w) => w.WriteUuid(id));
        Assert.Equal(ApacheEncode("""{"type":"string","logicalType":"uuid"}""", id), uuid);
        var r4 = new AvroReader(uuid);
        Assert.Equal(id, r4.ReadUuid());
    }

    [Fact]
    public void Out_of_range_timestamps_are_rejected_not_wrapped()
    {
        var bytes = Ours((ref AvroWriter w) => w.WriteLong(long.MaxValue));
        Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() =>
        {
            var r = new AvroReader(bytes);
            r.ReadTimestampMillis();
        }).Kind);
        Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() =>
        {
            var r = new AvroReader(bytes);
            r.ReadTimestampMicros();
        }).Kind);
    }

    [Fact]
    public void Unpaired_surrogates_are_rejected_when_writing()
        => Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() => Ours((ref AvroWriter w) => w.WriteString("a\uD800b"))).Kind);
}
