using System.Buffers;
using Avro;
using AvroDecimal = Avro.AvroDecimal;
using Avro.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed;
using Kafka.Typed.Avro;
using Kafka.Typed.Testing;
using Schema = Avro.Schema;

BenchmarkSwitcher.FromAssembly(typeof(AvroSerdeBenchmarks).Assembly).Run(args);

/// <summary>
/// One order record (long, string, double, decimal, timestamp, array of strings, nullable string) through Kafka.Typed's
/// <see cref="AvroSerde{T}"/> with a hand-written codec (the generator's target shape) and through Confluent's
/// <c>AvroSerializer/AvroDeserializer&lt;GenericRecord&gt;</c>, both against the in-process registry (schema id cached after
/// the first call, so no HTTP in the measured loop). Run: <c>dotnet run -c Release --project benchmarks/Avro -- --filter '*'</c>.
/// </summary>
[MemoryDiagnoser]
public class AvroSerdeBenchmarks
{
    private const string Topic = "orders";
    private InProcessSchemaRegistry _registry = null!;
    private CachedSchemaRegistryClient _client = null!;
    private AvroSerde<BenchOrder> _serde = null!;
    private AvroSerializer<GenericRecord> _confluentSerializer = null!;
    private AvroDeserializer<GenericRecord> _confluentDeserializer = null!;
    private ArrayBufferWriter<byte> _buffer = null!;
    private BenchOrder _order = null!;
    private GenericRecord _record = null!;
    private byte[] _bytes = null!;
    private SerializationContext _context;

    [GlobalSetup]
    public void Setup()
    {
        _registry = InProcessSchemaRegistry.Start();
        _client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _registry.Url });
        _serde = new AvroSerde<BenchOrder>(OrderCodec.Instance, _client);
        _confluentSerializer = new AvroSerializer<GenericRecord>(_client, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic });
        _confluentDeserializer = new AvroDeserializer<GenericRecord>(_client, new AvroDeserializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic });
        _buffer = new ArrayBufferWriter<byte>(1024);
        _order = new BenchOrder(123_456_789, "customer-42", 99.95, 1234.5678m, DateTimeOffset.FromUnixTimeMilliseconds(1_764_200_000_000), ["book", "pen", "lamp"], null);
        var schema = (RecordSchema)Schema.Parse(OrderCodec.SchemaJson);
        _record = new GenericRecord(schema);
        _record.Add("id", _order.Id);
        _record.Add("customer", _order.Customer);
        _record.Add("total", _order.Total);
        _record.Add("amount", new AvroDecimal(_order.Amount));
        _record.Add("at", _order.At.UtcDateTime);
        _record.Add("items", _order.Items.Cast<object>().ToArray());
        _record.Add("note", _order.Note);
        _context = new SerializationContext(MessageComponentType.Value, Topic);
        _bytes = _serde.Serialize(_order, Topic);
        var theirs = _confluentSerializer.SerializeAsync(_record, _context).GetAwaiter().GetResult();
        if (!theirs.AsSpan().SequenceEqual(_bytes))
        {
            throw new InvalidOperationException("Kafka.Typed and Confluent disagree on the bytes.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _serde.Dispose();
        _client.Dispose();
        _registry.Dispose();
    }

    [Benchmark(Baseline = true)]
    public byte[] Confluent_serialize() => _confluentSerializer.SerializeAsync(_record, _context).GetAwaiter().GetResult();

    [Benchmark]
    public int KafkaTyped_serialize_to_buffer()
    {
        _buffer.ResetWrittenCount();
        _serde.Serialize(_order, _buffer, new KafkaSerializationContext(Topic));
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public GenericRecord Confluent_deserialize() => _confluentDeserializer.DeserializeAsync(_bytes, isNull: false, _context).GetAwaiter().GetResult();

    [Benchmark]
    public BenchOrder KafkaTyped_deserialize() => _serde.Deserialize(_bytes, Topic, 0, 0);
}

public sealed record BenchOrder(long Id, string Customer, double Total, decimal Amount, DateTimeOffset At, string[] Items, string? Note);

public sealed class OrderCodec : IAvroCodec<BenchOrder>
{
    public const string SchemaJson = """
        {"type":"record","name":"Order","namespace":"bench","fields":[
          {"name":"id","type":"long"},
          {"name":"customer","type":"string"},
          {"name":"total","type":"double"},
          {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},
          {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"items","type":{"type":"array","items":"string"}},
          {"name":"note","type":["null","string"],"default":null}
        ]}
        """;

    public static readonly OrderCodec Instance = new();

    public string Schema => SchemaJson;

    public void Write(ref AvroWriter writer, BenchOrder value)
    {
        writer.WriteLong(value.Id);
        writer.WriteString(value.Customer);
        writer.WriteDouble(value.Total);
        writer.WriteDecimal(value.Amount, 4);
        writer.WriteTimestampMillis(value.At);
        writer.WriteArrayStart(value.Items.Length);
        foreach (var item in value.Items)
        {
            writer.WriteString(item);
        }

        writer.WriteArrayEnd();
        if (value.Note is null)
        {
            writer.WriteUnionIndex(0);
        }
        else
        {
            writer.WriteUnionIndex(1);
            writer.WriteString(value.Note);
        }
    }

    public BenchOrder Read(ref AvroReader reader)
    {
        var id = reader.ReadLong();
        var customer = reader.ReadString();
        var total = reader.ReadDouble();
        var amount = reader.ReadDecimal(4);
        var at = reader.ReadTimestampMillis();
        var items = new List<string>();
        for (var n = reader.ReadArrayStart(); n != 0; n = reader.ReadArrayNext())
        {
            for (var i = 0; i < n; i++)
            {
                items.Add(reader.ReadString());
            }
        }

        var note = reader.ReadUnionIndex(2) == 0 ? null : reader.ReadString();
        return new BenchOrder(id, customer, total, amount, at, [.. items], note);
    }
}
