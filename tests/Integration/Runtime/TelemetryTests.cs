using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kafka.Typed.Testing;
using OpenTelemetry;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Spans and metrics: one trace from producer to handler, with the messaging convention attributes.</summary>
[Collection(nameof(TelemetryTests))]
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task One_trace_spans_producer_and_consumer_with_convention_attributes()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "traced";
        cluster.CreateTopic(topic, 2);
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = RecordSpans(stopped);
        using var testSource = new ActivitySource("test");

        ActivityTraceId traceId;
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            using var root = testSource.StartActivity("request")!;
            traceId = root.TraceId;
            Baggage.SetBaggage("tenant", "acme");
            await producer.SendAsync(topic, Kit.Bytes("v"), Kit.Bytes("order-1"));
            Baggage.RemoveBaggage("tenant");
        }

        var handled = new TaskCompletionSource<(ActivityTraceId Trace, string? Tenant, string? TraceParent)>();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            handled.TrySetResult((Activity.Current?.TraceId ?? default, Baggage.GetBaggage("tenant"), m.GetHeader("traceparent")));
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = "traced-group" }));
        await Kit.RunUntilAsync(group, handled.Task);

        var (handlerTrace, tenant, traceparent) = await handled.Task;
        Assert.Equal(traceId, handlerTrace);
        Assert.Equal("acme", tenant);
        Assert.StartsWith("00-" + traceId.ToHexString(), traceparent, StringComparison.Ordinal);

        var send = Assert.Single(stopped, a => a.OperationName == "send " + topic);
        var process = Assert.Single(stopped, a => a.OperationName == "process " + topic);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(traceId, send.TraceId);
        Assert.Equal(traceId, process.TraceId);
        Assert.Equal(send.SpanId, process.ParentSpanId);

        Assert.Equal("kafka", send.GetTagItem("messaging.system"));
        Assert.Equal("send", send.GetTagItem("messaging.operation.type"));
        Assert.Equal(topic, send.GetTagItem("messaging.destination.name"));
        Assert.IsType<string>(send.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(0L, send.GetTagItem("messaging.kafka.offset"));
        Assert.Equal("order-1", send.GetTagItem("messaging.kafka.message.key"));
        Assert.Equal("tests-ci", send.GetTagItem("messaging.client.id"));

        Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
        Assert.Equal("traced-group", process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal(send.GetTagItem("messaging.destination.partition.id"), process.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(0L, process.GetTagItem("messaging.kafka.offset"));

        Assert.Contains(stopped, a => a.OperationName == "commit " + topic && (string?)a.GetTagItem("messaging.operation.type") == "settle");
    }

    [Fact]
    public async Task A_send_that_fails_at_once_leaves_the_callers_activity_current_and_its_headers_untouched()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "fails-at-once";
        cluster.CreateTopic(topic, 1);
        using var listener = RecordSpans();
        using var testSource = new ActivitySource("test");
        await using var producer = new SyncProducer(Kit.App(cluster), new ProducerOptions { Settings = new Dictionary<string, string> { ["message.max.bytes"] = "10000" } });
        var headers = new Confluent.Kafka.Headers { { "h", Kit.Bytes("v") } };

        using var root = testSource.StartActivity("request")!;
        var failed = producer.SendAsync(topic, new byte[20_000], headers: headers); // called here, not in a lambda: its context changes would stay here
        await Assert.ThrowsAsync<KafkaProduceException>(() => failed);

        // librdkafka refused the message inside the caller's call: the caller's span must still be current.
        Assert.Same(root, Activity.Current);
        var ok = await producer.SendAsync(topic, [1], headers: headers);
        Assert.Equal(0, ok.Offset);
        Assert.Same(root, Activity.Current);
        Assert.Equal(["h"], headers.Select(h => h.Key));
    }

    [Fact]
    public async Task A_send_waiting_for_room_in_librdkafka_records_one_span_not_one_per_attempt()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "backpressure";
        cluster.CreateTopic(topic, 1);
        var recorded = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == KafkaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.Recorded && a.OperationName == "send " + topic)
                {
                    recorded.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var producer = new SyncProducer(Kit.App(cluster), new ProducerOptions
        {
            DisposeTimeout = TimeSpan.FromMilliseconds(200),
            Settings = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "1" },
        });
        await producer.SendAsync(topic, [0]);
        await Kit.WaitUntilAsync(() => producer.Flush(TimeSpan.Zero) == 0, "librdkafka to release the delivered message");
        cluster.SetAllBrokersDown();
        var first = producer.SendAsync(topic, [1]); // fills librdkafka's queue
        var second = producer.SendAsync(topic, [2]); // finds no room and waits
        await producer.DisposeAsync();
        cluster.SetAllBrokersUp();
        await Assert.ThrowsAsync<KafkaProduceException>(() => first);
        await Assert.ThrowsAnyAsync<Exception>(() => second);

        // One span per message that was handed over (the delivered one and the one failed at disposal); an attempt
        // that librdkafka refused for lack of room sent nothing and is not a span.
        Assert.Equal(2, recorded.Count);
    }

    [Fact]
    public async Task Synchronous_handlers_get_one_span_per_message_on_either_path_and_leave_nothing_behind()
    {
        // Synchronous handlers run on the polling thread while their partition's worker is idle, traced or not; a failure
        // hands the message (and its span) to the worker for the retry. Whichever path runs an attempt, the message has
        // one process span, every attempt runs inside it with the producer's trace and baggage, and the next message
        // ("b", with no trace context) starts a trace of its own, without the previous message's span or baggage.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "traced-inline";
        cluster.CreateTopic(topic, 1);
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = RecordSpans(stopped);
        using var testSource = new ActivitySource("test");
        using var raw = new Confluent.Kafka.ProducerBuilder<byte[]?, byte[]?>(new Confluent.Kafka.ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        var seen = new ConcurrentQueue<(string Value, int Attempt, bool OnPollThread, ActivityTraceId Trace, string? SpanName, string? Tenant)>();
        var done = new TaskCompletionSource();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            // The polling thread is a dedicated thread; workers run on the thread pool.
            seen.Enqueue((m.ValueAsString!, m.Attempt, !Thread.CurrentThread.IsThreadPoolThread, Activity.Current?.TraceId ?? default, Activity.Current?.OperationName, Baggage.GetBaggage("tenant")));
            if (m.ValueAsString == "c")
            {
                if (m.Attempt < 3)
                {
                    throw new InvalidOperationException("not yet");
                }

                done.TrySetResult();
            }

            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 3,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(5), Jitter = 0 },
        }));
        var running = Kit.RunUntilAsync(group, done.Task);

        // Warm up until a message is handled on the polling thread (the partition's first records go to its worker).
        for (var i = 0; !seen.Any(s => s.Value.StartsWith("warm", StringComparison.Ordinal) && s.OnPollThread); i++)
        {
            Assert.True(i < 50, "no message was handled on the polling thread");
            var warm = "warm-" + i;
            await raw.ProduceAsync(topic, new Confluent.Kafka.Message<byte[]?, byte[]?> { Value = Kit.Bytes(warm) });
            await Kit.WaitUntilAsync(() => seen.Any(s => s.Value == warm), warm);
        }

        var traces = new Dictionary<string, ActivityTraceId>();
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            foreach (var value in new[] { "a", "c" })
            {
                using var root = testSource.StartActivity("request " + value)!;
                traces[value] = root.TraceId;
                Baggage.SetBaggage("tenant", "tenant-" + value);
                await producer.SendAsync(topic, Kit.Bytes(value));
                Baggage.RemoveBaggage("tenant");
                if (value == "a")
                {
                    await raw.ProduceAsync(topic, new Confluent.Kafka.Message<byte[]?, byte[]?> { Value = Kit.Bytes("b") });
                }
            }
        }

        await running;

        var a = Assert.Single(seen, s => s.Value == "a");
        Assert.Equal((true, traces["a"], "process " + topic, "tenant-a"), (a.OnPollThread, a.Trace, a.SpanName, a.Tenant));
        var b = Assert.Single(seen, s => s.Value == "b");
        Assert.Equal("process " + topic, b.SpanName);
        Assert.NotEqual(traces["a"], b.Trace); // its own trace: nothing carried over from "a"
        Assert.Null(b.Tenant);
        var c = seen.Where(s => s.Value == "c").ToArray();
        Assert.Equal([1, 2, 3], c.Select(s => s.Attempt));
        Assert.All(c, s => Assert.Equal((traces["c"], "process " + topic, "tenant-c"), (s.Trace, s.SpanName, s.Tenant)));
        Assert.True(c[0].OnPollThread && !c[1].OnPollThread && !c[2].OnPollThread, "c's first attempt runs on the polling thread, its retries on the worker");

        var spanB = Assert.Single(stopped, s => s.OperationName == "process " + topic && s.TraceId == b.Trace);
        Assert.True(spanB.ParentSpanId == default, "b's span has a parent: " + string.Join(", ", stopped.Where(s => s.SpanId == spanB.ParentSpanId).Select(s => s.OperationName)));
        var spanC = Assert.Single(stopped, s => s.OperationName == "process " + topic && s.TraceId == traces["c"]);
        Assert.Equal(2, spanC.Events.Count(e => e.Name == "retry"));
        Assert.Single(stopped, s => s.OperationName == "process " + topic && s.TraceId == traces["a"]);
    }

    [Fact]
    public async Task Link_mode_starts_a_new_trace_linked_to_the_producer()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "linked";
        cluster.CreateTopic(topic, 1);
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = RecordSpans(stopped);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("v"));
        }

        var handled = new TaskCompletionSource();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (_, _) =>
        {
            handled.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { TraceContext = TraceContextMode.Link }));
        await Kit.RunUntilAsync(group, handled.Task);

        var send = Assert.Single(stopped, a => a.OperationName == "send " + topic);
        var process = Assert.Single(stopped, a => a.OperationName == "process " + topic);
        Assert.NotEqual(send.TraceId, process.TraceId);
        Assert.Contains(process.Links, l => l.Context.SpanId == send.SpanId && l.Context.TraceId == send.TraceId);
    }

    [Fact]
    public async Task Metrics_count_sends_consumption_retries_and_dead_letters()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "metered";
        cluster.CreateTopic(topic, 1);
        cluster.CreateTopic(topic + ".dlq", 1);
        var measurements = new ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KafkaTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        meterListener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        meterListener.Start();

        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("ok"));
            await producer.SendAsync(topic, Kit.Bytes("bad"));
        }

        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
            m.ValueAsString == "bad" ? throw new InvalidOperationException("bad") : Task.CompletedTask,
            Kit.FastGroup(new ConsumerOptions { MaxRetries = 2 }));
        await Kit.RunUntilAsync(group, () => group.DeadLetterCount > 0); // a failing handler never fails the run

        double Sum(string name, string? topicName = null) => measurements.Where(m => m.Name == name && (topicName is null || Equals(m.Tags.GetValueOrDefault("messaging.destination.name"), topicName))).Sum(m => m.Value);
        Assert.Equal(2, Sum("messaging.client.sent.messages", topic));
        Assert.Equal(1, Sum("messaging.client.sent.messages", topic + ".dlq"));
        Assert.Equal(2, Sum("messaging.client.consumed.messages", topic));
        Assert.Equal(2, Sum("kafka.typed.consumer.retries", topic));
        Assert.Equal(1, Sum("kafka.typed.consumer.dead_lettered", topic));
        Assert.Contains(measurements, m => m.Name == "messaging.client.operation.duration" && m.Value > 0);
        Assert.Contains(measurements, m => m.Name == "messaging.process.duration" && m.Value >= 0);
        Assert.All(measurements.Where(m => m.Name == "messaging.client.consumed.messages"), m => Assert.Equal(group.GroupId, m.Tags["messaging.consumer.group.name"]));
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>();
        foreach (var t in tags)
        {
            d[t.Key] = t.Value;
        }

        return d;
    }

    /// <summary>Records every span of Kafka.Typed and of the tests' own "test" source (adding each stopped one to <paramref name="stopped"/>) until disposed.</summary>
    private static ActivityListener RecordSpans(ConcurrentQueue<Activity>? stopped = null)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == KafkaTelemetry.Name || s.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped is null ? null : stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
