using Avro;
using Avro.Generic;
using Confluent.SchemaRegistry;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Xunit;
using AvroDecimal = Avro.AvroDecimal;

namespace Kafka.Typed.Integration.Tests.Avro;

/// <summary>One in-process registry per test class.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public InProcessSchemaRegistry Registry { get; private set; } = null!;

    public CachedSchemaRegistryClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await InProcessSchemaRegistry.StartAsync();
        Client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = Registry.Url });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Registry.DisposeAsync();
    }
}

public enum Color
{
    Red,
    Green,
    Blue,
}

public sealed record Inner(int X, double? Y);

/// <summary>The shape of a message type the generator will see: every Avro type the tests cover.</summary>
public sealed class Sample
{
    public int I { get; init; }

    public long L { get; init; }

    public float F { get; init; }

    public double D { get; init; }

    public bool B { get; init; }

    public string S { get; init; } = "";

    public byte[] Raw { get; init; } = [];

    public string? Note { get; init; }

    public int[] Tags { get; init; } = [];

    public Dictionary<string, long> Counts { get; init; } = [];

    public Color Color { get; init; }

    public Inner Inner { get; init; } = new(0, null);

    public decimal Amount { get; init; }

    public Guid Id { get; init; }

    public DateTimeOffset At { get; init; }

    public static Sample Make(int seed) => new()
    {
        I = seed * -37,
        L = (long)seed * 1_000_000_007L * (seed % 2 == 0 ? 1 : -1),
        F = seed + 0.25f,
        D = seed / 3.0,
        B = seed % 2 == 0,
        S = $"héllo ✓ {seed}",
        Raw = [.. Enumerable.Range(0, seed % 7).Select(i => (byte)(i * 31 + seed))],
        Note = seed % 3 == 0 ? null : $"note {seed}",
        Tags = [.. Enumerable.Range(0, seed % 5).Select(i => i - seed)],
        Counts = Enumerable.Range(0, seed % 4).ToDictionary(i => $"k{i}", i => (long)i * seed),
        Color = (Color)(seed % 3),
        Inner = new Inner(seed, seed % 2 == 0 ? null : seed * 1.5),
        Amount = (seed % 2 == 0 ? 1 : -1) * (seed * 1234.5678m),
        Id = new Guid(seed, (short)seed, (short)(seed + 1), 1, 2, 3, 4, 5, 6, 7, (byte)seed),
        At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + seed),
    };
}

/// <summary>
/// A hand-written <see cref="IAvroCodec{T}"/>: the exact shape the source generator is to emit (fields in schema order,
/// straight-line calls on <see cref="AvroWriter"/>/<see cref="AvroReader"/>).
/// </summary>
public sealed class SampleCodec : IAvroCodec<Sample>
{
    public const string SchemaJson = """
        {"type":"record","name":"Sample","namespace":"kafka.typed.tests","fields":[
          {"name":"i","type":"int"},
          {"name":"l","type":"long"},
          {"name":"f","type":"float"},
          {"name":"d","type":"double"},
          {"name":"b","type":"boolean"},
          {"name":"s","type":"string"},
          {"name":"raw","type":"bytes"},
          {"name":"note","type":["null","string"],"default":null},
          {"name":"tags","type":{"type":"array","items":"int"}},
          {"name":"counts","type":{"type":"map","values":"long"}},
          {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}},
          {"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"},{"name":"y","type":["null","double"],"default":null}]}},
          {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},
          {"name":"id","type":{"type":"string","logicalType":"uuid"}},
          {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}
        ]}
        """;

    public static readonly SampleCodec Instance = new();

    public string Schema => SchemaJson;

    public void Write(ref AvroWriter writer, Sample value)
    {
        writer.WriteInt(value.I);
        writer.WriteLong(value.L);
        writer.WriteFloat(value.F);
        writer.WriteDouble(value.D);
        writer.WriteBoolean(value.B);
        writer.WriteString(value.S);
        writer.WriteBytes(value.Raw);
        if (value.Note is null)
        {
            writer.WriteUnionIndex(0);
        }
        else
        {
            writer.WriteUnionIndex(1);
            writer.WriteString(value.Note);
        }

        writer.WriteArrayStart(value.Tags.Length);
        foreach (var tag in value.Tags)
        {
            writer.WriteInt(tag);
        }

        writer.WriteArrayEnd();
        writer.WriteMapStart(value.Counts.Count);
        foreach (var (k, v) in value.Counts)
        {
            writer.WriteString(k);
            writer.WriteLong(v);
        }

        writer.WriteMapEnd();
        writer.WriteEnum((int)value.Color);
        writer.WriteInt(value.Inner.X);
        if (value.Inner.Y is { } y)
        {
            writer.WriteUnionIndex(1);
            writer.WriteDouble(y);
        }
        else
        {
            writer.WriteUnionIndex(0);
        }

        writer.WriteDecimal(value.Amount, 4);
        writer.WriteUuid(value.Id);
        writer.WriteTimestampMillis(value.At);
    }

    public Sample Read(ref AvroReader reader)
    {
        var i = reader.ReadInt();
        var l = reader.ReadLong();
        var f = reader.ReadFloat();
        var d = reader.ReadDouble();
        var b = reader.ReadBoolean();
        var s = reader.ReadString();
        var raw = reader.ReadBytes();
        var note = reader.ReadUnionIndex(2) == 0 ? null : reader.ReadString();
        var tags = new List<int>();
        for (var n = reader.ReadArrayStart(); n != 0; n = reader.ReadArrayNext())
        {
            for (var k = 0; k < n; k++)
            {
                tags.Add(reader.ReadInt());
            }
        }

        var counts = new Dictionary<string, long>();
        for (var n = reader.ReadMapStart(1); n != 0; n = reader.ReadMapNext(1))
        {
            for (var k = 0; k < n; k++)
            {
                var key = reader.ReadString();
                counts[key] = reader.ReadLong();
            }
        }

        var color = (Color)reader.ReadEnum(3);
        var x = reader.ReadInt();
        double? y = reader.ReadUnionIndex(2) == 0 ? null : reader.ReadDouble();
        return new Sample
        {
            I = i,
            L = l,
            F = f,
            D = d,
            B = b,
            S = s,
            Raw = raw,
            Note = note,
            Tags = [.. tags],
            Counts = counts,
            Color = color,
            Inner = new Inner(x, y),
            Amount = reader.ReadDecimal(4),
            Id = reader.ReadUuid(),
            At = reader.ReadTimestampMillis(),
        };
    }

    /// <summary>The same value as Apache.Avro's <see cref="GenericRecord"/> (what Confluent's serializer takes).</summary>
    public static GenericRecord ToGeneric(Sample value, RecordSchema schema)
    {
        var record = new GenericRecord(schema);
        record.Add("i", value.I);
        record.Add("l", value.L);
        record.Add("f", value.F);
        record.Add("d", value.D);
        record.Add("b", value.B);
        record.Add("s", value.S);
        record.Add("raw", value.Raw);
        record.Add("note", value.Note);
        record.Add("tags", value.Tags.Cast<object>().ToArray());
        record.Add("counts", value.Counts.ToDictionary(p => p.Key, p => (object)p.Value));
        record.Add("color", new GenericEnum((EnumSchema)schema["color"].Schema, ((EnumSchema)schema["color"].Schema)[(int)value.Color]));
        var inner = new GenericRecord((RecordSchema)schema["inner"].Schema);
        inner.Add("x", value.Inner.X);
        inner.Add("y", value.Inner.Y);
        record.Add("inner", inner);
        record.Add("amount", new AvroDecimal(value.Amount));
        record.Add("id", value.Id);
        record.Add("at", value.At.UtcDateTime);
        return record;
    }

    public static void AssertEqual(Sample expected, Sample actual)
    {
        Assert.Equal(expected.I, actual.I);
        Assert.Equal(expected.L, actual.L);
        Assert.Equal(expected.F, actual.F);
        Assert.Equal(expected.D, actual.D);
        Assert.Equal(expected.B, actual.B);
        Assert.Equal(expected.S, actual.S);
        Assert.Equal(expected.Raw, actual.Raw);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Counts.OrderBy(p => p.Key), actual.Counts.OrderBy(p => p.Key));
        Assert.Equal(expected.Color, actual.Color);
        Assert.Equal(expected.Inner, actual.Inner);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.At, actual.At);
    }
}
