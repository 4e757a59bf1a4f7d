// Soak harness: a producer, a consumer group whose members crash and restart, and periodic broker faults, for a
// given duration; then it drains and prints produced, handled, duplicates, lost and dead-lettered counts.
//
//   dotnet run -c Release --project tools/Kafka.Typed.Soak -- --duration 60 --rate 5000 --fault-every 5
//
// Exit code 0 when nothing was lost, 1 otherwise, 2 for bad arguments.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kafka.Typed;
using Kafka.Typed.Testing;

var settings = Settings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: soak [--duration SECONDS (60)] [--rate MSGS_PER_S (5000)] [--partitions N (12)] [--members N (3)] [--fault-every SECONDS (5)] [--poison-every N (1000)] [--seed N]");
    return 2;
}

const string Topic = "soak";
var random = new Random(settings.Seed);
var watch = Stopwatch.StartNew();
using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
{
    BrokerCount = 3,
    ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(250),
    ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(3),
});
cluster.CreateTopic(Topic, settings.Partitions, replicationFactor: 3);
cluster.CreateTopic(Topic + ".dlq", 1);
var app = new KafkaAppConfig("soak", "local", cluster.BootstrapServers);

var handled = new ConcurrentDictionary<long, int>();
long produced = 0, reportedOk = 0, reportedFailed = 0;
var consumerOptions = new ConsumerOptions
{
    GroupId = "soak-group",
    MaxRetries = 2,
    Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
    CommitInterval = TimeSpan.FromMilliseconds(500),
    ShutdownTimeout = TimeSpan.FromSeconds(5),
    Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" },
};
MessageHandler handler = (message, _) =>
{
    var id = long.Parse(message.ValueAsString!, CultureInfo.InvariantCulture);
    if (id % settings.PoisonEvery == 0)
    {
        throw new InvalidOperationException($"poison message {id}");
    }

    handled.AddOrUpdate(id, 1, (_, n) => n + 1);
    return Task.CompletedTask;
};

var members = new List<Member>();
Member StartMember()
{
    var group = new ConsumerGroup(app, [Topic], handler, consumerOptions);
    var stop = new CancellationTokenSource();
    return new Member(group, stop, group.ConsumeAsync(stop.Token));
}

for (var i = 0; i < settings.Members; i++)
{
    members.Add(StartMember());
}

var crashes = 0;
var faults = new List<string>();
using var producing = new CancellationTokenSource(TimeSpan.FromSeconds(settings.DurationSeconds));
var producer = new AsyncProducer(app, r =>
{
    if (r.IsSuccess)
    {
        Interlocked.Increment(ref reportedOk);
    }
    else
    {
        Interlocked.Increment(ref reportedFailed);
    }
});
var listen = producer.ListenAsync(CancellationToken.None);
var produceLoop = Task.Run(async () =>
{
    var perTick = Math.Max(1, settings.Rate / 100);
    while (!producing.IsCancellationRequested)
    {
        var tick = Stopwatch.StartNew();
        for (var i = 0; i < perTick; i++)
        {
            var id = Interlocked.Increment(ref produced) - 1;
            await producer.SendAsync(Topic, Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture)), Encoding.ASCII.GetBytes((id % 1024).ToString(CultureInfo.InvariantCulture)));
        }

        var wait = TimeSpan.FromMilliseconds(10) - tick.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }
});

// Faults, in turn: a member crashes (and a new one replaces it), one broker goes down, all brokers go down, latency.
var faultStep = 0;
while (!producing.IsCancellationRequested)
{
    try
    {
        await Task.Delay(TimeSpan.FromSeconds(settings.FaultEverySeconds), producing.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }

    switch (faultStep++ % 4)
    {
        case 0:
            var victim = members[random.Next(members.Count)];
            await CrashAsync(victim);
            members.Remove(victim);
            members.Add(StartMember());
            crashes++;
            faults.Add($"{watch.Elapsed.TotalSeconds:0}s member crash");
            break;
        case 1:
            var broker = random.Next(1, 4);
            cluster.SetBrokerDown(broker);
            await Task.Delay(1000);
            cluster.SetBrokerUp(broker);
            faults.Add($"{watch.Elapsed.TotalSeconds:0}s broker {broker} down 1 s");
            break;
        case 2:
            cluster.SetAllBrokersDown();
            await Task.Delay(2000);
            cluster.SetAllBrokersUp();
            faults.Add($"{watch.Elapsed.TotalSeconds:0}s all brokers down 2 s");
            break;
        default:
            cluster.SetBrokerLatency(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1000);
            cluster.SetBrokerLatency(TimeSpan.Zero);
            faults.Add($"{watch.Elapsed.TotalSeconds:0}s +100 ms latency 1 s");
            break;
    }

    Console.WriteLine($"[{watch.Elapsed.TotalSeconds,5:0.0}s] {faults[^1]}; produced {Interlocked.Read(ref produced)}, handled {handled.Count}");
}

await produceLoop;
await producer.DisposeAsync();
await listen;

// Drain: wait until every non-poison id was handled, or 60 s.
var total = Interlocked.Read(ref produced);
var poison = total == 0 ? 0 : ((total - 1) / settings.PoisonEvery) + 1;
var expected = total - poison;
var drainDeadline = DateTime.UtcNow.AddSeconds(60);
while (handled.Count < expected && DateTime.UtcNow < drainDeadline)
{
    await Task.Delay(100);
}

foreach (var member in members)
{
    await member.Stop.CancelAsync();
    await member.Run;
}

var deadLettered = CountDeadLetters(cluster, Topic + ".dlq", poison);
var lost = 0L;
for (var id = 0L; id < total; id++)
{
    if (id % settings.PoisonEvery != 0 && !handled.ContainsKey(id))
    {
        lost++;
    }
}

var duplicates = handled.Values.Sum(n => (long)n - 1);
Console.WriteLine();
Console.WriteLine($"duration        {watch.Elapsed.TotalSeconds:0.0} s ({settings.DurationSeconds} s producing at ≤ {settings.Rate}/s, {settings.Partitions} partitions, {settings.Members} members)");
Console.WriteLine($"faults          {faults.Count} ({crashes} member crashes)");
Console.WriteLine($"produced        {total} ({Interlocked.Read(ref reportedOk)} acknowledged, {Interlocked.Read(ref reportedFailed)} failed)");
Console.WriteLine($"handled         {handled.Count} distinct of {expected} expected");
Console.WriteLine($"duplicates      {duplicates}");
Console.WriteLine($"lost            {lost}");
Console.WriteLine($"dead-lettered   {deadLettered} distinct of {poison} poison messages");
Console.WriteLine(lost == 0 && deadLettered == poison ? "OK" : "FAILED");
return lost == 0 && deadLettered == poison ? 0 : 1;

static async Task CrashAsync(Member member)
{
    // As if the process died: handlers abandoned, nothing more stored or committed, no leaving the group.
    member.Group.Crash();
    await member.Run;
}

static long CountDeadLetters(EmbeddedKafkaCluster cluster, string topic, long expected)
{
    var ids = new ConcurrentDictionary<string, bool>();
    var group = new ConsumerGroup(new KafkaAppConfig("soak", "dlq-reader", cluster.BootstrapServers), [topic], (m, _) =>
    {
        ids[m.ValueAsString ?? ""] = true;
        return Task.CompletedTask;
    }, new ConsumerOptions { GroupId = "soak-dlq-reader", FailurePolicy = FailurePolicy.Skip, Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" } });
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
    var run = group.ConsumeAsync(stop.Token);
    while (ids.Count < expected && !stop.IsCancellationRequested)
    {
        Thread.Sleep(50);
    }

    stop.Cancel();
    run.GetAwaiter().GetResult();
    return ids.Count;
}

internal sealed record Member(ConsumerGroup Group, CancellationTokenSource Stop, Task Run);

internal sealed record Settings(int DurationSeconds, int Rate, int Partitions, int Members, int FaultEverySeconds, long PoisonEvery, int Seed)
{
    public static Settings? Parse(string[] args)
    {
        var s = new Settings(60, 5000, 12, 3, 5, 1000, 42);
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v <= 0)
            {
                return null;
            }

            s = args[i] switch
            {
                "--duration" => s with { DurationSeconds = v },
                "--rate" => s with { Rate = v },
                "--partitions" => s with { Partitions = v },
                "--members" => s with { Members = v },
                "--fault-every" => s with { FaultEverySeconds = v },
                "--poison-every" => s with { PoisonEvery = v },
                "--seed" => s with { Seed = v },
                _ => null,
            };
            if (s is null)
            {
                return null;
            }

            i++;
        }

        return s;
    }
}
