// Where the typed consumer's time goes between JSON and Avro, and what reading the value from librdkafka's buffer would
// gain (issue 14): --gap adds these consume rows to the usual rotation (select them with --only "gap:" plus the rows to
// compare against, e.g. --only "=consume: raw Consume loop,=consume: typed hosted JSON,=consume: typed hosted Avro,gap:").
//
//   gap: raw loop (bytes) / ConsumerGroup (bytes), JSON or Avro topic
//        the bare loops of Program.cs on the JSON (116 B values) and Avro (51 B) topics: what the record size alone costs
//   gap: ConsumerGroup + generated JSON / Avro decode
//        ConsumerGroup whose handler decodes ConsumerMessage.Value with the generated codec (the typed consumer without
//        its hosting, KafkaMessage<T> and handler): what the decode costs inside the consumer, per format
//   gap: raw loop, byte[] + generated JSON / Avro decode
//        the raw Consume loop with byte[] values, decoding each with the generated codec (what the typed consumer does:
//        Confluent copies the value into a byte[], the codec reads it)
//   gap: raw loop, generated JSON / Avro decode from librdkafka's buffer
//        the raw Consume loop with a value deserializer calling the generated codec on the span Confluent hands it
//        (librdkafka's buffer: no byte[] per value); the difference to the row above is what that direction would gain
// Every row reads the topic the typed rows read, from the first message, with the same fetch settings.
using Confluent.Kafka;
using Kafka.Typed.Testing;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static partial class Program
{
    private static bool s_gap;

    private const string GapRawJson = "gap: raw loop (bytes), JSON topic";
    private const string GapRawAvro = "gap: raw loop (bytes), Avro topic";
    private const string GapRawJson2 = "gap: raw loop (bytes), JSON payload, second topic";
    private const string GapRawAvro2 = "gap: raw loop (bytes), Avro payload, second topic";
    private const string GapGroupJson = "gap: ConsumerGroup (bytes), JSON topic";
    private const string GapGroupAvro = "gap: ConsumerGroup (bytes), Avro topic";
    private const string GapGroupJsonDecode = "gap: ConsumerGroup + generated JSON decode";
    private const string GapGroupAvroDecode = "gap: ConsumerGroup + generated Avro decode";
    private const string GapCopyJson = "gap: raw loop, byte[] + generated JSON decode";
    private const string GapCopyAvro = "gap: raw loop, byte[] + generated Avro decode";
    private const string GapSpanJson = "gap: raw loop, generated JSON decode from librdkafka's buffer";
    private const string GapSpanAvro = "gap: raw loop, generated Avro decode from librdkafka's buffer";

    /// <summary>The --gap consume variants over the JSON and Avro topics.</summary>
    private static (string Name, Func<Task<Result>> Run)[] GapConsumers(EmbeddedKafkaCluster cluster, KafkaAppConfig app, string bytesTopic, string jsonTopic, string avroTopic, Avro.AvroSerde<AvroTrade> avroSerde)
    {
        if (!s_gap)
        {
            return [];
        }

        // Controls: the same payloads in two more topics, created and filled in the other order (Avro first), so that a
        // difference between the JSON and Avro topics can be told apart from a difference between two topics.
        string? json2 = null, avro2 = null;
        if (Selected(GapRawAvro2))
        {
            avro2 = NewTopic(cluster);
            Fill(cluster, avro2, s_avroPayload);
        }

        if (Selected(GapRawJson2))
        {
            json2 = NewTopic(cluster);
            Fill(cluster, json2, s_jsonPayload);
        }

        foreach (var topic in new[] { bytesTopic, jsonTopic, avroTopic, json2, avro2 })
        {
            if (topic is not null)
            {
                PrintLeaders(cluster, topic);
            }
        }

        var json = SerializerOf<JsonTrade>();
        var jsonContext = new KafkaSerializationContext(jsonTopic);
        return
        [
            (GapRawJson, () => Task.FromResult(RawConsume(cluster, jsonTopic))),
            (GapRawAvro, () => Task.FromResult(RawConsume(cluster, avroTopic))),
            (GapRawJson2, () => Task.FromResult(RawConsume(cluster, json2!))),
            (GapRawAvro2, () => Task.FromResult(RawConsume(cluster, avro2!))),
            (GapGroupJson, () => GroupConsume(app, jsonTopic)),
            (GapGroupAvro, () => GroupConsume(app, avroTopic)),
            (GapGroupJsonDecode, () => GroupConsume(app, jsonTopic, onValue: v => GC.KeepAlive(json.Deserialize(v, jsonContext)))),
            (GapGroupAvroDecode, () => GroupConsume(app, avroTopic, onValue: v => GC.KeepAlive(avroSerde.Deserialize(v, avroTopic, -1, -1)))),
            (GapCopyJson, () => Task.FromResult(RawConsume(cluster, jsonTopic, onValue: v => GC.KeepAlive(json.Deserialize(v, jsonContext))))),
            (GapCopyAvro, () => Task.FromResult(RawConsume(cluster, avroTopic, onValue: v => GC.KeepAlive(avroSerde.Deserialize(v, avroTopic, -1, -1))))),
            (GapSpanJson, () => Task.FromResult(RawConsumeDeserialized(cluster, jsonTopic, new SpanDeserializer<JsonTrade>(json, jsonTopic)))),
            (GapSpanAvro, () => Task.FromResult(RawConsumeDeserialized(cluster, avroTopic, new SpanDeserializer<AvroTrade>(avroSerde, avroTopic)))),
        ];
    }

    /// <summary>The --gap rows: each against the bare raw loop, and the pairs that isolate one step each.</summary>
    private static void GapRows()
    {
        if (!s_gap)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("--gap rows against the bare raw loop (100 B values):");
        Console.WriteLine();
        Console.WriteLine("| variant | msg/s | × raw | min–max msg/s | alloc B/msg | CPU µs/msg | GC pause ms/round |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var name in new[] { GapRawJson, GapRawAvro, GapRawJson2, GapRawAvro2, GapGroupJson, GapGroupAvro, GapGroupJsonDecode, GapGroupAvroDecode, GapCopyJson, GapCopyAvro, GapSpanJson, GapSpanAvro, TypedJsonConsumer, TypedAvroConsumer })
        {
            Row(name, "consume: raw Consume loop");
        }

        Console.WriteLine();
        Console.WriteLine("Pairs (× = first ÷ second: ratio of the msg/s medians, and the median of the per-round ratios; CPU and allocation: first − second):");
        Console.WriteLine();
        Console.WriteLine("| first | second | × msg/s (medians) | × msg/s (per-round median) | Δ CPU µs/msg | Δ alloc B/msg |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        PairRow(GapRawJson, GapRawAvro);
        PairRow(GapRawJson2, GapRawAvro2);
        PairRow(GapRawJson, GapRawJson2);
        PairRow(GapRawAvro, GapRawAvro2);
        PairRow(GapGroupJson, GapGroupAvro);
        PairRow(GapGroupJson, GapRawJson);
        PairRow(GapGroupAvro, GapRawAvro);
        PairRow(GapGroupJsonDecode, GapGroupJson);
        PairRow(GapGroupAvroDecode, GapGroupAvro);
        PairRow(TypedJsonConsumer, GapGroupJsonDecode);
        PairRow(TypedAvroConsumer, GapGroupAvroDecode);
        PairRow(TypedJsonConsumer, TypedAvroConsumer);
        PairRow(GapCopyJson, GapRawJson);
        PairRow(GapCopyAvro, GapRawAvro);
        PairRow(GapSpanJson, GapCopyJson);
        PairRow(GapSpanAvro, GapCopyAvro);
    }

    /// <summary>How many of the topic's partitions each broker leads (a broker leading more serves more of every fetch).</summary>
    private static void PrintLeaders(EmbeddedKafkaCluster cluster, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler(static (_, _) => { }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        var leaders = partitions.GroupBy(p => p.Leader).OrderBy(g => g.Key).Select(g => $"broker {g.Key}: {g.Count()}");
        Console.WriteLine($"  {topic}: partitions led by {string.Join(", ", leaders)}");
    }

    /// <summary>Two variants of the same run: ratio of medians, median of the per-round ratios (rounds paired by order), CPU and allocation differences of the medians.</summary>
    private static void PairRow(string first, string second)
    {
        if (!s_samples.TryGetValue(first, out var a) || !s_samples.TryGetValue(second, out var b))
        {
            return;
        }

        static double MedianOf(IEnumerable<double> values) => Median(values.Order().ToArray());
        var ratio = MedianOf(a.Select(s => s.Rate)) / MedianOf(b.Select(s => s.Rate));
        var paired = MedianOf(a.Zip(b, (x, y) => x.Rate / y.Rate));
        var cpu = MedianOf(a.Select(s => s.CpuMicrosPerMessage)) - MedianOf(b.Select(s => s.CpuMicrosPerMessage));
        var alloc = MedianOf(a.Select(s => s.AllocPerMessage)) - MedianOf(b.Select(s => s.AllocPerMessage));
        Console.WriteLine($"| {first} | {second} | {ratio:0.00} | {paired:0.00} | {cpu:+0.00;-0.00;0.00} | {alloc:+0;-0;0} |");
    }

    private static IKafkaSerializer<T> SerializerOf<T>()
        where T : IKafkaMessage<T>
        => T.Serializer;

    /// <summary>A Confluent value deserializer over a generated codec: decodes librdkafka's buffer in place (no byte[]).</summary>
    private sealed class SpanDeserializer<T>(IKafkaSerializer<T> codec, string topic) : IDeserializer<T>
    {
        private readonly KafkaSerializationContext _context = new(topic);

        public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => isNull ? throw new InvalidOperationException("null value") : codec.Deserialize(data, _context);
    }
}
