using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>After a stop or a revocation no message starts, whatever the handler-call limit (issue 9, "seen failing" 1).</summary>
public sealed partial class ConsumerStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HandlerTime = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_graceful_stop_starts_no_message_waiting_for_a_parallelism_slot()
    {
        // Two partitions, one handler call at a time, 2 s handlers: the second partition's message waits for the slot.
        // Stopped 0.5 s after the first start, the member must let that handler finish and start nothing else (it used to
        // take the slot once it freed and start the other partition's message, 1.5 s after the stop).
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "stop-gated";
        cluster.CreateTopic(topic, 2);
        await ProduceOneToEachAsync(cluster, topic, 2);

        var starts = new ConcurrentQueue<(int Partition, long At)>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (m, _) =>
        {
            starts.Enqueue((m.Partition, Stopwatch.GetTimestamp()));
            firstStarted.TrySetResult();
            await Task.Delay(HandlerTime); // a handler that finishes its work: a graceful stop waits for it
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "stop-gated", MaxDegreeOfParallelism = 1, ShutdownTimeout = TimeSpan.FromSeconds(10) }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the other partition's message now waits for the slot
        var stoppedAt = Stopwatch.GetTimestamp();
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        var stopTook = Stopwatch.GetElapsedTime(stoppedAt);

        var late = starts.Where(s => s.At > stoppedAt).Select(s => $"p{s.Partition} {Stopwatch.GetElapsedTime(stoppedAt, s.At).TotalMilliseconds:0} ms after the stop").ToList();
        output.WriteLine($"stop took {stopTook.TotalMilliseconds:0} ms; starts: {starts.Count}");
        Assert.True(late.Count == 0, "messages started after the stop: " + string.Join(", ", late));
        Assert.Single(starts);
    }

    [Fact]
    public async Task A_stop_requested_while_a_handler_blocks_the_polling_thread_starts_no_new_message()
    {
        // Partition 1 has a backlog of 50 ms handlers on its worker; partition 0's one message is handled on the polling
        // thread by a handler that blocks it for 2 s. A stop requested during that block must stop partition 1 at once,
        // not once the polling thread is back and sees the stop.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "stop-blocked-poll";
        cluster.CreateTopic(topic, 2);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < 100; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{i}")) { Partition = 1 });
            }
        }

        var starts = new ConcurrentQueue<(int Partition, long At)>();
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backlogStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            starts.Enqueue((m.Partition, Stopwatch.GetTimestamp()));
            if (m.Partition == 0)
            {
                blocking.TrySetResult();
                Thread.Sleep(HandlerTime); // synchronous and slow: blocks the polling thread it runs on
                return Task.CompletedTask;
            }

            backlogStarted.TrySetResult();
            return Task.Delay(50);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "stop-blocked-poll", ShutdownTimeout = TimeSpan.FromSeconds(10) }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await backlogStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("blocker")) { Partition = 0 });
        }

        await blocking.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var stoppedAt = Stopwatch.GetTimestamp();
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var late = starts.Where(s => s.Partition == 1 && s.At > stoppedAt).ToList();
        output.WriteLine($"partition 1 starts: {starts.Count(s => s.Partition == 1)}, after the stop: {late.Count}");
        Assert.True(starts.Count(s => s.Partition == 1) < 100, "the backlog was meant to outlast the blocking handler");
        Assert.Empty(late);
    }

    [Fact]
    public async Task A_revoked_partition_starts_no_message_waiting_for_a_parallelism_slot()
    {
        // One member holds four partitions with one handler call at a time and 2 s handlers; a second member joins and
        // takes two of them. Whichever they are, at least one had a message waiting for the slot: once revoked it must
        // not start (it used to, when the slot freed, while the revocation waited for it, and the new owner then handled
        // the same message again).
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        const string topic = "revoke-gated";
        cluster.CreateTopic(topic, 4);
        await ProduceOneToEachAsync(cluster, topic, 4);

        var starts = new ConcurrentQueue<(string Member, int Partition, long At)>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        MessageHandler Handler(string member) => async (m, _) =>
        {
            starts.Enqueue((member, m.Partition, Stopwatch.GetTimestamp()));
            firstStarted.TrySetResult();
            if (member == "b")
            {
                return;
            }

            await Task.Delay(HandlerTime);
        };

        var options = new ConsumerOptions
        {
            GroupId = "revoke-gated",
            MaxDegreeOfParallelism = 1,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            CommitInterval = TimeSpan.FromMilliseconds(200),
            Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" },
        };
        var logsA = new TimedLogs();
        var a = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], Handler("a"), options, logsA);
        var b = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], Handler("b"), options);
        using var stop = new CancellationTokenSource();
        var runA = a.ConsumeAsync(stop.Token);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var runB = b.ConsumeAsync(stop.Token);
        try
        {
            await Kit.WaitUntilAsync(() => b.GetStatus().Partitions.Count == 2 && logsA.Revoked.Count == 2, "the second member has its two partitions", TimeSpan.FromSeconds(30));
            await Kit.WaitUntilAsync(() => starts.Select(s => s.Partition).Distinct().Count() == 4, "every partition's message started somewhere", TimeSpan.FromSeconds(30));
            await Task.Delay(HandlerTime * 2); // a late start of a revoked partition would show by now
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(30));
        }

        var revokedAt = logsA.Revoked.ToArray();
        Assert.NotEmpty(revokedAt);
        foreach (var s in starts)
        {
            output.WriteLine($"{s.Member} p{s.Partition} at {s.At}");
        }

        var late = starts.Where(s => s.Member == "a" && revokedAt.Any(r => r.Partition == s.Partition && r.At < s.At)).Select(s => $"p{s.Partition}").ToList();
        Assert.True(late.Count == 0, "the first member started revoked partitions' messages: " + string.Join(", ", late));
    }

    private static async Task ProduceOneToEachAsync(EmbeddedKafkaCluster cluster, string topic, int partitions)
    {
        await using var producer = new SyncProducer(Kit.App(cluster));
        for (var p = 0; p < partitions; p++)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{p}")) { Partition = p });
        }
    }

    /// <summary>Records when each partition was revoked, from the consumer's "revoked" log line.</summary>
    private sealed partial class TimedLogs : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<(int Partition, long At)> Revoked { get; } = new();

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var at = Stopwatch.GetTimestamp();
            var match = RevokedLine().Match(formatter(state, exception));
            if (match.Success)
            {
                foreach (var p in match.Groups[1].Value.Split(','))
                {
                    Revoked.Enqueue((int.Parse(p, CultureInfo.InvariantCulture), at));
                }
            }
        }

        [GeneratedRegex(@": revoked \S+ \[([0-9,]+)\]")]
        private static partial Regex RevokedLine();
    }
}
