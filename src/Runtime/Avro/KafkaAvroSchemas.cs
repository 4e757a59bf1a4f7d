using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kafka.Typed.Avro;

/// <summary>
/// Writes the Avro schema of a generated message type to a file, to commit it for the build-time evolution check
/// (<c>KafkaTypedSchemaCompatibility</c>, KTG304): the file is named after the subject the schema is registered under with
/// the default strategy, <c>{topic}-value.avsc</c>.
/// </summary>
/// <example>
/// <code>
/// // once, from a test or a tool, then commit schemas/ and list it as AdditionalFiles:
/// KafkaAvroSchemas.WriteFile&lt;OrderPlaced&gt;("schemas");
/// </code>
/// </example>
public static class KafkaAvroSchemas
{
    /// <summary>The schema of <typeparamref name="T"/> (JSON, compact, exactly as registered).</summary>
    /// <typeparam name="T">A message type whose serializer is an <see cref="AvroKafkaSerializer{T}"/> (Avro, the default format).</typeparam>
    /// <exception cref="KafkaConfigurationException">The type does not use Avro.</exception>
    public static string GetSchema<T>()
        where T : IKafkaMessage<T>
        => T.Serializer is AvroKafkaSerializer<T> avro
            ? avro.Codec.Schema
            : throw new KafkaConfigurationException($"{typeof(T).Name} [KafkaTopic(Format)]", T.Serializer.GetType().Name, "an Avro message type (KafkaFormat.Avro, the default) to have an Avro schema");

    /// <summary>The schema of <typeparamref name="T"/>, indented for reading and diffs.</summary>
    /// <typeparam name="T">An Avro message type.</typeparam>
    public static string GetIndentedSchema<T>()
        where T : IKafkaMessage<T>
    {
        using var document = JsonDocument.Parse(GetSchema<T>());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>Writes <c>{directory}/{topic}-value.avsc</c> with the indented schema of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">An Avro message type.</typeparam>
    /// <param name="directory">The directory (created when missing).</param>
    /// <returns>The file written.</returns>
    public static string WriteFile<T>(string directory)
        where T : IKafkaMessage<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, T.Topic + "-value.avsc");
        File.WriteAllText(path, GetIndentedSchema<T>(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
