using System.Collections.Concurrent;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.MultiType;

/// <summary><see cref="KafkaMessageRouter"/>'s skip rule: counters, the metric, the debug line, and tombstones.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class MultiTypeRouterTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task Skipped_unknown_types_and_tombstones_are_counted_in_the_router_the_metric_and_a_debug_line()
    {
        var topic = TestNames.Unique("mt-skip");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        var measurements = new ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KafkaTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            measurements.Enqueue((i.Name, v, map));
        });
        listener.Start();

        var removed = Kit.Bytes("Kafka.Typed.Integration.Tests.MultiType.MtNoteRemoved");
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("""{"noteId":"n-1"}"""), Kit.Bytes("n-1"), new Headers { { KafkaMessageTypeHeader.Name, Kit.Bytes("note-archived") } });
            await producer.SendAsync(topic, null, Kit.Bytes("n-1"), new Headers { { KafkaMessageTypeHeader.Name, removed } });   // a tombstone of a routed type
            await producer.SendAsync(topic, null, Kit.Bytes("n-2"));                                                          // a tombstone naming no type
            await producer.SendAsync(topic, Kit.Bytes("""{"noteId":"n-3"}"""), Kit.Bytes("n-3"), new Headers { { KafkaMessageTypeHeader.Name, removed } });
        }

        var loggers = new CapturingLoggerFactory();
        var seen = new ConcurrentQueue<string>();
        var router = new KafkaMessageRouter(logger: loggers.CreateLogger("router"))
            .Add<MtNoteRemoved>((m, _) =>
            {
                seen.Enqueue("removed " + m.Value.NoteId);
                return Task.CompletedTask;
            });
        var group = new ConsumerGroup(Kit.App(_cluster), [topic], router.HandleAsync, Kit.FastGroup(new ConsumerOptions { GroupId = TestNames.Unique("g") }));
        await Kit.RunUntilAsync(group, () => group.HandledCount >= 4);

        Assert.Equal(["removed n-3"], seen.ToArray());
        Assert.Equal(1, router.SkippedUnknownTypes);
        Assert.Equal(2, router.SkippedTombstones);
        Assert.Equal(0, group.DeadLetterCount);
        var skipped = Assert.Single(measurements, m => m.Name == "kafka.typed.consumer.unknown_types_skipped" && Equals(m.Tags.GetValueOrDefault("messaging.destination.name"), topic));
        Assert.Equal("note-archived", skipped.Tags["kafka.typed.message_type"]);
        Assert.Equal(group.GroupId, skipped.Tags["messaging.consumer.group.name"]);
        Assert.Equal(2, measurements.Where(m => m.Name == "kafka.typed.consumer.tombstones_skipped" && Equals(m.Tags.GetValueOrDefault("messaging.destination.name"), topic)).Sum(m => m.Value));
        Assert.Contains(loggers.Lines, l => l.StartsWith($"Debug: Skipped the record at {topic} [0] @0: its message type note-archived has no handler in consumer group {group.GroupId}", StringComparison.Ordinal));
    }
}
