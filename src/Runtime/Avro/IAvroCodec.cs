namespace Kafka.Typed.Avro;

/// <summary>
/// Encodes and decodes one type as Avro binary for one fixed schema. The source generator emits one per Avro message
/// type; <see cref="AvroSerde{T}"/> adds Schema Registry and Confluent's wire-format header around it.
/// </summary>
/// <typeparam name="T">The type.</typeparam>
/// <remarks>
/// <para>Implementations must be stateless (thread-safe) and straight-line: <see cref="Write"/> writes the fields in
/// schema order with <see cref="AvroWriter"/>, <see cref="Read"/> reads them in the same order with
/// <see cref="AvroReader"/>. Neither writes nor reads the wire-format header.</para>
/// <para><see cref="Read"/> only ever sees bytes written with <see cref="Schema"/>: data written with another schema is
/// first resolved to it by <see cref="AvroSerde{T}"/>.</para>
/// </remarks>
public interface IAvroCodec<T>
{
    /// <summary>The Avro schema (JSON) both methods follow; registered with the Schema Registry as is.</summary>
    string Schema { get; }

    /// <summary>Writes <paramref name="value"/>'s Avro body.</summary>
    /// <param name="writer">The writer (the caller flushes it).</param>
    /// <param name="value">The value.</param>
    /// <exception cref="KafkaAvroException">A value cannot be represented in the schema (for example a non-nullable null).</exception>
    void Write(ref AvroWriter writer, T value);

    /// <summary>Reads a value's Avro body.</summary>
    /// <param name="reader">The reader, positioned after the header.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KafkaAvroException">The bytes are truncated or corrupt (the reader throws; let it propagate).</exception>
    T Read(ref AvroReader reader);
}
