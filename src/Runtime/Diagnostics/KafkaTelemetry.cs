using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Kafka.Typed;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> of Kafka.Typed, both named <see cref="Name"/>. Spans and
/// metrics follow the OpenTelemetry messaging semantic conventions (v1.26+ names).
/// </summary>
/// <remarks>
/// <para>Spans: <c>send {topic}</c> (Producer), <c>process {topic}</c> (Consumer), <c>commit {topic}</c> (Client, settle).</para>
/// <para>Metrics: <c>messaging.client.sent.messages</c>, <c>messaging.client.consumed.messages</c> (counters),
/// <c>messaging.client.operation.duration</c>, <c>messaging.process.duration</c> (histograms, seconds), and
/// <c>kafka.typed.consumer.retries</c>, <c>kafka.typed.consumer.dead_lettered</c> (<c>kafka.typed.dead_letter.reference = true</c>
/// on a reference dead letter), <c>kafka.typed.consumer.skipped</c>, <c>kafka.typed.consumer.dead_letter.errors</c>.</para>
/// <para>Gauges, from librdkafka's statistics (set <c>statistics.interval.ms</c> in the client's <c>Settings</c>; off by
/// default, and then they cost nothing): <c>kafka.typed.consumer.lag</c> per assigned partition,
/// <c>kafka.typed.producer.queue.messages</c> and <c>kafka.typed.producer.queue.bytes</c> per producer.</para>
/// <para>Meters: a client created with <see cref="ProducerOptions.MeterFactory"/> or <see cref="ConsumerOptions.MeterFactory"/>
/// (under <c>AddKafkaTyped</c>: the container's <see cref="IMeterFactory"/>, set for every client the host creates)
/// records on that factory's meter; any other client on one process-wide meter. Both are named <see cref="Name"/>.</para>
/// </remarks>
public static class KafkaTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>Kafka.Typed</c>.</summary>
    public const string Name = "Kafka.Typed";

    internal static readonly string Version = typeof(KafkaTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    internal static readonly ActivitySource Source = new(Name, Version);

    /// <summary>
    /// The propagator that writes and reads trace context in record headers. Default: W3C <c>traceparent</c>/<c>tracestate</c>
    /// plus W3C <c>baggage</c>, whether or not the OpenTelemetry SDK is configured.
    /// </summary>
    public static TextMapPropagator Propagator { get; set; } = new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    internal static void Inject(ActivityContext context, Headers headers)
    {
        Propagator.Inject(new PropagationContext(context, Baggage.Current), headers, static (h, key, value) =>
        {
            h.Remove(key);
            h.Add(key, Encoding.UTF8.GetBytes(value));
        });
    }

    internal static PropagationContext Extract(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return default;
        }

        return Propagator.Extract(default, headers, static (h, key) =>
            h.TryGetLastBytes(key, out var bytes) ? [Encoding.UTF8.GetString(bytes)] : []);
    }
}

/// <summary>Attribute names of the OpenTelemetry messaging conventions.</summary>
internal static class SemConv
{
    public const string System = "messaging.system";
    public const string Kafka = "kafka";
    public const string OperationName = "messaging.operation.name";
    public const string OperationType = "messaging.operation.type";
    public const string Destination = "messaging.destination.name";
    public const string PartitionId = "messaging.destination.partition.id";
    public const string Offset = "messaging.kafka.offset";
    public const string MessageKey = "messaging.kafka.message.key";
    public const string Tombstone = "messaging.kafka.message.tombstone";
    public const string ConsumerGroup = "messaging.consumer.group.name";
    public const string ClientId = "messaging.client.id";
    public const string BodySize = "messaging.message.body.size";
    public const string ErrorType = "error.type";
    public const string MessageType = "kafka.typed.message_type";
}
