using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using Confluent.SchemaRegistry;
using Kafka.Typed.Avro;

namespace Kafka.Typed;

/// <summary>
/// The serializer of a <c>Format = KafkaFormat.JsonSchema</c> message type: the generated JSON codec inside Confluent's
/// Schema Registry wire format (byte 0 the magic byte 0, bytes 1 to 4 the big-endian schema id, then the JSON), as
/// Confluent's <c>JsonSerializer&lt;T&gt;</c> writes it. On first send to a topic the type's JSON Schema (draft 7,
/// derived by the generator) is registered under the subject of <see cref="AvroSerdeOptions.SubjectNameStrategy"/>
/// (<c>{topic}-value</c> by default) through the Schema Registry connection in <see cref="KafkaAvroDefaults"/>; on read
/// the frame is checked and the writer's schema id resolved (once per id) to a JSON Schema. Created by the generated
/// code; not meant for direct use.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JsonSchemaKafkaSerializer<T> : IKafkaSerializer<T>
{
    private readonly IKafkaSerializer<T> _body;
    private readonly string _schema;
    private readonly string _recordName;
    private readonly AvroSubjectNameStrategy? _subjectNameStrategy;
    private Bound? _bound;

    /// <summary>Frames <paramref name="body"/>'s JSON with the id of <paramref name="schema"/>.</summary>
    /// <param name="body">The generated JSON codec of the type.</param>
    /// <param name="schema">The type's JSON Schema.</param>
    /// <param name="recordName">The subject's record name for the RecordName strategies (the type's full name).</param>
    public JsonSchemaKafkaSerializer(IKafkaSerializer<T> body, string schema, string recordName)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(recordName);
        _body = body;
        _schema = schema;
        _recordName = recordName;
    }

    /// <summary>
    /// Frames <paramref name="body"/>'s JSON with the id of <paramref name="schema"/>, registered under the subject of
    /// <paramref name="subjectNameStrategy"/> whatever <see cref="AvroSerdeOptions.SubjectNameStrategy"/> says (the type's
    /// <see cref="KafkaTopicAttribute.SubjectNameStrategy"/>).
    /// </summary>
    /// <param name="body">The generated JSON codec of the type.</param>
    /// <param name="schema">The type's JSON Schema.</param>
    /// <param name="recordName">The subject's record name for the RecordName strategies (the type's full name).</param>
    /// <param name="subjectNameStrategy">The type's subject name strategy.</param>
    public JsonSchemaKafkaSerializer(IKafkaSerializer<T> body, string schema, string recordName, AvroSubjectNameStrategy subjectNameStrategy)
        : this(body, schema, recordName)
    {
        if (!Enum.IsDefined(subjectNameStrategy))
        {
            throw new ArgumentOutOfRangeException(nameof(subjectNameStrategy), subjectNameStrategy, "one of TopicName, RecordName, TopicRecordName");
        }

        _subjectNameStrategy = subjectNameStrategy;
    }

    /// <summary>The JSON Schema registered for the type.</summary>
    public string Schema => _schema;

    /// <summary>The subject <paramref name="topic"/>'s schema is registered under, by the configured strategy.</summary>
    /// <param name="topic">The topic.</param>
    public string GetSubject(string topic)
    {
        var options = Current.Binding.Options;
        var suffix = options.IsKey ? "-key" : "-value";
        return (_subjectNameStrategy ?? options.SubjectNameStrategy) switch
        {
            AvroSubjectNameStrategy.RecordName => _recordName,
            AvroSubjectNameStrategy.TopicRecordName => topic + "-" + _recordName,
            _ => topic + suffix,
        };
    }

    /// <inheritdoc />
    public void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context)
    {
        ArgumentNullException.ThrowIfNull(output);
        var bound = Current;
        var id = SchemaId(bound, GetSubject(context.Topic));
        ConfluentWireFormat.WriteHeader(output, id);
        _body.Serialize(value, output, context);
    }

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context)
    {
        if (!ConfluentWireFormat.TryReadHeader(data, out var id, out var body, out var error))
        {
            throw new KafkaSerializationException($"not in Confluent's JSON Schema wire format: {error!.Message}");
        }

        var bound = Current;
        if (!bound.KnownIds.ContainsKey(id))
        {
            Schema schema;
            try
            {
                schema = bound.Binding.Client.GetSchemaAsync(id).WaitAsync(bound.Binding.Options.RegistryTimeout).GetAwaiter().GetResult();
            }
            catch (SchemaRegistryException e) when (e.ErrorCode is 40403 or 40401)
            {
                throw new KafkaSerializationException($"the writer's schema id {id} is not in the Schema Registry", e);
            }
            catch (Exception e) when (e is not KafkaSerializationException)
            {
                throw new KafkaSchemaRegistryException($"Schema Registry call for schema id {id} failed: {e.Message}", e);
            }

            if (schema.SchemaType != SchemaType.Json)
            {
                throw new KafkaSerializationException($"the writer's schema id {id} is a {schema.SchemaType} schema, not a JSON Schema");
            }

            bound.KnownIds.TryAdd(id, true);
        }

        return _body.Deserialize(body, context);
    }

    private Bound Current
    {
        get
        {
            var binding = KafkaAvroDefaults.Current;
            var bound = Volatile.Read(ref _bound);
            if (bound is not null && ReferenceEquals(bound.Binding, binding))
            {
                return bound;
            }

            bound = new Bound(binding);
            Volatile.Write(ref _bound, bound);
            return bound;
        }
    }

    private int SchemaId(Bound bound, string subject)
    {
        var task = bound.Ids.AddOrUpdate(
            subject,
            static (s, state) => state.Self.RegisterAsync(state.Bound, s),
            static (s, old, state) => old.IsFaulted || old.IsCanceled ? state.Self.RegisterAsync(state.Bound, s) : old,
            (Self: this, Bound: bound));
        return task.IsCompletedSuccessfully ? task.Result : task.GetAwaiter().GetResult();
    }

    private async Task<int> RegisterAsync(Bound bound, string subject)
    {
        var options = bound.Binding.Options;
        var schema = new Schema(_schema, SchemaType.Json);
        try
        {
            return options.Registration switch
            {
                AvroSchemaRegistration.UseLatest => (await bound.Binding.Client.GetLatestSchemaAsync(subject).WaitAsync(options.RegistryTimeout).ConfigureAwait(false)).Id,
                AvroSchemaRegistration.LookupOnly => (await bound.Binding.Client.LookupSchemaAsync(subject, schema, ignoreDeletedSchemas: true, normalize: options.NormalizeSchemas).WaitAsync(options.RegistryTimeout).ConfigureAwait(false)).Id,
                _ => await bound.Binding.Client.RegisterSchemaAsync(subject, schema, options.NormalizeSchemas).WaitAsync(options.RegistryTimeout).ConfigureAwait(false),
            };
        }
        catch (SchemaRegistryException e) when (e.ErrorCode is 40401 or 40403 or 409 || (int)e.Status == 409)
        {
            throw new KafkaSerializationException($"the Schema Registry refused {typeof(T).Name}'s JSON Schema for subject '{subject}' ({options.Registration}): {e.Message}", e);
        }
        catch (Exception e) when (e is not KafkaSerializationException)
        {
            throw new KafkaSchemaRegistryException($"Schema Registry call for subject '{subject}' ({options.Registration}) failed: {e.Message}", e);
        }
    }

    private sealed class Bound(KafkaAvroDefaults.Binding binding)
    {
        public KafkaAvroDefaults.Binding Binding { get; } = binding;

        public ConcurrentDictionary<string, Task<int>> Ids { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<int, bool> KnownIds { get; } = new();
    }
}
