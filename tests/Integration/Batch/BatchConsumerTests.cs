using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Batch;

/// <summary>
/// The batch dispatcher through <see cref="ConsumerGroup"/>'s batch overload and the embedded broker: batch size and
/// wait (on a fake clock), whole-batch retry, partial failure, the failure policy per record, offsets stored only after a
/// batch is settled, and a stop while a batch is in flight.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class BatchConsumerTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public void Per_key_concurrency_is_refused_for_a_batch_handler_naming_the_option()
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => ConsumerGroup.ForBatches(Kit.App(_cluster), [Topic()], (_, _) => Task.FromResult(BatchResult.Success), new ConsumerOptions { Concurrency = ConsumerConcurrency.PerKey }));
        Assert.Contains("ConsumerOptions.Concurrency", e.Message, StringComparison.Ordinal);
        Assert.Contains("PerKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_batch_goes_at_once_and_a_short_one_waits_MaxBatchWait_on_the_options_clock()
    {
        var topic = Topic();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var calls = new ConcurrentQueue<long[]>();
        var group = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], (batch, _) =>
        {
            calls.Enqueue(batch.Select(m => m.Offset).ToArray());
            return Task.FromResult(BatchResult.Success);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxBatchSize = 10, MaxBatchWait = TimeSpan.FromMinutes(1), TimeProvider = time }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            // Ten records fill a batch: it is handled without the clock moving.
            await ProduceAsync(topic, 10);
            await Kit.WaitUntilAsync(() => calls.Count == 1, "the full batch was handled");
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), calls.Single());

            // Three more do not fill one: nothing is handled while the fake clock stands still (the records are fetched
            // within a second on the embedded broker; two seconds leave room on a loaded machine)...
            await ProduceAsync(topic, 3);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Single(calls);

            // ...and once MaxBatchWait has passed on it, the three go as one batch.
            time.Advance(TimeSpan.FromMinutes(1));
            await Kit.WaitUntilAsync(() => calls.Count == 2, "the short batch was handled after MaxBatchWait");
            Assert.Equal([10L, 11L, 12L], calls.Last());
            await Kit.WaitUntilAsync(() => group.HandledCount == 13, "all were counted as handled");
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(13, Committed(topic)); // 0..12 done: the group resumes at 13
    }

    [Fact]
    public async Task A_batch_whose_handler_throws_is_retried_as_a_unit()
    {
        var topic = Topic();
        await ProduceAsync(topic, 5);
        var calls = new ConcurrentQueue<string>();
        var group = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], (batch, _) =>
        {
            calls.Enqueue($"{string.Join(',', batch.Select(m => m.Offset))} attempt {batch[0].Attempt}");
            return calls.Count == 1 ? throw new TimeoutException("sink busy") : Task.FromResult(BatchResult.Success);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxBatchSize = 5, MaxBatchWait = TimeSpan.FromSeconds(10) }));

        await Kit.RunUntilAsync(group, () => group.HandledCount == 5);

        Assert.Equal(["0,1,2,3,4 attempt 1", "0,1,2,3,4 attempt 2"], calls.ToArray());
        Assert.Equal((1L, 0L), (group.RetryCount, group.DeadLetterCount));
        Assert.Equal(5, Committed(topic));
    }

    [Fact]
    public async Task A_batch_that_fails_on_every_attempt_dead_letters_each_record()
    {
        var topic = Topic();
        await ProduceAsync(topic, 3);
        var calls = 0;
        var group = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], (batch, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("sink rejected the batch");
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxRetries = 1, MaxBatchSize = 3, MaxBatchWait = TimeSpan.FromSeconds(10) }));

        await Kit.RunUntilAsync(group, () => group.DeadLetterCount == 3);

        Assert.Equal(2, calls); // one batch, two attempts, no per-record retries
        var dead = Kit.ReadAll(_cluster, topic + ".dlq", 3);
        Assert.Equal(["0", "1", "2"], dead.Select(d => Kit.Text(d.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalOffset))));
        Assert.All(dead, d => Assert.Equal("2", Kit.Text(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Attempts))));
        Assert.All(dead, d => Assert.Equal("sink rejected the batch", Kit.Text(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Error))));
        Assert.Equal(3, Committed(topic));
    }

    [Fact]
    public async Task Only_the_records_named_as_failed_are_retried_and_the_rest_are_done_once()
    {
        var topic = Topic();
        await ProduceAsync(topic, 5);
        var calls = new ConcurrentQueue<string>();
        var group = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], (batch, _) =>
        {
            calls.Enqueue($"{string.Join(',', batch.Select(m => m.Offset))} attempt {batch[0].Attempt}");
            if (batch.Count > 1)
            {
                // Offset 1 fails once and then works; offset 3 never works.
                return Task.FromResult(BatchResult.WithFailures([new(1, new TimeoutException("row 1 locked")), new(3, new InvalidOperationException("row 3 invalid"))]));
            }

            return Task.FromResult(batch[0].Offset == 3 ? BatchResult.Failed(3, new InvalidOperationException("row 3 invalid")) : BatchResult.Success);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxRetries = 2, MaxBatchSize = 5, MaxBatchWait = TimeSpan.FromSeconds(10) }));

        await Kit.RunUntilAsync(group, () => group.HandledCount == 4 && group.DeadLetterCount == 1);

        Assert.Equal(["0,1,2,3,4 attempt 1", "1 attempt 2", "3 attempt 2", "3 attempt 3"], calls.ToArray());
        Assert.Equal(3, group.RetryCount);
        var dead = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Equal("3", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalOffset)));
        Assert.Equal("3", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Attempts)));
        Assert.Equal("row 3 invalid", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error)));
        Assert.Equal(5, Committed(topic));
    }

    [Fact]
    public async Task Offsets_are_committed_only_once_the_batch_is_settled()
    {
        var topic = Topic();
        await ProduceAsync(topic, 4);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], async (batch, ct) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(ct);
            return BatchResult.Success;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxBatchSize = 4, MaxBatchWait = TimeSpan.FromSeconds(10), CommitInterval = TimeSpan.FromMilliseconds(50) }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Several commit intervals pass with the batch in flight: nothing of it is committed.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.Null(Committed(topic));

            release.SetResult();
            await Kit.WaitUntilAsync(() => Committed(topic) == 4, "the settled batch was committed");
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task A_stop_while_a_batch_is_in_flight_cancels_it_after_ShutdownTimeout_and_the_batch_is_delivered_again()
    {
        var topic = Topic();
        await ProduceAsync(topic, 3);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        var first = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], async (batch, ct) =>
        {
            entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }

            return BatchResult.Success;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxBatchSize = 3, MaxBatchWait = TimeSpan.FromSeconds(10), ShutdownTimeout = TimeSpan.FromMilliseconds(300) }));

        using (var cts = new CancellationTokenSource())
        {
            var run = first.ConsumeAsync(cts.Token);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(cancelled, "the handler's token was cancelled after ShutdownTimeout");
        Assert.Equal((0L, 0L, 0L), (first.HandledCount, first.DeadLetterCount, first.RetryCount));
        Assert.Null(Committed(topic));

        // The next member of the group gets the same batch again.
        var again = new ConcurrentQueue<long[]>();
        var second = ConsumerGroup.ForBatches(Kit.App(_cluster), [topic], (batch, _) =>
        {
            again.Enqueue(batch.Select(m => m.Offset).ToArray());
            return Task.FromResult(BatchResult.Success);
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, MaxBatchSize = 3, MaxBatchWait = TimeSpan.FromSeconds(10) }));
        await Kit.RunUntilAsync(second, () => second.HandledCount == 3);
        Assert.Equal([0L, 1L, 2L], again.Single());
    }

    private string Topic([System.Runtime.CompilerServices.CallerMemberName] string caller = "")
    {
        var topic = TestNames.Unique("batch", caller.Length > 40 ? caller[..40] : caller);
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        return topic;
    }

    private async Task ProduceAsync(string topic, int count)
    {
        await using var producer = new SyncProducer(Kit.App(_cluster));
        for (var i = 0; i < count; i++)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{i}"), Kit.Bytes($"k{i}"), null));
        }
    }

    /// <summary>The group's (named after the topic) committed offset of partition 0, or <see langword="null"/> when none is.</summary>
    private long? Committed(string topic) => Kit.Committed(_cluster, topic, topic);
}
