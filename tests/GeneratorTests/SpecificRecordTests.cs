using System.Buffers;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Generator.Tests.Specific;

public enum Priority { Low = 10, Normal = 20, Urgent = 30 }

public partial record Address(string Street, string? City, int Zip);

public partial class LineItem
{
    public string Sku { get; set; } = "";

    public short Quantity { get; init; }

    [AvroDecimal(10, 2)]
    public decimal Price { get; set; }
}

/// <summary>A message with every kind of member the ISpecificRecord emitter converts: compiled by this project's generator.</summary>
[KafkaTopic("specific.orders")]
public partial record SpecificOrder(
    [property: KafkaKey] string Id,
    long Sequence,
    [property: AvroDecimal(12, 3)] decimal Total,
    DateTimeOffset PlacedAt,
    [property: AvroTimestampMicros] DateTime UpdatedAt,
    DateOnly Day,
    TimeOnly At,
    Guid Correlation,
    Priority Priority,
    Address Ship,
    Address? Bill,
    List<LineItem> Lines,
    string[] Tags,
    Dictionary<string, double> Scores,
    IReadOnlyList<DateTimeOffset> Milestones,
    byte Flags,
    uint Counter,
    int? Retries,
    byte[] Blob,
    float Ratio,
    bool Paid)
{
    public Dictionary<string, decimal?>? Discounts { get; set; }

    public int Computed => Lines.Count;

    public virtual bool Equals(SpecificOrder? other) => other is not null && Signature() == other.Signature();

    public override int GetHashCode() => Signature().GetHashCode(StringComparison.Ordinal);

    internal string Signature() => string.Join("|",
        Id, Sequence, N(Total), PlacedAt.UtcTicks, UpdatedAt.Ticks, UpdatedAt.Kind, Day, At, Correlation, Priority, Ship, Bill,
        string.Join(",", Lines.Select(l => l.Sku + "/" + l.Quantity + "/" + N(l.Price))), string.Join(",", Tags),
        string.Join(",", Scores.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value)), string.Join(",", Milestones.Select(m => m.UtcTicks)),
        Flags, Counter, Retries, Convert.ToHexString(Blob), Ratio, Paid,
        Discounts is null ? "none" : string.Join(",", Discounts.OrderBy(p => p.Key).Select(p => p.Key + "=" + (p.Value is { } d ? N(d) : "null"))));

    // Decimals compare by value: a decimal read with scale 14 prints trailing zeros.
    private static string N(decimal value) => value.ToString("0.############################", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The generated ISpecificRecord against Confluent's own Avro serdes over HTTP to the in-process registry: Confluent's
/// AvroSerializer&lt;T&gt; writes exactly the bytes the generated codec writes, and each reads the other's.
/// </summary>
public sealed class SpecificRecordTests
{
    private static SpecificOrder Sample(string id = "o-1") => new(
        id, 42, 1234.567m, new DateTimeOffset(2026, 11, 27, 10, 11, 12, 345, TimeSpan.FromHours(2)),
        new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(12_340), new DateOnly(2026, 11, 27), new TimeOnly(13, 14, 15, 678, 901),
        Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), Priority.Urgent,
        new Address("1 Main St", "Springfield", 12345), null,
        [new LineItem { Sku = "a", Quantity = 2, Price = 9.99m }, new LineItem { Sku = "b", Quantity = -1, Price = 0.01m }],
        ["x", "ünïcødé"], new Dictionary<string, double> { ["p"] = 0.5, ["q"] = double.MaxValue },
        [DateTimeOffset.UnixEpoch, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)],
        255, uint.MaxValue, 3, [1, 2, 3], 1.5f, true)
    {
        Discounts = new Dictionary<string, decimal?> { ["vip"] = 1.25m, ["none"] = null },
    };

    [Fact]
    public async Task ConfluentSpecificSerializerWritesTheGeneratedCodecsBytesAndBothReadEachOther()
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        using var serde = new AvroSerde<SpecificOrder>(SpecificOrder.AvroCodec.Instance, client);
        var confluentSerializer = new AvroSerializer<SpecificOrder>(client);
        var confluentDeserializer = new AvroDeserializer<SpecificOrder>(client);
        var context = new SerializationContext(MessageComponentType.Value, "specific.orders");

        var order = Sample();
        var ours = serde.Serialize(order, "specific.orders");
        var theirs = await confluentSerializer.SerializeAsync(order, context);
        Assert.Equal(Convert.ToHexString(ours), Convert.ToHexString(theirs));

        var readByConfluent = await confluentDeserializer.DeserializeAsync(ours, isNull: false, context);
        Assert.Equal(order.Signature(), readByConfluent.Signature());
        var readByUs = serde.Deserialize(theirs, "specific.orders", 0, 0);
        Assert.Equal(order.Signature(), readByUs.Signature());
        Assert.Equal(2, readByConfluent.Computed);
    }

    [Fact]
    public void GetAndPutRoundTripEveryFieldThroughApacheAvrosSpecificWriterAndReader()
    {
        var order = Sample() with { Bill = new Address("2 Side St", null, 1), Retries = null, Discounts = null };
        var stream = new MemoryStream();
        // SpecificWriter/SpecificReader are what Confluent's serdes use (Apache.Avro's preresolving SpecificDatumWriter needs enum values 0..n-1).
        new SpecificWriter<SpecificOrder>(SpecificOrder._SCHEMA).Write(order, new global::Avro.IO.BinaryEncoder(stream));

        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        SpecificOrder.AvroCodec.Instance.Write(ref writer, order);
        writer.Flush();
        Assert.Equal(Convert.ToHexString(buffer.WrittenSpan), Convert.ToHexString(stream.ToArray()));

        stream.Position = 0;
        var back = new SpecificReader<SpecificOrder>(SpecificOrder._SCHEMA, SpecificOrder._SCHEMA).Read(null!, new global::Avro.IO.BinaryDecoder(stream));
        Assert.Equal(order.Signature(), back.Signature());
        stream.Position = 0;
        back = new SpecificDatumReader<SpecificOrder>(SpecificOrder._SCHEMA, SpecificOrder._SCHEMA).Read(null!, new global::Avro.IO.BinaryDecoder(stream));
        Assert.Equal(order.Signature(), back.Signature());
        Assert.IsAssignableFrom<ISpecificRecord>(back.Ship);
    }

    [Fact]
    public void GetAndPutRejectPositionsOutsideTheRecord()
    {
        ISpecificRecord record = Sample();
        Assert.Throws<global::Avro.AvroRuntimeException>(() => record.Get(99));
        Assert.Throws<global::Avro.AvroRuntimeException>(() => record.Put(-1, "x"));
        // The specific path and the generated codec describe one schema.
        Assert.Equal(
            global::Avro.SchemaNormalization.ToParsingForm(global::Avro.Schema.Parse(SpecificOrder.AvroCodec.SchemaJson)),
            global::Avro.SchemaNormalization.ToParsingForm(SpecificOrder._SCHEMA));
    }
}

/// <summary>All positional parameters optional: <c>new Defaulted()</c> compiled before ISpecificRecord was generated and must keep its meaning.</summary>
[KafkaTopic("specific.defaulted")]
public partial record Defaulted(string Name = "anon", int Count = 7, Priority Level = Priority.Normal, float Ratio = 0.5f, decimal Price = 1.25m, string? Note = null);

public sealed class GeneratedParameterlessConstructorTests
{
    [Fact]
    public void NewWithNoArgumentsKeepsTheDeclaredDefaults()
    {
        var value = new Defaulted();
        Assert.Equal(new Defaulted("anon", 7, Priority.Normal, 0.5f, 1.25m, null), value);
        Assert.Null(typeof(Defaulted).GetConstructor(Type.EmptyTypes)!.GetCustomAttributes(typeof(ObsoleteAttribute), false).SingleOrDefault());
        Assert.NotNull(typeof(SpecificOrder).GetConstructor(Type.EmptyTypes)!.GetCustomAttributes(typeof(ObsoleteAttribute), false).SingleOrDefault());
    }
}
