using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kafka.Typed.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>
/// AddKafkaTypedInstrumentation on real OpenTelemetry SDK providers, and the statistics gauges (consumer lag, producer
/// queue depth) read against offsets known from the embedded broker.
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class InstrumentationTests
{
    [Fact]
    public async Task A_tracer_provider_with_the_instrumentation_exports_send_and_process_spans_and_one_without_it_none()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "otel-traced";
        cluster.CreateTopic(topic, 1);
        var withKafka = new List<Activity>();
        var without = new List<Activity>();
        using (var other = Sdk.CreateTracerProviderBuilder().AddSource("unrelated").AddInMemoryExporter(without).Build())
        using (var provider = Sdk.CreateTracerProviderBuilder().AddKafkaTypedInstrumentation().AddInMemoryExporter(withKafka).Build())
        {
            await using (var producer = new SyncProducer(Kit.App(cluster)))
            {
                await producer.SendAsync(topic, Kit.Bytes("v"));
            }

            var handled = new TaskCompletionSource();
            var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, _) =>
            {
                handled.TrySetResult();
                return Task.CompletedTask;
            }, Kit.FastGroup());
            await Kit.RunUntilAsync(group, handled.Task);
            Assert.True(provider.ForceFlush(5000));
            Assert.True(other.ForceFlush(5000));
        }

        var send = Assert.Single(withKafka, a => a.DisplayName == "send " + topic);
        var process = Assert.Single(withKafka, a => a.DisplayName == "process " + topic);
        Assert.Equal(KafkaTelemetry.Name, send.Source.Name);
        Assert.Equal(send.TraceId, process.TraceId);
        Assert.Empty(without);
    }

    [Fact]
    public async Task A_meter_provider_with_the_instrumentation_exports_the_send_counter_and_duration()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "otel-metered";
        cluster.CreateTopic(topic, 1);
        var metrics = new List<Metric>();
        long total = 0;
        using (var provider = Sdk.CreateMeterProviderBuilder().AddKafkaTypedInstrumentation().AddInMemoryExporter(metrics).Build())
        {
            await using (var producer = new SyncProducer(Kit.App(cluster)))
            {
                await producer.SendAsync(topic, Kit.Bytes("a"));
                await producer.SendAsync(topic, Kit.Bytes("b"));
            }

            // One export (disposing the provider would export again); the exported points are read while it lives.
            Assert.True(provider.ForceFlush(5000));
            var sent = Assert.Single(metrics, m => m.Name == "messaging.client.sent.messages");
            Assert.Equal(KafkaTelemetry.Name, sent.MeterName);
            foreach (ref readonly var point in sent.GetMetricPoints())
            {
                if (Equals(Tags(point).GetValueOrDefault("messaging.destination.name"), topic))
                {
                    total += point.GetSumLong();
                }
            }
        }

        Assert.Equal(2, total);
        Assert.Contains(metrics, m => m.Name == "messaging.client.operation.duration");
    }

    [Fact]
    public async Task Consumer_lag_gauge_is_the_high_watermark_minus_the_committed_offset_per_partition()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "lagging";
        cluster.CreateTopic(topic, 2);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            // Partition 0 gets 10 records, partition 1 gets 3.
            for (var i = 0; i < 10; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("p0-" + i)) { Partition = 0 });
            }

            for (var i = 0; i < 3; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("p1-" + i)) { Partition = 1 });
            }
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (m, _) =>
        {
            // Partition 0 stops at offset 4 (offsets 0-3 handled, so 4 is committed); partition 1 is handled fully.
            if (m.Partition == 0 && m.Offset == 4)
            {
                await release.Task;
            }
        }, Kit.FastGroup(new ConsumerOptions { Settings = new Dictionary<string, string> { ["statistics.interval.ms"] = "100" } }));

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await Kit.WaitUntilAsync(() => Lag(group.GroupId, topic) is { } lag && lag.GetValueOrDefault("0") == 6 && lag.GetValueOrDefault("1") == 0, "the lag reads 6 on partition 0 and 0 on partition 1");
            release.SetResult();
            await Kit.WaitUntilAsync(() => Lag(group.GroupId, topic) is { } lag && lag.GetValueOrDefault("0") == 0, "the lag of partition 0 drops to 0 once its records are handled");
        }
        finally
        {
            release.TrySetResult();
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        // A stopped member reports nothing.
        Assert.Null(Lag(group.GroupId, topic));
    }

    [Fact]
    public async Task Without_a_statistics_interval_the_lag_gauge_reports_nothing()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "lag-off";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("x"));
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var group = new ConsumerGroup(Kit.App(cluster), [topic], async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
        }, Kit.FastGroup());
        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await Task.Delay(500); // several intervals of the other tests' setting; librdkafka's default (0) sends none
            Assert.Null(Lag(group.GroupId, topic));
            Assert.Null(group.Statistics.Last);
        }
        finally
        {
            release.TrySetResult();
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task Producer_queue_gauges_count_what_waits_for_unreachable_brokers()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "queued";
        cluster.CreateTopic(topic, 1);
        var producer = new SyncProducer(Kit.App(cluster), new ProducerOptions { Settings = new Dictionary<string, string> { ["statistics.interval.ms"] = "100" } });
        try
        {
            await producer.SendAsync(topic, Kit.Bytes("warm-up"));
            await Kit.WaitUntilAsync(() => Queue(producer.ClientId, "kafka.typed.producer.queue.messages") == 0, "the queue gauge reads 0 after the first delivery");
            cluster.SetAllBrokersDown();
            var pending = Enumerable.Range(0, 5).Select(_ => producer.SendAsync(topic, new byte[100])).ToArray();
            await Kit.WaitUntilAsync(() => Queue(producer.ClientId, "kafka.typed.producer.queue.messages") == 5, "the queue gauge reads the 5 messages held while every broker is down");
            Assert.True(Queue(producer.ClientId, "kafka.typed.producer.queue.bytes") >= 500);
            cluster.SetAllBrokersUp();
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));
            await Kit.WaitUntilAsync(() => Queue(producer.ClientId, "kafka.typed.producer.queue.messages") == 0, "the queue drains once the brokers are back");
        }
        finally
        {
            cluster.SetAllBrokersUp();
            await producer.DisposeAsync();
        }

        Assert.Null(Queue(producer.ClientId, "kafka.typed.producer.queue.messages"));
    }

    [Fact]
    public void Statistics_parser_reads_assigned_partitions_and_skips_the_internal_one()
    {
        const string json = """
            {"name":"app#consumer-1","client_id":"app","type":"consumer","msg_cnt":0,"msg_size":0,"brokers":{"b":{"name":"b"}},
             "topics":{"t":{"topic":"t","partitions":{
               "0":{"partition":0,"desired":true,"hi_offset":10,"committed_offset":4,"app_offset":7,"consumer_lag":6},
               "1":{"partition":1,"desired":true,"hi_offset":3,"committed_offset":-1001,"app_offset":1},
               "2":{"partition":2,"desired":false,"hi_offset":8,"committed_offset":8,"app_offset":8},
               "-1":{"partition":-1,"desired":false,"hi_offset":-1,"committed_offset":-1001,"app_offset":-1001}}}},
             "cgrp":{"state":"up"}}
            """;
        var snapshot = KafkaClientStatistics.Parse(json);
        Assert.Equal("app#consumer-1", snapshot.InstanceName);
        Assert.Collection(snapshot.Partitions,
            p => Assert.Equal((0, 6L), (p.Partition, p.Lag!.Value)),
            p => Assert.Equal((1, 2L), (p.Partition, p.Lag!.Value))); // no commit yet: high watermark minus position
    }

    /// <summary>The lag gauge's current values for <paramref name="group"/>/<paramref name="topic"/>, by partition id; <see langword="null"/> when it reports none.</summary>
    private static Dictionary<string, long>? Lag(string group, string topic)
    {
        var values = new Dictionary<string, long>();
        Observe("kafka.typed.consumer.lag", (value, tags) =>
        {
            if (Equals(tags.GetValueOrDefault("messaging.consumer.group.name"), group) && Equals(tags.GetValueOrDefault("messaging.destination.name"), topic))
            {
                Assert.Equal("kafka", tags["messaging.system"]);
                values[(string)tags["messaging.destination.partition.id"]!] = value;
            }
        });
        return values.Count == 0 ? null : values;
    }

    private static long? Queue(string clientId, string instrument)
    {
        long? result = null;
        Observe(instrument, (value, tags) =>
        {
            if (Equals(tags.GetValueOrDefault("messaging.client.id"), clientId))
            {
                result = (result ?? 0) + value;
            }
        });
        return result;
    }

    private static void Observe(string instrument, Action<long, Dictionary<string, object?>> onValue)
    {
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == KafkaTelemetry.Name && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                d[t.Key] = t.Value;
            }

            onValue(value, d);
        });
        listener.Start();
        listener.RecordObservableInstruments();
    }

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var d = new Dictionary<string, object?>();
        foreach (var t in point.Tags)
        {
            d[t.Key] = t.Value;
        }

        return d;
    }
}
