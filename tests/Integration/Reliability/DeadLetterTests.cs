using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>Dead letters that cannot be written as they are (issue 9, "seen failing" 2): bounded headers, a reference for a record too large, a visible stall for a topic that refuses writes.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task A_huge_exception_message_and_type_name_are_cut_to_their_documented_bounds_and_the_partition_moves_on()
    {
        // A validation error that echoes a 1.1 MB payload used to make the dead letter exceed message.max.bytes: its write
        // failed with MsgSizeTooLarge for ever and the partition never moved.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "huge-error";
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        await ProduceAsync(cluster, topic, "poison", "fine");
        var huge = "é" + new string('x', 1_100_000);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
            m.ValueAsString == "poison" ? throw new LongNamedFailure<Dictionary<string, List<KeyValuePair<Guid, Tuple<int, long, string, decimal>>>>>(huge) : Task.CompletedTask,
            Kit.FastGroup(new ConsumerOptions { MaxRetries = 0 }));

        await Kit.RunUntilAsync(group, () => group.HandledCount == 1, TimeSpan.FromSeconds(30));

        var dlq = Assert.Single(Kit.ReadAll(cluster, topic + ".dlq", 1));
        Assert.Equal("poison", Kit.Text(dlq.Message.Value));
        var error = dlq.Message.Headers.GetLastBytes(DeadLetterHeaders.Error);
        Assert.InRange(error.Length, DeadLetterHeaders.MaxErrorBytes - 4, DeadLetterHeaders.MaxErrorBytes);
        var errorText = Encoding.UTF8.GetString(error);
        Assert.StartsWith("éxxxx", errorText, StringComparison.Ordinal);
        Assert.EndsWith(DeadLetterHeaders.TruncationMarker, errorText, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', errorText); // cut on a character boundary

        var typeName = typeof(LongNamedFailure<Dictionary<string, List<KeyValuePair<Guid, Tuple<int, long, string, decimal>>>>>).FullName!;
        Assert.True(Encoding.UTF8.GetByteCount(typeName) > DeadLetterHeaders.MaxHeaderBytes, "the type name is meant to exceed the bound");
        var type = Encoding.UTF8.GetString(dlq.Message.Headers.GetLastBytes(DeadLetterHeaders.ExceptionType));
        Assert.True(Encoding.UTF8.GetByteCount(type) <= DeadLetterHeaders.MaxHeaderBytes);
        Assert.StartsWith(typeName[..100], type, StringComparison.Ordinal);
        Assert.All(dlq.Message.Headers.Where(h => h.Key.StartsWith("kt-dlq-", StringComparison.Ordinal) && h.Key != DeadLetterHeaders.Error), h => Assert.True(h.GetValueBytes().Length <= DeadLetterHeaders.MaxHeaderBytes, h.Key));
    }

    [Fact]
    public async Task A_record_too_large_for_the_dead_letter_topic_is_dead_lettered_as_a_reference_with_one_error_line()
    {
        // The source topic accepts records larger than the dead-letter writer may send (message.max.bytes, or a dead-letter
        // topic with a smaller max.message.bytes): retrying cannot fix that, so a reference goes to the dead-letter topic
        // instead (the key and the kt-dlq-* headers, no value) and the partition moves on.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "too-large";
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        var big = new byte[1_200_000];
        Random.Shared.NextBytes(big);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, MessageMaxBytes = 2_000_000 }).SetLogHandler((_, _) => { }).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = Kit.Bytes("big-key"), Value = big, Headers = [new Header("origin", Kit.Bytes("test"))] });
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = Kit.Bytes("fine") });
        }

        using var metrics = new Measurements(topic);
        var logs = new CapturingLoggerFactory();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
            m.Value!.Length > 1000 ? throw new FormatException("cannot parse the big one") : Task.CompletedTask,
            Kit.FastGroup(new ConsumerOptions { MaxRetries = 0 }), logs);

        await Kit.RunUntilAsync(group, () => group.HandledCount == 1, TimeSpan.FromSeconds(30));

        var dlq = Assert.Single(Kit.ReadAll(cluster, topic + ".dlq", 1));
        Assert.Null(dlq.Message.Value);
        Assert.Equal("big-key", Kit.Text(dlq.Message.Key));
        string H(string k) => Encoding.UTF8.GetString(dlq.Message.Headers.GetLastBytes(k));
        Assert.False(dlq.Message.Headers.TryGetLastBytes("origin", out _), "the original headers are left out of a reference");
        Assert.Contains("MsgSizeTooLarge", H(DeadLetterHeaders.Reference), StringComparison.Ordinal);
        Assert.Equal("cannot parse the big one", H(DeadLetterHeaders.Error));
        Assert.Equal(topic, H(DeadLetterHeaders.OriginalTopic));
        Assert.Equal("0", H(DeadLetterHeaders.OriginalPartition));
        Assert.Equal("0", H(DeadLetterHeaders.OriginalOffset));
        Assert.Equal(1, group.DeadLetterCount);

        var errors = logs.Lines.Where(l => l.StartsWith("Error:", StringComparison.Ordinal) || l.StartsWith("Critical:", StringComparison.Ordinal)).ToList();
        var reference = Assert.Single(errors, l => l.Contains("reference", StringComparison.Ordinal));
        Assert.Contains("@0", reference, StringComparison.Ordinal);
        Assert.Contains("MsgSizeTooLarge", reference, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Sum("kafka.typed.consumer.dead_letter.errors", "MsgSizeTooLarge"));
        Assert.Equal(1, metrics.Sum("kafka.typed.consumer.dead_lettered", null, ("kafka.typed.dead_letter.reference", true)));
    }

    [Fact]
    public async Task A_dead_letter_topic_that_refuses_writes_stalls_its_partition_visibly_with_one_error_line_until_it_accepts_them()
    {
        // Topic authorization failed (an ACL missing): retrying cannot fix it until an operator does. The message is not
        // committed past (that would lose it): the partition holds it and retries the write, shows as DeadLetterBlocked in
        // the status, logs one error line (not one per retry) and counts every failed write; once the write is accepted
        // it moves on and says so.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "refused-dlq";
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        await ProduceAsync(cluster, topic, "poison", "fine");
        const int refusals = 8;
        cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.TopicAuthorizationFailed, refusals).ToArray());

        using var metrics = new Measurements(topic);
        var logs = new CapturingLoggerFactory();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
            m.ValueAsString == "poison" ? throw new FormatException("bad") : Task.CompletedTask,
            Kit.FastGroup(new ConsumerOptions { MaxRetries = 0, Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(200), Jitter = 0 } }), logs);

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => group.GetStatus().Partitions.FirstOrDefault()?.Stall == PartitionStall.DeadLetterBlocked, "the partition shows as blocked");
            var blocked = group.GetStatus().Partitions[0];
            Assert.Equal(0, blocked.StalledOffset);
            Assert.Contains("TopicAuthorizationFailed", blocked.StallReason, StringComparison.Ordinal);
            Assert.Equal(0, group.HandledCount);

            await Kit.WaitUntilAsync(() => group.HandledCount == 1, "the write is accepted and the partition moves on", TimeSpan.FromSeconds(30));
            await Kit.WaitUntilAsync(() => !group.GetStatus().Partitions[0].IsStalled, "the stall ends");
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, group.DeadLetterCount);

        // librdkafka may fail a write from its own view of the topic as well as from a refused request, so the number of
        // failed writes is what the recovery line reports (at least one per pushed refusal that met a write).
        var recovered = Assert.Single(logs.Lines, l => l.StartsWith("Information:", StringComparison.Ordinal) && l.Contains("accepted after", StringComparison.Ordinal));
        var failures = int.Parse(System.Text.RegularExpressions.Regex.Match(recovered, @"accepted after (\d+) failed").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(failures >= 3, $"only {failures} failed writes; the test needs several to show the error is not logged per retry");
        Assert.Equal(failures, metrics.Sum("kafka.typed.consumer.dead_letter.errors", "TopicAuthorizationFailed"));
        var line = Assert.Single(logs.Lines, l => l.Contains("Dead-letter write", StringComparison.Ordinal) && l.StartsWith("Error:", StringComparison.Ordinal));
        Assert.Contains("TopicAuthorizationFailed", line, StringComparison.Ordinal);
        Assert.Contains("an operator", line, StringComparison.Ordinal);
        Assert.Equal(failures - 1, logs.Lines.Count(l => l.StartsWith("Debug:", StringComparison.Ordinal) && l.Contains("failed again", StringComparison.Ordinal)));
    }

    private static async Task ProduceAsync(EmbeddedKafkaCluster cluster, string topic, params string[] values)
    {
        await using var producer = new SyncProducer(Kit.App(cluster));
        foreach (var value in values)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes(value)) { Partition = 0 });
        }
    }

    private sealed class LongNamedFailure<T>(string message) : Exception(message);

    /// <summary>Kafka.Typed's counter measurements for one source topic (the listener is process-wide; other tests use other topics).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener;
        private readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)> _seen = new();

        public Measurements(string topic)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == KafkaTelemetry.Name)
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
            {
                var dict = new Dictionary<string, object?>();
                foreach (var t in tags)
                {
                    dict[t.Key] = t.Value;
                }

                if (dict.TryGetValue("messaging.destination.name", out var t2) && (string?)t2 == topic)
                {
                    _seen.Enqueue((i.Name, v, dict));
                }
            });
            _listener.Start();
        }

        public long Sum(string name, string? errorType, (string Key, object Value)? tag = null)
            => _seen.Where(m => m.Name == name
                                && (errorType is null || (m.Tags.TryGetValue("error.type", out var e) && (string?)e == errorType))
                                && (tag is null || (m.Tags.TryGetValue(tag.Value.Key, out var v) && Equals(v, tag.Value.Value))))
                .Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }
}
