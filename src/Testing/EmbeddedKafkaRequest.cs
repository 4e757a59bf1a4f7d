namespace Kafka.Typed.Testing;

/// <summary>One request an embedded broker received while request tracking was on.</summary>
/// <param name="BrokerId">The id of the broker that received the request (1 to <see cref="EmbeddedKafkaCluster.BrokerCount"/>).</param>
/// <param name="ApiKey">The request type.</param>
/// <param name="TimestampMicroseconds">
/// When the broker read the request, in microseconds of librdkafka's monotonic clock
/// (<c>CLOCK_MONOTONIC</c> on Linux). Only differences between two timestamps are meaningful.
/// </param>
public readonly record struct EmbeddedKafkaRequest(int BrokerId, KafkaApiKey ApiKey, long TimestampMicroseconds);
