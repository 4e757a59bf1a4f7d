using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Kafka.Typed;

BenchmarkSwitcher.FromAssembly(typeof(JsonCodecBenchmarks).Assembly).Run(args);

/// <summary>
/// A nested event (<see cref="BenchOrder"/>: a customer record with an address, a list of line records with a struct
/// price, a string dictionary, an enum, a decimal, a timestamp, a nullable) through the generated JSON codec and through
/// <see cref="JsonSerializer"/> with source-generated metadata (<see cref="BenchJsonContext"/>) under the same options
/// (camelCase, enums as strings), both writing into a reused buffer. Set-up checks that both write identical bytes.
/// Run: <c>dotnet run -c Release --project benchmarks/Json -- --filter '*'</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class JsonCodecBenchmarks
{
    private const string Serialize = "Serialize";
    private const string Deserialize = "Deserialize";

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _writer = null!;
    private BenchOrder _order = null!;
    private byte[] _bytes = null!;
    private KafkaSerializationContext _context;

    [GlobalSetup]
    public void Setup()
    {
        _context = new KafkaSerializationContext(BenchOrder.TopicName);
        _writer = new Utf8JsonWriter(_buffer);
        _order = new BenchOrder(
            "o-2026-12-03-000042",
            new BenchCustomer("c-17", "Ada Lovelace", "ada@example.com", new BenchAddress("12 Analytical Row", "London", "N1 9GU", "GB")),
            [
                new BenchLine("sku-1001", "Notebook", 3, new BenchMoney(4.25m, "GBP")),
                new BenchLine("sku-2002", "Fountain pen", 1, new BenchMoney(39.90m, "GBP")),
                new BenchLine("sku-3003", "Ink, blue", 2, new BenchMoney(7.50m, "GBP")),
            ],
            new Dictionary<string, string> { ["channel"] = "web", ["campaign"] = "winter-sale", ["device"] = "mobile" },
            BenchStatus.Paid,
            63.40m,
            new DateTimeOffset(2026, 12, 3, 15, 4, 5, 123, TimeSpan.Zero),
            null);

        _bytes = Serialized(o => Kafka_serialize());
        var stj = Serialized(o => Stj_serialize());
        if (!stj.AsSpan().SequenceEqual(_bytes))
        {
            throw new InvalidOperationException("The generated codec and System.Text.Json disagree on the bytes.");
        }

        if (JsonSerializer.Serialize(Kafka_deserialize(), BenchJsonContext.Default.BenchOrder) != JsonSerializer.Serialize(Stj_deserialize(), BenchJsonContext.Default.BenchOrder))
        {
            throw new InvalidOperationException("The generated codec and System.Text.Json read different values.");
        }
    }

    private byte[] Serialized(Func<object?, int> write)
    {
        write(null);
        return _buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Serialize)]
    public int Stj_serialize()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        JsonSerializer.Serialize(_writer, _order, BenchJsonContext.Default.BenchOrder);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory(Serialize)]
    public int Kafka_serialize()
    {
        _buffer.ResetWrittenCount();
        Write(_order);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Deserialize)]
    public BenchOrder Stj_deserialize() => JsonSerializer.Deserialize(_bytes, BenchJsonContext.Default.BenchOrder)!;

    [Benchmark]
    [BenchmarkCategory(Deserialize)]
    public BenchOrder Kafka_deserialize() => Read(_bytes);

    private void Write<T>(T value)
        where T : IKafkaMessage<T>
        => T.Serializer.Serialize(value, _buffer, _context);

    private T Read<T>(byte[] bytes)
        where T : IKafkaMessage<T>
        => T.Serializer.Deserialize(bytes, _context);

    private BenchOrder Read(byte[] bytes) => Read<BenchOrder>(bytes);
}

public enum BenchStatus { Placed, Paid, Shipped }

public sealed record BenchAddress(string Street, string City, string PostCode, string Country);

public sealed record BenchCustomer(string Id, string Name, string? Email, BenchAddress Address);

public readonly record struct BenchMoney(decimal Amount, string Currency);

public sealed record BenchLine(string Sku, string Title, int Quantity, BenchMoney Price);

[KafkaTopic(TopicName, Format = KafkaFormat.Json)]
public sealed partial record BenchOrder(
    string OrderId,
    BenchCustomer Customer,
    List<BenchLine> Lines,
    Dictionary<string, string> Tags,
    BenchStatus Status,
    decimal Total,
    DateTimeOffset PlacedAt,
    string? Note)
{
    public const string TopicName = "bench.orders";
}

[JsonSerializable(typeof(BenchOrder))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
