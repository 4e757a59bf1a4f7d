using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using AvroSchema = Avro.Schema;

namespace Kafka.Typed.Avro;

/// <summary><see cref="ConfluentAvro.Implementation"/>: Confluent's serdes behind <see cref="AvroSerde{T}"/>'s contract and errors.</summary>
internal sealed class ConfluentAvroSerde<T> : IAvroImplementationSerde<T>
{
    private readonly AvroImplementationContext<T> _context;
    private readonly AvroSerdeOptions _options;
    private readonly ConfluentSerdes _confluent;

    public ConfluentAvroSerde(AvroImplementationContext<T> context)
    {
        _context = context;
        _options = context.Options;
        _confluent = CreateConfluentSerdes(context.Client, context.Options, context.IsSpecificRecord, context.ParsingCanonicalForm);
    }

    public byte[] Serialize(T value, string topic) => SerializeWithConfluent(_confluent, value, topic);

    public T Deserialize(ReadOnlySpan<byte> data, string topic) => DeserializeWithConfluent(_confluent, data, topic);

    private string GetSubject(string topic) => _context.GetSubject(topic);

    private static string Truncate(string? text) => text is null ? "(null)" : text.Length <= 200 ? text : text[..200] + "…";

    [UnconditionalSuppressMessage("Trimming", "IL2090", Justification = "Confluent mode only: Confluent's serdes read T._SCHEMA by reflection themselves (documented on ConfluentAvro.Implementation, which requires unreferenced code).")]
    private static ConfluentSerdes CreateConfluentSerdes(ISchemaRegistryClient client, AvroSerdeOptions options, bool isSpecificRecord, string parsingForm)
    {
        const string Field = "AvroSerdeOptions.Implementation";
        if (!isSpecificRecord)
        {
            throw new KafkaConfigurationException(Field, ConfluentAvro.Name, $"Generated for {typeof(T).FullName}: Confluent's AvroSerializer<T>/AvroDeserializer<T> need a type that implements Avro.Specific.ISpecificRecord");
        }

        object? declared;
        try
        {
            declared = typeof(T).GetField("_SCHEMA", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        }
        catch (TargetInvocationException e)
        {
            throw new KafkaConfigurationException($"{typeof(T).FullName}._SCHEMA", null, "a static Avro schema whose initializer does not throw: " + e.InnerException?.Message, e);
        }

        if (declared is not AvroSchema schema)
        {
            throw new KafkaConfigurationException($"{typeof(T).FullName}._SCHEMA", declared?.GetType().Name, "a public static Avro.Schema field (Confluent's serdes read it by reflection)");
        }

        if (global::Avro.SchemaNormalization.ToParsingForm(schema) != parsingForm)
        {
            throw new KafkaConfigurationException($"{typeof(T).FullName}._SCHEMA", Truncate(schema.ToString()), "the codec's schema (same Avro parsing canonical form)");
        }

        var strategy = options.SubjectNameStrategy switch
        {
            AvroSubjectNameStrategy.RecordName => SubjectNameStrategy.Record,
            AvroSubjectNameStrategy.TopicRecordName => SubjectNameStrategy.TopicRecord,
            _ => SubjectNameStrategy.Topic,
        };
        try
        {
            var serializer = new AvroSerializer<T>(client, new AvroSerializerConfig
            {
                AutoRegisterSchemas = options.Registration == AvroSchemaRegistration.AutoRegister,
                UseLatestVersion = options.Registration == AvroSchemaRegistration.UseLatest,
                NormalizeSchemas = options.NormalizeSchemas,
                SubjectNameStrategy = strategy,
            });
            var deserializer = new AvroDeserializer<T>(client, new AvroDeserializerConfig { SubjectNameStrategy = strategy });
            return new ConfluentSerdes(serializer, deserializer);
        }
        catch (ArgumentException e)
        {
            throw new KafkaConfigurationException(Field, ConfluentAvro.Name, "options Confluent's AvroSerializerConfig accepts: " + e.Message, e);
        }
    }

    private SerializationContext ConfluentContext(string topic)
        => new(_options.IsKey ? MessageComponentType.Key : MessageComponentType.Value, topic);

    private byte[] SerializeWithConfluent(ConfluentSerdes confluent, T value, string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        byte[]? bytes;
        try
        {
            bytes = confluent.Serializer.SerializeAsync(value, ConfluentContext(topic)).WaitAsync(_options.RegistryTimeout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not KafkaAvroException)
        {
            throw MapConfluentFailure(e, topic, writing: true);
        }

        return bytes ?? throw new KafkaAvroException(AvroErrorKind.UnexpectedNull, "Confluent's AvroSerializer returned no bytes", topic, -1, -1);
    }

    private T DeserializeWithConfluent(ConfluentSerdes confluent, ReadOnlySpan<byte> data, string topic)
    {
        T? value;
        try
        {
            value = confluent.Deserializer.DeserializeAsync(data.ToArray(), isNull: false, ConfluentContext(topic)).WaitAsync(_options.RegistryTimeout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not KafkaAvroException)
        {
            throw MapConfluentFailure(e, topic, writing: false);
        }

        return value ?? throw new KafkaAvroException(AvroErrorKind.UnexpectedNull, "Confluent's AvroDeserializer returned null");
    }

    /// <summary>Confluent's exceptions as ours: registry outages stay retriable <see cref="KafkaSchemaRegistryException"/>s, bad data becomes <see cref="KafkaAvroException"/>.</summary>
    private Exception MapConfluentFailure(Exception e, string topic, bool writing)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            e = aggregate.InnerExceptions[0];
        }

        var name = writing ? "AvroSerializer" : "AvroDeserializer";
        KafkaAvroException Avro(AvroErrorKind kind, string detail, Exception inner) => new(kind, detail, topic, -1, -1, null, inner);
        switch (e)
        {
            case SchemaRegistryException registry when registry.ErrorCode is 40401 or 40403 || (int)registry.Status == 404:
                return writing
                    ? Avro(AvroErrorKind.SchemaNotRegistered, $"subject '{GetSubject(topic)}' has no schema of {typeof(T).Name} ({_options.Registration}): {registry.Message}", e)
                    : Avro(AvroErrorKind.UnknownSchemaId, $"the registry does not know the writer's schema id: {registry.Message}", e);
            case SchemaRegistryException registry when registry.ErrorCode == 409 || (int)registry.Status == 409:
                return Avro(AvroErrorKind.IncompatibleSchema, $"the registry rejected {typeof(T).Name}'s schema for subject '{GetSubject(topic)}' as incompatible: {registry.Message}", e);
            case SchemaRegistryException or HttpRequestException or TimeoutException or OperationCanceledException:
                return new KafkaSchemaRegistryException($"Schema Registry call of Confluent's {name} for topic '{topic}' failed: {e.Message}", e);
            case InvalidDataException:
                return Avro(writing ? AvroErrorKind.InvalidValue : AvroErrorKind.Corrupt, $"Confluent's {name}: {e.Message}", e);
            case global::Avro.AvroTypeException:
                return Avro(writing ? AvroErrorKind.InvalidValue : AvroErrorKind.IncompatibleSchema, $"Confluent's {name}: {e.Message}", e);
            default:
                return Avro(writing ? AvroErrorKind.InvalidValue : AvroErrorKind.Corrupt, $"Confluent's {name} failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private sealed record ConfluentSerdes(AvroSerializer<T> Serializer, AvroDeserializer<T> Deserializer);
}
