using System.Reflection;
using Confluent.Kafka;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>
/// A dispatcher abandoned after the hard-stop grace (its handler ignored the token) can no longer reach the consumer
/// (issue 9 suspicion: abandoned workers kept running next to the partition's next owner and could still store offsets).
/// </summary>
/// <remarks>
/// Through the public API the late store is hard to provoke on purpose (the in-order dispatcher stores every 500 messages
/// or when idle, and after the grace the partition must come back to the same member for the store to land), so this
/// test drives one dispatcher of a session directly, with a recording stand-in for librdkafka's consumer.
/// </remarks>
public sealed class AbandonedDispatcherTests
{
    [Fact]
    public async Task An_abandoned_dispatcher_stores_no_offset_and_asks_for_no_pause()
    {
        var group = new ConsumerGroup(new KafkaAppConfig("tests", "ci", "localhost:9") { ConnectTimeout = TimeSpan.Zero }, ["abandoned-dispatcher"], (_, _) => Task.CompletedTask);
        var session = new ConsumeSession(group);
        var consumer = DispatchProxy.Create<IConsumer<byte[]?, byte[]?>, RecordingConsumer>();
        session.Consumer = consumer;
        var partition = new TopicPartition("abandoned-dispatcher", 0);
        var dispatcher = session.CreateDispatcher(partition);
        dispatcher.Start();
        try
        {
            // Handled on the calling thread once the dispatcher is idle (it starts busy until it first finds its queue empty).
            await HandleInlineAsync(dispatcher, 5);
            dispatcher.StoreProgress();
            Assert.Equal([6L], ((RecordingConsumer)(object)consumer).Stored);

            await HandleInlineAsync(dispatcher, 6);
            dispatcher.Abandon();
            dispatcher.StoreProgress();
            Assert.Equal([6L], ((RecordingConsumer)(object)consumer).Stored); // offset 7 is not stored any more
        }
        finally
        {
            dispatcher.RequestStop(hard: true);
            await dispatcher.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal([6L], ((RecordingConsumer)(object)consumer).Stored);
    }

    private static async Task HandleInlineAsync(PartitionDispatcher dispatcher, long offset)
    {
        var record = new ConsumeResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset(dispatcher.Partition, offset),
            Message = new Message<byte[]?, byte[]?> { Value = [1], Headers = [], Timestamp = Timestamp.Default },
        };
        await Kit.WaitUntilAsync(() => dispatcher.TryHandleInline(record, holdsSlot: false) == InlineOutcome.Handled, "the dispatcher became idle and handled the record inline", TimeSpan.FromSeconds(10));
    }

    /// <summary>Records StoreOffset calls; any other call fails the test.</summary>
    public class RecordingConsumer : DispatchProxy
    {
        public List<long> Stored { get; } = [];

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IConsumer<byte[]?, byte[]?>.StoreOffset) && args?[0] is TopicPartitionOffset tpo)
            {
                lock (Stored)
                {
                    Stored.Add(tpo.Offset.Value);
                }

                return null;
            }

            throw new InvalidOperationException($"unexpected call to {targetMethod?.Name}");
        }
    }
}
