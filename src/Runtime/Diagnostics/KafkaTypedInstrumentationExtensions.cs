using Kafka.Typed;

namespace OpenTelemetry.Trace
{
    /// <summary>Registers Kafka.Typed's spans with an OpenTelemetry tracer provider.</summary>
    public static class KafkaTypedTracerProviderBuilderExtensions
    {
        /// <summary>
        /// Records the spans of Kafka.Typed producers and consumer groups (<c>send {topic}</c>, <c>process {topic}</c>,
        /// <c>commit {topic}</c>): subscribes the provider to the <see cref="KafkaTelemetry.Name"/> activity source.
        /// </summary>
        /// <param name="builder">The tracer provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static TracerProviderBuilder AddKafkaTypedInstrumentation(this TracerProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddSource(KafkaTelemetry.Name);
        }
    }
}

namespace OpenTelemetry.Metrics
{
    /// <summary>Registers Kafka.Typed's metrics with an OpenTelemetry meter provider.</summary>
    public static class KafkaTypedMeterProviderBuilderExtensions
    {
        /// <summary>
        /// Records the metrics of Kafka.Typed (messages sent and consumed, durations, retries, dead letters and, when
        /// client statistics are on, consumer lag and producer queue depth): subscribes the provider to the
        /// <see cref="KafkaTelemetry.Name"/> meter, whether it was created directly or by an
        /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> under dependency injection.
        /// </summary>
        /// <param name="builder">The meter provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static MeterProviderBuilder AddKafkaTypedInstrumentation(this MeterProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddMeter(KafkaTelemetry.Name);
        }
    }
}
