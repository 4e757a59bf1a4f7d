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
/// </remarks>
public static class KafkaTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>Kafka.Typed</c>.</summary>
    public const string Name = "Kafka.Typed";

    private static readonly string Version = typeof(KafkaTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    internal static readonly ActivitySource Source = new(Name, Version);
    internal static readonly Meter Meter = new(Name, Version);

    internal static readonly Counter<long> SentMessages = Meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages a producer attempted to send (error.type set when it failed).");
    internal static readonly Counter<long> ConsumedMessages = Meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages delivered to a handler.");
    internal static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>("messaging.client.operation.duration", "s", "Duration of a send, from the call to the broker's acknowledgement.");
    internal static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>("messaging.process.duration", "s", "Duration of handling one message, all attempts included.");
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("kafka.typed.consumer.retries", "{attempt}", "Handler attempts that failed and were retried.");
    internal static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("kafka.typed.consumer.dead_lettered", "{message}", "Messages written to a dead-letter topic.");
    internal static readonly Counter<long> Skipped = Meter.CreateCounter<long>("kafka.typed.consumer.skipped", "{message}", "Messages dropped under FailurePolicy.Skip after their last failed attempt.");
    internal static readonly Counter<long> TombstonesSkipped = Meter.CreateCounter<long>("kafka.typed.consumer.tombstones_skipped", "{message}", "Tombstones (null values) skipped because the handler does not implement IKafkaTombstoneHandler<T>.");
    internal static readonly Counter<long> UnknownTypesSkipped = Meter.CreateCounter<long>("kafka.typed.consumer.unknown_types_skipped", "{message}", "Records of a topic carrying several message types skipped because no handler of the group takes their type (UnknownMessageTypePolicy.Skip).");
    internal static readonly Counter<long> DeadLetterErrors = Meter.CreateCounter<long>("kafka.typed.consumer.dead_letter.errors", "{error}", "Dead-letter writes that failed (error.type is the Kafka error code); the write is retried, or a record too large is written as a reference.");

    // Gauges over librdkafka's statistics reports: observed only while a listener collects, and empty unless a client
    // sets statistics.interval.ms (librdkafka's default 0 sends no report, so nothing is parsed or kept).
    internal static readonly ObservableGauge<long> ConsumerLag = Meter.CreateObservableGauge("kafka.typed.consumer.lag", KafkaClientRegistry.ObserveLag, "{message}", "Per assigned partition: the high watermark minus the group's committed offset (or the consumer's position before its first commit). Needs statistics.interval.ms.");
    internal static readonly ObservableGauge<long> ProducerQueueMessages = Meter.CreateObservableGauge("kafka.typed.producer.queue.messages", KafkaClientRegistry.ObserveQueuedMessages, "{message}", "Messages waiting in a producer's librdkafka queues (msg_cnt). Needs statistics.interval.ms.");
    internal static readonly ObservableGauge<long> ProducerQueueBytes = Meter.CreateObservableGauge("kafka.typed.producer.queue.bytes", KafkaClientRegistry.ObserveQueuedBytes, "By", "Bytes waiting in a producer's librdkafka queues (msg_size). Needs statistics.interval.ms.");

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
