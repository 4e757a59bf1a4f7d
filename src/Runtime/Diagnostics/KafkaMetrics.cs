using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Kafka.Typed;

/// <summary>
/// The instruments of one Kafka.Typed <see cref="Meter"/> (named <see cref="KafkaTelemetry.Name"/>). Clients created
/// without a meter factory share <see cref="Shared"/>, a meter created directly. Under dependency injection
/// (<c>AddKafkaTyped</c>), or when <see cref="ProducerOptions.MeterFactory"/> / <see cref="ConsumerOptions.MeterFactory"/>
/// is set, the meter comes from that <see cref="IMeterFactory"/>: its instruments carry the factory as
/// <see cref="Meter.Scope"/> (so a listener of one host does not count another host's clients) and are disposed with the
/// container. The statistics gauges report only the clients of their own meter.
/// </summary>
internal sealed class KafkaMetrics
{
    private static readonly ConditionalWeakTable<IMeterFactory, KafkaMetrics> ByFactory = new();

    private KafkaMetrics(Meter meter)
    {
        Meter = meter;
        SentMessages = meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages a producer attempted to send (error.type set when it failed).");
        ConsumedMessages = meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages delivered to a handler.");
        OperationDuration = meter.CreateHistogram<double>("messaging.client.operation.duration", "s", "Duration of a send, from the call to the broker's acknowledgement.");
        ProcessDuration = meter.CreateHistogram<double>("messaging.process.duration", "s", "Duration of handling one message, all attempts included.");
        Retries = meter.CreateCounter<long>("kafka.typed.consumer.retries", "{attempt}", "Handler attempts that failed and were retried.");
        DeadLettered = meter.CreateCounter<long>("kafka.typed.consumer.dead_lettered", "{message}", "Messages written to a dead-letter topic.");
        Skipped = meter.CreateCounter<long>("kafka.typed.consumer.skipped", "{message}", "Messages dropped under FailurePolicy.Skip after their last failed attempt.");
        TombstonesSkipped = meter.CreateCounter<long>("kafka.typed.consumer.tombstones_skipped", "{message}", "Tombstones (null values) skipped because the handler does not implement IKafkaTombstoneHandler<T>.");
        UnknownTypesSkipped = meter.CreateCounter<long>("kafka.typed.consumer.unknown_types_skipped", "{message}", "Records of a topic carrying several message types skipped because no handler of the group takes their type (UnknownMessageTypePolicy.Skip).");
        DeadLetterErrors = meter.CreateCounter<long>("kafka.typed.consumer.dead_letter.errors", "{error}", "Dead-letter writes that failed (error.type is the Kafka error code); the write is retried, or a record too large is written as a reference.");

        // Gauges over librdkafka's statistics reports: observed only while a listener collects, and empty unless a client
        // sets statistics.interval.ms (librdkafka's default 0 sends no report, so nothing is parsed or kept).
        meter.CreateObservableGauge("kafka.typed.consumer.lag", Clients.ObserveLag, "{message}", "Per assigned partition: the high watermark minus the group's committed offset (or the consumer's position before its first commit). Needs statistics.interval.ms.");
        meter.CreateObservableGauge("kafka.typed.producer.queue.messages", Clients.ObserveQueuedMessages, "{message}", "Messages waiting in a producer's librdkafka queues (msg_cnt). Needs statistics.interval.ms.");
        meter.CreateObservableGauge("kafka.typed.producer.queue.bytes", Clients.ObserveQueuedBytes, "By", "Bytes waiting in a producer's librdkafka queues (msg_size). Needs statistics.interval.ms.");
    }

    /// <summary>The instruments of the process-wide meter, for clients created without a meter factory.</summary>
    public static KafkaMetrics Shared { get; } = new(new Meter(KafkaTelemetry.Name, KafkaTelemetry.Version));

    /// <summary>
    /// The instruments of <paramref name="factory"/>'s Kafka.Typed meter (one set per factory, kept as long as the factory
    /// lives), or <see cref="Shared"/> for <see langword="null"/>.
    /// </summary>
    /// <param name="factory">The container's meter factory, or <see langword="null"/>.</param>
    public static KafkaMetrics For(IMeterFactory? factory)
        => factory is null
            ? Shared
            : ByFactory.GetValue(factory, static f => new KafkaMetrics(f.Create(new MeterOptions(KafkaTelemetry.Name) { Version = KafkaTelemetry.Version })));

    public Meter Meter { get; }

    /// <summary>The running clients whose statistics this meter's gauges report.</summary>
    public KafkaClientRegistry Clients { get; } = new();

    public Counter<long> SentMessages { get; }

    public Counter<long> ConsumedMessages { get; }

    public Histogram<double> OperationDuration { get; }

    public Histogram<double> ProcessDuration { get; }

    public Counter<long> Retries { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> Skipped { get; }

    public Counter<long> TombstonesSkipped { get; }

    public Counter<long> UnknownTypesSkipped { get; }

    public Counter<long> DeadLetterErrors { get; }
}
