namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>Values of the generated message types, including edge values.</summary>
public static class Samples
{
    public const string Unicode = "héllo ✓ 日本語 𝄞 emoji 🎉 \u0000 nul \t tab \\ \" quote";

    private static readonly TimeSpan PlusTwo = TimeSpan.FromHours(2);
    private static readonly TimeSpan MinusFiveThirty = -new TimeSpan(5, 30, 0);

    public static DateTime TruncateToMillis(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMillisecond), t.Kind);

    public static DateTime TruncateToMicros(DateTime t) => new(t.Ticks - (t.Ticks % 10), t.Kind);

    public static IEnumerable<(string Name, AllScalars Value)> Scalars()
    {
        yield return ("typical", new AllScalars
        {
            Flag = true,
            Int = -123_456,
            Long = 1_234_567_890_123,
            Float = 3.25f,
            Double = Math.PI,
            Text = Unicode,
            Blob = [0, 1, 127, 128, 255],
            Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            At = new DateTime(2026, 11, 27, 3, 4, 5, 678, DateTimeKind.Utc),
            AtOffset = new DateTimeOffset(2026, 11, 27, 5, 4, 5, 678, PlusTwo),
            AtMicros = new DateTime(2026, 11, 27, 3, 4, 5, 678, DateTimeKind.Utc).AddTicks(9_120),
            AtOffsetMicros = new DateTimeOffset(1969, 7, 20, 20, 17, 40, 123, MinusFiveThirty).AddTicks(4_560),
            Day = new DateOnly(2026, 11, 27),
            Time = new TimeOnly(23, 59, 59).Add(TimeSpan.FromTicks(9_999_990)),
            Amount = 12_345.6789m,
            Price = 1_234_567.891m,
            Short = -12_345,
            Byte = 200,
            UShort = 65_000,
            SByte = -100,
            UInt = 4_000_000_000,
            Level = Level.High,
            Tint = Tint.Magenta,
        });
        yield return ("minimum", new AllScalars
        {
            Flag = false,
            Int = int.MinValue,
            Long = long.MinValue,
            Float = float.MinValue,
            Double = double.NegativeInfinity,
            Text = "",
            Blob = [],
            Id = Guid.Empty,
            At = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc),
            AtOffset = DateTimeOffset.MinValue,
            AtMicros = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc),
            AtOffsetMicros = DateTimeOffset.MinValue,
            Day = DateOnly.MinValue,
            Time = TimeOnly.MinValue,
            Amount = -99_999_999_999_999.99999999999999m,
            Price = -9_999_999.999m,
            Short = short.MinValue,
            Byte = byte.MinValue,
            UShort = ushort.MinValue,
            SByte = sbyte.MinValue,
            UInt = uint.MinValue,
            Level = Level.Low,
            Tint = Tint.Cyan,
        });
        yield return ("maximum", Maximum(DateTime.MaxValue));
        yield return ("special floats and smallest decimals", new AllScalars
        {
            Float = float.NaN,
            Double = double.NaN,
            Text = " ",
            At = DateTime.UnixEpoch,
            AtOffset = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)),
            AtMicros = DateTime.UnixEpoch.AddTicks(-10),
            AtOffsetMicros = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.FromHours(-12)),
            Day = new DateOnly(1969, 12, 31),
            Amount = 0.00000000000001m,
            Price = -0.001m,
            Level = Level.Mid,
        });
        yield return ("negative zero and epsilons", new AllScalars
        {
            Float = float.Epsilon,
            Double = -0.0,
            Amount = -0.00000000000001m,
            Price = 0.001m,
            At = new DateTime(1900, 2, 28, 23, 59, 59, 999, DateTimeKind.Utc),
            AtOffset = new DateTimeOffset(1900, 2, 28, 23, 59, 59, 999, MinusFiveThirty),
        });
        yield return ("double epsilon and max negative finite", new AllScalars
        {
            Float = float.PositiveInfinity,
            Double = double.Epsilon,
            Long = -1,
            Int = -1,
            Amount = decimal.Zero,
            Price = 1_000m,
        });
    }

    /// <summary>Maximum values; the millisecond timestamps are <paramref name="millisCeiling"/> truncated to milliseconds.</summary>
    public static AllScalars Maximum(DateTime millisCeiling) => new()
    {
        Flag = true,
        Int = int.MaxValue,
        Long = long.MaxValue,
        Float = float.MaxValue,
        Double = double.PositiveInfinity,
        Text = string.Concat(Enumerable.Repeat("𝄞日é", 2_000)),
        Blob = [.. Enumerable.Range(0, 70_000).Select(i => (byte)i)],
        Id = Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"),
        At = TruncateToMillis(DateTime.SpecifyKind(millisCeiling, DateTimeKind.Utc)),
        AtOffset = new DateTimeOffset(TruncateToMillis(DateTime.SpecifyKind(millisCeiling, DateTimeKind.Unspecified)), TimeSpan.Zero),
        AtMicros = TruncateToMicros(DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)),
        AtOffsetMicros = new DateTimeOffset(TruncateToMicros(DateTime.MaxValue), TimeSpan.Zero),
        Day = DateOnly.MaxValue,
        Time = new TimeOnly(TimeOnly.MaxValue.Ticks - (TimeOnly.MaxValue.Ticks % 10)),
        Amount = 99_999_999_999_999.99999999999999m,
        Price = 9_999_999.999m,
        Short = short.MaxValue,
        Byte = byte.MaxValue,
        UShort = ushort.MaxValue,
        SByte = sbyte.MaxValue,
        UInt = uint.MaxValue,
        Level = Level.High,
        Tint = Tint.Yellow,
    };

    public static IEnumerable<(string Name, Nullables Value)> NullableValues()
    {
        yield return ("all null", new Nullables());
        yield return ("all set", new Nullables
        {
            Int = int.MinValue,
            Long = 0,
            Double = double.NaN,
            Flag = false,
            Id = Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            At = new DateTimeOffset(2030, 1, 1, 12, 0, 0, 1, TimeSpan.FromHours(9)),
            Day = new DateOnly(2000, 2, 29),
            Amount = -1.5m,
            Level = Level.Low,
            Text = "",
            Blob = [],
            Address = new Address { Street = "1 Main St", City = "Zürich", Zip = null },
            Point = new Point { X = -1, Y = double.MaxValue },
            Names = [],
            Scores = [],
            MaybeInts = [null, 0, null, int.MaxValue],
        });
        yield return ("some set", new Nullables
        {
            Level = Level.High,
            Text = Unicode,
            Address = new Address { Zip = 8001 },
            Names = ["a", "", "ü"],
            Scores = new() { [""] = 0, ["x"] = -1 },
            MaybeInts = [null],
        });
    }

    public static IEnumerable<(string Name, Collections Value)> CollectionValues()
    {
        yield return ("empty", new Collections());
        yield return ("full", new Collections
        {
            Ints = [int.MinValue, -1, 0, 1, int.MaxValue],
            Strings = ["", "a", Unicode],
            Longs = [long.MinValue, long.MaxValue],
            Doubles = new List<double> { double.NaN, double.NegativeInfinity, -0.0, 1e-300 },
            Counts = new() { ["one"] = 1, [""] = 0, ["ünï"] = -7 },
            Labels = new Dictionary<string, string> { ["k"] = "v", ["empty"] = "" },
            Nested = [[], [1], [2, 3]],
            Book = new() { ["home"] = [new Address { Street = "s", City = "c", Zip = 1 }], ["none"] = [] },
            Addresses = [new Address(), new Address { City = "Basel" }],
            Points = [new Point { X = 1, Y = 2 }, default],
            Levels = [Level.High, Level.Low, Level.High],
        });
        yield return ("large", new Collections
        {
            Ints = [.. Enumerable.Range(-5_000, 10_000)],
            Strings = [.. Enumerable.Range(0, 1_000).Select(i => "s" + i)],
            Counts = Enumerable.Range(0, 1_000).ToDictionary(i => "k" + i, i => i),
        });
    }

    public static Customer Customer() => new("c-1", new Address { Street = "Bahnhofstrasse 1", City = "Zürich", Zip = 8001 }, new Point { X = 47, Y = 8.5 }, new Address { City = "Bern" });

    public static Forest Forest(int fanOut = 3, int depth = 4)
    {
        TreeNode Make(string name, int level) => new()
        {
            Name = name,
            Children = level == 0 ? [] : [.. Enumerable.Range(0, fanOut).Select(i => Make(name + "." + i, level - 1))],
            Origin = level % 2 == 0 ? new TreeNode { Name = "origin of " + name, Origin = new TreeNode { Name = "grand origin" } } : null,
        };

        return new Forest { Name = "forest", Root = Make("root", depth), Extra = [new TreeNode(), Make("extra", 1)] };
    }

    public static Category Category() => new()
    {
        Name = "all",
        Subcategories =
        [
            new Category { Name = "books", Subcategories = [new Category { Name = "sci-fi", Parent = new Category { Name = "books (copy)" } }] },
            new Category { Name = "music" },
        ],
        Parent = null,
    };
}
