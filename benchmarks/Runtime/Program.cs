// Runtime throughput: Kafka.Typed against raw Confluent.Kafka on one embedded cluster, alternating in one run.
//
//   dotnet run -c Release --project benchmarks/Runtime -- [--messages 100000] [--rounds 5] [--warmup 2] [--quick]
//   (--quick: 10,000 messages, 1 warm-up + 2 rounds, a smoke run; --only TEXT[,TEXT…]: just the variants whose name
//   contains one of the texts, e.g. --only "raw Produce,AsyncProducer", or, for a text starting with '=', whose name is
//   exactly the rest (the list is split at commas, so a name with a comma cannot be given exactly); the table shows those
//   that ran with their raw row;
//   --breakdown: only the typed consumer's per-message steps in tight loops, see Typed.cs; --gap: consume rows that take
//   the typed consumer apart step by step, JSON against Avro, and decode from librdkafka's buffer, see Gap.cs;
//   --baseline PATH/Kafka.Typed.dll: another build's untyped ConsumerGroup and AsyncProducer as "(baseline)" rows in the
//   same rounds (the producer next to this build's through the same harness), see
//   Baseline.cs — build it from the commit to compare against in a temporary directory; --per-key: only the per-key
//   concurrency rows, see PerKey.cs)
//
// Produce (a fresh 12-partition topic per round and variant, so no partition nears the mock's ~5 MiB retention; one
// untimed priming message per producer first fetches metadata, leaders and the idempotent producer id):
//   raw     IProducer.Produce + one shared delivery handler that counts (Local_QueueFull → Poll(1 ms) and retry)
//   raw, handler per message: the same with a handler closing over its message (how a raw caller learns which
//           message a report is about; Confluent keeps it until the report, as Kafka.Typed keeps the ProducerMessage)
//   async   AsyncProducer.SendAsync + ListenAsync, reports counted in the onReport callback; the send loop runs on a
//           thread-pool thread (where an await resumed), and again on a dedicated thread ("sender thread")
//   sync    SyncProducer.SendAsync with a window of 10,000 outstanding tasks
// Consume (one pre-produced 12-partition topic, a fresh group id per round, stop once all N were seen):
//   raw     a Consume loop with librdkafka's defaults: enable.auto.commit=true, enable.auto.offset.store=true
//   group   ConsumerGroup with a no-op handler (its defaults: offsets stored after handling, auto-commit every 5 s);
//           again with an ActivityListener recording every span ("traced"; the raw loop has no tracing)
// Both consumers set fetch.queue.backoff.ms=10 and fetch.wait.max.ms=20: with librdkafka's defaults (1 s, 500 ms) rounds
// are bimodal on the mock (~0.2M or ~1M msg/s), timing those timers rather than the client.
// Variants run in a different order each round (rotated by one), so none always follows the same one.
// Every topic has its partitions' leaders spread evenly over the brokers (since 2026-12-03 21:17 UTC; before, the mock's
// uneven placement). Two topics of the same payload still differ by up to ~1.3x in msg/s under load: compare rows that read
// different topics by CPU per message, or against a row on the same topic.
// Both sides: 3 brokers, acks=all, idempotence on, linger 5 ms, no compression, 100-byte values, no key, librdkafka
// logs discarded (no logger). Medians over the measured rounds; warm-up rounds are printed and discarded. Each round line
// also shows collections per generation (gen0 counts include gen1 and gen2) and the GC pause time inside the timed region.
// Consumers' rate, CPU and allocation per message are counted from their first message (since 2026-12-03; before, CPU and
// allocation included the subscribe and join), so a typed consumer's host start is not spread over its messages.
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed;
using Kafka.Typed.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static partial class Program
{
    private const int Partitions = 12;
    private const int ReplicationFactor = 3;
    private const int SyncWindow = 10_000;
    private const int ValueSize = 100;

    // Both consumers: with librdkafka's default (1000 ms) a full local queue makes the fetcher back off a whole second,
    // and each round then lands at ~0.2M or ~1M msg/s depending on that timer rather than on the client.
    private const string FetchQueueBackoffMs = "10";
    // Both consumers: with the default (500 ms) some rounds stall about half a second on a fetch the mock holds open.
    private const string FetchWaitMaxMs = "20";

    private const string BaselineAsyncProducer = "produce: AsyncProducer (baseline)";
    private const string HarnessAsyncProducer = "produce: AsyncProducer (this build, same harness)";

    private static int s_messages = 100_000;
    private static int s_rounds = 5;
    private static int s_warmup = 2;
    private static int s_topicCounter;
    private static readonly byte[] s_payload = CreatePayload();
    private static readonly Dictionary<string, List<Sample>> s_samples = new(StringComparer.Ordinal);

    private static long s_exceptions;
    private static string[]? s_only;
    private static bool s_breakdown;
    private static byte[] s_jsonPayload = [];
    private static byte[] s_avroPayload = [];

    private static async Task<int> Main(string[] args)
    {
        // Counts thrown exceptions (librdkafka's Local_QueueFull surfaces as one per rejected Produce).
        AppDomain.CurrentDomain.FirstChanceException += static (_, _) => Interlocked.Increment(ref s_exceptions);
        if (!ParseArgs(args))
        {
            return 2;
        }

        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var command = $"dotnet run -c Release --project benchmarks/Runtime -- --messages {s_messages} --rounds {s_rounds} --warmup {s_warmup}"
            + (s_gap ? " --gap" : "") + (s_only is null ? "" : $" --only \"{string.Join(',', s_only)}\"") + (s_baseline is null ? "" : $" --baseline {s_baseline}");
        if (s_baseline is not null)
        {
            s_baselineRuntime = Baseline.Load(s_baseline);
        }
        Console.WriteLine($"Kafka.Typed runtime throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"command: {command}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuModel()}, .NET {Environment.Version}, librdkafka {Library.VersionString}");
        Console.WriteLine($"setup:   3 brokers, {Partitions} partitions (rf {ReplicationFactor}), {s_messages:N0} × {ValueSize} B, acks=all, idempotence, linger 5 ms, no compression; {s_warmup} warm-up + {s_rounds} measured rounds");
        Console.WriteLine();

        // Declared first, so disposed last: every client below is closed and disposed inside its own round.
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
        var app = new KafkaAppConfig("bench", "runtime", cluster.BootstrapServers);
        StartRegistry();
        var (jsonPayload, avroPayload) = CheckCodecs();
        s_jsonPayload = jsonPayload;
        s_avroPayload = avroPayload;
        var jsonSerializer = StjSerializer.Instance;
        var avroSerializer = new AvroSerializer<AvroTrade>(RegistryClient).AsSyncOverAsync();
        var avroDeserializer = new AvroDeserializer<AvroTrade>(RegistryClient).AsSyncOverAsync();
        if (s_perKey)
        {
            PerKeyRows(cluster, app);
            Console.WriteLine();
            Console.WriteLine($"command: {command} --per-key");
            StopRegistry();
            return 0;
        }

        if (s_breakdown)
        {
            await Breakdown(jsonPayload, avroPayload).ConfigureAwait(false);
            StopRegistry();
            return 0;
        }

        (string Name, Func<Task<Result>> Run)[] producers =
        [
            ("produce: raw Produce", () => Task.FromResult(RawProduce(cluster, NewTopic(cluster)))),
            ("produce: raw Produce, handler per message", () => Task.FromResult(RawProduce(cluster, NewTopic(cluster), handlerPerMessage: true))),
            ("produce: AsyncProducer", () => AsyncProduce(app, NewTopic(cluster))),
            ("produce: AsyncProducer, sender thread", () => AsyncProduce(app, NewTopic(cluster), senderThread: true)),
            ($"produce: SyncProducer ({SyncWindow / 1000}k window)", () => SyncProduce(app, NewTopic(cluster))),
            (RawJsonProducer, () => Task.FromResult(RawProduceSerialized(cluster, NewTopic(cluster), s_jsonTrade, jsonSerializer))),
            (TypedJsonProducer, () => TypedProduce(cluster, NewTopic(cluster), "JsonTrade", s_jsonTrade)),
            (RawAvroProducer, () => Task.FromResult(RawProduceSerialized(cluster, NewTopic(cluster), s_avroTrade, avroSerializer))),
            (TypedAvroProducer, () => TypedProduce(cluster, NewTopic(cluster), "AvroTrade", s_avroTrade)),
            .. (s_baselineRuntime is null ? [] : new (string, Func<Task<Result>>)[]
            {
                (BaselineAsyncProducer, () => HarnessAsyncProduce(s_baselineRuntime, cluster.BootstrapServers, NewTopic(cluster))),
                (HarnessAsyncProducer, () => HarnessAsyncProduce(Baseline.ThisBuild(), cluster.BootstrapServers, NewTopic(cluster))),
            }),
        ];
        for (var round = 0; round < s_warmup + s_rounds; round++)
        {
            MeasureRound(round, producers);
        }

        var consumeTopic = NewTopic(cluster);
        if (Selected("consume: raw Consume loop") || Selected("consume: ConsumerGroup"))
        {
            Fill(cluster, consumeTopic);
        }

        // One topic per format, filled with the bytes both sides write (checked above), from the raw producer.
        var jsonTopic = NewTopic(cluster);
        var avroTopic = NewTopic(cluster);
        if (Selected(RawJsonConsumer) || Selected(TypedJsonConsumer) || Selected(TypedJsonConsumer + ", scoped handler") || Selected(TypedJsonConsumer + ", singleton handler")
            || (s_gap && new[] { GapRawJson, GapGroupJson, GapGroupJsonDecode, GapCopyJson, GapSpanJson }.Any(Selected)))
        {
            Fill(cluster, jsonTopic, jsonPayload);
        }

        if (Selected(RawAvroConsumer) || Selected(TypedAvroConsumer) || Selected(TypedAvroConsumer + ", scoped handler") || Selected(TypedAvroConsumer + ", singleton handler")
            || (s_gap && new[] { GapRawAvro, GapGroupAvro, GapGroupAvroDecode, GapCopyAvro, GapSpanAvro }.Any(Selected)))
        {
            Fill(cluster, avroTopic, avroPayload);
        }

        using var avroSerde = new Kafka.Typed.Avro.AvroSerde<AvroTrade>(AvroTrade.AvroCodec.Instance, RegistryClient);

        (string Name, Func<Task<Result>> Run)[] consumers =
        [
            ("consume: raw Consume loop", () => Task.FromResult(RawConsume(cluster, consumeTopic))),
            ("consume: ConsumerGroup", () => GroupConsume(app, consumeTopic)),
            ("consume: ConsumerGroup, traced", () => GroupConsume(app, consumeTopic, traced: true)),
            (BatchConsumer, () => BatchGroupConsume(app, consumeTopic)),
            .. (s_baselineRuntime is null ? [] : new (string, Func<Task<Result>>)[]
            {
                ("consume: ConsumerGroup (baseline)", () => BaselineGroupConsume(cluster.BootstrapServers, consumeTopic)),
                ("consume: ConsumerGroup, traced (baseline)", () => BaselineGroupConsume(cluster.BootstrapServers, consumeTopic, traced: true)),
            }),
            (RawJsonConsumer, () => Task.FromResult(RawConsumeDeserialized(cluster, jsonTopic, StjSerializer.Instance))),
            (TypedJsonConsumer, () => TypedConsume(cluster, jsonTopic, "JsonTrade", "JsonTradeHandler", "AvroTradeHandler", handlerRegistration: null)),
            (TypedJsonConsumer + ", scoped handler", () => TypedConsume(cluster, jsonTopic, "JsonTrade", "JsonTradeHandler", "AvroTradeHandler", ServiceLifetime.Scoped)),
            (TypedJsonConsumer + ", singleton handler", () => TypedConsume(cluster, jsonTopic, "JsonTrade", "JsonTradeHandler", "AvroTradeHandler", ServiceLifetime.Singleton)),
            (RawAvroConsumer, () => Task.FromResult(RawConsumeDeserialized(cluster, avroTopic, avroDeserializer))),
            (TypedAvroConsumer, () => TypedConsume(cluster, avroTopic, "AvroTrade", "AvroTradeHandler", "JsonTradeHandler", handlerRegistration: null)),
            (TypedAvroConsumer + ", scoped handler", () => TypedConsume(cluster, avroTopic, "AvroTrade", "AvroTradeHandler", "JsonTradeHandler", ServiceLifetime.Scoped)),
            (TypedAvroConsumer + ", singleton handler", () => TypedConsume(cluster, avroTopic, "AvroTrade", "AvroTradeHandler", "JsonTradeHandler", ServiceLifetime.Singleton)),
            .. GapConsumers(cluster, app, consumeTopic, jsonTopic, avroTopic, avroSerde),
        ];
        for (var round = 0; round < s_warmup + s_rounds; round++)
        {
            MeasureRound(round, consumers);
        }

        Console.WriteLine();
        Console.WriteLine($"Medians of {s_rounds} measured rounds ({s_messages:N0} messages each):");
        Console.WriteLine();
        Console.WriteLine("| variant | msg/s | × raw | min–max msg/s | alloc B/msg | CPU µs/msg | GC pause ms/round |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Row("produce: raw Produce", "produce: raw Produce");
        Row("produce: raw Produce, handler per message", "produce: raw Produce");
        Row("produce: AsyncProducer", "produce: raw Produce");
        Row("produce: AsyncProducer, sender thread", "produce: raw Produce");
        Row($"produce: SyncProducer ({SyncWindow / 1000}k window)", "produce: raw Produce");
        Row(BaselineAsyncProducer, "produce: raw Produce");
        Row(HarnessAsyncProducer, "produce: raw Produce");
        Row("consume: raw Consume loop", "consume: raw Consume loop");
        Row("consume: ConsumerGroup", "consume: raw Consume loop");
        Row("consume: ConsumerGroup, traced", "consume: raw Consume loop");
        Row(BatchConsumer, "consume: raw Consume loop");
        Row("consume: ConsumerGroup (baseline)", "consume: raw Consume loop");
        Row("consume: ConsumerGroup, traced (baseline)", "consume: raw Consume loop");
        TypedRows();
        GapRows();
        if (s_samples.ContainsKey(BaselineAsyncProducer) && s_samples.ContainsKey(HarnessAsyncProducer))
        {
            Console.WriteLine();
            Console.WriteLine($"This build's AsyncProducer against the baseline's ({s_baselineRuntime!.Location}), both through the same harness (× raw = × baseline):");
            Console.WriteLine();
            Console.WriteLine("| variant | msg/s | × baseline | min–max msg/s | alloc B/msg | CPU µs/msg | GC pause ms/round |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            Row(HarnessAsyncProducer, BaselineAsyncProducer);
        }

        Console.WriteLine();
        Console.WriteLine("Consume, from Subscribe/ConsumeAsync (includes the group join) instead of from the first message:");
        Console.WriteLine();
        Console.WriteLine("| variant | msg/s | × raw |");
        Console.WriteLine("|---|---:|---:|");
        JoinRow("consume: raw Consume loop", "consume: raw Consume loop");
        JoinRow("consume: ConsumerGroup", "consume: raw Consume loop");
        JoinRow("consume: ConsumerGroup (baseline)", "consume: raw Consume loop");
        Console.WriteLine();
        Console.WriteLine($"command: {command}");
        StopRegistry();
        return 0;
    }

    // ---------------------------------------------------------------- producers

    private static Dictionary<string, string> RawProducerConfig(EmbeddedKafkaCluster cluster) => new(StringComparer.Ordinal)
    {
        // The same librdkafka settings Kafka.Typed derives from its defaults (src/Runtime/Internal/ClientConfigBuilder.cs).
        ["bootstrap.servers"] = cluster.BootstrapServers,
        ["client.id"] = "bench-raw",
        ["acks"] = "all",
        ["enable.idempotence"] = "true",
        ["linger.ms"] = "5",
        ["compression.type"] = "none",
        ["partitioner"] = "consistent_random",
        ["allow.auto.create.topics"] = "false",
        ["message.timeout.ms"] = "300000",
    };

    /// <summary>
    /// The raw baseline. <paramref name="handlerPerMessage"/>: what a raw caller writes when each report must say which
    /// message it belongs to (a handler closing over the message, kept by Confluent until the report, as Kafka.Typed keeps
    /// the <see cref="ProducerMessage"/> it hands back) instead of one shared handler that only counts.
    /// </summary>
    private static Result RawProduce(EmbeddedKafkaCluster cluster, string topic, bool handlerPerMessage = false, byte[]? payload = null)
    {
        var value = payload ?? s_payload;
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(RawProducerConfig(cluster)).SetLogHandler(static (_, _) => { }).Build();
        var done = 0;
        var failed = 0;
        using var all = new ManualResetEventSlim();
        var n = s_messages;
        Action<DeliveryReport<byte[]?, byte[]?>> handler = r =>
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

        // Prime outside the timed region: topic metadata, leaders and the idempotent producer id (both sides do this).
        producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = value }, _ => { });
        producer.Flush(TimeSpan.FromSeconds(30));

        var meter = Meter.Start();
        for (var i = 0; i < n; i++)
        {
            var message = new Message<byte[]?, byte[]?> { Value = value };
            var report = handlerPerMessage ? HandlerFor(message, handler) : handler;
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, report);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1)); // with background polling this only sleeps
                }
            }
        }

        all.Wait();
        var result = meter.Stop();
        Check(failed == 0, $"raw producer: {failed} delivery reports failed");
        return result;
    }

    // A separate method, so the bare baseline's loop allocates no closure state per message.
    private static Action<DeliveryReport<byte[]?, byte[]?>> HandlerFor(Message<byte[]?, byte[]?> sent, Action<DeliveryReport<byte[]?, byte[]?>> count)
        => report =>
        {
            Check(ReferenceEquals(sent.Value, s_payload), "raw producer: the report's message is not the one sent");
            count(report);
        };

    private static async Task<Result> AsyncProduce(KafkaAppConfig app, string topic, bool senderThread = false)
    {
        var done = 0;
        var failed = 0;
        var n = s_messages;
        var primed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var priming = new object();
        await using var producer = new AsyncProducer(app, r =>
        {
            if (!r.IsSuccess)
            {
                Interlocked.Increment(ref failed);
            }

            if (ReferenceEquals(r.Message.State, priming))
            {
                primed.TrySetResult();
            }
            else if (Interlocked.Increment(ref done) == n)
            {
                all.TrySetResult();
            }
        });
        using var stop = new CancellationTokenSource();
        var listen = producer.ListenAsync(stop.Token);
        await producer.SendAsync(new ProducerMessage(topic, s_payload) { State = priming }).ConfigureAwait(false);
        await primed.Task.ConfigureAwait(false);

        var meter = Meter.Start();
        if (senderThread)
        {
            // The same loop on a dedicated thread instead of a thread-pool thread (the one the priming await resumed on).
            await Task.Factory.StartNew(
                () =>
                {
                    for (var i = 0; i < n; i++)
                    {
                        var send = producer.SendAsync(new ProducerMessage(topic, s_payload));
                        if (!send.IsCompletedSuccessfully)
                        {
                            send.AsTask().GetAwaiter().GetResult();
                        }
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, s_payload)).ConfigureAwait(false);
            }
        }

        await all.Task.ConfigureAwait(false);
        var result = meter.Stop();
        await stop.CancelAsync().ConfigureAwait(false);
        await listen.ConfigureAwait(false);
        Check(failed == 0, $"AsyncProducer: {failed} reports failed");
        return result;
    }

    private static async Task<Result> SyncProduce(KafkaAppConfig app, string topic)
    {
        await using var producer = new SyncProducer(app);
        var n = s_messages;
        var window = new Task<ProduceResult>[Math.Min(SyncWindow, n)];
        await producer.SendAsync(topic, s_payload).ConfigureAwait(false); // priming, untimed

        var meter = Meter.Start();
        for (var i = 0; i < n; i++)
        {
            // A ring of outstanding sends: the oldest is awaited before its slot is reused, so up to SyncWindow are in flight.
            var slot = i % window.Length;
            if (window[slot] is { } oldest)
            {
                await oldest.ConfigureAwait(false);
            }

            window[slot] = producer.SendAsync(topic, s_payload);
        }

        await Task.WhenAll(window).ConfigureAwait(false);
        return meter.Stop();
    }

    /// <summary>Fills the consume topic once, with the raw producer and the same settings.</summary>
    private static void Fill(EmbeddedKafkaCluster cluster, string topic, byte[]? payload = null)
    {
        var watch = Stopwatch.StartNew();
        RawProduce(cluster, topic, payload: payload);
        Console.WriteLine($"  filled {topic} with {s_messages:N0} messages in {watch.Elapsed.TotalSeconds:0.00} s");
    }

    // ---------------------------------------------------------------- consumers

    /// <summary>The raw Consume loop; <paramref name="onValue"/>, when given, is called with each value (the --gap rows decode it).</summary>
    private static Result RawConsume(EmbeddedKafkaCluster cluster, string topic, Action<byte[]>? onValue = null)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = cluster.BootstrapServers,
            ["client.id"] = "bench-raw",
            ["group.id"] = "raw-" + Guid.NewGuid().ToString("N"),
            ["auto.offset.reset"] = "earliest",
            ["enable.partition.eof"] = "false",
            ["allow.auto.create.topics"] = "false",
            // librdkafka's defaults, stated: auto-commit every 5 s of offsets stored automatically as messages are returned.
            ["enable.auto.commit"] = "true",
            ["enable.auto.offset.store"] = "true",
            ["auto.commit.interval.ms"] = "5000",
            ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs,
            ["fetch.wait.max.ms"] = FetchWaitMaxMs,
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler(static (_, _) => { }).Build();
        var n = s_messages + 1; // the fill's priming message included
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

            onValue?.Invoke(record.Message.Value!);
            if (seen++ == 0)
            {
                first = Mark.Now();
            }
        }

        var result = meter.Stop(first);
        consumer.Close();
        return result;
    }

    /// <summary>
    /// <see cref="ConsumerGroup"/> with a no-op handler (<paramref name="onValue"/>, when given, is called with each value). <paramref name="traced"/>: with an <see cref="ActivityListener"/>
    /// recording every Kafka.Typed span, as an application exporting traces has (a process span per message; the raw
    /// loop has no tracing, so that row shows what tracing costs on top).
    /// </summary>
    private static async Task<Result> GroupConsume(KafkaAppConfig app, string topic, bool traced = false, Action<byte[]>? onValue = null)
    {
        using var listener = traced ? new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Kafka.Typed",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        } : null;
        if (listener is not null)
        {
            ActivitySource.AddActivityListener(listener);
        }

        var n = s_messages + 1; // the fill's priming message included
        var seen = 0;
        Mark? first = null;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(app, [topic], (message, _) =>
        {
            onValue?.Invoke(message.Value!);
            var count = Interlocked.Increment(ref seen);
            if (count == 1)
            {
                Volatile.Write(ref first, Mark.Now());
            }
            else if (count == n)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        }, new ConsumerOptions
        {
            GroupId = "group-" + Guid.NewGuid().ToString("N"),
            Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs, ["fetch.wait.max.ms"] = FetchWaitMaxMs },
        });

        using var stop = new CancellationTokenSource();
        var meter = Meter.Start();
        var run = group.ConsumeAsync(stop.Token);
        var finished = await Task.WhenAny(all.Task, run).ConfigureAwait(false);
        var result = meter.Stop(Volatile.Read(ref first));
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false); // closes the consumer (commit, leave group) and disposes it
        Check(finished == all.Task, "ConsumerGroup stopped before it saw every message");
        return result;
    }

    // ---------------------------------------------------------------- harness

    /// <summary>Runs every selected variant once, starting one further along each round, so that no variant always follows the same one.</summary>
    private static void MeasureRound(int round, (string Name, Func<Task<Result>> Run)[] variants)
    {
        for (var i = 0; i < variants.Length; i++)
        {
            var (name, run) = variants[(i + round) % variants.Length];
            Measure(round, name, run);
        }
    }

    private static void Measure(int round, string name, Func<Task<Result>> run)
    {
        if (!Selected(name))
        {
            return;
        }

        // Start each measurement from the same heap state; the collection is outside the timed region.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var result = run().GetAwaiter().GetResult();
        var warm = round < s_warmup;
        var joinNote = result.FromFirstSeconds is { } first ? $"  (from first message {s_messages / first,10:N0} msg/s)" : "";
        Console.WriteLine($"  round {round + 1,2}{(warm ? " warm-up" : "        ")}  {name,-36} {s_messages / result.Seconds,10:N0} msg/s  {result.AllocatedBytes / (double)s_messages,7:N0} B/msg  {result.CpuSeconds * 1e6 / s_messages,6:0.0} µs CPU/msg  {result.Exceptions,5} exc  GC {result.Gen0}/{result.Gen1}/{result.Gen2} pause {result.GcPauseMs,4:0} ms{joinNote}");
        if (!warm)
        {
            (s_samples.TryGetValue(name, out var list) ? list : s_samples[name] = []).Add(new Sample(result, s_messages));
        }
    }

    // A text starting with '=' selects the variant of exactly that name (e.g. "=produce: raw Produce" without its longer relatives).
    private static bool Selected(string name)
        => s_only is null || s_only.Any(part => part.StartsWith('=')
            ? name.Equals(part[1..], StringComparison.OrdinalIgnoreCase)
            : name.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static void Row(string name, string raw)
    {
        if (!s_samples.ContainsKey(name) || !s_samples.ContainsKey(raw))
        {
            return;
        }

        var rates = s_samples[name].Select(s => s.Rate).Order().ToArray();
        var median = Median(rates);
        var rawMedian = Median(s_samples[raw].Select(s => s.Rate).Order().ToArray());
        var alloc = Median(s_samples[name].Select(s => s.AllocPerMessage).Order().ToArray());
        var cpu = Median(s_samples[name].Select(s => s.CpuMicrosPerMessage).Order().ToArray());
        var pause = Median(s_samples[name].Select(s => s.GcPauseMs).Order().ToArray());
        Console.WriteLine($"| {name} | {median:N0} | {median / rawMedian:0.00} | {rates[0]:N0}–{rates[^1]:N0} | {alloc:N0} | {cpu:0.0} | {pause:0} |");
    }

    private static void JoinRow(string name, string raw)
    {
        if (!s_samples.ContainsKey(name) || !s_samples.ContainsKey(raw))
        {
            return;
        }

        var median = Median(s_samples[name].Select(s => s.TotalRate).Order().ToArray());
        var rawMedian = Median(s_samples[raw].Select(s => s.TotalRate).Order().ToArray());
        Console.WriteLine($"| {name} | {median:N0} | {median / rawMedian:0.00} |");
    }

    private static double Median(double[] sorted)
        => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static string NewTopic(EmbeddedKafkaCluster cluster)
    {
        var name = "bench-" + Interlocked.Increment(ref s_topicCounter).ToString(CultureInfo.InvariantCulture);
        cluster.CreateTopic(name, Partitions, ReplicationFactor);
        // Leaders spread evenly (4 partitions per broker), as a real cluster's preferred leaders are, so that no topic's layout
        // favours a row: the mock placed them unevenly (e.g. 3/1/8). This does not remove the spread between topics: two
        // topics of the same payload still differed by ~1.3x with even leaders (runs/2026-12-03-typed-gap-balanced.txt).
        for (var partition = 0; partition < Partitions; partition++)
        {
            cluster.SetPartitionLeader(name, partition, (partition % cluster.BrokerCount) + 1);
        }

        return name;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static byte[] CreatePayload()
    {
        var payload = new byte[ValueSize];
        new Random(42).NextBytes(payload);
        return payload;
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static bool ParseArgs(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--breakdown":
                    // Only the typed consumer's per-message steps, each in a tight loop (no cluster traffic timed).
                    s_breakdown = true;
                    break;
                case "--gap":
                    // Adds the consume rows of Gap.cs (JSON against Avro step by step, decoding from librdkafka's buffer).
                    s_gap = true;
                    break;
                case "--quick":
                    s_messages = 10_000;
                    s_rounds = 2;
                    s_warmup = 1;
                    break;
                case "--messages" when i + 1 < args.Length && int.TryParse(args[i + 1], out var m) && m > 0:
                    s_messages = m;
                    i++;
                    break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], out var r) && r > 0:
                    s_rounds = r;
                    i++;
                    break;
                case "--only" when i + 1 < args.Length:
                    // Run only the variants whose name contains one of these comma-separated texts (rows need their raw variant).
                    s_only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--per-key":
                    // Only the per-key concurrency rows (PerKey.cs): 1 partition, 1,000 keys, a 2 ms handler.
                    s_perKey = true;
                    break;
                case "--baseline" when i + 1 < args.Length:
                    // Another build's Kafka.Typed.dll: its untyped ConsumerGroup and AsyncProducer run as "(baseline)" rows in the same rounds.
                    s_baseline = args[++i];
                    break;
                case "--warmup" when i + 1 < args.Length && int.TryParse(args[i + 1], out var w) && w >= 0:
                    s_warmup = w;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'");
                    Console.Error.WriteLine("usage: dotnet run -c Release --project benchmarks/Runtime -- [--messages N] [--rounds R] [--warmup W] [--quick] [--only TEXT] [--breakdown] [--gap] [--per-key] [--baseline PATH/Kafka.Typed.dll]");
                    return false;
            }
        }

        return true;
    }

    /// <summary>Wall time, allocated bytes (all threads) and process CPU time over one timed region.</summary>
    private readonly struct Meter
    {
        private readonly long _start;
        private readonly long _allocated;
        private readonly TimeSpan _cpu;
        private readonly long _exceptions;
        private readonly int _gen0;
        private readonly int _gen1;
        private readonly int _gen2;
        private readonly TimeSpan _pause;

        private Meter(long start, long allocated, TimeSpan cpu, long exceptions)
        {
            _gen0 = GC.CollectionCount(0);
            _gen1 = GC.CollectionCount(1);
            _gen2 = GC.CollectionCount(2);
            _pause = GC.GetTotalPauseDuration();
            _start = start;
            _allocated = allocated;
            _cpu = cpu;
            _exceptions = exceptions;
        }

        public static Meter Start() => new(Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes(precise: false), Process.GetCurrentProcess().TotalProcessorTime, Interlocked.Read(ref s_exceptions));

        public Result Stop(Mark? first = null)
        {
            var end = Stopwatch.GetTimestamp();
            var cpuNow = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedNow = GC.GetTotalAllocatedBytes(precise: false);
            return new Result(
                Stopwatch.GetElapsedTime(_start, end).TotalSeconds,
                first is null ? null : Stopwatch.GetElapsedTime(first.At, end).TotalSeconds,
                allocatedNow - (first?.Allocated ?? _allocated),
                (cpuNow - (first?.Cpu ?? _cpu)).TotalSeconds,
                Interlocked.Read(ref s_exceptions) - _exceptions,
                GC.CollectionCount(0) - _gen0,
                GC.CollectionCount(1) - _gen1,
                GC.CollectionCount(2) - _gen2,
                (GC.GetTotalPauseDuration() - _pause).TotalMilliseconds);
        }
    }

    /// <summary>
    /// The moment a consumer saw its first message: time, process CPU and allocated bytes. A consumer's CPU and allocation
    /// per message are counted from here (so a join, or a host's start, is not spread over the messages); its rate too.
    /// </summary>
    internal sealed record Mark(long At, TimeSpan Cpu, long Allocated)
    {
        public static Mark Now() => new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false));
    }

    /// <summary>One timed region: seconds from its start, seconds from the first consumed message (consumers only), bytes allocated and process CPU seconds (from the first consumed message for consumers) (the in-process brokers included), exceptions thrown, collections per generation and GC pause time.</summary>
    private sealed record Result(double Seconds, double? FromFirstSeconds, long AllocatedBytes, double CpuSeconds, long Exceptions, int Gen0, int Gen1, int Gen2, double GcPauseMs);

    /// <summary>One measured round. Consumers are rated from the first message (join excluded); producers from the first send.</summary>
    private sealed class Sample(Result result, int messages)
    {
        public double Rate { get; } = messages / (result.FromFirstSeconds ?? result.Seconds);

        public double TotalRate { get; } = messages / result.Seconds;

        public double AllocPerMessage { get; } = result.AllocatedBytes / (double)messages;

        public double CpuMicrosPerMessage { get; } = result.CpuSeconds * 1e6 / messages;

        public double GcPauseMs { get; } = result.GcPauseMs;
    }
}
