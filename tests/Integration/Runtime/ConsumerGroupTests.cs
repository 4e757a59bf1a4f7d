using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

[Collection(SharedClusterCollection.Name)]
public sealed class ConsumerGroupTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    private async Task ProduceAsync(string topic, int count, Func<int, string>? key = null, Headers? headers = null, int? partition = null)
    {
        await using var producer = new SyncProducer(Kit.App(_cluster));
        for (var i = 0; i < count; i++)
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"v{i}"), key is null ? null : Kit.Bytes(key(i)), headers) { Partition = partition });
        }
    }

    [Fact]
    public async Task Produce_then_consume_with_key_and_headers()
    {
        var topic = TestNames.Unique("kv");
        _cluster.CreateTopic(topic, 3);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("hello"), Kit.Bytes("msg-1"), new Headers { { "test-key", Kit.Bytes("test-val") } });
        }

        var got = new TaskCompletionSource<(ConsumerMessage Message, string? Header)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            got.TrySetResult((m, m.GetHeader("test-key")));
            return Task.CompletedTask;
        }, Kit.FastGroup());
        await Kit.RunUntilAsync(group, got.Task);

        var (message, header) = await got.Task;
        Assert.Equal(topic, message.Topic);
        Assert.Equal("msg-1", message.KeyAsString);
        Assert.Equal("hello", message.ValueAsString);
        Assert.Equal("test-val", header);
        Assert.Equal(0, message.Offset);
        Assert.InRange(message.Partition, 0, 2);
        Assert.True(message.Timestamp > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal("tests.ci", message.GroupId);
        Assert.Equal(1, message.Attempt);
        Assert.Equal(1, group.HandledCount);
    }

    [Fact]
    public async Task Custom_group_id_is_used_and_the_default_derives_from_the_app()
    {
        var topic = TestNames.Unique("gid");
        _cluster.CreateTopic(topic, 1);
        var custom = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) => Task.CompletedTask, Kit.FastGroup(new ConsumerOptions { GroupId = "legacy-group" }));
        Assert.Equal("legacy-group", custom.GroupId);
        var derived = new ConsumerGroup(Kit.App(_cluster, "billing", "eu1"), [topic], (_, _) => Task.CompletedTask, Kit.FastGroup());
        Assert.Equal("billing.eu1", derived.GroupId);
    }

    [Fact]
    public async Task Always_failing_handler_with_one_retry_does_not_fail_consumption()
    {
        var topic = TestNames.Unique("always-fails");
        _cluster.CreateTopic(topic, 1);
        await ProduceAsync(topic, 1, i => "k", new Headers { { "test-key", Kit.Bytes("test-val") } });
        var attempts = 0;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("always fails");
        }, Kit.FastGroup(new ConsumerOptions { MaxRetries = 1, FailurePolicy = FailurePolicy.Skip }));

        await Kit.RunUntilAsync(group, () => group.SkippedCount > 0); // a failing handler never fails the run
        Assert.Equal(2, attempts);
        Assert.Equal(1, group.RetryCount);
        Assert.Equal(1, group.SkippedCount);
    }

    [Fact]
    public async Task Retries_the_configured_number_of_times_with_growing_delays()
    {
        var topic = TestNames.Unique("retries");
        _cluster.CreateTopic(topic, 1);
        await ProduceAsync(topic, 1);
        var stamps = new ConcurrentQueue<long>();
        var done = new TaskCompletionSource();
        var clock = new RecordingTimeProvider();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            stamps.Enqueue(Stopwatch.GetTimestamp());
            if (m.Attempt < 4)
            {
                throw new InvalidOperationException("not yet");
            }

            done.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 3,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(100), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(5), Jitter = 0 },
            TimeProvider = clock,
        }));
        await Kit.RunUntilAsync(group, done.Task);

        var times = stamps.ToArray();
        Assert.Equal(4, times.Length);
        var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds).ToArray();

        // The backoffs asked of the clock are exactly 100, 200 and 400 ms, and each measured gap is at least its delay
        // (timers may fire a few ms early on a loaded VM; a starved thread pool may make any gap longer, never shorter).
        Assert.Equal([100.0, 200.0, 400.0], clock.Timers.Where(t => t > TimeSpan.Zero && t < TimeSpan.FromSeconds(5)).Select(t => t.TotalMilliseconds));
        Assert.True(gaps[0] >= 90 && gaps[1] >= 180 && gaps[2] >= 360, string.Join(", ", gaps));
        Assert.Equal(3, group.RetryCount);
        Assert.Equal(1, group.HandledCount);
    }

    [Fact]
    public async Task Many_retries_with_a_zero_initial_delay_and_a_large_multiplier_reach_the_failure_policy()
    {
        // 0 ms × 100^(attempt-1) overflows to 0 × ∞ = NaN after about 155 attempts; every allowed combination must still
        // give a delay, or the partition's worker dies and the partition stalls.
        var topic = TestNames.Unique("many-retries");
        _cluster.CreateTopic(topic, 1);
        await ProduceAsync(topic, 2);
        var attempts = 0;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            if (m.Offset == 1)
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("always fails");
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 200,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.Zero, Multiplier = 100, MaxDelay = TimeSpan.FromMilliseconds(1), Jitter = 0 },
            FailurePolicy = FailurePolicy.Skip,
        }));

        await Kit.RunUntilAsync(group, () => group.SkippedCount == 1 && group.HandledCount == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(201, attempts);
        Assert.Equal(200, group.RetryCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_schema_registry_outage_spends_no_attempts_and_never_dead_letters(bool synchronousHandler)
    {
        // Five outages in a row (more than MaxRetries + 1), then one ordinary failure, then success: the outages are not
        // the message's fault, so they neither exhaust its attempts nor send it to the dead-letter topic, and the
        // ordinary failure still gets its retry. Both the inline (synchronous) and the worker path.
        var topic = TestNames.Unique("registry-outage");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        await ProduceAsync(topic, 1);
        var calls = 0;
        var attemptsSeen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            var call = Interlocked.Increment(ref calls);
            attemptsSeen.Enqueue(m.Attempt);
            Exception? failure = call switch
            {
                <= 5 => new KafkaSchemaRegistryException("registry down (test)"),
                6 => new InvalidOperationException("an ordinary failure"),
                _ => null,
            };
            if (synchronousHandler)
            {
                return failure is null ? Task.CompletedTask : throw failure;
            }

            return failure is null ? Task.Delay(1) : Task.FromException(failure);
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 1,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), Jitter = 0 },
            FailurePolicy = FailurePolicy.DeadLetter,
        }));

        await Kit.RunUntilAsync(group, () => group.HandledCount == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(7, calls);
        Assert.Equal(0, group.DeadLetterCount);
        Assert.Equal([1, 1, 1, 1, 1, 1, 2], attemptsSeen.ToArray());
    }

    [Fact]
    public void Backoff_delays_are_finite_for_every_valid_setting()
    {
        var zero = new RetryBackoff { InitialDelay = TimeSpan.Zero, Multiplier = 100, MaxDelay = TimeSpan.FromSeconds(1), Jitter = 1 };
        Assert.Equal(TimeSpan.Zero, zero.DelayAfter(1000, 0.5));
        var large = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(1), Multiplier = 100, MaxDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
        Assert.Equal(TimeSpan.FromSeconds(1), large.DelayAfter(1000, 0.5));
    }

    [Fact]
    public async Task Dead_letter_record_is_the_original_plus_error_headers()
    {
        var topic = TestNames.Unique("dlq-src");
        _cluster.CreateTopic(topic, 2);
        _cluster.CreateTopic(topic + ".dlq", 1);
        var originalHeaders = new Headers { { "test-key", Kit.Bytes("test-val") }, { "bin", new byte[] { 0, 255, 7 } } };
        ProduceResult poisoned;
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            poisoned = await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("poison"), Kit.Bytes("k-poison"), originalHeaders) { Partition = 1 });
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("fine"), Kit.Bytes("k-fine")) { Partition = 1 });
        }

        var fine = new TaskCompletionSource();
        var poisonTimestamp = DateTimeOffset.MinValue;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            if (m.ValueAsString == "poison")
            {
                poisonTimestamp = m.Timestamp;
                throw new FormatException("cannot parse poison");
            }

            fine.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { MaxRetries = 2 }));
        await Kit.RunUntilAsync(group, fine.Task);

        Assert.Equal(1, group.DeadLetterCount);
        var dlq = Assert.Single(Kit.ReadAll(_cluster, topic + ".dlq", 1));
        Assert.Equal("k-poison", Kit.Text(dlq.Message.Key));
        Assert.Equal("poison", Kit.Text(dlq.Message.Value));
        string H(string k) => Encoding.UTF8.GetString(dlq.Message.Headers.GetLastBytes(k));
        Assert.Equal("test-val", H("test-key"));
        Assert.Equal(new byte[] { 0, 255, 7 }, dlq.Message.Headers.GetLastBytes("bin"));
        Assert.Equal("test-key", dlq.Message.Headers[0].Key);
        Assert.Equal("bin", dlq.Message.Headers[1].Key);
        Assert.Equal("cannot parse poison", H(DeadLetterHeaders.Error));
        Assert.Equal(typeof(FormatException).FullName, H(DeadLetterHeaders.ExceptionType));
        Assert.Equal("3", H(DeadLetterHeaders.Attempts));
        Assert.Equal(topic, H(DeadLetterHeaders.OriginalTopic));
        Assert.Equal("1", H(DeadLetterHeaders.OriginalPartition));
        Assert.Equal(poisoned.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), H(DeadLetterHeaders.OriginalOffset));
        Assert.Equal(poisonTimestamp.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), H(DeadLetterHeaders.OriginalTimestamp));
        Assert.Equal(group.GroupId, H(DeadLetterHeaders.ConsumerGroup));
    }

    [Fact]
    public async Task Non_retriable_failure_is_dead_lettered_at_once_to_a_configured_topic()
    {
        var topic = TestNames.Unique("nonretriable");
        var dlqTopic = TestNames.Unique("custom-dlq");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(dlqTopic, 1);
        await ProduceAsync(topic, 1);
        var attempts = 0;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new NonRetriableMessageException("undecodable");
        }, Kit.FastGroup(new ConsumerOptions { MaxRetries = 5, DeadLetterTopic = dlqTopic }));
        await Kit.RunUntilAsync(group, () => group.DeadLetterCount > 0); // a failing handler never fails the run
        Assert.Equal(1, attempts);
        var dlq = Assert.Single(Kit.ReadAll(_cluster, dlqTopic, 1));
        Assert.Equal("1", Encoding.UTF8.GetString(dlq.Message.Headers.GetLastBytes(DeadLetterHeaders.Attempts)));
    }

    [Fact]
    public async Task Skip_commits_and_moves_on()
    {
        var topic = TestNames.Unique("skip");
        _cluster.CreateTopic(topic, 1);
        await ProduceAsync(topic, 3);
        var seen = new ConcurrentQueue<string>();
        var third = new TaskCompletionSource();
        var options = Kit.FastGroup(new ConsumerOptions { MaxRetries = 0, FailurePolicy = FailurePolicy.Skip, GroupId = TestNames.Unique("skip-group") });
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            seen.Enqueue(m.ValueAsString!);
            if (m.ValueAsString == "v0")
            {
                throw new InvalidOperationException("boom");
            }

            if (m.ValueAsString == "v2")
            {
                third.TrySetResult();
            }

            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(group, third.Task);
        Assert.Equal(["v0", "v1", "v2"], seen);
        Assert.Equal(1, group.SkippedCount);

        // A restarted member of the same group starts after everything, the skipped message included.
        await ProduceAsync(topic, 1);
        var restarted = new TaskCompletionSource<string>();
        var again = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            restarted.TrySetResult(m.ValueAsString!);
            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(again, restarted.Task);
        Assert.Equal("v0", await restarted.Task);
        Assert.Equal(0, again.SkippedCount);
    }

    [Fact]
    public async Task Restart_resumes_from_the_committed_offset()
    {
        var topic = TestNames.Unique("resume");
        _cluster.CreateTopic(topic, 2);
        var options = Kit.FastGroup(new ConsumerOptions { GroupId = TestNames.Unique("resume-group") });
        await ProduceAsync(topic, 10);
        var first = new ConcurrentBag<string>();
        var firstDone = new TaskCompletionSource();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            first.Add(m.ValueAsString!);
            if (first.Count == 10)
            {
                firstDone.TrySetResult();
            }

            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(group, firstDone.Task);

        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            for (var i = 10; i < 15; i++)
            {
                await producer.SendAsync(topic, Kit.Bytes($"v{i}"));
            }
        }

        var second = new ConcurrentBag<string>();
        var secondDone = new TaskCompletionSource();
        var restarted = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            second.Add(m.ValueAsString!);
            if (second.Count == 5)
            {
                secondDone.TrySetResult();
            }

            return Task.CompletedTask;
        }, options);
        await Kit.RunUntilAsync(restarted, secondDone.Task);
        Assert.Equal(Enumerable.Range(10, 5).Select(i => $"v{i}").Order(), second.Order());
    }

    [Fact]
    public async Task Offset_newest_skips_older_messages()
    {
        var topic = TestNames.Unique("newest");
        _cluster.CreateTopic(topic, 1);
        await ProduceAsync(topic, 5);
        var seen = new ConcurrentQueue<string>();
        var got = new TaskCompletionSource();
        var assigned = new TaskCompletionSource();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            seen.Enqueue(m.ValueAsString!);
            got.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { StartOffset = StartOffset.Newest }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);

        // Keep producing until the member has joined and sees a new message; none of the old five may arrive.
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!got.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                await producer.SendAsync(topic, Kit.Bytes("new"));
                await Task.WhenAny(got.Task, Task.Delay(100));
            }
        }

        await cts.CancelAsync();
        await run;
        Assert.NotEmpty(seen);
        Assert.All(seen, v => Assert.Equal("new", v));
    }

    [Fact]
    public async Task Partitions_run_in_parallel_and_keep_order_within_a_partition()
    {
        var topic = TestNames.Unique("order");
        _cluster.CreateTopic(topic, 4);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i => producer.SendAsync(new ProducerMessage(topic, Kit.Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))) { Partition = i % 4 })));
        }

        var perPartition = new ConcurrentDictionary<int, ConcurrentQueue<long>>();
        var concurrent = 0;
        var maxConcurrent = 0;
        var done = new TaskCompletionSource();
        var total = 0;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], async (m, ct) =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            await Task.Delay(2, ct);
            perPartition.GetOrAdd(m.Partition, _ => new ConcurrentQueue<long>()).Enqueue(m.Offset);
            Interlocked.Decrement(ref concurrent);
            if (Interlocked.Increment(ref total) == 400)
            {
                done.TrySetResult();
            }
        }, Kit.FastGroup(new ConsumerOptions { MaxDegreeOfParallelism = 4 }));
        await Kit.RunUntilAsync(group, done.Task);

        Assert.Equal(4, perPartition.Count);
        Assert.All(perPartition.Values, offsets => Assert.Equal(offsets.Order(), offsets));
        Assert.True(maxConcurrent > 1, $"max concurrency {maxConcurrent}");
        Assert.True(maxConcurrent <= 4, $"max concurrency {maxConcurrent}");
    }

    [Fact]
    public async Task Backoff_pauses_only_its_partition()
    {
        var topic = TestNames.Unique("pause-one");
        _cluster.CreateTopic(topic, 2);
        await using var producer = new SyncProducer(Kit.App(_cluster));
        await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("slow")) { Partition = 0 });

        var fast = 0;
        var slowAttempts = 0;
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (m, _) =>
        {
            if (m.Partition == 0)
            {
                Interlocked.Increment(ref slowAttempts);
                throw new InvalidOperationException("slow partition keeps failing");
            }

            Interlocked.Increment(ref fast);
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { MaxRetries = 10, Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(5), Jitter = 0 } }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await Kit.WaitUntilAsync(() => Volatile.Read(ref slowAttempts) > 0, "the slow partition's first attempt");

        // Partition 0 is now in a 5 s backoff; partition 1's messages, produced only now, must all be handled meanwhile.
        Assert.Equal(1, slowAttempts);
        var backoffStarted = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"fast{i}")) { Partition = 1 })));
        await Kit.WaitUntilAsync(() => Volatile.Read(ref fast) == 50, "partition 1's 50 messages");

        var fastDoneAfter = DateTime.UtcNow - backoffStarted;
        var slowDuring = Volatile.Read(ref slowAttempts);
        await cts.CancelAsync();
        await run;
        Assert.Equal(50, fast);
        Assert.True(fastDoneAfter < TimeSpan.FromSeconds(4.5), $"partition 1 took {fastDoneAfter} while partition 0 backed off for 5 s");
        Assert.Equal(1, slowDuring); // the slow partition did not retry while the other one flowed
    }

    [Fact]
    public async Task Payload_logging_flag_controls_whether_key_and_value_reach_logs()
    {
        foreach (var disable in new[] { false, true })
        {
            var topic = TestNames.Unique("payload-log");
            _cluster.CreateTopic(topic, 1);
            await using (var producer = new SyncProducer(Kit.App(_cluster)))
            {
                await producer.SendAsync(topic, Kit.Bytes("SECRET-VALUE-123"), Kit.Bytes("SECRET-KEY-456"));
            }

            var logs = new CapturingLoggerFactory();
            var group = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) => throw new InvalidOperationException("fails"),
                Kit.FastGroup(new ConsumerOptions { MaxRetries = 1, FailurePolicy = FailurePolicy.Skip, DisablePayloadLogging = disable }), logs);
            await Kit.RunUntilAsync(group, () => group.SkippedCount > 0); // a failing handler never fails the run
            Assert.Equal(1, group.SkippedCount);
            var all = string.Join('\n', logs.Lines);
            Assert.Contains("fails", all, StringComparison.Ordinal);
            if (disable)
            {
                Assert.DoesNotContain("SECRET-VALUE-123", all, StringComparison.Ordinal);
                Assert.DoesNotContain("SECRET-KEY-456", all, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("SECRET-VALUE-123", all, StringComparison.Ordinal);
                Assert.Contains("SECRET-KEY-456", all, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Construction_with_each_option()
    {
        var topic = TestNames.Unique("options");
        _cluster.CreateTopic(topic, 1);
        var app = Kit.App(_cluster);
        var options = new ConsumerOptions[]
        {
            new() { StartOffset = StartOffset.Newest },
            new() { MaxRetries = 0 },
            new() { AutoCreateTopics = true },
            new() { GroupId = "custom" },
            new() { DisablePayloadLogging = true },
            new() { FailurePolicy = FailurePolicy.Skip },
            new() { DeadLetterTopic = "elsewhere" },
            new() { MaxDegreeOfParallelism = 1 },
            new() { TraceContext = TraceContextMode.Link },
            new() { Settings = new Dictionary<string, string> { ["fetch.min.bytes"] = "1" } },
        };
        foreach (var o in options)
        {
            var group = new ConsumerGroup(app, [topic], (_, _) => Task.CompletedTask, o);
            Assert.Equal(topic, Assert.Single(group.Topics));
        }

        var producerOptions = new ProducerOptions[]
        {
            new() { Acks = AckMode.None },
            new() { AutoCreateTopics = true },
            new() { Partitioner = PartitionerKind.RoundRobin },
            new() { Partitioner = PartitionerKind.Murmur2Random },
            new() { Partitioner = PartitionerKind.Fnv1aRandom },
            new() { FlushFrequency = TimeSpan.FromMilliseconds(50) },
            new() { Compression = KafkaCompression.Zstd },
            new() { EnableIdempotence = false, Acks = AckMode.Leader },
        };
        foreach (var o in producerOptions)
        {
            await using var producer = new SyncProducer(app, o);
            Assert.Equal("tests-ci", producer.ClientId);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

/// <summary>The system clock, recording the due time of every timer asked of it (Task.Delay over a TimeProvider makes one).</summary>
internal sealed class RecordingTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _timers = new();

    public TimeSpan[] Timers => _timers.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue(dueTime);
        return System.CreateTimer(callback, state, dueTime, period);
    }
}
