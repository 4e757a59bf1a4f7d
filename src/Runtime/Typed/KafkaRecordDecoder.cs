using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// Reads a record's value with a message type's serializer, as every consumer path does (one message, a batch, a topic of
/// several types): a payload that cannot be read is <see cref="NonRetriableMessageException"/>; a registry outage or
/// missing configuration propagates unchanged, as it is not the record's fault and is retried with backoff.
/// </summary>
internal static class KafkaRecordDecoder
{
    public static T Deserialize<T>(IKafkaSerializer<T> serializer, string topic, int partition, long offset, byte[] value, Headers? headers, string typeName)
    {
        try
        {
            return serializer.Deserialize(value, new KafkaSerializationContext(topic, headers));
        }
        catch (Exception e) when (e is not OperationCanceledException and not KafkaUnavailableException and not KafkaConfigurationException)
        {
            // The payload is bad: retrying cannot help.
            throw new NonRetriableMessageException($"Cannot deserialize the record at topic '{topic}', partition {partition}, offset {offset} as {typeName}: {e.Message}", e);
        }
    }
}
