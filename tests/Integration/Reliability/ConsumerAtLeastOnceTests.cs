using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>At-least-once consumption: members crash and restart, join and leave, brokers go down; nothing is lost.</summary>
public sealed class ConsumerAtLeastOnceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Handled_ids_equal_produced_ids_while_members_crash_join_leave_and_brokers_go_down()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
        {
            ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200),
            ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(2),
        });
        const string topic = "stream";
        const int total = 30_000;
        cluster.CreateTopic(topic, 6);
        var handled = new ConcurrentDictionary<int, int>();
        var options = new ConsumerOptions
        {
            GroupId = "at-least-once",
            CommitInterval = TimeSpan.FromMilliseconds(200),
            ShutdownTimeout = TimeSpan.FromSeconds(5),
            Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" },
        };
        MessageHandler handler = async (m, ct) =>
        {
            handled.AddOrUpdate(int.Parse(m.ValueAsString!, CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            if (m.Offset % 100 == 0)
            {
                await Task.Yield();
            }
        };

        var members = new List<(ConsumerGroup Group, CancellationTokenSource Stop, Task Run)>();
        var logs = new CapturingLoggerFactory();
        (ConsumerGroup, CancellationTokenSource, Task) Start(string name)
        {
            var group = new ConsumerGroup(Kit.App(cluster, server: name), [topic], handler, options, new PrefixedLogs(logs, name));
            var stop = new CancellationTokenSource();
            return (group, stop, group.ConsumeAsync(stop.Token));
        }

        // Produce in the background while the group changes under it.
        var producing = Task.Run(async () =>
        {
            await using var producer = new AsyncProducer(Kit.App(cluster), r => Assert.True(r.IsSuccess, r.ToString()));
            using var listening = new CancellationTokenSource();
            var listen = producer.ListenAsync(listening.Token);
            for (var i = 0; i < total; i++)
            {
                await producer.SendAsync(topic, Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)), Encoding.ASCII.GetBytes((i % 97).ToString(CultureInfo.InvariantCulture)));
                if (i % 1000 == 0)
                {
                    await Task.Delay(30);
                }
            }

            await listening.CancelAsync();
            await listen;
        });

        members.Add(Start("m1"));
        members.Add(Start("m2"));
        async Task Until(Func<bool> condition, int seconds = 30)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (!condition() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }

        await Until(() => handled.Count > total / 10);
        var crashWatch = System.Diagnostics.Stopwatch.StartNew();
        members[0].Group.Crash();                  // m1 crashes: no close, no commit of what it had not stored
        await members[0].Run.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"crash 1 took {crashWatch.Elapsed.TotalSeconds:0.00} s");
        members.Add(Start("m3"));                  // a replacement joins
        await Until(() => handled.Count > total / 4);
        cluster.SetAllBrokersDown();               // the cluster goes away for a while
        await Task.Delay(1500);
        cluster.SetAllBrokersUp();
        await Until(() => handled.Count > total / 2);
        await members[1].Stop.CancelAsync();       // m2 leaves gracefully
        await members[1].Run.WaitAsync(TimeSpan.FromSeconds(30));
        members.Add(Start("m4"));
        await Until(() => handled.Count > 3 * total / 4);
        crashWatch.Restart();
        members[2].Group.Crash();                  // m3 crashes too
        await members[2].Run.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"crash 2 took {crashWatch.Elapsed.TotalSeconds:0.00} s");

        await producing.WaitAsync(TimeSpan.FromSeconds(60));
        await Until(() => handled.Count == total, 60);
        await members[3].Stop.CancelAsync();
        await members[3].Run.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var member in members)
        {
            member.Stop.Dispose();
        }

        var lost = Enumerable.Range(0, total).Count(i => !handled.ContainsKey(i));
        var duplicates = handled.Values.Sum(n => n - 1);
        output.WriteLine($"produced {total}, handled {handled.Count} distinct, lost {lost}, duplicates {duplicates}");
        if (lost > 0)
        {
            var inTopic = Kit.ReadAll(cluster, topic, total, TimeSpan.FromSeconds(20));
            var where = inTopic.Where(r => !handled.ContainsKey(int.Parse(Encoding.ASCII.GetString(r.Message.Value!), CultureInfo.InvariantCulture)))
                .GroupBy(r => r.Partition.Value).Select(g => $"p{g.Key}: {g.Count()} in [{g.Min(r => r.Offset.Value)}..{g.Max(r => r.Offset.Value)}]");
            output.WriteLine($"records in topic: {inTopic.Count}; missing by partition: {string.Join(", ", where)}");
            foreach (var line in logs.Lines.Where(l => !l.StartsWith("Debug: librdkafka", StringComparison.Ordinal)))
            {
                output.WriteLine(line.Split(" | ")[0]);
            }
        }
        Assert.Equal(0, lost);
        Assert.Equal(total, handled.Count);
    }

    [Fact]
    public async Task Graceful_shutdown_drains_in_flight_work_commits_and_the_next_member_continues_exactly_there()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "drain";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.SendAsync(topic, Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
            }
        }

        var options = Kit.FastGroup(new ConsumerOptions { GroupId = "drain-group", ShutdownTimeout = TimeSpan.FromSeconds(10) });
        var first = new ConcurrentQueue<long>();
        var inFlight = new TaskCompletionSource();
        var finishedInFlight = false;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (m, ct) =>
        {
            if (m.Offset == 5)
            {
                inFlight.TrySetResult();
                await Task.Delay(700, ct); // still running when the stop is requested
                finishedInFlight = true;
            }

            first.Enqueue(m.Offset);
        }, options);
        using (var cts = new CancellationTokenSource())
        {
            var run = group.ConsumeAsync(cts.Token);
            await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.True(finishedInFlight, "the handler in flight was allowed to finish");
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), first); // nothing after the in-flight message started

        var second = new ConcurrentQueue<long>();
        var done = new TaskCompletionSource();
        var next = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            second.Enqueue(m.Offset);
            if (m.Offset == 19)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(next, done.Task);
        Assert.Equal(Enumerable.Range(6, 14).Select(i => (long)i), second); // exactly from the committed offset
    }

    [Fact]
    public async Task A_handler_that_overruns_the_shutdown_timeout_is_cancelled_and_its_message_is_not_committed()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "overrun";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("slow"));
        }

        var options = Kit.FastGroup(new ConsumerOptions { GroupId = "overrun-group", ShutdownTimeout = TimeSpan.FromMilliseconds(300) });
        var started = new TaskCompletionSource();
        var cancelled = false;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (_, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        }, options);
        await StopWhileHandlingAsync(group, started.Task, TimeSpan.FromSeconds(20));
        Assert.True(cancelled);
        await AssertNothingFinishedAndTheNextMemberGetsAsync(cluster, topic, options, group, "slow");
    }

    [Theory]
    [InlineData(FailurePolicy.Skip)]
    [InlineData(FailurePolicy.DeadLetter)]
    public async Task A_handler_cancelled_by_the_shutdown_on_its_last_attempt_is_neither_skipped_nor_dead_lettered(FailurePolicy policy)
    {
        // A handler that observes the application's own stop token (the one ConsumeAsync runs with) throws
        // OperationCanceledException when the host stops. That is not a failure of the message: it must be redelivered,
        // not skipped (lost) or dead-lettered, even when no retry is left.
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = "cancelled-at-shutdown-" + policy.ToString().ToLowerInvariant();
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("m"));
        }

        var options = Kit.FastGroup(new ConsumerOptions { GroupId = "cancelled-group", MaxRetries = 0, FailurePolicy = policy });
        var started = new TaskCompletionSource();
        using (var appStopping = new CancellationTokenSource())
        {
            var group = new ConsumerGroup(Kit.App(cluster), [topic], async (_, _) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, appStopping.Token);
            }, options);
            var run = group.ConsumeAsync(appStopping.Token);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await appStopping.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, group.HandledCount + group.SkippedCount + group.DeadLetterCount);
        }

        var redelivered = new TaskCompletionSource<string>();
        var next = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            redelivered.TrySetResult(m.ValueAsString!);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(next, redelivered.Task);
        Assert.Equal("m", await redelivered.Task);
    }

    [Theory]
    [InlineData(ErrorCode.PolicyViolation)]
    [InlineData(ErrorCode.OutOfOrderSequenceNumber)] // was fatal for an idempotent dead-letter producer: every later write failed
    public async Task Failed_dead_letter_writes_are_retried_and_the_next_message_waits_for_the_acknowledgement(ErrorCode refusal)
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "dlq-write-fails";
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("poison"));
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("fine"));
        }

        // The broker refuses the next three produce requests: the first dead-letter writes. The partition must get over
        // it: no refusal may leave the dead-letter producer unusable for good.
        cluster.PushRequestErrors(KafkaApiKey.Produce, refusal, refusal, refusal);
        var logs = new CapturingLoggerFactory();
        long deadLetteredWhenFineRan = -1;
        ConsumerGroup? group = null;
        group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            if (m.ValueAsString == "poison")
            {
                throw new InvalidOperationException("poison");
            }

            Interlocked.Exchange(ref deadLetteredWhenFineRan, group!.DeadLetterCount);
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "dlq-write-fails-group", MaxRetries = 0 }), logs);
        await Kit.RunUntilAsync(group, () => group.HandledCount == 1, TimeSpan.FromSeconds(30));

        Assert.Equal(1, group.DeadLetterCount);
        Assert.Equal(1, Interlocked.Read(ref deadLetteredWhenFineRan)); // in order: after the acknowledged write
        Assert.Contains(logs.Lines, l => l.Contains("Dead-letter write to dlq-write-fails.dlq", StringComparison.Ordinal));
        var dead = Kit.ReadAll(cluster, topic + ".dlq", 2, TimeSpan.FromSeconds(5));
        var record = Assert.Single(dead);
        Assert.Equal("poison", Encoding.ASCII.GetString(record.Message.Value!));

        // Both are committed: a new member of the group gets nothing more.
        var again = new ConcurrentQueue<long>();
        var produced = new TaskCompletionSource();
        var next = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            again.Enqueue(m.Offset);
            produced.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "dlq-write-fails-group" }));
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("after"));
        }

        await Kit.RunUntilAsync(next, produced.Task);
        Assert.Equal([2L], again);
    }

    [Fact]
    public async Task A_synchronous_handler_that_blocks_on_the_poll_thread_is_cancelled_once_the_shutdown_timeout_passed()
    {
        // A handler that completes synchronously runs on the poll thread. One that blocks there until its token is
        // cancelled must not hang the shutdown: after ShutdownTimeout its token is cancelled, as on a worker.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "blocks-inline";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("blocking"));
        }

        var options = Kit.FastGroup(new ConsumerOptions { GroupId = "blocks-inline-group", ShutdownTimeout = TimeSpan.FromMilliseconds(300) });
        var started = new TaskCompletionSource();
        var cancelled = false;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, ct) =>
        {
            started.TrySetResult();
            cancelled = ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(25)); // bounded, so a failing run does not leak a stuck thread
            ct.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        }, options);
        await StopWhileHandlingAsync(group, started.Task, TimeSpan.FromSeconds(15));
        Assert.True(cancelled);
        await AssertNothingFinishedAndTheNextMemberGetsAsync(cluster, topic, options, group, "blocking");
    }

    /// <summary>Starts <paramref name="group"/>, cancels it once its handler has started, and waits (bounded) for it to stop.</summary>
    private static async Task StopWhileHandlingAsync(ConsumerGroup group, Task started, TimeSpan stopWithin)
    {
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await started.WaitAsync(TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await run.WaitAsync(stopWithin);
    }

    /// <summary>The stopped member finished nothing, and the next member of the group is handed <paramref name="expected"/> again.</summary>
    private static async Task AssertNothingFinishedAndTheNextMemberGetsAsync(EmbeddedKafkaCluster cluster, string topic, ConsumerOptions options, ConsumerGroup stopped, string expected)
    {
        Assert.Equal(0, stopped.HandledCount + stopped.DeadLetterCount + stopped.SkippedCount);
        var redelivered = new TaskCompletionSource<string>();
        var next = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            redelivered.TrySetResult(m.ValueAsString!);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(next, redelivered.Task);
        Assert.Equal(expected, await redelivered.Task);
    }

    [Fact]
    public async Task Retry_state_of_a_revoked_partition_is_not_carried_over()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        const string topic = "handover";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Encoding.ASCII.GetBytes("x"));
        }

        var options = new ConsumerOptions
        {
            GroupId = "handover-group",
            MaxRetries = 10,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30), Jitter = 0 },
            Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" },
        };
        var aAttempts = new ConcurrentQueue<int>();
        var a = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], (m, _) =>
        {
            aAttempts.Enqueue(m.Attempt);
            throw new InvalidOperationException("a cannot handle it");
        }, options);
        using var stopA = new CancellationTokenSource();
        var runA = a.ConsumeAsync(stopA.Token);
        await Kit.WaitUntilAsync(() => !aAttempts.IsEmpty, "a's first attempt");

        // a is now in a 30 s backoff; it leaves, and b takes the partition over.
        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(10)); // the backoff was abandoned, not waited out
        var bAttempt = new TaskCompletionSource<int>();
        var b = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], (m, _) =>
        {
            bAttempt.TrySetResult(m.Attempt);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(b, bAttempt.Task);

        Assert.Equal([1], aAttempts);
        Assert.Equal(1, await bAttempt.Task); // b starts afresh: nothing of a's retry state or count came along
        Assert.Equal(0, a.DeadLetterCount + a.SkippedCount);
    }

    private sealed class PrefixedLogs(CapturingLoggerFactory inner, string prefix) : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Prefixed(inner.CreateLogger(categoryName), prefix);

        public void Dispose()
        {
        }

        private sealed class Prefixed(Microsoft.Extensions.Logging.ILogger inner, string prefix) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => inner.Log(logLevel, eventId, state, exception, (s, e) => $"[{prefix} {DateTime.UtcNow:HH:mm:ss.fff}] " + formatter(s, e));
        }
    }
}
