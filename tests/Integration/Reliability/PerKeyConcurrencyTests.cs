using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>ConsumerConcurrency.PerKey (issue 11): order per key, keys in parallel, and a stored offset never past unfinished work.</summary>
public sealed class PerKeyConcurrencyTests
{
    [Fact]
    public async Task Keys_run_in_parallel_each_key_and_the_keyless_records_in_order()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("per-key-order");
        cluster.CreateTopic(topic, 1);
        const int keys = 10, perKey = 10, keyless = 10;
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < perKey; i++)
            {
                for (var k = 0; k < keys; k++)
                {
                    await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"{k}:{i}"), Kit.Bytes($"key-{k}")) { Partition = 0 });
                }

                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"none:{i}")) { Partition = 0 });
            }
        }

        var seen = new ConcurrentDictionary<string, ConcurrentQueue<long>>();
        var running = new ConcurrentDictionary<string, int>();
        var overlapWithinKey = 0;
        var concurrent = 0;
        var maxConcurrent = 0;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (m, _) =>
        {
            var key = m.Key is null ? "(none)" : Kit.Text(m.Key);
            if (running.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlapWithinKey);
            }

            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            seen.GetOrAdd(key, _ => new ConcurrentQueue<long>()).Enqueue(m.Offset);
            await Task.Delay(Random.Shared.Next(1, 6));
            Interlocked.Decrement(ref concurrent);
            running.AddOrUpdate(key, 0, (_, n) => n - 1);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, Concurrency = ConsumerConcurrency.PerKey, MaxInFlightPerPartition = 16, MaxDegreeOfParallelism = 16 }));

        using (var cts = new CancellationTokenSource())
        {
            var run = group.ConsumeAsync(cts.Token);
            try
            {
                await Kit.WaitUntilAsync(() => seen.Values.Sum(q => q.Count) >= keys * perKey + keyless, "every record is handled");
                // Stored as the finished prefix grows, so the periodic commit has it before any stop.
                await Kit.WaitUntilAsync(() => Kit.Committed(cluster, topic, topic) == keys * perKey + keyless, "the auto-commit reaches the end while running");
            }
            finally
            {
                await cts.CancelAsync();
            }

            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, overlapWithinKey);
        Assert.True(maxConcurrent > 1, $"keys ran one at a time (max {maxConcurrent})");
        Assert.Equal(keys + 1, seen.Count);
        Assert.All(seen, pair =>
        {
            Assert.Equal(perKey, pair.Value.Count);
            Assert.Equal(pair.Value.Order(), pair.Value); // offset order within a key, and among the keyless records
        });
        Assert.Equal(keys * perKey + keyless, Kit.Committed(cluster, topic, topic));
    }

    [Fact]
    public async Task A_retrying_key_delays_only_itself_and_the_stored_offset_stays_at_it()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("per-key-retry");
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("slow"), Kit.Bytes("slow")) { Partition = 0 }); // offset 0
            for (var i = 0; i < 20; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"fast-{i}"), Kit.Bytes($"fast-{i % 5}")) { Partition = 0 });
            }
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastDone = 0;
        var slowAttempts = 0;
        var slowDone = false;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            if (Kit.Text(m.Key) == "slow")
            {
                Interlocked.Increment(ref slowAttempts);
                if (!release.Task.IsCompleted)
                {
                    throw new InvalidOperationException("not yet (test)");
                }

                Volatile.Write(ref slowDone, true);
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref fastDone);
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            GroupId = topic,
            Concurrency = ConsumerConcurrency.PerKey,
            MaxRetries = 1000,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(50), Jitter = 0 },
        }));
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            // The other keys finish while the slow key retries.
            await Kit.WaitUntilAsync(() => Volatile.Read(ref fastDone) == 20 && Volatile.Read(ref slowAttempts) >= 3, "the other keys are handled while the slow key retries");
            Assert.False(Volatile.Read(ref slowDone));
            Assert.Equal(PartitionStall.HandlerRetrying, group.GetStatus().Partitions.Single().Stall);

            // Commits go on (every 200 ms) but never past the unfinished offset 0.
            await Task.Delay(600);
            Assert.Null(Kit.Committed(cluster, topic, topic)); // nothing committed: offset 0 is unfinished

            release.TrySetResult();
            await Kit.WaitUntilAsync(() => Volatile.Read(ref slowDone), "the slow key is handled once released");
        }
        finally
        {
            await cts.CancelAsync();
        }

        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(21, Kit.Committed(cluster, topic, topic));
    }

    [Fact]
    public async Task A_crash_with_records_in_flight_redelivers_from_the_lowest_unfinished_offset()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("per-key-crash");
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < 30; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"m-{i}"), Kit.Bytes($"k-{i % 6}")) { Partition = 0 });
            }
        }

        // Offset 7 (key k-1) blocks until the crash: everything else may finish, but nothing at or after 7 may be committed.
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstRun = new ConcurrentBag<long>();
        var options = Kit.FastGroup(new ConsumerOptions { GroupId = topic, Concurrency = ConsumerConcurrency.PerKey, MaxInFlightPerPartition = 8, ShutdownTimeout = TimeSpan.FromMilliseconds(200) });
        var first = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], async (m, ct) =>
        {
            if (m.Offset == 7)
            {
                blocked.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            firstRun.Add(m.Offset);
        }, options);
        using (var cts = new CancellationTokenSource())
        {
            var run = first.ConsumeAsync(cts.Token);
            await blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // Records of other keys after 7 finish (within the in-flight limit); commits run every 200 ms.
            await Kit.WaitUntilAsync(() => firstRun.Count >= 8, "records after the blocked one finish");
            await Task.Delay(600);
            first.Crash();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var committed = Kit.Committed(cluster, topic, topic);
        Assert.True(committed is null or <= 7, $"committed {committed}, past the unfinished offset 7");
        Assert.Contains(firstRun, o => o > 7); // the other keys did go on

        // The next member starts at the committed offset: offset 7 and everything not committed is delivered again.
        var secondRun = new ConcurrentBag<long>();
        var second = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], (m, _) =>
        {
            secondRun.Add(m.Offset);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(second, () => secondRun.Contains(29) && secondRun.Contains(7));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), firstRun.Concat(secondRun).Distinct().Order());
        Assert.DoesNotContain(secondRun, o => o < committed);
    }

    [Fact]
    public async Task A_graceful_stop_finishes_what_runs_starts_nothing_behind_it_and_commits_the_finished_prefix()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("per-key-stop");
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("slow-0"), Kit.Bytes("slow")) { Partition = 0 }); // offset 0
            for (var i = 1; i < 10; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"fast-{i}"), Kit.Bytes($"fast-{i}")) { Partition = 0 });
            }

            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("slow-10"), Kit.Bytes("slow")) { Partition = 0 }); // offset 10, behind 0
        }

        var started = new ConcurrentQueue<long>();
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = Kit.FastGroup(new ConsumerOptions { GroupId = topic, Concurrency = ConsumerConcurrency.PerKey });
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (m, _) =>
        {
            started.Enqueue(m.Offset);
            if (m.Offset == 0)
            {
                slowStarted.TrySetResult();
                await Task.Delay(800, CancellationToken.None); // finishes within the shutdown timeout
            }
        }, options);
        using (var cts = new CancellationTokenSource())
        {
            var run = group.ConsumeAsync(cts.Token);
            await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Kit.WaitUntilAsync(() => started.Count(o => o is > 0 and < 10) == 9, "the other keys are handled");
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.DoesNotContain(10L, started); // queued behind the running record of its key when the stop came
        Assert.Equal(10, Kit.Committed(cluster, topic, topic));

        var next = new ConcurrentQueue<long>();
        var second = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            next.Enqueue(m.Offset);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(second, () => next.Contains(10));
        Assert.Equal([10L], next);
    }

    [Fact]
    public async Task A_rebalance_never_runs_a_key_on_two_members_at_once_and_loses_nothing()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("per-key-rebalance");
        cluster.CreateTopic(topic, 2);
        const int count = 400;
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < count; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"m-{i}"), Kit.Bytes($"k-{i % 20}")) { Partition = i % 2 });
            }
        }

        var handled = new ConcurrentDictionary<(int Partition, long Offset), int>();
        var running = new ConcurrentDictionary<string, int>();
        var overlap = 0;
        var options = Kit.FastGroup(new ConsumerOptions { GroupId = topic, Concurrency = ConsumerConcurrency.PerKey, MaxInFlightPerPartition = 8 });
        MessageHandler handler = async (m, _) =>
        {
            var key = Kit.Text(m.Key);
            if (running.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlap);
            }

            await Task.Delay(5);
            running.AddOrUpdate(key, 0, (_, n) => n - 1);
            handled.AddOrUpdate((m.Partition, m.Offset), 1, (_, n) => n + 1);
        };
        var a = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], handler, options);
        var b = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], handler, options);
        using var cts = new CancellationTokenSource();
        var runA = a.ConsumeAsync(cts.Token);
        Task? runB = null;
        try
        {
            await Kit.WaitUntilAsync(() => handled.Count >= 40, "the first member handles some");
            runB = b.ConsumeAsync(cts.Token);
            await Kit.WaitUntilAsync(() => handled.Count == count, "every record is handled", TimeSpan.FromSeconds(60));
            // Both partitions' progress reaches the group while the members run (stopping in the middle of the second
            // member's join would test the stop's commit racing a rebalance instead).
            await Kit.WaitUntilAsync(() => Kit.Committed(cluster, topic, topic, 0) == count / 2 && Kit.Committed(cluster, topic, topic, 1) == count / 2, "both partitions are committed to the end", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await cts.CancelAsync();
            await Task.WhenAll(runB is null ? [runA] : [runA, runB]).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, overlap); // a revoked partition's handlers finish before its next owner starts
        Assert.Equal(count / 2, Kit.Committed(cluster, topic, topic, 0));
        Assert.Equal(count / 2, Kit.Committed(cluster, topic, topic, 1));
    }

    [Fact]
    public void The_in_flight_limit_is_validated_with_the_key_named()
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(new KafkaAppConfig("tests", "ci", "localhost:9") { ConnectTimeout = TimeSpan.Zero }, ["t"], (_, _) => Task.CompletedTask, new ConsumerOptions { MaxInFlightPerPartition = 0 }));
        Assert.Contains("MaxInFlightPerPartition", e.Message, StringComparison.Ordinal);
        Assert.Contains("10,000", e.Message, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
