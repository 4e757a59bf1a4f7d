// Message types whose Avro schema and codec come from the source generator ({Type}.AvroCodec). Each covers one slice of
// the type mapping; the tests in this folder round-trip them, pin their schemas, and check them against Confluent's
// serializer, corrupt input and schema evolution.
namespace Kafka.Typed.Integration.Tests.AvroGenerated;

public enum Level
{
    Low,
    Mid,
    High,
}

/// <summary>An enum renamed in Avro (name and namespace).</summary>
[AvroName("Shade", Namespace = "gen.colors")]
public enum Tint
{
    Cyan,
    Magenta,
    Yellow,
}

/// <summary>Every scalar and logical type.</summary>
[KafkaTopic("gen.scalars")]
public partial class AllScalars
{
    public bool Flag { get; init; }

    public int Int { get; init; }

    public long Long { get; init; }

    public float Float { get; init; }

    public double Double { get; init; }

    public string Text { get; init; } = "";

    public byte[] Blob { get; init; } = [];

    public Guid Id { get; init; }

    public DateTime At { get; init; }

    public DateTimeOffset AtOffset { get; init; }

    [AvroTimestampMicros]
    public DateTime AtMicros { get; init; }

    [AvroTimestampMicros]
    public DateTimeOffset AtOffsetMicros { get; init; }

    public DateOnly Day { get; init; }

    public TimeOnly Time { get; init; }

    public decimal Amount { get; init; }

    [AvroDecimal(10, 3)]
    public decimal Price { get; init; }

    public short Short { get; init; }

    public byte Byte { get; init; }

    public ushort UShort { get; init; }

    public sbyte SByte { get; init; }

    public uint UInt { get; init; }

    public Level Level { get; init; }

    public Tint Tint { get; init; }
}

/// <summary>A nested record that is not a message type (a class).</summary>
public sealed class Address
{
    public string Street { get; init; } = "";

    public string City { get; init; } = "";

    public int? Zip { get; init; }
}

/// <summary>A nested record that is a struct with setters.</summary>
public struct Point
{
    public int X { get; set; }

    public double Y { get; set; }
}

/// <summary>Nullable value and reference types: each a union with null first, default null.</summary>
[KafkaTopic("gen.nullables")]
public partial class Nullables
{
    public int? Int { get; init; }

    public long? Long { get; init; }

    public double? Double { get; init; }

    public bool? Flag { get; init; }

    public Guid? Id { get; init; }

    public DateTimeOffset? At { get; init; }

    public DateOnly? Day { get; init; }

    public decimal? Amount { get; init; }

    public Level? Level { get; init; }

    public string? Text { get; init; }

    public byte[]? Blob { get; init; }

    public Address? Address { get; init; }

    public Point? Point { get; init; }

    public List<string>? Names { get; init; }

    public Dictionary<string, int>? Scores { get; init; }

    public List<int?> MaybeInts { get; init; } = [];

    // List<string?> (nullable reference items) is left out: the generated reader declares the local as List<string>
    // and fails to compile with CS8619 (a generator bug, see GeneratorBugRepro in tests/GeneratorTests).
}

/// <summary>Arrays, lists, maps, nested collections and collections of records.</summary>
[KafkaTopic("gen.collections")]
public partial class Collections
{
    public int[] Ints { get; init; } = [];

    public List<string> Strings { get; init; } = [];

    public IReadOnlyList<long> Longs { get; init; } = [];

    public ICollection<double> Doubles { get; init; } = [];

    public Dictionary<string, int> Counts { get; init; } = [];

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public List<List<int>> Nested { get; init; } = [];

    public Dictionary<string, List<Address>> Book { get; init; } = [];

    public Address[] Addresses { get; init; } = [];

    public List<Point> Points { get; init; } = [];

    public IReadOnlyList<Level> Levels { get; init; } = [];
}

/// <summary>A positional record: renamed type and field, nested class and struct records, a nullable record, ignored members.</summary>
[KafkaTopic("gen.people")]
[AvroName("Person", Namespace = "gen.people")]
public partial record Customer([property: AvroName("customer_id")] string Id, Address Home, Point Location, Address? Work = null)
{
    [AvroIgnore]
    public string Cached { get; init; } = "not in avro";

    [AvroIgnore]
    public int IdLength => Id.Length;
}

/// <summary>Defaults from positional parameter defaults, property initializers and [AvroDefault].</summary>
[KafkaTopic("gen.defaults")]
public partial record WithDefaults(string Name = "anon", int Count = 7, Level Level = Level.Mid, double Ratio = 0.5)
{
    public long Big { get; init; } = 9_000_000_000L;

    public bool On { get; init; } = true;

    public float Factor { get; init; } = 1.5f;

    public string Title { get; init; } = "untitled";

    public List<string> Tags { get; init; } = [];

    public Dictionary<string, long> Totals { get; init; } = new();

    [AvroDefault(42)]
    public int Answer { get; init; }

    [AvroDefault("x")]
    public string Letter { get; init; } = "y";

    [AvroDefault(Level.High)]
    public Level Top { get; init; }

    [AvroDefault("6f1c1b8e-7c1a-4d5b-9a51-0d3f2b8a9c11")]
    public Guid Ref { get; init; }

    [AvroDefault(null)]
    public string? Maybe { get; init; }

    public int? Optional { get; init; }

    public int NoDefault { get; init; }
}

/// <summary>A recursive record (children list and a nullable self reference), reached from a message type.</summary>
public sealed class TreeNode
{
    public string Name { get; init; } = "";

    public List<TreeNode> Children { get; init; } = [];

    /// <summary>A detached node (not the real parent: the object graph must stay a tree).</summary>
    public TreeNode? Origin { get; init; }
}

[KafkaTopic("gen.forest")]
public partial class Forest
{
    public string Name { get; init; } = "";

    public TreeNode Root { get; init; } = new();

    public List<TreeNode> Extra { get; init; } = [];
}

/// <summary>A message type that refers to itself (the root record is recursive).</summary>
[KafkaTopic("gen.categories")]
public partial class Category
{
    public string Name { get; init; } = "";

    public List<Category> Subcategories { get; init; } = [];

    public Category? Parent { get; init; }
}

/// <summary>Evolution v1 of evo.Order.</summary>
[KafkaTopic("gen.evo.v1")]
[AvroName("Order", Namespace = "evo")]
public partial record OrderV1(string Id, int Quantity, string Note);

/// <summary>Evolution v2 of evo.Order: Quantity promoted int→long, Priority added with a default.</summary>
[KafkaTopic("gen.evo.v2")]
[AvroName("Order", Namespace = "evo")]
public partial record OrderV2(string Id, long Quantity, string Note, int Priority = 3);

/// <summary>Evolution v2 of evo.Order that only adds fields (no promotion), so v1 can read its data.</summary>
[KafkaTopic("gen.evo.v2added")]
[AvroName("Order", Namespace = "evo")]
public partial record OrderV2Added(string Id, int Quantity, string Note, string Channel = "web", Level Level = Level.Low);
