using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>A message a stop abandons mid-handling is reported as abandoned, not as consumed successfully (issue 9).</summary>
public sealed class AbandonedMessageTests
{
    [Fact]
    public async Task A_message_abandoned_by_a_stop_is_counted_and_traced_as_abandoned_not_handled()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("abandoned");
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("never finishes"));
        }

        var consumed = new ConcurrentQueue<Dictionary<string, object?>>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KafkaTelemetry.Name && instrument.Name == "messaging.client.consumed.messages")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                d[t.Key] = t.Value;
            }

            if (Equals(d.GetValueOrDefault("messaging.destination.name"), topic))
            {
                consumed.Enqueue(d);
            }
        });
        meterListener.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == KafkaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.OperationName == "process " + topic)
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct); // ends only when the stop cancels the handler's token
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, ShutdownTimeout = TimeSpan.FromMilliseconds(200) }));
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, group.HandledCount);
        var measurement = Assert.Single(consumed);
        Assert.Equal("abandoned", measurement.GetValueOrDefault("error.type"));
        var span = Assert.Single(spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("abandoned", span.GetTagItem("error.type"));
    }
}
