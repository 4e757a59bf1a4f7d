using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using Avro.Specific;
using Kafka.Typed.Avro;
using AvroDecimal = Avro.AvroDecimal;

// Namespace-level types whose CLR full names equal their Avro full names, so Apache.Avro's ObjectCreator finds them:
// the shape the source generator emits for an Avro message type that implements ISpecificRecord.
namespace Kafka.Typed.Integration.Tests.Avro;

public enum PaymentKind
{
    Card,
    Transfer,
    Cash,
}

/// <summary>A nested record, itself an <see cref="ISpecificRecord"/>.</summary>
public sealed record PaymentParty(string Name, int Rank) : ISpecificRecord
{
    public const string SchemaJson = """{"type":"record","name":"PaymentParty","namespace":"Kafka.Typed.Integration.Tests.Avro","fields":[{"name":"name","type":"string"},{"name":"rank","type":"int"}]}""";

#pragma warning disable SA1401, CA2211 // Confluent's serdes read this field by reflection.
    public static global::Avro.Schema _SCHEMA = global::Avro.Schema.Parse(SchemaJson);
#pragma warning restore SA1401, CA2211

    public PaymentParty()
        : this("", 0)
    {
    }

    global::Avro.Schema ISpecificRecord.Schema => _SCHEMA;

    object ISpecificRecord.Get(int fieldPos) => fieldPos switch
    {
        0 => Name,
        1 => Rank,
        _ => throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    void ISpecificRecord.Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SetName(this, (string)fieldValue); break;
            case 1: SetRank(this, (int)fieldValue); break;
            default: throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Name")]
    private static extern void SetName(PaymentParty self, string value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Rank")]
    private static extern void SetRank(PaymentParty self, int value);
}

/// <summary>
/// A positional record with init-only properties implementing <see cref="ISpecificRecord"/> exactly as the generator
/// will: <c>_SCHEMA</c>, explicit Schema/Get/Put with Apache.Avro's conversions, setters through
/// <see cref="UnsafeAccessorAttribute"/>, and a public parameterless constructor for ObjectCreator.
/// </summary>
public sealed record Payment(long Id, string Customer, decimal Amount, DateTimeOffset At, string? Note, IReadOnlyList<string> Tags, PaymentKind Kind, PaymentParty Party) : ISpecificRecord
{
    public const string SchemaJson = """
        {"type":"record","name":"Payment","namespace":"Kafka.Typed.Integration.Tests.Avro","fields":[
          {"name":"id","type":"long"},
          {"name":"customer","type":"string"},
          {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":2}},
          {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"note","type":["null","string"],"default":null},
          {"name":"tags","type":{"type":"array","items":"string"}},
          {"name":"kind","type":{"type":"enum","name":"PaymentKind","symbols":["Card","Transfer","Cash"]}},
          {"name":"party","type":{"type":"record","name":"PaymentParty","fields":[{"name":"name","type":"string"},{"name":"rank","type":"int"}]}}
        ]}
        """;

#pragma warning disable SA1401, CA2211 // Confluent's serdes read this field by reflection.
    public static global::Avro.Schema _SCHEMA = global::Avro.Schema.Parse(SchemaJson);
#pragma warning restore SA1401, CA2211

    public Payment()
        : this(0, "", 0m, default, null, [], PaymentKind.Card, null!)
    {
    }

    global::Avro.Schema ISpecificRecord.Schema => _SCHEMA;

    public static Payment Make(int seed) => new(
        seed * 1_000_000_007L * (seed % 2 == 0 ? 1 : -1),
        $"cüstomer ✓ {seed}",
        (seed % 2 == 0 ? 1 : -1) * (seed * 1234.56m),
        DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + seed * 997L),
        seed % 3 == 0 ? null : $"note {seed}",
        [.. Enumerable.Range(0, seed % 4).Select(i => $"t{i}-{seed}")],
        (PaymentKind)(seed % 3),
        new PaymentParty($"party {seed}", -seed));

    public static void AssertEqual(Payment expected, Payment actual)
    {
        Xunit.Assert.Equal(expected.Id, actual.Id);
        Xunit.Assert.Equal(expected.Customer, actual.Customer);
        Xunit.Assert.Equal(expected.Amount, actual.Amount);
        Xunit.Assert.Equal(expected.At, actual.At);
        Xunit.Assert.Equal(expected.Note, actual.Note);
        Xunit.Assert.Equal(expected.Tags, actual.Tags);
        Xunit.Assert.Equal(expected.Kind, actual.Kind);
        Xunit.Assert.Equal(expected.Party, actual.Party);
    }

    object ISpecificRecord.Get(int fieldPos) => fieldPos switch
    {
        0 => Id,
        1 => Customer,
        2 => new AvroDecimal(new BigInteger(decimal.Truncate(Amount * 100m)), 2),
        3 => At.UtcDateTime,
        4 => Note!,
        5 => new List<string>(Tags), // a fresh mutable IList: SpecificDatumReader clears and fills what Get returns
        6 => Kind,
        7 => Party,
        _ => throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    void ISpecificRecord.Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SetId(this, (long)fieldValue); break;
            case 1: SetCustomer(this, (string)fieldValue); break;
            case 2: SetAmount(this, ((AvroDecimal)fieldValue).ToType<decimal>()); break;
            case 3: SetAt(this, new DateTimeOffset(DateTime.SpecifyKind((DateTime)fieldValue, DateTimeKind.Utc))); break;
            case 4: SetNote(this, (string?)fieldValue); break;
            case 5: SetTags(this, [.. ((IEnumerable)fieldValue).Cast<string>()]); break;
            case 6: SetKind(this, fieldValue is PaymentKind kind ? kind : (PaymentKind)(int)fieldValue); break; // SpecificDatumReader passes the ordinal
            case 7: SetParty(this, (PaymentParty)fieldValue); break;
            default: throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Id")]
    private static extern void SetId(Payment self, long value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Customer")]
    private static extern void SetCustomer(Payment self, string value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Amount")]
    private static extern void SetAmount(Payment self, decimal value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_At")]
    private static extern void SetAt(Payment self, DateTimeOffset value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Note")]
    private static extern void SetNote(Payment self, string? value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Tags")]
    private static extern void SetTags(Payment self, IReadOnlyList<string> value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Kind")]
    private static extern void SetKind(Payment self, PaymentKind value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Party")]
    private static extern void SetParty(Payment self, PaymentParty value);
}

/// <summary>The hand-written codec for <see cref="Payment"/> (what the generator emits next to the ISpecificRecord members).</summary>
public sealed class PaymentCodec : IAvroCodec<Payment>
{
    public static readonly PaymentCodec Instance = new();

    public string Schema => Payment.SchemaJson;

    public void Write(ref AvroWriter writer, Payment value)
    {
        writer.WriteLong(value.Id);
        writer.WriteString(value.Customer);
        writer.WriteDecimal(value.Amount, 2);
        writer.WriteTimestampMillis(value.At);
        if (value.Note is null)
        {
            writer.WriteUnionIndex(0);
        }
        else
        {
            writer.WriteUnionIndex(1);
            writer.WriteString(value.Note);
        }

        writer.WriteArrayStart(value.Tags.Count);
        foreach (var tag in value.Tags)
        {
            writer.WriteString(tag);
        }

        writer.WriteArrayEnd();
        writer.WriteEnum((int)value.Kind);
        if (value.Party is null)
        {
            throw AvroReader.UnexpectedNull("Party");
        }

        writer.WriteString(value.Party.Name);
        writer.WriteInt(value.Party.Rank);
    }

    public Payment Read(ref AvroReader reader)
    {
        var id = reader.ReadLong();
        var customer = reader.ReadString();
        var amount = reader.ReadDecimal(2);
        var at = reader.ReadTimestampMillis();
        var note = reader.ReadUnionIndex(2) == 0 ? null : reader.ReadString();
        var tags = new List<string>();
        for (var n = reader.ReadArrayStart(1); n != 0; n = reader.ReadArrayNext(1))
        {
            for (var i = 0; i < n; i++)
            {
                tags.Add(reader.ReadString());
            }
        }

        var kind = (PaymentKind)reader.ReadEnum(3);
        var party = new PaymentParty(reader.ReadString(), reader.ReadInt());
        return new Payment(id, customer, amount, at, note, tags, kind, party);
    }
}

/// <summary>
/// Version 2 of a record whose version 1 (<c>{id: int, name: string}</c>) is written as a generic record: <c>id</c>
/// promoted to long, <c>region</c> added with a default. <see cref="ReadBy"/> (not in the schema) tells which path
/// built a value: the codec, or Apache.Avro's SpecificDatumReader through the parameterless constructor.
/// </summary>
public sealed record Shipment(long Id, string Name, string Region) : ISpecificRecord
{
    public const string SchemaJson = """{"type":"record","name":"Shipment","namespace":"Kafka.Typed.Integration.Tests.Avro","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"region","type":"string","default":"n/a"}]}""";

    public const string V1SchemaJson = """{"type":"record","name":"Shipment","namespace":"Kafka.Typed.Integration.Tests.Avro","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}""";

#pragma warning disable SA1401, CA2211 // Confluent's serdes read this field by reflection.
    public static global::Avro.Schema _SCHEMA = global::Avro.Schema.Parse(SchemaJson);
#pragma warning restore SA1401, CA2211

    public Shipment()
        : this(0, "", "")
    {
        ReadBy = "specific";
    }

    public string ReadBy { get; init; } = "codec";

    global::Avro.Schema ISpecificRecord.Schema => _SCHEMA;

    object ISpecificRecord.Get(int fieldPos) => fieldPos switch
    {
        0 => Id,
        1 => Name,
        2 => Region,
        _ => throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    void ISpecificRecord.Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SetId(this, (long)fieldValue); break;
            case 1: SetName(this, (string)fieldValue); break;
            case 2: SetRegion(this, (string)fieldValue); break;
            default: throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Id")]
    private static extern void SetId(Shipment self, long value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Name")]
    private static extern void SetName(Shipment self, string value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Region")]
    private static extern void SetRegion(Shipment self, string value);
}

public sealed class ShipmentCodec : IAvroCodec<Shipment>
{
    public static readonly ShipmentCodec Instance = new();

    public string Schema => Shipment.SchemaJson;

    public void Write(ref AvroWriter writer, Shipment value)
    {
        writer.WriteLong(value.Id);
        writer.WriteString(value.Name);
        writer.WriteString(value.Region);
    }

    public Shipment Read(ref AvroReader reader) => new(reader.ReadLong(), reader.ReadString(), reader.ReadString());
}

/// <summary>
/// An <see cref="ISpecificRecord"/> whose Avro full name (<c>elsewhere.Mismatch</c>) is not its CLR name: Apache.Avro's
/// ObjectCreator cannot find it, so <see cref="AvroSerde{T}"/> falls back to the generic path.
/// </summary>
public sealed record Mismatch(long Id, string Extra) : ISpecificRecord
{
    public const string SchemaJson = """{"type":"record","name":"Mismatch","namespace":"elsewhere","fields":[{"name":"id","type":"long"},{"name":"extra","type":"string","default":"dflt"}]}""";

#pragma warning disable SA1401, CA2211 // Confluent's serdes read this field by reflection.
    public static global::Avro.Schema _SCHEMA = global::Avro.Schema.Parse(SchemaJson);
#pragma warning restore SA1401, CA2211

    public Mismatch()
        : this(0, "")
    {
    }

    global::Avro.Schema ISpecificRecord.Schema => _SCHEMA;

    object ISpecificRecord.Get(int fieldPos) => fieldPos switch
    {
        0 => Id,
        1 => Extra,
        _ => throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    void ISpecificRecord.Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SetId(this, (long)fieldValue); break;
            case 1: SetExtra(this, (string)fieldValue); break;
            default: throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Id")]
    private static extern void SetId(Mismatch self, long value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Extra")]
    private static extern void SetExtra(Mismatch self, string value);
}

public sealed class MismatchCodec : IAvroCodec<Mismatch>
{
    public static readonly MismatchCodec Instance = new();

    public string Schema => Mismatch.SchemaJson;

    public void Write(ref AvroWriter writer, Mismatch value)
    {
        writer.WriteLong(value.Id);
        writer.WriteString(value.Extra);
    }

    public Mismatch Read(ref AvroReader reader) => new(reader.ReadLong(), reader.ReadString());
}

/// <summary>
/// Version 1 of <see cref="Shipment"/> as a reader of version 2 data: its own CLR-matching name, with the version 2 name
/// as an alias (Avro's resolution matches records by name or alias).
/// </summary>
public sealed record ShipmentV1(int Id, string Name) : ISpecificRecord
{
    public const string SchemaJson = """{"type":"record","name":"ShipmentV1","namespace":"Kafka.Typed.Integration.Tests.Avro","aliases":["Kafka.Typed.Integration.Tests.Avro.Shipment"],"fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}""";

#pragma warning disable SA1401, CA2211 // Confluent's serdes read this field by reflection.
    public static global::Avro.Schema _SCHEMA = global::Avro.Schema.Parse(SchemaJson);
#pragma warning restore SA1401, CA2211

    public ShipmentV1()
        : this(0, "")
    {
        ReadBy = "specific";
    }

    public string ReadBy { get; init; } = "codec";

    global::Avro.Schema ISpecificRecord.Schema => _SCHEMA;

    object ISpecificRecord.Get(int fieldPos) => fieldPos switch
    {
        0 => Id,
        1 => Name,
        _ => throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    void ISpecificRecord.Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SetId(this, (int)fieldValue); break;
            case 1: SetName(this, (string)fieldValue); break;
            default: throw new global::Avro.AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Id")]
    private static extern void SetId(ShipmentV1 self, int value);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Name")]
    private static extern void SetName(ShipmentV1 self, string value);
}

public sealed class ShipmentV1Codec : IAvroCodec<ShipmentV1>
{
    public static readonly ShipmentV1Codec Instance = new();

    public string Schema => ShipmentV1.SchemaJson;

    public void Write(ref AvroWriter writer, ShipmentV1 value)
    {
        writer.WriteInt(value.Id);
        writer.WriteString(value.Name);
    }

    public ShipmentV1 Read(ref AvroReader reader) => new(reader.ReadInt(), reader.ReadString());
}
