using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

[Collection(SharedClusterCollection.Name)]
public sealed class ProducerTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    public static TheoryData<KafkaCompression, AckMode> CodecsAndAcks()
    {
        var data = new TheoryData<KafkaCompression, AckMode>();
        foreach (var codec in Enum.GetValues<KafkaCompression>())
        {
            foreach (var acks in Enum.GetValues<AckMode>())
            {
                data.Add(codec, acks);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CodecsAndAcks))]
    public async Task Sync_producer_sends_with_every_codec_and_ack_mode(KafkaCompression codec, AckMode acks)
    {
        var topic = TestNames.Unique($"sync-{codec}-{acks}".ToLowerInvariant());
        _cluster.CreateTopic(topic, 2);
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { Compression = codec, Acks = acks });
        var headers = new Headers { { "test-key", Kit.Bytes("test-val") } };
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => producer.SendAsync(topic, Kit.Bytes($"value-{i}"), Kit.Bytes($"key-{i}"), headers)));

        Assert.All(results, r =>
        {
            Assert.Equal(topic, r.Topic);
            Assert.InRange(r.Partition, 0, 1);
            Assert.NotEqual(default, r.Timestamp);
            if (acks != AckMode.None)
            {
                Assert.True(r.Offset >= 0);
            }
        });

        var read = Kit.ReadAll(_cluster, topic, 20);
        Assert.Equal(20, read.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"value-{i}").Order(), read.Select(r => Kit.Text(r.Message.Value)).Order());
        Assert.All(read, r => Assert.Equal("test-val", Kit.Text(r.Message.Headers.GetLastBytes("test-key"))));
    }

    [Theory]
    [InlineData(KafkaCompression.Gzip, AckMode.Leader)]
    [InlineData(KafkaCompression.Zstd, AckMode.All)]
    [InlineData(KafkaCompression.Lz4, AckMode.None)]
    [InlineData(KafkaCompression.Snappy, AckMode.All)]
    [InlineData(KafkaCompression.None, AckMode.All)]
    public async Task Async_producer_reports_every_message_with_codecs_and_ack_modes(KafkaCompression codec, AckMode acks)
    {
        var topic = TestNames.Unique($"async-{codec}-{acks}".ToLowerInvariant());
        _cluster.CreateTopic(topic, 3);
        const int count = 500;
        var reports = new ConcurrentQueue<ProducerReport>();
        var all = new TaskCompletionSource();
        await using (var producer = new AsyncProducer(Kit.App(_cluster), r =>
        {
            reports.Enqueue(r);
            if (reports.Count == count)
            {
                all.TrySetResult();
            }
        }, new ProducerOptions { Compression = codec, Acks = acks }))
        {
            using var cts = new CancellationTokenSource();
            var listen = producer.ListenAsync(cts.Token);
            for (var i = 0; i < count; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{i}"), Kit.Bytes($"k{i}")) { State = i });
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cts.CancelAsync();
            await listen;
        }

        Assert.Equal(count, reports.Count);
        Assert.All(reports, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Equal(Enumerable.Range(0, count), reports.Select(r => (int)r.Message.State!).Order());
        Assert.Equal(count, Kit.ReadAll(_cluster, topic, count).Count);
    }

    [Fact]
    public async Task Many_concurrent_sync_sends_do_not_serialize()
    {
        var topic = TestNames.Unique("sync-many");
        _cluster.CreateTopic(topic, 4);
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { FlushFrequency = TimeSpan.FromMilliseconds(20) });

        // 2,000 sends awaited one by one would take ≥ 40 s at a 20 ms linger; in flight together they share batches.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => producer.SendAsync(topic, Kit.Bytes($"m{i}"))));
        Assert.Equal(2000, results.Select(r => (r.Partition, r.Offset)).Distinct().Count());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"2,000 concurrent sends took {watch.Elapsed}");
    }

    [Fact]
    public async Task Round_robin_spreads_evenly_within_one_per_partition()
    {
        var topic = TestNames.Unique("rr");
        _cluster.CreateTopic(topic, 6);
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { Partitioner = PartitionerKind.RoundRobin });
        var results = new List<ProduceResult>();
        for (var batch = 0; batch < 10; batch++)
        {
            // The same key every time: a key-hashing partitioner would put them all in one partition.
            results.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => producer.SendAsync(topic, [1], Kit.Bytes("same-key")))));
        }

        var perPartition = results.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, perPartition.Count);
        Assert.True(perPartition.Values.Max() - perPartition.Values.Min() <= 1, string.Join(", ", perPartition.Select(p => $"{p.Key}:{p.Value}")));
    }

    [Fact]
    public async Task Round_robin_spreads_messages_without_a_key_evenly()
    {
        // Most messages have no key; librdkafka must not replace the round-robin choice with its sticky partitioner.
        var topic = TestNames.Unique("rr-nokey");
        _cluster.CreateTopic(topic, 6);
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { Partitioner = PartitionerKind.RoundRobin });
        var results = new List<ProduceResult>();
        for (var batch = 0; batch < 10; batch++)
        {
            results.AddRange(await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => producer.SendAsync(topic, [1]))));
        }

        var perPartition = results.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(perPartition.Count == 6 && perPartition.Values.Max() - perPartition.Values.Min() <= 1, string.Join(", ", perPartition.Select(p => $"{p.Key}:{p.Value}")));
    }

    [Fact]
    public async Task Sync_send_with_an_already_cancelled_token_sends_nothing()
    {
        var topic = TestNames.Unique("sync-cancelled");
        _cluster.CreateTopic(topic, 1);
        await using var producer = new SyncProducer(Kit.App(_cluster));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => producer.SendAsync(topic, Kit.Bytes("cancelled"), cancellationToken: cts.Token));

        // The caller was told "cancelled": the message must not have been written (the next one takes offset 0).
        var next = await producer.SendAsync(topic, Kit.Bytes("next"));
        Assert.Equal(0, next.Offset);
    }

    [Fact]
    public async Task Tombstones_and_keyless_messages_arrive_with_null_value_and_null_key()
    {
        var topic = TestNames.Unique("tombstone");
        _cluster.CreateTopic(topic, 1);
        await using (var sync = new SyncProducer(Kit.App(_cluster)))
        {
            await sync.SendAsync(topic, null, Kit.Bytes("deleted-1"));
            await sync.SendAsync(topic, Kit.Bytes("no-key"));
        }

        var reports = new ConcurrentQueue<ProducerReport>();
        await using (var producer = new AsyncProducer(Kit.App(_cluster), reports.Enqueue))
        {
            await producer.SendAsync(topic, null, Kit.Bytes("deleted-2"));
        }

        Assert.True(reports.Single().IsSuccess, reports.Single().ToString());
        var read = Kit.ReadAll(_cluster, topic, 3).OrderBy(r => r.Offset.Value).ToList();
        Assert.Equal(3, read.Count);
        Assert.Null(read[0].Message.Value);
        Assert.Equal("deleted-1", Kit.Text(read[0].Message.Key));
        Assert.Null(read[1].Message.Key);
        Assert.Equal("no-key", Kit.Text(read[1].Message.Value));
        Assert.Null(read[2].Message.Value);
        Assert.Equal("deleted-2", Kit.Text(read[2].Message.Key));
    }

    [Fact]
    public async Task One_message_instance_sent_twice_at_once_and_again_from_its_own_report_gets_a_report_per_send()
    {
        var topic = TestNames.Unique("same-instance");
        _cluster.CreateTopic(topic, 2);
        var message = new ProducerMessage(topic, Kit.Bytes("v"), Kit.Bytes("k")) { State = "mine" };
        var reports = new ConcurrentQueue<ProducerReport>();
        AsyncProducer? self = null;
        var resent = 0;
        await using var producer = new AsyncProducer(Kit.App(_cluster), r =>
        {
            reports.Enqueue(r);
            if (Interlocked.Exchange(ref resent, 1) == 0)
            {
                _ = self!.SendAsync(r.Message); // the reported instance, sent again from its own report
            }
        });
        self = producer;
        using var cts = new CancellationTokenSource();
        var listen = producer.ListenAsync(cts.Token);
        await Task.WhenAll(Task.Run(() => producer.SendAsync(message).AsTask()), Task.Run(() => producer.SendAsync(message).AsTask()));
        await Kit.WaitUntilAsync(() => reports.Count >= 3, "three reports");
        await cts.CancelAsync();
        await listen;

        Assert.Equal(3, reports.Count);
        Assert.All(reports, r => Assert.True(r.IsSuccess && ReferenceEquals(message, r.Message), r.ToString()));
        Assert.Equal(3, Kit.ReadAll(_cluster, topic, 3).Count);
        Assert.Equal(0, producer.InFlightCount);
    }

    [Fact]
    public async Task Listen_cancelled_and_restarted_while_messages_are_queued_reports_each_once()
    {
        var topic = TestNames.Unique("listen-restart");
        _cluster.CreateTopic(topic, 3);
        const int count = 3000;
        var reports = new ConcurrentQueue<ProducerReport>();
        await using var producer = new AsyncProducer(Kit.App(_cluster), reports.Enqueue);
        for (var i = 0; i < count; i++)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"m{i}")) { State = i });
        }

        for (var round = 0; round < 3 && reports.Count < count; round++)
        {
            using var cts = new CancellationTokenSource();
            var listen = producer.ListenAsync(cts.Token);
            var before = reports.Count;
            await Kit.WaitUntilAsync(() => reports.Count > before || reports.Count == count, "a report in this round");
            await cts.CancelAsync();
            await listen;
        }

        using (var last = new CancellationTokenSource())
        {
            var listen = producer.ListenAsync(last.Token);
            await Kit.WaitUntilAsync(() => reports.Count >= count, "every report");
            await last.CancelAsync();
            await listen;
        }

        Assert.Equal(count, reports.Count);
        Assert.Equal(Enumerable.Range(0, count), reports.Select(r => (int)r.Message.State!).Order());
        Assert.All(reports, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Equal(0, producer.QueuedCount);
    }

    [Fact]
    public async Task Explicit_partition_is_honoured()
    {
        var topic = TestNames.Unique("explicit");
        _cluster.CreateTopic(topic, 3);
        await using var producer = new SyncProducer(Kit.App(_cluster));
        var result = await producer.SendAsync(new ProducerMessage(topic, [1]) { Partition = 2 });
        Assert.Equal(2, result.Partition);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_fails_with_a_named_error_and_affects_nothing_else()
    {
        var topic = TestNames.Unique("too-big");
        _cluster.CreateTopic(topic, 1);
        await using var producer = new SyncProducer(Kit.App(_cluster), new ProducerOptions { Settings = new Dictionary<string, string> { ["message.max.bytes"] = "10000" } });
        var e = await Assert.ThrowsAsync<KafkaProduceException>(() => producer.SendAsync(topic, new byte[20_000]));
        Assert.Equal(topic, e.Topic);
        Assert.Equal(ErrorCode.MsgSizeTooLarge, e.ErrorCode);
        Assert.Contains(topic, e.Message, StringComparison.Ordinal);
        var ok = await producer.SendAsync(topic, new byte[100]);
        Assert.Equal(0, ok.Offset);
    }

    [Fact]
    public async Task Fail_fast_queue_rejects_when_full()
    {
        var topic = TestNames.Unique("queue-full");
        var reports = new ConcurrentQueue<ProducerReport>();
        await using var producer = new AsyncProducer(Kit.App(_cluster), reports.Enqueue, new ProducerOptions { QueueCapacity = 3, QueueFull = QueueFullPolicy.FailFast, AutoCreateTopics = true });

        // Nothing listens, so the queue fills.
        for (var i = 0; i < 3; i++)
        {
            await producer.SendAsync(topic, [1]);
        }

        var e = await Assert.ThrowsAsync<KafkaQueueFullException>(() => producer.SendAsync(topic, [1]).AsTask());
        Assert.Equal(3, e.Capacity);
        Assert.False(producer.TrySend(new ProducerMessage(topic, [1])));
        Assert.Equal(3, producer.QueuedCount);
    }

    [Fact]
    public async Task Waiting_queue_honours_cancellation()
    {
        var topic = TestNames.Unique("queue-wait");
        await using var producer = new AsyncProducer(Kit.App(_cluster), _ => { }, new ProducerOptions { QueueCapacity = 1 });
        await producer.SendAsync(topic, [1]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => producer.SendAsync(topic, [2], cancellationToken: cts.Token).AsTask());
    }

    [Fact]
    public async Task Disposal_publishes_what_is_queued_even_without_listen()
    {
        var topic = TestNames.Unique("dispose-publishes");
        _cluster.CreateTopic(topic, 2);
        var reports = new ConcurrentQueue<ProducerReport>();
        var producer = new AsyncProducer(Kit.App(_cluster), reports.Enqueue);
        for (var i = 0; i < 50; i++)
        {
            await producer.SendAsync(topic, Kit.Bytes($"m{i}"));
        }

        await producer.DisposeAsync();
        Assert.Equal(50, reports.Count);
        Assert.All(reports, r => Assert.True(r.IsSuccess, r.ToString()));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => producer.SendAsync(topic, [1]).AsTask());
    }
}
