using Kafka.Typed.Avro;
using Kafka.Typed.Integration.Tests.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>Every time type the generator maps, in a nested record that is NOT partial (so it gets no ISpecificRecord).</summary>
public sealed class PlainStamps
{
    public DateTimeOffset Millis { get; set; }

    [AvroTimestampMicros]
    public DateTimeOffset Micros { get; set; }

    public DateTime MillisUtc { get; set; }

    [AvroTimestampMicros]
    public DateTime MicrosUtc { get; set; }

    public TimeOnly Time { get; set; }

    public DateOnly Date { get; set; }

    public DateTimeOffset? MaybeMillis { get; set; }

    public List<DateTimeOffset> Series { get; set; } = [];
}

/// <summary>The same members in a partial nested record (it gets an ISpecificRecord).</summary>
public partial class PartialStamps
{
    public DateTimeOffset Millis { get; set; }

    [AvroTimestampMicros]
    public DateTimeOffset Micros { get; set; }

    public DateTime MillisUtc { get; set; }

    [AvroTimestampMicros]
    public DateTime MicrosUtc { get; set; }

    public TimeOnly Time { get; set; }

    public DateOnly Date { get; set; }

    public DateTimeOffset? MaybeMillis { get; set; }

    public List<DateTimeOffset> Series { get; set; } = [];
}

[KafkaTopic("gen.ts.plain.v1")]
[AvroName("StampsPlain", Namespace = "ts")]
public partial record PlainStampsV1(string Id, PlainStamps Stamps);

/// <summary>v2 of ts.StampsPlain: a field added with a default, so reading v1 data resolves.</summary>
[KafkaTopic("gen.ts.plain.v2")]
[AvroName("StampsPlain", Namespace = "ts")]
public partial record PlainStampsV2(string Id, PlainStamps Stamps, int Extra = 1);

/// <summary>
/// v1 of the partial pair, under v2's CLR name in Avro: Apache.Avro's specific reader finds the types to create by their
/// Avro full names, so the reader's (v2's) Avro names must be its CLR names.
/// </summary>
[KafkaTopic("gen.ts.partial.v1")]
[AvroName("PartialStampsV2", Namespace = "Kafka.Typed.Integration.Tests.AvroGenerated")]
public partial record PartialStampsV1(string Id, PartialStamps Stamps);

[KafkaTopic("gen.ts.partial.v2")]
public partial record PartialStampsV2(string Id, PartialStamps Stamps, int Extra = 1);

/// <summary>
/// Issue 9 item 3: timestamps across the whole range (years 1 to 9999, before and after the epoch, millis and micros,
/// time of day and dates) come back exactly on every read path: the generated codec, schema resolution through the
/// generic reader (a nested type that is not partial), through Apache.Avro's specific reader (partial nested types),
/// and Confluent's own serdes (<see cref="ConfluentAvro.Implementation"/>).
/// </summary>
public sealed class GeneratedTimestampTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private const long MinMillis = -62_135_596_800_000; // 0001-01-01T00:00:00Z
    private const long MaxMillis = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    private const long MaxTimeTicks = 863_999_999_990; // 23:59:59.999999

    /// <summary>The instants as (millis, micros) since the epoch: the edges, the issue's value, then random ones.</summary>
    private static List<(long Millis, long Micros)> Instants(int seed, int count)
    {
        var random = new Random(seed);
        var list = new List<(long, long)>
        {
            (MaxMillis, (MaxMillis * 1000) + 999),
            (MinMillis, MinMillis * 1000),
            (118_229_590_648_581, (118_229_590_648_581 * 1000) + 1),
            (-1, -1),
            (0, 0),
            (1, 1),
            (-62_135_596_799_999, (MinMillis * 1000) + 1),
            (253_402_214_400_000, 253_402_214_400_000_000), // 9999-12-31T00:00:00Z
        };
        for (var i = 0; i < count; i++)
        {
            var millis = random.NextInt64(MinMillis, MaxMillis + 1);
            list.Add((millis, (millis * 1000) + random.Next(0, 1000)));
        }

        return list;
    }

    private static PlainStamps Plain(long millis, long micros, int index)
    {
        var ms = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        var us = new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + (micros * 10), TimeSpan.Zero);
        return new PlainStamps
        {
            Millis = ms,
            Micros = us,
            MillisUtc = ms.UtcDateTime,
            MicrosUtc = us.UtcDateTime,
            Time = new TimeOnly(Math.Abs(micros * 10) % (MaxTimeTicks + 10)),
            Date = DateOnly.FromDateTime(ms.UtcDateTime),
            MaybeMillis = index % 3 == 0 ? null : ms,
            Series = [ms, DateTimeOffset.FromUnixTimeMilliseconds(MaxMillis - (millis - MinMillis))],
        };
    }

    private static PartialStamps Partial(PlainStamps p) => new()
    {
        Millis = p.Millis,
        Micros = p.Micros,
        MillisUtc = p.MillisUtc,
        MicrosUtc = p.MicrosUtc,
        Time = p.Time,
        Date = p.Date,
        MaybeMillis = p.MaybeMillis,
        Series = [.. p.Series],
    };

    /// <summary>Compares every value; fails with how many differed and the first few.</summary>
    private static void AllEqual<T>(IReadOnlyList<T> expected, Func<int, T> read, string path)
    {
        var wrong = new List<string>();
        for (var i = 0; i < expected.Count; i++)
        {
            try
            {
                Deep.Equal(expected[i], read(i), $"#{i}");
            }
            catch (Xunit.Sdk.XunitException e)
            {
                wrong.Add(e.Message);
            }
        }

        Assert.True(wrong.Count == 0, $"{path}: {wrong.Count} of {expected.Count} values differ; first: {string.Join(" | ", wrong.Take(3))}");
    }

    [Fact]
    public void The_generated_codec_reads_every_instant_exactly()
    {
        var topic = TestNames.Unique("gen-ts-fast");
        using var serde = new AvroSerde<PlainStampsV2>(PlainStampsV2.AvroCodec.Instance, fixture.Client);
        var values = Instants(9, 300).Select((t, i) => new PlainStampsV2("p" + i, Plain(t.Millis, t.Micros, i), i)).ToList();
        var bytes = values.Select(v => serde.Serialize(v, topic)).ToList();
        AllEqual(values, i => serde.Deserialize(bytes[i], topic, 0, i), "fast path");
        Assert.Equal(0, serde.GenericResolutions + serde.SpecificResolutions);
    }

    [Fact]
    public void Resolution_through_a_nested_type_that_is_not_partial_reads_every_instant_exactly()
    {
        var topic = TestNames.Unique("gen-ts-plain");
        using var v1 = new AvroSerde<PlainStampsV1>(PlainStampsV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<PlainStampsV2>(PlainStampsV2.AvroCodec.Instance, fixture.Client);
        var instants = Instants(3, 300);
        var written = instants.Select((t, i) => v1.Serialize(new PlainStampsV1("p" + i, Plain(t.Millis, t.Micros, i)), topic)).ToList();
        v2.Serialize(new PlainStampsV2("v2", Plain(0, 0, 0)), topic);

        var expected = instants.Select((t, i) => new PlainStampsV2("p" + i, Plain(t.Millis, t.Micros, i))).ToList();
        AllEqual(expected, i => v2.Deserialize(written[i], topic, 0, i), "generic resolution");
        Assert.Equal(instants.Count, v2.GenericResolutions);
    }

    [Fact]
    public void Resolution_through_partial_nested_types_reads_every_instant_exactly()
    {
        var topic = TestNames.Unique("gen-ts-partial");
        using var v1 = new AvroSerde<PartialStampsV1>(PartialStampsV1.AvroCodec.Instance, fixture.Client);
        using var v2 = new AvroSerde<PartialStampsV2>(PartialStampsV2.AvroCodec.Instance, fixture.Client);
        var instants = Instants(5, 300);
        var written = instants.Select((t, i) => v1.Serialize(new PartialStampsV1("p" + i, Partial(Plain(t.Millis, t.Micros, i))), topic)).ToList();
        v2.Serialize(new PartialStampsV2("v2", Partial(Plain(0, 0, 0))), topic);

        var expected = instants.Select((t, i) => new PartialStampsV2("p" + i, Partial(Plain(t.Millis, t.Micros, i)))).ToList();
        AllEqual(expected, i => v2.Deserialize(written[i], topic, 0, i), "specific resolution");
        Assert.Equal(instants.Count, v2.SpecificResolutions);
    }

    [Fact]
    public void Confluents_serdes_write_and_read_every_instant_exactly_and_agree_with_the_generated_codec()
    {
        var topic = TestNames.Unique("gen-ts-confluent");
        var confluentMode = new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation };
        using var confluentV1 = new AvroSerde<PartialStampsV1>(PartialStampsV1.AvroCodec.Instance, fixture.Client, confluentMode);
        using var confluentV2 = new AvroSerde<PartialStampsV2>(PartialStampsV2.AvroCodec.Instance, fixture.Client, confluentMode);
        using var generatedV2 = new AvroSerde<PartialStampsV2>(PartialStampsV2.AvroCodec.Instance, fixture.Client);
        var instants = Instants(7, 300);
        var v1Values = instants.Select((t, i) => new PartialStampsV1("p" + i, Partial(Plain(t.Millis, t.Micros, i)))).ToList();
        var v2Values = instants.Select((t, i) => new PartialStampsV2("p" + i, Partial(Plain(t.Millis, t.Micros, i)))).ToList();

        // Confluent's AvroSerializer<T> writes through the ISpecificRecord (Apache.Avro's logical-type conversions).
        var byConfluentV1 = v1Values.Select(v => confluentV1.Serialize(v, topic)).ToList();
        var byConfluentV2 = v2Values.Select(v => confluentV2.Serialize(v, topic)).ToList();
        var byGenerated = v2Values.Select(v => generatedV2.Serialize(v, topic)).ToList();

        AllEqual(v2Values, i => confluentV2.Deserialize(byConfluentV1[i], topic, 0, i), "Confluent reads Confluent's v1 (resolution)");
        AllEqual(v2Values, i => confluentV2.Deserialize(byGenerated[i], topic, 0, i), "Confluent reads the generated codec's");
        AllEqual(v2Values, i => generatedV2.Deserialize(byConfluentV2[i], topic, 0, i), "the generated codec reads Confluent's");
        for (var i = 0; i < byGenerated.Count; i++)
        {
            Assert.True(byGenerated[i].AsSpan().SequenceEqual(byConfluentV2[i]), $"#{i}: Confluent's bytes differ from the generated codec's");
        }
    }

    [Fact]
    public void An_instant_between_two_units_before_the_epoch_is_floored_alike_by_the_codec_and_by_Confluents_serializer()
    {
        var topic = TestNames.Unique("gen-ts-floor");
        using var generated = new AvroSerde<PartialStampsV2>(PartialStampsV2.AvroCodec.Instance, fixture.Client);
        using var confluent = new AvroSerde<PartialStampsV2>(PartialStampsV2.AvroCodec.Instance, fixture.Client, new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation });
        var at = DateTimeOffset.UnixEpoch.AddTicks(-15); // 1.5 µs before the epoch
        var value = new PartialStampsV2("floor", new PartialStamps { Millis = at, Micros = at, MillisUtc = at.UtcDateTime, MicrosUtc = at.UtcDateTime, Series = [at] });

        // Floor, as Java's Instant.toEpochMilli and the microsecond conversions do: 1 ms and 2 µs before the epoch.
        var millis = DateTimeOffset.UnixEpoch.AddMilliseconds(-1);
        var micros = DateTimeOffset.UnixEpoch.AddTicks(-20);
        var expected = new PartialStampsV2("floor", new PartialStamps { Millis = millis, Micros = micros, MillisUtc = millis.UtcDateTime, MicrosUtc = micros.UtcDateTime, Series = [millis] });
        var ours = generated.Serialize(value, topic);
        var theirs = confluent.Serialize(value, topic);
        Deep.Equal(expected, generated.Deserialize(ours, topic, 0, 0));
        Deep.Equal(expected, generated.Deserialize(theirs, topic, 0, 1));
        Assert.Equal(Convert.ToHexString(ours), Convert.ToHexString(theirs));
    }
}
