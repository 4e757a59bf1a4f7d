using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Kafka.Typed.Integration.Tests;

/// <summary>One embedded cluster shared by the tests that inject no faults; each test uses its own topics and groups.</summary>
public sealed class SharedCluster : IDisposable
{
    public SharedCluster() => Cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });

    public EmbeddedKafkaCluster Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared embedded cluster";
}

public static class TestNames
{
    private static int _counter;

    /// <summary>A topic or group name unique to this test run.</summary>
    public static string Unique(string prefix, [CallerMemberName] string caller = "")
        => $"{prefix}-{caller.ToLowerInvariant()}-{Interlocked.Increment(ref _counter)}";
}

public static class Kit
{
    /// <summary>Consumer options that make the mock's rebalances fast (see the embedded-broker notes).</summary>
    public static ConsumerOptions FastGroup(ConsumerOptions? with = null) => new()
    {
        GroupId = with?.GroupId,
        StartOffset = with?.StartOffset ?? StartOffset.Oldest,
        MaxRetries = with?.MaxRetries ?? 3,
        Backoff = with?.Backoff ?? new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 },
        FailurePolicy = with?.FailurePolicy ?? FailurePolicy.DeadLetter,
        DeadLetterTopic = with?.DeadLetterTopic,
        DisablePayloadLogging = with?.DisablePayloadLogging ?? false,
        MaxDegreeOfParallelism = with?.MaxDegreeOfParallelism ?? 8,
        MaxBatchSize = with?.MaxBatchSize ?? 100,
        MaxBatchWait = with?.MaxBatchWait ?? TimeSpan.FromMilliseconds(100),
        Concurrency = with?.Concurrency ?? ConsumerConcurrency.InOrder,
        MaxInFlightPerPartition = with?.MaxInFlightPerPartition ?? 64,
        MaxBufferedMessagesPerPartition = with?.MaxBufferedMessagesPerPartition ?? 1000,
        MaxBufferedMessages = with?.MaxBufferedMessages ?? 50_000,
        ShutdownTimeout = with?.ShutdownTimeout ?? TimeSpan.FromSeconds(10),
        CommitInterval = with?.CommitInterval ?? TimeSpan.FromMilliseconds(200),
        SessionTimeout = with?.SessionTimeout ?? TimeSpan.FromSeconds(6),
        HeartbeatInterval = with?.HeartbeatInterval ?? TimeSpan.FromMilliseconds(500),
        TraceContext = with?.TraceContext ?? TraceContextMode.Parent,
        Settings = with?.Settings,
        TimeProvider = with?.TimeProvider ?? TimeProvider.System,
    };

    public static KafkaAppConfig App(EmbeddedKafkaCluster cluster, string app = "tests", string server = "ci")
        => new(app, server, cluster.BootstrapServers) { ConnectTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>Reads every record of <paramref name="topic"/> from the beginning with a plain Confluent consumer until <paramref name="count"/> arrived or <paramref name="timeout"/> passed.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(EmbeddedKafkaCluster cluster, string topic, int count, TimeSpan? timeout = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
        };
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is not null)
            {
                results.Add(r);
            }
        }

        consumer.Close();
        return results;
    }

    /// <summary>The offset <paramref name="groupId"/> committed on <paramref name="topic"/>'s <paramref name="partition"/>, or <see langword="null"/> when it committed none.</summary>
    public static long? Committed(EmbeddedKafkaCluster cluster, string topic, string groupId, int partition = 0)
    {
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = groupId }).SetLogHandler((_, _) => { }).Build();
        var offset = reader.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(10)).Single().Offset;
        return offset.IsSpecial ? null : offset.Value;
    }

    /// <summary>Runs <paramref name="group"/> until <paramref name="done"/> completes (or fails the test after <paramref name="timeout"/>), then stops it and waits for it to leave.</summary>
    public static async Task RunUntilAsync(ConsumerGroup group, Task done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        var finished = await Task.WhenAny(done, run, Task.Delay(timeout ?? TimeSpan.FromSeconds(30)));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(finished == done, finished == run ? "ConsumeAsync ended before the condition was met" : "timed out waiting for the condition");
        await done;
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms and fails the test with <paramref name="what"/> if it does not hold within <paramref name="timeout"/> (default 20 s).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(10);
        }
    }

    /// <summary>Runs <paramref name="group"/> until <paramref name="until"/> holds (polled; fails the test after <paramref name="timeout"/>), then stops it. A handler failure never makes the run itself fail, so the run is awaited plainly.</summary>
    public static async Task RunUntilAsync(ConsumerGroup group, Func<bool> until, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!until() && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(until(), "timed out waiting for the condition");
    }

    public static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public static string Text(byte[]? b) => b is null ? "(null)" : System.Text.Encoding.UTF8.GetString(b);
}

/// <summary>Captures log lines (formatted message and exception text) for assertions.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                line += " | " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));
            }

            if (exception is not null)
            {
                line += " | " + exception;
            }

            owner.Lines.Enqueue(line);
        }
    }
}
