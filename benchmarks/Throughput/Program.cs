// Throughput of Kafka.Typed against raw Confluent.Kafka on the same embedded cluster, alternating in one run.
//
//   dotnet run -c Release --project benchmarks/Throughput -- [--messages 100000] [--rounds 5] [--warmup 1]
//
// Producers: raw IProducer.Produce with a delivery handler, AsyncProducer (SendAsync + ListenAsync), SyncProducer with
// up to 10,000 sends in flight. Consumers, over the same pre-produced topic with a fresh group each round: a raw
// Consume loop (auto-commit, auto offset store: the client's defaults) and ConsumerGroup with a no-op handler.
// Settings on both sides: 3 brokers, 12 partitions, acks=all, idempotence on, linger 5 ms, no compression, 100-byte values,
// fetch.queue.backoff.ms=10 for both consumers (see below).
// Medians of the measured rounds; ratios are to the raw client. A plain Stopwatch harness, not BenchmarkDotNet: each
// operation is a 100k-message network round trip with warm-up and cluster state that BenchmarkDotNet's
// per-invocation model does not fit.
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Kafka.Typed;
using Kafka.Typed.Testing;

var messages = Arg("--messages", 100_000);
var rounds = Arg("--rounds", 5);
var warmup = Arg("--warmup", 1);
const int Partitions = 12;
// librdkafka postpones a partition's next fetch by fetch.queue.backoff.ms (default 1 s) whenever its prefetch queue is
// over the thresholds; with the whole topic already on the broker that makes both consumers alternate between ~0.2 M
// and ~1 M msg/s from run to run. The same shorter value on both sides measures the client, not that timer.
const int FetchQueueBackoffMs = 10;
var payload = new byte[100];
Random.Shared.NextBytes(payload);

using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
var app = new KafkaAppConfig("bench", "local", cluster.BootstrapServers);
var topicNumber = 0;
string NewTopic()
{
    // A fresh topic per round keeps every partition far below the mock's ~5 MiB retention.
    var name = "bench-" + Interlocked.Increment(ref topicNumber).ToString(CultureInfo.InvariantCulture);
    cluster.CreateTopic(name, Partitions);
    return name;
}

var results = new Dictionary<string, List<double>>();
var cpu = new Dictionary<string, List<double>>();
var cpuMark = TimeSpan.Zero;
void Mark() => cpuMark = Process.GetCurrentProcess().TotalProcessorTime;
void Record(string name, int round, double seconds)
{
    var rate = messages / seconds;
    var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpuMark).TotalMicroseconds / messages;
    Console.WriteLine($"  round {round,2} {name,-38} {rate,12:N0} msg/s {cpuMicros,6:0.00} µs CPU/msg{(round < warmup ? "  (warm-up)" : "")}");
    if (round >= warmup)
    {
        (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(rate);
        (cpu.TryGetValue(name, out var c) ? c : cpu[name] = []).Add(cpuMicros);
    }
}

Console.WriteLine($"Kafka.Typed throughput: {messages:N0} messages × 100 B, {rounds} measured rounds after {warmup} warm-up, {Environment.ProcessorCount} cores");
string? consumeTopic = null;
var consumeOnly = args.Contains("--consume-only");
for (var round = 0; round < (consumeOnly ? 1 : warmup + rounds); round++)
{
    Mark();
    Record("produce: raw Produce", round, RawProduce(NewTopic()));
    Mark();
    Record("produce: AsyncProducer", round, await TypedAsyncProduce(NewTopic()));
    Mark();
    Record("produce: SyncProducer (10k in flight)", round, await TypedSyncProduce(consumeTopic = NewTopic()));
}

for (var round = 0; round < warmup + rounds; round++)
{
    Mark();
    Record("consume: raw Consume loop", round, RawConsume(consumeTopic!));
    Mark();
    Record("consume: ConsumerGroup", round, await TypedConsume(consumeTopic!));
}

Console.WriteLine();
Console.WriteLine($"{"variant",-40} {"median msg/s",14} {"× raw",7} {"µs CPU/msg",11} {"× raw",7}");
static double MedianOf(List<double> values) => values.Order().ElementAt(values.Count / 2);
double Median(string name) => MedianOf(results[name]);
double Cpu(string name) => MedianOf(cpu[name]);
void Row(string name, string raw)
{
    if (results.ContainsKey(name) && results.ContainsKey(raw))
    {
        Console.WriteLine($"{name,-40} {Median(name),14:N0} {Median(name) / Median(raw),7:0.00} {Cpu(name),11:0.00} {Cpu(name) / Cpu(raw),7:0.00}");
    }
}

Row("produce: raw Produce", "produce: raw Produce");
Row("produce: AsyncProducer", "produce: raw Produce");
Row("produce: SyncProducer (10k in flight)", "produce: raw Produce");
Row("consume: raw Consume loop", "consume: raw Consume loop");
Row("consume: ConsumerGroup", "consume: raw Consume loop");
return 0;

double RawProduce(string topic)
{
    var config = new ProducerConfig
    {
        BootstrapServers = cluster.BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        CompressionType = CompressionType.None,
    };
    using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
    var done = 0;
    var all = new ManualResetEventSlim();
    Action<DeliveryReport<byte[]?, byte[]?>> handler = r =>
    {
        if (r.Error.IsError)
        {
            throw new InvalidOperationException(r.Error.Reason);
        }

        if (Interlocked.Increment(ref done) == messages)
        {
            all.Set();
        }
    };
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < messages; i++)
    {
        var message = new Message<byte[]?, byte[]?> { Value = payload };
        while (true)
        {
            try
            {
                producer.Produce(topic, message, handler);
                break;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(1));
            }
        }
    }

    all.Wait();
    return watch.Elapsed.TotalSeconds;
}

async Task<double> TypedAsyncProduce(string topic)
{
    var done = 0;
    var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    await using var producer = new AsyncProducer(app, r =>
    {
        if (!r.IsSuccess)
        {
            throw new InvalidOperationException(r.Reason);
        }

        if (Interlocked.Increment(ref done) == messages)
        {
            all.TrySetResult();
        }
    });
    using var stop = new CancellationTokenSource();
    var watch = Stopwatch.StartNew();
    var listen = producer.ListenAsync(stop.Token);
    for (var i = 0; i < messages; i++)
    {
        await producer.SendAsync(new ProducerMessage(topic, payload));
    }

    await all.Task;
    var elapsed = watch.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await listen;
    return elapsed;
}

async Task<double> TypedSyncProduce(string topic)
{
    await using var producer = new SyncProducer(app);
    var window = new SemaphoreSlim(10_000);
    var pending = new List<Task>(messages);
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < messages; i++)
    {
        await window.WaitAsync();
        pending.Add(producer.SendAsync(topic, payload).ContinueWith(_ => window.Release(), TaskContinuationOptions.ExecuteSynchronously));
    }

    await Task.WhenAll(pending);
    return watch.Elapsed.TotalSeconds;
}

double RawConsume(string topic)
{
    var config = new ConsumerConfig
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = "raw-" + Guid.NewGuid().ToString("N"),
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnablePartitionEof = false,
        FetchQueueBackoffMs = FetchQueueBackoffMs,
    };
    using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
    consumer.Subscribe(topic);
    var seen = 0;
    Stopwatch? watch = null;
    while (seen < messages)
    {
        var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
        if (r is null)
        {
            continue;
        }

        watch ??= Stopwatch.StartNew(); // from the first message: group join time is not throughput
        seen++;
    }

    var elapsed = watch!.Elapsed.TotalSeconds;
    consumer.Close();
    return elapsed;
}

async Task<double> TypedConsume(string topic)
{
    var seen = 0;
    long firstTicks = 0;
    var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var group = new ConsumerGroup(app, [topic], (_, _) =>
    {
        if (Interlocked.Increment(ref seen) == 1)
        {
            Interlocked.Exchange(ref firstTicks, Stopwatch.GetTimestamp());
        }
        else if (seen == messages)
        {
            all.TrySetResult();
        }

        return Task.CompletedTask;
    }, new ConsumerOptions
    {
        GroupId = "typed-" + Guid.NewGuid().ToString("N"),
        MaxDegreeOfParallelism = Arg("--parallelism", 8),
        Settings = new Dictionary<string, string> { ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs.ToString(CultureInfo.InvariantCulture) },
    });
    using var stop = new CancellationTokenSource();
    var run = group.ConsumeAsync(stop.Token);
    await all.Task;
    var elapsed = Stopwatch.GetElapsedTime(Interlocked.Read(ref firstTicks)).TotalSeconds;
    await stop.CancelAsync();
    await run;
    return elapsed;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}
