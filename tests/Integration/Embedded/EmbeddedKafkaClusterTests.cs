using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Embedded;

/// <summary>
/// End-to-end tests of <see cref="EmbeddedKafkaCluster"/> with real Confluent.Kafka clients.
/// Every test that injects faults owns its cluster; clients are always disposed (consumers
/// closed first) before the cluster.
/// </summary>
public sealed class EmbeddedKafkaClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(8);

    [Fact]
    public void Start_ExposesOneLoopbackAddressPerBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });

        Assert.Equal(3, cluster.BrokerCount);
        var endpoints = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, endpoints.Length);
        Assert.All(endpoints, endpoint => Assert.Matches(@"^127\.0\.0\.1:\d+$", endpoint));
        Assert.Equal(3, endpoints.Distinct().Count());

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers })
            .SetLogHandler((_, _) => { })
            .Build();
        var metadata = admin.GetMetadata(Timeout);
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
    }

    [Fact]
    public void Start_WithDefaultOptions_HasThreeBrokers()
    {
        using var cluster = EmbeddedKafkaCluster.Start();

        Assert.Equal(3, cluster.BrokerCount);
        Assert.Equal(3, cluster.BootstrapServers.Split(',').Length);
    }

    [Fact]
    public void CreateTopic_ThenProduceAndConsume_RoundTripsKeysValuesAndHeaders()
    {
        const string Topic = "orders";
        const int Partitions = 6;
        const int Count = 60;
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic(Topic, Partitions, replicationFactor: 3);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            var topic = Assert.Single(admin.GetMetadata(Topic, Timeout).Topics);
            Assert.Equal(ErrorCode.NoError, topic.Error.Code);
            Assert.Equal(Partitions, topic.Partitions.Count);
        }

        var sent = new Dictionary<string, (string Key, string TraceId)>();
        var partitionOfKey = new ConcurrentDictionary<string, ConcurrentBag<int>>();
        using (var producer = NewProducer(cluster))
        {
            for (var i = 0; i < Count; i++)
            {
                var key = $"customer-{i % 10}";
                var value = $"order-{i}";
                var traceId = Guid.NewGuid().ToString("N");
                sent[value] = (key, traceId);
                producer.Produce(Topic, new Message<string, string>
                {
                    Key = key,
                    Value = value,
                    Headers = new Headers { { "trace-id", Encoding.UTF8.GetBytes(traceId) } },
                }, report =>
                {
                    Assert.Equal(ErrorCode.NoError, report.Error.Code);
                    partitionOfKey.GetOrAdd(report.Message.Key, _ => []).Add(report.Partition.Value);
                });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        Assert.All(partitionOfKey.Values, partitions => Assert.Single(partitions.Distinct()));

        var received = new List<ConsumeResult<string, string>>();
        var stopwatch = Stopwatch.StartNew();
        TimeSpan? firstMessageAfter = null;
        using (var consumer = NewConsumer(cluster, groupId: "round-trip"))
        {
            try
            {
                consumer.Subscribe(Topic);
                while (received.Count < Count && stopwatch.Elapsed < Timeout)
                {
                    if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                    {
                        firstMessageAfter ??= stopwatch.Elapsed;
                        received.Add(result);
                    }
                }
            }
            finally
            {
                consumer.Close();
            }
        }

        Assert.Equal(Count, received.Count);
        Assert.All(received, result =>
        {
            var (key, traceId) = sent[result.Message.Value];
            Assert.Equal(key, result.Message.Key);
            Assert.True(result.Message.Headers.TryGetLastBytes("trace-id", out var header));
            Assert.Equal(traceId, Encoding.UTF8.GetString(header));
        });
        Assert.Equal(Count, received.Select(r => r.Message.Value).Distinct().Count());

        // The mock's default initial rebalance delay is 3 s; the cluster sets it to zero.
        Assert.True(firstMessageAfter < TimeSpan.FromSeconds(2.5), $"first message after {firstMessageAfter}");
    }

    [Fact]
    public async Task SingleBrokerDownThenUp_IdempotentProducerDeliversEverythingOnce()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("payments", 3);

        await ProduceAcrossOutageAsync(cluster, "payments", cluster.SetAllBrokersDown, cluster.SetAllBrokersUp);
    }

    [Fact]
    public async Task OneOfThreeBrokersDownThenUp_IdempotentProducerDeliversEverythingOnce()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
        cluster.CreateTopic("payments", 3);

        var leader = LeaderOf(cluster, "payments", 1);

        await ProduceAcrossOutageAsync(cluster, "payments", () => cluster.SetBrokerDown(leader), () => cluster.SetBrokerUp(leader));
    }

    [Fact]
    public async Task AllBrokersDownThenUp_IdempotentProducerDeliversEverythingOnce()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
        cluster.CreateTopic("payments", 3);

        await ProduceAcrossOutageAsync(cluster, "payments", cluster.SetAllBrokersDown, cluster.SetAllBrokersUp);
    }

    [Fact]
    public async Task PushedRetriableProduceErrors_AreRetriedUntilDelivered()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("retried", 1);
        using var producer = NewProducer(cluster);
        await producer.ProduceAsync("retried", new Message<string, string> { Key = "warm", Value = "up" });

        cluster.StartRequestTracking();
        cluster.PushRequestErrors(
            KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition,
            ErrorCode.RequestTimedOut,
            ErrorCode.NotEnoughReplicas);
        var result = await producer.ProduceAsync("retried", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(1, result.Offset.Value);
        Assert.Equal(4, cluster.CountRequests(KafkaApiKey.Produce)); // Three failures, then success.
    }

    [Fact]
    public async Task PushedTopicAuthorizationFailed_SurfacesAsProduceException()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("forbidden", 1);
        using var producer = NewProducer(cluster);
        await producer.ProduceAsync("forbidden", new Message<string, string> { Key = "warm", Value = "up" });

        cluster.StartRequestTracking();
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("forbidden", new Message<string, string> { Key = "k", Value = "v" }));

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, error.Error.Code);
        Assert.Equal(PersistenceStatus.NotPersisted, error.DeliveryResult.Status);
        Assert.Equal(1, cluster.CountRequests(KafkaApiKey.Produce)); // Not retried.

        // The pushed error is used up: a fresh producer gets through. (The first one keeps the topic in
        // its failed state until its next metadata refresh, as it would against a real broker.)
        using var another = NewProducer(cluster);
        var next = await another.ProduceAsync("forbidden", new Message<string, string> { Key = "k", Value = "v2" });
        Assert.Equal(PersistenceStatus.Persisted, next.Status);
    }

    [Fact]
    public async Task ClearRequestErrors_DiscardsPendingErrors()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("cleared", 1);
        using var producer = NewProducer(cluster);
        await producer.ProduceAsync("cleared", new Message<string, string> { Key = "warm", Value = "up" });

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);
        var result = await producer.ProduceAsync("cleared", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Fact]
    public async Task RequestTracking_CountsProduceRequestsPerBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
        cluster.CreateTopic("tracked", 1);
        using var producer = NewProducer(cluster);
        var warmUp = await producer.ProduceAsync("tracked", new Message<string, string> { Key = "warm", Value = "up" });
        Assert.Empty(cluster.GetRequests()); // Not tracking yet.

        cluster.StartRequestTracking();
        for (var i = 0; i < 5; i++)
        {
            // Awaited one at a time with linger 0: one Produce request each.
            await producer.ProduceAsync("tracked", new Message<string, string> { Key = "k", Value = $"v{i}" });
        }

        Assert.Equal(5, cluster.CountRequests(KafkaApiKey.Produce));
        var leader = LeaderOf(cluster, "tracked", 0);
        Assert.Equal(5, cluster.CountRequests(KafkaApiKey.Produce, leader));
        var produces = cluster.GetRequests().Where(r => r.ApiKey == KafkaApiKey.Produce).ToList();
        Assert.All(produces, r => Assert.Equal(leader, r.BrokerId));
        Assert.True(produces.Zip(produces.Skip(1)).All(pair => pair.First.TimestampMicroseconds <= pair.Second.TimestampMicroseconds));

        cluster.StopRequestTracking();
        await producer.ProduceAsync("tracked", new Message<string, string> { Key = "k", Value = "untracked" });
        Assert.Equal(5, cluster.CountRequests(KafkaApiKey.Produce)); // The record survives Stop, and Stop stops it.

        cluster.ClearRequestTracking();
        Assert.Empty(cluster.GetRequests());
        Assert.Equal(0, warmUp.Offset.Value);
    }

    [Fact]
    public async Task BrokerLatency_DelaysResponsesUntilRemoved()
    {
        var latency = TimeSpan.FromMilliseconds(300);
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 2 });
        cluster.CreateTopic("slow", 1, replicationFactor: 2);
        using var producer = NewProducer(cluster);
        var leader = LeaderOf(cluster, "slow", 0);
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "warm", Value = "up" });

        // Fast rows take the quickest of three sends: a loaded machine can stall any one send (a starved thread pool adds
        // about a second), but not remove latency the broker adds, so the slow row needs only one.
        var baseline = await FastestProduceAsync(producer, "slow");
        cluster.SetBrokerLatency(leader, latency);
        var delayed = await TimeProduceAsync(producer, "slow");
        cluster.SetBrokerLatency(TimeSpan.Zero);
        var restored = await FastestProduceAsync(producer, "slow");

        Assert.True(baseline < TimeSpan.FromMilliseconds(150), $"baseline {baseline.TotalMilliseconds} ms");
        Assert.True(delayed >= latency - TimeSpan.FromMilliseconds(20), $"with {latency.TotalMilliseconds} ms latency: {delayed.TotalMilliseconds} ms");
        Assert.True(delayed < latency + TimeSpan.FromSeconds(2), $"with {latency.TotalMilliseconds} ms latency: {delayed.TotalMilliseconds} ms");
        Assert.True(restored < TimeSpan.FromMilliseconds(150), $"after removing the latency {restored.TotalMilliseconds} ms");
    }

    [Fact]
    public void SetPartitionLeader_MovesLeadershipAsSeenInMetadata()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 3 });
        cluster.CreateTopic("moving", 1, replicationFactor: 3);

        cluster.SetPartitionLeader("moving", 0, 2);
        Assert.Equal(2, LeaderOf(cluster, "moving", 0));
        cluster.SetPartitionLeader("moving", 0, 3);
        Assert.Equal(3, LeaderOf(cluster, "moving", 0));
    }

    [Fact]
    public void NativeLogs_ReachTheLoggerFactory()
    {
        var loggerFactory = new CapturingLoggerFactory();
        using (var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
        {
            BrokerCount = 1,
            LoggerFactory = loggerFactory,
            DebugContexts = "mock",
        }))
        {
            cluster.CreateTopic("logged", 2);
            Assert.True(
                SpinWait.SpinUntil(() => loggerFactory.Entries.Any(e => e.Message.Contains("Created topic \"logged\"", StringComparison.Ordinal)), Timeout),
                "no 'Created topic' line was logged");
        }

        var entries = loggerFactory.Entries.ToList();
        Assert.All(entries, e => Assert.Equal("Kafka.Typed.Testing.EmbeddedKafkaCluster", e.Category));
        var created = entries.First(e => e.Message.Contains("Created topic \"logged\"", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Debug, created.Level);
        Assert.StartsWith("librdkafka MOCK:", created.Message, StringComparison.Ordinal);
        Assert.Contains(entries, e => e.Level == LogLevel.Information && e.Message.Contains("Embedded Kafka cluster started", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Message.Contains("No `bootstrap.servers` configured", StringComparison.Ordinal));
    }

    [Fact]
    public void NativeLogs_RespectTheLoggersMinimumLevel()
    {
        var loggerFactory = new CapturingLoggerFactory { MinimumLevel = LogLevel.Warning };
        using (var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
        {
            BrokerCount = 1,
            LoggerFactory = loggerFactory,
            DebugContexts = "mock",
        }))
        {
            cluster.CreateTopic("quiet", 1);
        }

        Assert.DoesNotContain(loggerFactory.Entries, e => e.Level < LogLevel.Warning);
    }

    [Fact]
    public async Task ConsumerGroupProtocol_Kip848_ConsumesWithConfiguredHeartbeat()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
        {
            BrokerCount = 1,
            ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200),
            ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(6),
        });
        cluster.CreateTopic("kip848", 2);
        using (var producer = NewProducer(cluster))
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync("kip848", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        cluster.StartRequestTracking();
        var received = 0;
        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "kip848-group",
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { }).Build())
        {
            try
            {
                consumer.Subscribe("kip848");
                var stopwatch = Stopwatch.StartNew();
                while (received < 10 && stopwatch.Elapsed < Timeout)
                {
                    if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not null)
                    {
                        received++;
                    }
                }
            }
            finally
            {
                consumer.Close();
            }
        }

        Assert.Equal(10, received);
        Assert.True(cluster.CountRequests(KafkaApiKey.ConsumerGroupHeartbeat) > 0);
        Assert.Equal(0, cluster.CountRequests(KafkaApiKey.JoinGroup));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(17)]
    public void Start_WithBrokerCountOutOfRange_ThrowsNamingTheOption(int brokerCount)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = brokerCount }));

        Assert.Contains("EmbeddedKafkaClusterOptions.BrokerCount", error.Message, StringComparison.Ordinal);
        Assert.Contains("between 1 and 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithInvalidTimings_ThrowsNamingTheOption()
    {
        var delay = Assert.Throws<ArgumentOutOfRangeException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { InitialRebalanceDelay = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("InitialRebalanceDelay", delay.Message, StringComparison.Ordinal);

        var heartbeat = Assert.Throws<ArgumentOutOfRangeException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { ConsumerGroupHeartbeatInterval = TimeSpan.Zero }));
        Assert.Contains("ConsumerGroupHeartbeatInterval", heartbeat.Message, StringComparison.Ordinal);

        var session = Assert.Throws<ArgumentOutOfRangeException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { ConsumerGroupSessionTimeout = TimeSpan.FromDays(30) }));
        Assert.Contains("ConsumerGroupSessionTimeout", session.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithUnknownDebugContext_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { DebugContexts = "no-such-context" }));

        Assert.Contains("DebugContexts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTopic_WithInvalidArguments_Throws()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 2 });

        Assert.Throws<ArgumentException>(() => cluster.CreateTopic("", 1));
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic("has space", 1));
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic("..", 1));
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic(new string('t', 250), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", EmbeddedKafkaCluster.MaxPartitionCount + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 1, replicationFactor: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 1, replicationFactor: 3));
    }

    [Fact]
    public void CreateTopic_Twice_ThrowsNamingTheLibrdkafkaError()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        cluster.CreateTopic("once", 1);

        var error = Assert.Throws<KafkaException>(() => cluster.CreateTopic("once", 1));

        Assert.Equal(ErrorCode.TopicAlreadyExists, error.Error.Code);
        Assert.Contains("TOPIC_ALREADY_EXISTS", error.Message, StringComparison.Ordinal);
        Assert.Contains("'once'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    public void BrokerFaults_WithUnknownBrokerId_Throw(int brokerId)
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 2 });

        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(brokerId));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerUp(brokerId));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerLatency(brokerId, TimeSpan.FromMilliseconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerLatency(TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public void Dispose_IsIdempotentAndThreadSafe_AndLaterCallsThrowObjectDisposed()
    {
        var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });

        Parallel.For(0, 8, _ => cluster.Dispose());
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(cluster.SetAllBrokersUp);
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerLatency(TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition));
        Assert.Throws<ObjectDisposedException>(() => cluster.ClearRequestErrors(KafkaApiKey.Produce));
        Assert.Throws<ObjectDisposedException>(cluster.StartRequestTracking);
        Assert.Throws<ObjectDisposedException>(() => cluster.CountRequests(KafkaApiKey.Produce));
    }

    [Fact]
    public async Task ServeTool_PrintsBootstrapServers_AndExitsZeroOnSigterm()
    {
        using var process = StartServeTool("serve", "--brokers", "2", "--topic", "served:3");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
            Assert.NotNull(line);
            Assert.Matches(@"^BOOTSTRAP_SERVERS=127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$", line);
            var bootstrapServers = line["BOOTSTRAP_SERVERS=".Length..];

            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
            {
                var topic = Assert.Single(admin.GetMetadata("served", Timeout).Topics);
                Assert.Equal(3, topic.Partitions.Count);
            }

            using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers }).Build())
            {
                var result = await producer.ProduceAsync("served", new Message<string, string> { Key = "k", Value = "v" });
                Assert.Equal(PersistenceStatus.Persisted, result.Status);
            }

            Assert.Equal(0, SendSignal(process.Id, SigTerm));

            await process.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, process.ExitCode);
            Assert.Null(await process.StandardOutput.ReadLineAsync()); // Exactly one line on stdout.
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task ServeTool_WithBadArguments_PrintsUsageAndExitsTwo()
    {
        using var process = StartServeTool("serve", "--brokers", "zero");
        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(Timeout);
        await process.WaitForExitAsync().WaitAsync(Timeout);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--brokers", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await process.StandardOutput.ReadToEndAsync());
    }

    private static async Task ProduceAcrossOutageAsync(EmbeddedKafkaCluster cluster, string topic, Action takeDown, Action bringUp)
    {
        const int PerPhase = 300;
        const int Partitions = 3; // Every test topic here has 3 partitions; each one gets messages.
        var delivered = new ConcurrentBag<DeliveryReport<string, string>>();
        var outageSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = 0;
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageTimeoutMs = 30_000,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 100,
        };
        using var producer = new ProducerBuilder<string, string>(config)
            .SetLogHandler((_, log) =>
            {
                // "…/<id>: Disconnected: connection closed by peer…": the producer saw a broker go down.
                if (log.Facility == "FAIL" && Volatile.Read(ref watching) == 1)
                {
                    outageSeen.TrySetResult();
                }
            })
            .SetErrorHandler((_, error) =>
            {
                if (error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport && Volatile.Read(ref watching) == 1)
                {
                    outageSeen.TrySetResult();
                }
            })
            .Build();

        void ProduceBatch(int phase)
        {
            for (var i = 0; i < PerPhase; i++)
            {
                producer.Produce(
                    new TopicPartition(topic, i % Partitions),
                    new Message<string, string> { Key = $"key-{i % 7}", Value = $"{phase}-{i}" },
                    delivered.Add);
            }
        }

        ProduceBatch(0);
        Assert.Equal(0, producer.Flush(Timeout));

        Volatile.Write(ref watching, 1);
        takeDown();
        ProduceBatch(1);
        await outageSeen.Task.WaitAsync(Timeout);
        var deliveredDuringOutage = delivered.Count;
        bringUp();
        ProduceBatch(2);
        Assert.Equal(0, producer.Flush(Timeout));

        // The downed partitions' messages from phase 1 waited for the broker(s) to come back.
        Assert.True(deliveredDuringOutage < 2 * PerPhase, $"{deliveredDuringOutage} delivered during the outage");
        var reports = delivered.ToList();
        Assert.Equal(3 * PerPhase, reports.Count);
        Assert.All(reports, r => Assert.Equal(ErrorCode.NoError, r.Error.Code));
        Assert.Equal(3 * PerPhase, reports.Select(r => r.Message.Value).Distinct().Count());
        Assert.Equal(reports.Count, reports.Select(r => r.TopicPartitionOffset).Distinct().Count());

        using var offsets = NewConsumer(cluster, groupId: "watermarks");
        try
        {
            foreach (var partition in reports.GroupBy(r => r.Partition.Value))
            {
                // No duplicates on the broker: the partition holds exactly the messages reported delivered to it.
                var watermarks = offsets.QueryWatermarkOffsets(new TopicPartition(topic, partition.Key), Timeout);
                Assert.Equal(partition.Count(), watermarks.High.Value - watermarks.Low.Value);

                // No reordering: offsets follow the send order (phase, then index).
                var inOffsetOrder = partition.OrderBy(r => r.Offset.Value).Select(r => r.Message.Value).ToList();
                var inSendOrder = inOffsetOrder
                    .OrderBy(v => int.Parse(v.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture))
                    .ThenBy(v => int.Parse(v.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture))
                    .ToList();
                Assert.Equal(inSendOrder, inOffsetOrder);
            }
        }
        finally
        {
            offsets.Close();
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static IProducer<string, string> NewProducer(EmbeddedKafkaCluster cluster) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            LingerMs = 0,
            RetryBackoffMs = 10,
            RetryBackoffMaxMs = 50,
        })
        .SetLogHandler((_, _) => { })
        .Build();

    private static IConsumer<string, string> NewConsumer(EmbeddedKafkaCluster cluster, string groupId) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
        })
        .SetLogHandler((_, _) => { })
        .Build();

    private static int LeaderOf(EmbeddedKafkaCluster cluster, string topic, int partition)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        return admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Single(p => p.PartitionId == partition).Leader;
    }

    private static async Task<TimeSpan> FastestProduceAsync(IProducer<string, string> producer, string topic)
    {
        var fastest = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var elapsed = await TimeProduceAsync(producer, topic);
            fastest = elapsed < fastest ? elapsed : fastest;
        }

        return fastest;
    }

    private static async Task<TimeSpan> TimeProduceAsync(IProducer<string, string> producer, string topic)
    {
        var stopwatch = Stopwatch.StartNew();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "timed" });
        return stopwatch.Elapsed;
    }

    private static Process StartServeTool(params string[] args)
    {
        var tool = FindServeTool();
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(tool);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        return Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {tool}.");
    }

    /// <summary>
    /// The serve tool's dll: <c>KAFKA_TYPED_EMBEDDED_BROKER_DLL</c>, else next to this test assembly
    /// (when the test project references the tool), else the newest build under the repository's
    /// <c>tools/Kafka.Typed.EmbeddedBroker/bin</c>.
    /// </summary>
    private static string FindServeTool()
    {
        const string FileName = "Kafka.Typed.EmbeddedBroker.dll";
        if (Environment.GetEnvironmentVariable("KAFKA_TYPED_EMBEDDED_BROKER_DLL") is { Length: > 0 } configured)
        {
            return configured;
        }

        var local = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(local) && File.Exists(Path.ChangeExtension(local, ".runtimeconfig.json")))
        {
            return local;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var bin = Path.Combine(dir.FullName, "tools", "Kafka.Typed.EmbeddedBroker", "bin");
            if (Directory.Exists(bin))
            {
                var built = Directory.EnumerateFiles(bin, FileName, SearchOption.AllDirectories)
                    .Where(path => File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault();
                if (built is not null)
                {
                    return built;
                }
            }
        }

        throw new InvalidOperationException(
            $"{FileName} was not found: build tools/Kafka.Typed.EmbeddedBroker, reference it from the test project, " +
            "or set KAFKA_TYPED_EMBEDDED_BROKER_DLL.");
    }

    private sealed record LogEntry(string Category, LogLevel Level, string Message);

    /// <summary>A minimal <see cref="ILoggerFactory"/> that records every entry.</summary>
    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public LogLevel MinimumLevel { get; init; } = LogLevel.Trace;

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingLoggerFactory factory, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= factory.MinimumLevel;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    factory.Entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
