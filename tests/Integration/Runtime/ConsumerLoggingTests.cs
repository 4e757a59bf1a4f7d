using System.Collections.Concurrent;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Quieter failures (issue 10, item 8, consumer half): one line per dead-lettered record, the stack at debug level, the dead-letter producer under its own category.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ConsumerLoggingTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Theory]
    [InlineData(FailurePolicy.DeadLetter)]
    [InlineData(FailurePolicy.Skip)]
    public async Task A_record_that_fails_for_good_logs_one_line_with_its_coordinates_and_error_and_the_stack_only_at_debug(FailurePolicy policy)
    {
        var topic = TestNames.Unique("one-line");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("poison")) { Partition = 0 });
        }

        var logs = new CategoryLogs();
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], (_, _) => throw new FormatException("field 'amount' is not a number"),
            Kit.FastGroup(new ConsumerOptions { MaxRetries = 2, FailurePolicy = policy }), logs);
        await Kit.RunUntilAsync(group, () => group.DeadLetterCount + group.SkippedCount == 1);

        // The final outcome: one warning-or-error line naming topic, partition, offset, attempts and the error, no stack.
        var final = logs.Lines.Where(l => l.Level >= LogLevel.Warning && l.Category == typeof(ConsumerGroup).FullName && !l.Text.Contains("retrying", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(final);
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains($"{topic} [0] @0", line.Text, StringComparison.Ordinal);
        Assert.Contains("after 3 attempt(s)", line.Text, StringComparison.Ordinal);
        Assert.Contains("System.FormatException: field 'amount' is not a number", line.Text, StringComparison.Ordinal);
        Assert.Null(line.Exception);
        Assert.DoesNotContain("   at ", line.Text, StringComparison.Ordinal);

        var detail = Assert.Single(logs.Lines, l => l.Level == LogLevel.Debug && l.Exception is FormatException);
        Assert.Contains($"{topic} [0] @0", detail.Text, StringComparison.Ordinal);

        if (policy == FailurePolicy.DeadLetter)
        {
            // The dead-letter producer's own lines are under a category that says what it is.
            Assert.Contains(logs.Lines, l => l.Category == ConsumerGroup.DeadLetterLogCategory && l.Text.Contains("Producer", StringComparison.Ordinal) && l.Text.Contains("started", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Lines, l => l.Category == typeof(ConsumerGroup).FullName && l.Text.StartsWith("Producer ", StringComparison.Ordinal));
        }
    }

    /// <summary>Log lines with their category, level and exception.</summary>
    private sealed class CategoryLogs : ILoggerFactory
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Text, Exception? Exception)> Lines { get; } = new();

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CategoryLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => owner.Lines.Enqueue((category, logLevel, formatter(state, exception), exception));
        }
    }
}
