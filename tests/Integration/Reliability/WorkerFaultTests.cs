using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>An exception outside the handler's try (here: a logger that throws) faults one partition's worker, not the consumer (issue 9 suspicion).</summary>
public sealed class WorkerFaultTests
{
    [Fact]
    public async Task A_worker_that_faults_stops_only_its_partition_and_the_stop_still_commits_and_leaves()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        const string topic = "worker-fault";
        cluster.CreateTopic(topic, 2);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("poison")) { Partition = 0 });
            for (var i = 0; i < 3; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"fine-{i}")) { Partition = 1 });
            }
        }

        var handled = new ConcurrentQueue<long>();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            if (m.Partition == 0)
            {
                throw new InvalidOperationException("fails, so a retry is logged");
            }

            handled.Enqueue(m.Offset);
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "worker-fault" }), new ThrowingOnRetryLogs());

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => handled.Count == 3 && group.GetStatus().Partitions.FirstOrDefault(p => p.Partition == 0)?.Stall == PartitionStall.Faulted, "partition 1 is handled and partition 0's worker faulted");
            var faulted = group.GetStatus().Partitions.First(p => p.Partition == 0);
            Assert.Contains("logger failed (test)", faulted.StallReason, StringComparison.Ordinal);
            Assert.False(group.GetStatus().Partitions.First(p => p.Partition == 1).IsStalled);
        }
        finally
        {
            await cts.CancelAsync();
        }

        // The stop neither throws out of the revocation nor skips the commit and the close.
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ConsumerGroupState.Stopped, group.GetStatus().State);
        Assert.Equal(3, Kit.Committed(cluster, topic, "worker-fault", partition: 1));
        Assert.True(Kit.Committed(cluster, topic, "worker-fault", partition: 0) is null or < 1, "the message whose worker faulted is not committed");
    }

    /// <summary>A logger that throws when the consumer logs a retry (outside the handler's try), and swallows everything else.</summary>
    private sealed class ThrowingOnRetryLogs : ILoggerFactory, ILogger
    {
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
            if (formatter(state, exception).Contains("retrying in", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("logger failed (test)");
            }
        }
    }
}
