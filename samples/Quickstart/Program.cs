// Kafka.Typed quickstart: produce with both producers, consume with a consumer group in which one
// message keeps failing and ends in the dead-letter topic, then print what happened.
//
//   dotnet run --project samples/Quickstart                                  # embedded broker, no setup
//   dotnet run --project samples/Quickstart -- --bootstrap-servers host:9092 # a real cluster
//   KAFKA_BOOTSTRAP_SERVERS=host:9092 dotnet run --project samples/Quickstart
//   ... -- --schema-registry-url http://registry:8081 (or KAFKA_SCHEMA_REGISTRY_URL): a real Schema Registry for the
//   Avro messages of the typed API; without one an in-process registry serves them over HTTP on 127.0.0.1.
//   ... -- --write-schemas samples/Quickstart/schemas: rewrite the committed schema (after an intended breaking change).
//   ... -- --asyncapi path/to/file.json (or KAFKA_TYPED_ASYNCAPI): where the AsyncAPI document goes (default: next to the app).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed;
using Kafka.Typed.Testing;

if (ReadOption(args, "--write-schemas", "KAFKA_TYPED_WRITE_SCHEMAS") is { } schemaDirectory)
{
    // Writes the Avro schema of the typed message for committing (the build checks the type against it: KTG304).
    Console.WriteLine($"wrote {Kafka.Typed.Avro.KafkaAvroSchemas.WriteFile<Quickstart.OrderPlaced>(schemaDirectory)}");
    return 0;
}

var watch = Stopwatch.StartNew();

// The AsyncAPI 3.0 document of this application (topics, Avro schema, producer, consumer group, dead-letter topic),
// generated at compile time with the typed API of Typed.cs: written before anything runs, so it is there even if Kafka is not.
Console.WriteLine($"AsyncAPI: wrote {Kafka.Typed.Generated.KafkaTypedAsyncApi.Write(ReadOption(args, "--asyncapi", "KAFKA_TYPED_ASYNCAPI"))}");
var bootstrap = ReadBootstrapServers(args);
EmbeddedKafkaCluster? embedded = null;
if (bootstrap is null)
{
    embedded = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
    embedded.CreateTopic("orders", 3);
    embedded.CreateTopic("orders.dlq", 1);
    embedded.CreateTopic("orders.placed", 3);
    embedded.CreateTopic("orders.placed.dlq", 1);
    bootstrap = embedded.BootstrapServers;
    Console.WriteLine($"Kafka: embedded broker (librdkafka mock cluster, 3 brokers) at {bootstrap}");
}
else
{
    Console.WriteLine($"Kafka: {bootstrap}");
}

var registryUrl = ReadOption(args, "--schema-registry-url", "KAFKA_SCHEMA_REGISTRY_URL");
await using var inProcessRegistry = registryUrl is null ? await InProcessSchemaRegistry.StartAsync() : null;
registryUrl ??= inProcessRegistry!.Url;
Console.WriteLine($"Schema Registry: {(inProcessRegistry is null ? registryUrl : "in-process at " + registryUrl)}");

var app = new KafkaAppConfig("quickstart", "local", bootstrap);
var run = $"{DateTime.UtcNow:HHmmss}";
string[] orders = ["o-1001", "o-1002", "o-1003", "o-POISON", "o-1004", "o-1005", "o-1006", "o-1007"];

try
{
    // 1. SyncProducer: each send returns once the broker acknowledged it.
    Console.WriteLine();
    Console.WriteLine("SyncProducer (awaits each acknowledgement)");
    await using (var sync = new SyncProducer(app, new ProducerOptions { AutoCreateTopics = true }))
    {
        foreach (var id in orders[..4])
        {
            var result = await sync.SendAsync("orders", Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"run\":\"{run}\"}}"), Encoding.UTF8.GetBytes(id),
                new Headers { { "source", "quickstart"u8.ToArray() } });
            Console.WriteLine($"  sent {id,-9} -> partition {result.Partition}, offset {result.Offset}");
        }
    }

    // 2. AsyncProducer: sends only enqueue; ListenAsync publishes and every message gets one report.
    Console.WriteLine();
    Console.WriteLine("AsyncProducer (enqueue now, reports arrive as the broker acknowledges)");
    var reports = new ConcurrentQueue<ProducerReport>();
    await using (var producer = new AsyncProducer(app, reports.Enqueue, new ProducerOptions { AutoCreateTopics = true }))
    {
        using var listening = new CancellationTokenSource();
        var listen = producer.ListenAsync(listening.Token);
        foreach (var id in orders[4..])
        {
            await producer.SendAsync(new ProducerMessage("orders", Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"run\":\"{run}\"}}"), Encoding.UTF8.GetBytes(id)) { State = id });
        }

        await listening.CancelAsync();
        await listen; // returns once every handed-over message has been reported
    }

    foreach (var r in reports.OrderBy(r => (string)r.Message.State!))
    {
        Console.WriteLine(r.IsSuccess
            ? $"  sent {r.Message.State,-9} -> partition {r.Result.Partition}, offset {r.Result.Offset}"
            : $"  FAILED {r.Message.State}: {r.ErrorCode} {r.Reason}");
    }

    // 3. ConsumerGroup: o-POISON always fails; it is retried with backoff, then dead-lettered.
    Console.WriteLine();
    Console.WriteLine("ConsumerGroup (3 attempts per message, exponential backoff, then the dead-letter topic)");
    var handled = 0;
    var expected = orders.Length - 1;
    var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var group = new ConsumerGroup(app, ["orders"], (message, _) =>
    {
        if (!(message.ValueAsString ?? "").Contains(run, StringComparison.Ordinal))
        {
            return Task.CompletedTask; // left over from an earlier run against a real cluster
        }

        var id = message.KeyAsString;
        if (id == "o-POISON")
        {
            Console.WriteLine($"  {id,-9} partition {message.Partition}, offset {message.Offset}: attempt {message.Attempt} failed");
            throw new InvalidOperationException($"order {id} cannot be billed");
        }

        Console.WriteLine($"  {id,-9} partition {message.Partition}, offset {message.Offset}: handled");
        if (Interlocked.Increment(ref handled) == expected)
        {
            allDone.TrySetResult();
        }

        return Task.CompletedTask;
    }, new ConsumerOptions
    {
        GroupId = "quickstart-billing-" + run,
        MaxRetries = 2,
        Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(100), Multiplier = 2, Jitter = 0 },
        SessionTimeout = TimeSpan.FromSeconds(6),
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
    });

    using (var consuming = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
    {
        var consume = group.ConsumeAsync(consuming.Token);
        while (!consuming.IsCancellationRequested && (!allDone.Task.IsCompleted || group.DeadLetterCount == 0))
        {
            await Task.WhenAny(consume, Task.Delay(50));
        }

        await consuming.CancelAsync();
        await consume;
    }

    // 4. Read the dead-letter topic back.
    Console.WriteLine();
    Console.WriteLine("Dead-letter topic orders.dlq");
    var dead = new TaskCompletionSource<ConsumerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
    var dlqReader = new ConsumerGroup(app, ["orders.dlq"], (message, _) =>
    {
        if ((message.ValueAsString ?? "").Contains(run, StringComparison.Ordinal))
        {
            dead.TrySetResult(message);
        }

        return Task.CompletedTask;
    }, new ConsumerOptions { GroupId = "quickstart-dlq-reader-" + run, FailurePolicy = FailurePolicy.Skip, SessionTimeout = TimeSpan.FromSeconds(6), HeartbeatInterval = TimeSpan.FromMilliseconds(500) });
    using (var reading = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
    {
        var read = dlqReader.ConsumeAsync(reading.Token);
        await Task.WhenAny(dead.Task, read);
        await reading.CancelAsync();
        await read;
    }

    if (dead.Task.IsCompletedSuccessfully)
    {
        var m = dead.Task.Result;
        Console.WriteLine($"  {m.KeyAsString} at offset {m.Offset}: original {m.GetHeader(DeadLetterHeaders.OriginalTopic)} [{m.GetHeader(DeadLetterHeaders.OriginalPartition)}] @{m.GetHeader(DeadLetterHeaders.OriginalOffset)}, " +
                          $"{m.GetHeader(DeadLetterHeaders.Attempts)} attempts, {m.GetHeader(DeadLetterHeaders.ExceptionType)}: \"{m.GetHeader(DeadLetterHeaders.Error)}\", header source={m.GetHeader("source")}");
    }

    // 5. The typed API: generated producer and hosted consumer for [KafkaTopic]/[KafkaConsumer] types (Typed.cs).
    Console.WriteLine();
    Console.WriteLine("Typed API: IKafkaProducer<OrderPlaced> and the hosted BillingHandler, generated at compile time; Avro with Schema Registry");
    var (charged, typedDeadLettered) = await Quickstart.TypedDemo.RunAsync(bootstrap, registryUrl, run);

    Console.WriteLine();
    Console.WriteLine($"Summary: raw API {orders.Length} sent, {group.HandledCount} handled, {group.RetryCount} retries, {group.DeadLetterCount} dead-lettered; " +
                      $"typed API {charged} charged, {typedDeadLettered} dead-lettered; {watch.Elapsed.TotalSeconds:0.0} s");
    var ok = group.HandledCount >= expected && group.DeadLetterCount >= 1 && dead.Task.IsCompletedSuccessfully && charged == 3 && typedDeadLettered == 1;
    Console.WriteLine(ok ? "OK" : "INCOMPLETE: not every message reached its outcome in time");
    return ok ? 0 : 1;
}
finally
{
    // Every client is disposed by now; the embedded cluster goes last.
    embedded?.Dispose();
}

static string? ReadBootstrapServers(string[] args) => ReadOption(args, "--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS");

static string? ReadOption(string[] args, string option, string environmentVariable)
{
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i] == option && i + 1 < args.Length)
        {
            return args[i + 1];
        }

        if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
        {
            return args[i][(option.Length + 1)..];
        }
    }

    var env = Environment.GetEnvironmentVariable(environmentVariable);
    return string.IsNullOrWhiteSpace(env) ? null : env;
}
