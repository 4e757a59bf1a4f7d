using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>Where a value is being written to or read from, for serializers that depend on it (for example a schema-registry subject).</summary>
public readonly struct KafkaSerializationContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="headers">The record headers, when known.</param>
    public KafkaSerializationContext(string topic, Headers? headers = null)
    {
        Topic = topic;
        Headers = headers;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The record headers, or <see langword="null"/>.</summary>
    public Headers? Headers { get; }
}

/// <summary>
/// Turns message values into bytes and back. The generator fixes one per message type at compile time (a generated JSON
/// codec, or the <see cref="KafkaTopicAttribute.Serializer"/> type); a generated Avro codec implements the same interface.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <remarks>Implementations must be thread-safe: one instance serves every producer and consumer of the type.</remarks>
public interface IKafkaSerializer<T>
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="context">The topic (and headers) being written.</param>
    void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context);

    /// <summary>Reads a value. Throws (any exception) when <paramref name="data"/> is not a valid payload.</summary>
    /// <param name="data">The record value bytes.</param>
    /// <param name="context">The topic (and headers) being read.</param>
    T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context);
}

/// <summary>
/// An <see cref="IKafkaSerializer{T}"/> over System.Text.Json source-generated metadata (Native AOT safe). Use it as a
/// <see cref="KafkaTopicAttribute.Serializer"/> by deriving a parameterless class:
/// <c>sealed class OrderJson() : JsonKafkaSerializer&lt;Order&gt;(AppJson.Default.Order);</c>
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public class JsonKafkaSerializer<T> : IKafkaSerializer<T>
{
    private readonly JsonTypeInfo<T> _typeInfo;

    /// <summary>Creates the serializer.</summary>
    /// <param name="typeInfo">Metadata from a <c>JsonSerializerContext</c>.</param>
    public JsonKafkaSerializer(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        _typeInfo = typeInfo;
    }

    /// <inheritdoc />
    public void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context)
    {
        var writer = KafkaJson.RentWriter(output);
        try
        {
            JsonSerializer.Serialize(writer, value, _typeInfo);
        }
        finally
        {
            KafkaJson.ReturnWriter(writer);
        }
    }

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context)
        => JsonSerializer.Deserialize(data, _typeInfo) ?? throw new KafkaSerializationException("the payload is JSON null");
}
