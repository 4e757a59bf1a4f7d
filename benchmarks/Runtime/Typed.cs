// The generated (typed) API against like-for-like raw loops (issue 14). Same cluster, settings, rotation and meter as the
// untyped rows in Program.cs.
//
// Produce (a fresh 12-partition topic per round and variant, one untimed priming message each):
//   raw + STJ        IProducer<byte[]?, JsonTrade>.Produce with a value serializer calling System.Text.Json
//                    (JsonSerializer.SerializeToUtf8Bytes, reflection metadata cached after the first call)
//   raw + Confluent  IProducer<byte[]?, AvroTrade>.Produce with Confluent's AvroSerializer<AvroTrade> (sync over async)
//                    over the generated ISpecificRecord and the in-process Schema Registry (schema id cached)
//   typed            the generated producer's EnqueueAsync in a started generic host (AddKafkaTyped), reports counted by
//                    an IKafkaDeliveryObserver; JSON and Avro
// Consume (one pre-filled topic per format, a fresh group per round, stop once all were seen):
//   raw + STJ / raw + Confluent   the raw Consume loop with the value deserializer set (JsonSerializer.Deserialize /
//                    Confluent's AvroDeserializer<AvroTrade>, sync over async)
//   typed            the generated hosted consumer (KafkaConsumerService through a generic host started with AddKafkaTyped),
//                    a no-op [KafkaConsumer] handler without dependencies as AddKafkaTyped registers it (created per message,
//                    no scope, since 2026-12-03); "scoped handler": registered scoped by the application (a scope per
//                    message, AddKafkaTyped's behaviour before); "singleton handler": registered as a singleton
// Every message is the same record; both sides encode and decode the same bytes (checked before the first round).
using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kafka.Typed.Benchmarks.Runtime;

/// <summary>The JSON message of the typed rows (about 110 B of JSON).</summary>
[KafkaTopic("bench.json", Format = KafkaFormat.Json)]
public sealed partial class JsonTrade
{
    /// <summary>Trade id.</summary>
    public string TradeId { get; set; } = "";

    /// <summary>Instrument.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>Quantity.</summary>
    public long Quantity { get; set; }

    /// <summary>Price.</summary>
    public double Price { get; set; }

    /// <summary>Venue.</summary>
    public string Venue { get; set; } = "";

    /// <summary>Sequence number.</summary>
    public int Sequence { get; set; }
}

/// <summary>The Avro message of the typed rows: the same fields (about 40 B of Avro + 5 B header).</summary>
[KafkaTopic("bench.avro")]
public sealed partial class AvroTrade
{
    /// <summary>Trade id.</summary>
    public string TradeId { get; set; } = "";

    /// <summary>Instrument.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>Quantity.</summary>
    public long Quantity { get; set; }

    /// <summary>Price.</summary>
    public double Price { get; set; }

    /// <summary>Venue.</summary>
    public string Venue { get; set; } = "";

    /// <summary>Sequence number.</summary>
    public int Sequence { get; set; }
}

/// <summary>No-op handler of the JSON rows (counts only).</summary>
[KafkaConsumer("bench.json")]
public sealed class JsonTradeHandler : IKafkaHandler<JsonTrade>
{
    /// <inheritdoc />
    public Task HandleAsync(KafkaMessage<JsonTrade> message, CancellationToken cancellationToken)
    {
        TypedCount.Seen();
        return Task.CompletedTask;
    }
}

/// <summary>No-op handler of the Avro rows (counts only).</summary>
[KafkaConsumer("bench.avro")]
public sealed class AvroTradeHandler : IKafkaHandler<AvroTrade>
{
    /// <inheritdoc />
    public Task HandleAsync(KafkaMessage<AvroTrade> message, CancellationToken cancellationToken)
    {
        TypedCount.Seen();
        return Task.CompletedTask;
    }
}

/// <summary>What the no-op handlers count (static: the handlers take no dependencies, as a no-op handler would).</summary>
internal static class TypedCount
{
    private static int s_seen;
    private static int s_target;
    private static Program.Mark? s_first;
    private static TaskCompletionSource s_all = new();

    public static Task All => s_all.Task;

    public static Program.Mark? First => Volatile.Read(ref s_first);

    public static void Reset(int target)
    {
        s_seen = 0;
        s_first = null;
        s_target = target;
        s_all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static void Seen()
    {
        var count = Interlocked.Increment(ref s_seen);
        if (count == 1)
        {
            Volatile.Write(ref s_first, Program.Mark.Now());
        }
        else if (count == s_target)
        {
            s_all.TrySetResult();
        }
    }
}

internal static partial class Program
{
    private static readonly JsonTrade s_jsonTrade = new() { TradeId = "T-2026-12-03-000042", Symbol = "ACME.SW", Quantity = 1_250_000, Price = 187.4375, Venue = "XSWX", Sequence = 7 };
    private static readonly AvroTrade s_avroTrade = new() { TradeId = "T-2026-12-03-000042", Symbol = "ACME.SW", Quantity = 1_250_000, Price = 187.4375, Venue = "XSWX", Sequence = 7 };
    private static InProcessSchemaRegistry? s_registry;
    private static CachedSchemaRegistryClient? s_registryClient;

    private const string RawJsonProducer = "produce: raw Produce + STJ serialize";
    private const string RawAvroProducer = "produce: raw Produce + Confluent AvroSerializer";
    private const string TypedJsonProducer = "produce: typed EnqueueAsync JSON";
    private const string TypedAvroProducer = "produce: typed EnqueueAsync Avro";
    private const string RawJsonConsumer = "consume: raw loop + STJ deserialize";
    private const string RawAvroConsumer = "consume: raw loop + Confluent AvroDeserializer";
    private const string TypedJsonConsumer = "consume: typed hosted JSON";
    private const string TypedAvroConsumer = "consume: typed hosted Avro";

    private static string RegistryUrl => s_registry!.Url;

    private static CachedSchemaRegistryClient RegistryClient => s_registryClient!;

    /// <summary>The typed and like-for-like rows: against the bare raw row (bytes) and against the raw row that encodes or decodes the same way.</summary>
    private static void TypedRows()
    {
        Row(RawJsonProducer, "produce: raw Produce");
        Row(RawAvroProducer, "produce: raw Produce");
        Row(TypedJsonProducer, "produce: raw Produce");
        Row(TypedAvroProducer, "produce: raw Produce");
        Row(RawJsonConsumer, "consume: raw Consume loop");
        Row(RawAvroConsumer, "consume: raw Consume loop");
        Row(TypedJsonConsumer, "consume: raw Consume loop");
        Row(TypedJsonConsumer + ", scoped handler", "consume: raw Consume loop");
        Row(TypedJsonConsumer + ", singleton handler", "consume: raw Consume loop");
        Row(TypedAvroConsumer, "consume: raw Consume loop");
        Row(TypedAvroConsumer + ", scoped handler", "consume: raw Consume loop");
        Row(TypedAvroConsumer + ", singleton handler", "consume: raw Consume loop");
        Console.WriteLine();
        Console.WriteLine("Typed rows against the like-for-like raw row (× raw = typed ÷ raw that encodes/decodes the same record):");
        Console.WriteLine();
        Console.WriteLine("| variant | msg/s | × like-for-like raw | min–max msg/s | alloc B/msg | CPU µs/msg | GC pause ms/round |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Row(TypedJsonProducer, RawJsonProducer);
        Row(TypedAvroProducer, RawAvroProducer);
        Row(TypedJsonConsumer, RawJsonConsumer);
        Row(TypedJsonConsumer + ", scoped handler", RawJsonConsumer);
        Row(TypedJsonConsumer + ", singleton handler", RawJsonConsumer);
        Row(TypedAvroConsumer, RawAvroConsumer);
        Row(TypedAvroConsumer + ", scoped handler", RawAvroConsumer);
        Row(TypedAvroConsumer + ", singleton handler", RawAvroConsumer);
    }

    private static void StartRegistry()
    {
        s_registry = InProcessSchemaRegistry.Start();
        s_registryClient = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = s_registry.Url });
    }

    private static void StopRegistry()
    {
        s_registryClient?.Dispose();
        s_registry?.Dispose();
    }

    /// <summary>System.Text.Json as a raw caller writes it: one cached options instance with camelCase names (the generated codec's).</summary>
    private sealed class StjSerializer : ISerializer<JsonTrade>, IDeserializer<JsonTrade>
    {
        public static readonly StjSerializer Instance = new();

        private static readonly JsonSerializerOptions s_options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        public byte[] Serialize(JsonTrade data, SerializationContext context) => JsonSerializer.SerializeToUtf8Bytes(data, s_options);

        public JsonTrade Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => JsonSerializer.Deserialize<JsonTrade>(data, s_options) ?? throw new InvalidOperationException("null JSON");
    }

    /// <summary>Checks that both sides write and read the same bytes, so the raw and typed rows move the same payload.</summary>
    private static (byte[] Json, byte[] Avro) CheckCodecs()
    {
        var generated = new ArrayBufferWriter<byte>();
        Encode(s_jsonTrade, generated, "bench.json");
        var stj = StjSerializer.Instance.Serialize(s_jsonTrade, default);
        Check(generated.WrittenSpan.SequenceEqual(stj), $"the generated JSON codec ({System.Text.Encoding.UTF8.GetString(generated.WrittenSpan)}) and System.Text.Json ({System.Text.Encoding.UTF8.GetString(stj)}) disagree on the bytes");
        var back = Decode<JsonTrade>(stj, "bench.json");
        Check(back.TradeId == s_jsonTrade.TradeId && back.Sequence == 7, "the generated JSON codec does not read System.Text.Json's bytes");

        var confluent = new AvroSerializer<AvroTrade>(RegistryClient).AsSyncOverAsync();
        var avro = confluent.Serialize(s_avroTrade, new SerializationContext(MessageComponentType.Value, "bench.avro.check"));
        var avroBack = new AvroDeserializer<AvroTrade>(RegistryClient).AsSyncOverAsync().Deserialize(avro, false, new SerializationContext(MessageComponentType.Value, "bench.avro.check"));
        Check(avroBack.TradeId == s_avroTrade.TradeId && avroBack.Sequence == 7, "Confluent's Avro deserializer does not read the generated ISpecificRecord");
        Console.WriteLine($"  payloads: JSON {stj.Length} B, Avro {avro.Length} B (5 B header included)");
        return (stj, avro);
    }

    private static void Encode<T>(T value, ArrayBufferWriter<byte> output, string topic)
        where T : IKafkaMessage<T>
        => T.Serializer.Serialize(value, output, new KafkaSerializationContext(topic));

    private static T Decode<T>(byte[] data, string topic)
        where T : IKafkaMessage<T>
        => T.Serializer.Deserialize(data, new KafkaSerializationContext(topic));

    // ---------------------------------------------------------------- breakdown (--breakdown)

    /// <summary>
    /// The typed consumer's per-message steps one at a time, each in a tight loop on this thread (after a warm-up of the
    /// same length): time per operation and bytes allocated per operation on this thread. Medians of 5 repetitions.
    /// </summary>
    private static async Task Breakdown(byte[] jsonPayload, byte[] avroPayload)
    {
        const int N = 200_000;
        Console.WriteLine($"Per-message steps of the typed consumer, tight loops on one thread ({N:N0} operations, median of 5 repetitions after one warm-up):");
        Console.WriteLine();
        Console.WriteLine("| step | ns/op | B/op |");
        Console.WriteLine("|---|---:|---:|");
        var ctx = new KafkaSerializationContext("bench.json");
        Step("decode JSON: generated codec (IKafkaMessage<JsonTrade>.Serializer)", N, () => GC.KeepAlive(Decode<JsonTrade>(jsonPayload, "bench.json")));
        Step("decode JSON: System.Text.Json, cached options", N, () => GC.KeepAlive(StjSerializer.Instance.Deserialize(jsonPayload, false, default)));
        foreach (var (name, decode) in new (string, Func<byte[], JsonTrade>)[]
        {
            ("decode JSON: hand-written replica of the generated codec", static d => JsonCodecs.Replica(d)),
            ("decode JSON: hand-written, each name compared first with the one written at its position", static d => JsonCodecs.ExpectedOrder(d)),
            ("decode JSON: hand-written, that and a reader that does not skip comments", static d => JsonCodecs.NoComments(d)),
        })
        {
            var back = decode(jsonPayload);
            Check(back.TradeId == s_jsonTrade.TradeId && back.Symbol == s_jsonTrade.Symbol && back.Quantity == s_jsonTrade.Quantity && back.Price == s_jsonTrade.Price && back.Venue == s_jsonTrade.Venue && back.Sequence == s_jsonTrade.Sequence, $"{name}: the record read back differs");
            Step(name, N, () => GC.KeepAlive(decode(jsonPayload)));
        }

        Step("JSON: Utf8JsonReader reading every token of the payload, nothing else (the floor of a reader-based decode)", N, () => GC.KeepAlive(JsonCodecs.TokensOnly(jsonPayload)));
        Step($"copy of the JSON value into a new byte[] ({jsonPayload.Length} B), as Confluent's byte[] deserializer does", N, () => GC.KeepAlive(jsonPayload.AsSpan().ToArray()));
        Step($"copy of the Avro value into a new byte[] ({avroPayload.Length} B)", N, () => GC.KeepAlive(avroPayload.AsSpan().ToArray()));
        using var serde = new Kafka.Typed.Avro.AvroSerde<AvroTrade>(AvroTrade.AvroCodec.Instance, RegistryClient);
        Check(serde.Deserialize(avroPayload, "bench.avro.check", 0, 0).Sequence == 7, "the generated Avro serde does not read Confluent's bytes");
        Step("decode Avro: generated serde (schema id cached)", N, () => GC.KeepAlive(serde.Deserialize(avroPayload, "bench.avro.check", 0, 0)));
        var confluent = new AvroDeserializer<AvroTrade>(RegistryClient).AsSyncOverAsync();
        var avroContext = new SerializationContext(MessageComponentType.Value, "bench.avro.check");
        Step("decode Avro: Confluent AvroDeserializer<AvroTrade>, sync over async", N / 20, () => GC.KeepAlive(confluent.Deserialize(avroPayload, false, avroContext)));

        var services = new ServiceCollection();
        services.AddScoped(static _ => new JsonTradeHandler()); // what the generated factory registers for a handler without dependencies
        await using var provider = services.BuildServiceProvider();
        var scopes = provider.GetRequiredService<IServiceScopeFactory>();
        Step("DI: CreateAsyncScope + resolve the scoped handler + DisposeAsync", N, () =>
        {
            var scope = scopes.CreateAsyncScope();
            GC.KeepAlive(scope.ServiceProvider.GetRequiredService<JsonTradeHandler>());
            var dispose = scope.DisposeAsync();
            Check(dispose.IsCompletedSuccessfully, "scope disposal did not complete synchronously");
        });

        var value = Decode<JsonTrade>(jsonPayload, "bench.json");
        var headers = new Headers();
        var key = new byte[] { 1 };
        Step("KafkaMessage<JsonTrade> (the handler's view of the record)", N, () => GC.KeepAlive(new KafkaMessage<JsonTrade>(value, "bench.json", 3, 42, key, headers, DateTimeOffset.UnixEpoch, 1, "g")));
        var handler = new JsonTradeHandler();
        var message = new KafkaMessage<JsonTrade>(value, "bench.json", 3, 42, key, headers, DateTimeOffset.UnixEpoch, 1, "g");
        TypedCount.Reset(int.MaxValue);
        Step("hand-over: the no-op handler's HandleAsync (synchronous, cached task)", N, () => GC.KeepAlive(handler.HandleAsync(message, CancellationToken.None)));
        Step("hand-over through an async method with await using (the scoped path's shape)", N, () => GC.KeepAlive(ScopedShape(scopes, message)));
        GC.KeepAlive(ctx);
        Console.WriteLine();
    }

    private static async Task ScopedShape(IServiceScopeFactory scopes, KafkaMessage<JsonTrade> message)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            await scope.ServiceProvider.GetRequiredService<JsonTradeHandler>().HandleAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void Step(string name, int n, Action op)
    {
        for (var i = 0; i < n; i++)
        {
            op();
        }

        var ns = new double[5];
        var bytes = new double[5];
        for (var r = 0; r < 5; r++)
        {
            GC.Collect();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                op();
            }

            ns[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;
            bytes[r] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)n;
        }

        Array.Sort(ns);
        Array.Sort(bytes);
        Console.WriteLine($"| {name} | {ns[2]:N0} | {bytes[2]:N0} |");
    }

    // ---------------------------------------------------------------- typed and like-for-like producers

    /// <summary>Raw <c>Produce</c> of a record through a value serializer (one shared counting handler, as the bare raw row).</summary>
    private static Result RawProduceSerialized<T>(EmbeddedKafkaCluster cluster, string topic, T record, ISerializer<T> serializer)
    {
        using var producer = new ProducerBuilder<byte[]?, T>(RawProducerConfig(cluster)).SetValueSerializer(serializer).SetLogHandler(static (_, _) => { }).Build();
        var done = 0;
        var failed = 0;
        using var all = new ManualResetEventSlim();
        var n = s_messages;
        Action<DeliveryReport<byte[]?, T>> handler = r =>
        {
            if (r.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }

            if (Interlocked.Increment(ref done) == n)
            {
                all.Set();
            }
        };

        producer.Produce(topic, new Message<byte[]?, T> { Value = record }, _ => { });
        producer.Flush(TimeSpan.FromSeconds(30));

        var meter = Meter.Start();
        for (var i = 0; i < n; i++)
        {
            var message = new Message<byte[]?, T> { Value = record };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, handler);
                    break;
                }
                catch (ProduceException<byte[]?, T> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
        }

        all.Wait();
        var result = meter.Stop();
        Check(failed == 0, $"raw serialized producer: {failed} delivery reports failed");
        return result;
    }

    private sealed class DeliveryCounter(int target) : IKafkaDeliveryObserver
    {
        private int _done;
        private int _failed;

        public TaskCompletionSource Primed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Failed => Volatile.Read(ref _failed);

        public void OnDelivery(in ProducerReport report)
        {
            if (!report.IsSuccess)
            {
                Interlocked.Increment(ref _failed);
            }

            var done = Interlocked.Increment(ref _done);
            if (done == 1)
            {
                Primed.TrySetResult();
            }
            else if (done == target)
            {
                All.TrySetResult();
            }
        }
    }

    /// <summary>A generic host with the generated registrations, as an application builds it (no logging providers).</summary>
    private static IHost BuildHost(EmbeddedKafkaCluster cluster, Action<KafkaTypedOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        services?.Invoke(builder.Services);
        builder.Services.AddKafkaTyped(new ConfigurationBuilder().Build(), o =>
        {
            o.AppName = "bench";
            o.Server = "runtime";
            o.BootstrapServers.Add(cluster.BootstrapServers);
            o.SchemaRegistry.Url = RegistryUrl;
            configure(o);
        });
        return builder.Build();
    }

    /// <summary>The generated producer's <c>EnqueueAsync</c>, reports to a delivery observer.</summary>
    private static async Task<Result> TypedProduce<T>(EmbeddedKafkaCluster cluster, string topic, string typeName, T record)
        where T : class
    {
        var n = s_messages;
        var counter = new DeliveryCounter(n + 1);
        using var host = BuildHost(
            cluster,
            o =>
            {
                o.ConsumersEnabled = false;
                o.Topics[typeName] = topic;
            },
            s => s.AddSingleton<IKafkaDeliveryObserver>(counter));
        await host.StartAsync().ConfigureAwait(false);
        var producer = host.Services.GetRequiredService<IKafkaProducer<T>>();
        await producer.EnqueueAsync(record).ConfigureAwait(false); // priming, untimed (and the schema registration for Avro)
        await counter.Primed.Task.ConfigureAwait(false);

        var meter = Meter.Start();
        for (var i = 0; i < n; i++)
        {
            var enqueue = producer.EnqueueAsync(record);
            if (!enqueue.IsCompletedSuccessfully)
            {
                await enqueue.ConfigureAwait(false);
            }
        }

        await counter.All.Task.ConfigureAwait(false);
        var result = meter.Stop();
        await host.StopAsync().ConfigureAwait(false);
        Check(counter.Failed == 0, $"typed producer of {typeName}: {counter.Failed} reports failed");
        return result;
    }

    // ---------------------------------------------------------------- typed and like-for-like consumers

    /// <summary>The raw Consume loop (same settings as the bare row) with a value deserializer.</summary>
    private static Result RawConsumeDeserialized<T>(EmbeddedKafkaCluster cluster, string topic, IDeserializer<T> deserializer)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = cluster.BootstrapServers,
            ["client.id"] = "bench-raw",
            ["group.id"] = "raw-" + Guid.NewGuid().ToString("N"),
            ["auto.offset.reset"] = "earliest",
            ["enable.partition.eof"] = "false",
            ["allow.auto.create.topics"] = "false",
            ["enable.auto.commit"] = "true",
            ["enable.auto.offset.store"] = "true",
            ["auto.commit.interval.ms"] = "5000",
            ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs,
            ["fetch.wait.max.ms"] = FetchWaitMaxMs,
        };
        using var consumer = new ConsumerBuilder<byte[]?, T>(config).SetValueDeserializer(deserializer).SetLogHandler(static (_, _) => { }).Build();
        var n = s_messages + 1;
        var seen = 0;
        var meter = Meter.Start();
        Mark? first = null;
        consumer.Subscribe(topic);
        while (seen < n)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null)
            {
                continue;
            }

            if (record.Message.Value is null)
            {
                throw new InvalidOperationException("raw deserializing loop: no value");
            }

            if (seen++ == 0)
            {
                first = Mark.Now();
            }
        }

        var result = meter.Stop(first);
        consumer.Close();
        return result;
    }

    /// <summary>The generated hosted consumer of <paramref name="handlerName"/> (the other one disabled), in a started host.</summary>
    private static async Task<Result> TypedConsume(EmbeddedKafkaCluster cluster, string topic, string typeName, string handlerName, string otherHandler, ServiceLifetime? handlerRegistration)
    {
        var n = s_messages + 1; // the fill's priming message included
        TypedCount.Reset(n);
        using var host = BuildHost(
            cluster,
            o =>
            {
                o.Topics[typeName] = topic;
                o.Consumers[otherHandler] = new KafkaTypedConsumerSettings { Enabled = false };
                o.Consumer.GroupId = "typed-" + Guid.NewGuid().ToString("N");
                o.Consumer.StartOffset = StartOffset.Oldest;
                o.Consumer.Settings["fetch.queue.backoff.ms"] = FetchQueueBackoffMs;
                o.Consumer.Settings["fetch.wait.max.ms"] = FetchWaitMaxMs;
            },
            s =>
            {
                if (handlerRegistration is { } lifetime)
                {
                    // The application's own registration wins over AddKafkaTyped's (scoped, or per message without a scope
                    // for a handler without dependencies): a singleton, or scoped as AddKafkaTyped registered it before.
                    s.Add(new ServiceDescriptor(typeof(JsonTradeHandler), typeof(JsonTradeHandler), lifetime));
                    s.Add(new ServiceDescriptor(typeof(AvroTradeHandler), typeof(AvroTradeHandler), lifetime));
                }
            });

        var meter = Meter.Start();
        await host.StartAsync().ConfigureAwait(false);
        var finished = await Task.WhenAny(TypedCount.All, Task.Delay(TimeSpan.FromMinutes(3))).ConfigureAwait(false);
        var result = meter.Stop(TypedCount.First);
        await host.StopAsync().ConfigureAwait(false);
        Check(finished == TypedCount.All, $"{handlerName} did not see all {n} messages in 3 minutes");
        return result;
    }
}
