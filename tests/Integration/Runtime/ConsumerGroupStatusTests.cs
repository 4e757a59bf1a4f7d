using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary><see cref="ConsumerGroup.GetStatus"/>: the member's state, its partitions and their stalls, the last poll.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ConsumerGroupStatusTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    private async Task ProduceAsync(string topic, int count, int partition)
    {
        await using var producer = new SyncProducer(Kit.App(_cluster));
        for (var i = 0; i < count; i++)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{i}")) { Partition = partition });
        }
    }

    [Fact]
    public async Task Reports_the_life_of_a_run_its_assignment_and_the_last_poll()
    {
        var topic = TestNames.Unique("status-life");
        _cluster.CreateTopic(topic, 3);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], async (_, _) =>
        {
            handling.TrySetResult();
            await release.Task;
        }, Kit.FastGroup(new ConsumerOptions { ShutdownTimeout = TimeSpan.FromSeconds(20) }));

        var before = group.GetStatus();
        Assert.Equal(ConsumerGroupState.NotStarted, before.State);
        Assert.Empty(before.Partitions);
        Assert.Null(before.LastPollAt);
        Assert.Null(before.SinceLastPoll);
        Assert.Equal(group.GroupId, before.GroupId);

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await Kit.WaitUntilAsync(() => group.GetStatus().State == ConsumerGroupState.Running, "the member is running");
        var running = group.GetStatus();
        Assert.Equal([0, 1, 2], running.Partitions.Select(p => p.Partition));
        Assert.All(running.Partitions, p =>
        {
            Assert.Equal(topic, p.Topic);
            Assert.False(p.IsStalled);
            Assert.Equal(PartitionStall.None, p.Stall);
            Assert.Null(p.StalledSince);
            Assert.Null(p.StalledOffset);
            Assert.Null(p.StallReason);
        });
        Assert.Null(running.Fault);
        Assert.True(running.StateSince > before.StateSince);

        // The poll loop polls at least every 50 ms, so the last poll keeps moving and stays recent.
        var firstPoll = running.LastPollAt!.Value;
        await Kit.WaitUntilAsync(() => group.GetStatus().LastPollAt > firstPoll, "the last poll time moves on");
        Assert.InRange(group.GetStatus().SinceLastPoll!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(5));

        // A handler in flight holds the stop: the member reports Stopping meanwhile, with its partitions.
        await ProduceAsync(topic, 1, partition: 1);
        await handling.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await Kit.WaitUntilAsync(() => group.GetStatus().State == ConsumerGroupState.Stopping, "the member is stopping");
        Assert.Equal(3, group.GetStatus().Partitions.Count);
        release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var after = group.GetStatus();
        Assert.Equal(ConsumerGroupState.Stopped, after.State);
        Assert.Empty(after.Partitions);
        Assert.Null(after.LastPollAt);
        Assert.Null(after.Fault);
    }

    [Fact]
    public async Task An_unavailable_wait_and_a_retry_backoff_show_as_stalls_of_their_partition_only_until_the_message_finishes()
    {
        var topic = TestNames.Unique("status-stall");
        _cluster.CreateTopic(topic, 2);
        await ProduceAsync(topic, 1, partition: 0);
        var outage = true;
        var failing = true;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            if (m.Partition == 0 && Volatile.Read(ref outage))
            {
                throw new KafkaSchemaRegistryException("registry down (test)");
            }

            if (m.Partition == 0 && Volatile.Read(ref failing))
            {
                throw new InvalidOperationException("handler bug (test)");
            }

            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 1000,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50), Jitter = 0 },
        }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => Partition(group, 0)?.Stall == PartitionStall.Unavailable, "partition 0 waits for the registry");
            var unavailable = Partition(group, 0)!;
            Assert.True(unavailable.IsStalled);
            Assert.Equal(0, unavailable.StalledOffset);
            Assert.Equal("Kafka.Typed.KafkaSchemaRegistryException: registry down (test)", unavailable.StallReason);
            Assert.NotNull(unavailable.StalledSince);
            Assert.False(Partition(group, 1)!.IsStalled);

            // Several outages later the stall is the same one: it began at the first.
            var retries = group.RetryCount;
            await Kit.WaitUntilAsync(() => group.RetryCount >= retries + 3, "more outages");
            Assert.Equal(unavailable.StalledSince, Partition(group, 0)!.StalledSince);

            // The registry is back but the handler fails: a retry backoff, still the same stall (same message).
            Volatile.Write(ref outage, false);
            await Kit.WaitUntilAsync(() => Partition(group, 0)?.Stall == PartitionStall.HandlerRetrying, "partition 0 retries its handler");
            var retrying = Partition(group, 0)!;
            Assert.Equal(0, retrying.StalledOffset);
            Assert.Equal("System.InvalidOperationException: handler bug (test)", retrying.StallReason);
            Assert.Equal(unavailable.StalledSince, retrying.StalledSince);

            // Fixed: the message is handled and the stall ends.
            Volatile.Write(ref failing, false);
            await Kit.WaitUntilAsync(() => group.HandledCount == 1, "the message is handled");
            await Kit.WaitUntilAsync(() => !Partition(group, 0)!.IsStalled, "the stall ends");
            var healthy = Partition(group, 0)!;
            Assert.Null(healthy.StalledSince);
            Assert.Null(healthy.StalledOffset);
            Assert.Null(healthy.StallReason);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task Status_can_be_read_from_many_threads_while_partitions_change()
    {
        // Snapshots are read while a second member joins and takes partitions away: every snapshot is consistent (sorted,
        // distinct partitions of the topic) and no read throws.
        var topic = TestNames.Unique("status-threads");
        _cluster.CreateTopic(topic, 4);
        var groupId = TestNames.Unique("g");
        // KIP-848 (group.protocol=consumer) rebalances in milliseconds on the embedded broker.
        var options = new ConsumerOptions { GroupId = groupId, CommitInterval = TimeSpan.FromMilliseconds(200), Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" } };
        var first = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) => Task.CompletedTask, options);
        var second = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) => Task.CompletedTask, options);
        using var cts = new CancellationTokenSource();
        var runFirst = first.ConsumeAsync(cts.Token);
        await Kit.WaitUntilAsync(() => first.GetStatus().Partitions.Count == 4, "the first member has all partitions");

        var reads = 0;
        using var readers = new CancellationTokenSource();
        var readerTasks = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!readers.IsCancellationRequested)
            {
                var status = first.GetStatus();
                var numbers = status.Partitions.Select(p => p.Partition).ToArray();
                Assert.Equal(numbers.Order().Distinct(), numbers);
                Assert.All(status.Partitions, p => Assert.Equal(topic, p.Topic));
                Interlocked.Increment(ref reads);
            }
        })).ToArray();

        var runSecond = second.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => first.GetStatus().Partitions.Count + second.GetStatus().Partitions.Count == 4 && second.GetStatus().Partitions.Count > 0, "the partitions are split");
        }
        finally
        {
            await readers.CancelAsync();
            await Task.WhenAll(readerTasks);
            await cts.CancelAsync();
            await Task.WhenAll(runFirst, runSecond).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(reads > 100, $"only {reads} reads");
        Assert.Equal(ConsumerGroupState.Stopped, first.GetStatus().State);
    }

    private static ConsumerPartitionStatus? Partition(ConsumerGroup group, int partition)
        => group.GetStatus().Partitions.FirstOrDefault(p => p.Partition == partition);
}
