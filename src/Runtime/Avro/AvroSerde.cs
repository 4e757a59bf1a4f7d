using System.Buffers;
using System.Collections.Concurrent;
using Confluent.SchemaRegistry;
using AvroSchema = Avro.Schema;

namespace Kafka.Typed.Avro;

/// <summary>
/// Avro in Confluent's wire format with Schema Registry, over a (generated) <see cref="IAvroCodec{T}"/>: an
/// <see cref="IKafkaSerializer{T}"/> interoperable with Confluent's <c>AvroSerializer</c>/<c>AvroDeserializer</c> and the
/// Java serdes.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <remarks>
/// <para><b>Writing</b>: the schema id is found once per subject (see <see cref="AvroSerdeOptions.Registration"/>) and
/// cached; each value is the 5-byte header then the codec's body.</para>
/// <para><b>Reading</b>: when the header's schema id is the type's own schema (or any registered schema with the same
/// parsing canonical form) the codec reads the body directly. Otherwise the writer schema is fetched once per id, checked
/// with Avro's schema resolution rules against the type's schema, and each body is first validated against the writer
/// schema with the bounds-checked <see cref="AvroReader"/>. Then, when <typeparamref name="T"/> implements
/// <c>Avro.Specific.ISpecificRecord</c>, Apache.Avro's <c>SpecificDatumReader&lt;T&gt;(writer schema, codec schema)</c>,
/// one per writer schema id, builds the value (what Confluent's <c>AvroDeserializer&lt;T&gt;</c> does internally, called
/// here synchronously; it needs the Avro full names of records and enums to be the CLR full names). Otherwise, or when
/// that reader fails before it ever succeeded for the id (for example Apache.Avro's <c>ObjectCreator</c> finds no type
/// of that name), Apache.Avro's generic reader resolves the body and it is re-encoded in the type's schema for the codec;
/// that id then stays on the generic path. Both are slower than the codec but correct for added, removed, reordered and
/// promoted fields.</para>
/// <para><b>Another <see cref="AvroSerdeOptions.Implementation"/></b> (for example Confluent's <c>AvroSerializer&lt;T&gt;</c>
/// and <c>AvroDeserializer&lt;T&gt;</c>, package <c>Kafka.Typed.Avro.Confluent</c>): values are written and read by what it
/// creates, after the same header check and body validation.</para>
/// <para>Thread-safe. Registry calls happen on first use of a subject or schema id; call <see cref="PrepareAsync"/> to
/// make them ahead of time. Bad input fails with <see cref="KafkaAvroException"/>; registry failures with
/// <see cref="KafkaSchemaRegistryException"/>.</para>
/// </remarks>
public sealed partial class AvroSerde<T> : IKafkaSerializer<T>, IDisposable, IAvroWriterSchemaSource
{
    private readonly IAvroCodec<T> _codec;
    private readonly ISchemaRegistryClient _client;
    private readonly bool _ownsClient;
    private readonly AvroSerdeOptions _options;
    private readonly AvroSchema _schema;
    private readonly string _parsingForm;
    private readonly ConcurrentDictionary<string, Task<int>> _subjectIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _topicIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, WriterPlan> _writers = new();
    private readonly bool _isSpecificRecord;
    private readonly IAvroImplementationSerde<T>? _implementation;
    private long _specificResolutions;
    private long _genericResolutions;

    /// <summary>Creates the serde with its own <see cref="CachedSchemaRegistryClient"/> for <see cref="AvroSerdeOptions.Registry"/>.</summary>
    /// <param name="codec">The type's codec.</param>
    /// <param name="options">The registry connection and behaviour.</param>
    /// <exception cref="KafkaConfigurationException">An option, or the codec's schema, is invalid.</exception>
    public AvroSerde(IAvroCodec<T> codec, AvroSerdeOptions options)
        : this(codec, CreateClient(options), ownsClient: true, options)
    {
    }

    /// <summary>Creates the serde over an existing registry client (shared, not disposed by the serde).</summary>
    /// <param name="codec">The type's codec.</param>
    /// <param name="client">The registry client.</param>
    /// <param name="options">Behaviour; <see cref="AvroSerdeOptions.Registry"/> is ignored. <see langword="null"/> for the defaults.</param>
    /// <exception cref="KafkaConfigurationException">An option, or the codec's schema, is invalid.</exception>
    public AvroSerde(IAvroCodec<T> codec, ISchemaRegistryClient client, AvroSerdeOptions? options = null)
        : this(codec, client ?? throw new ArgumentNullException(nameof(client)), ownsClient: false, options ?? new AvroSerdeOptions())
    {
    }

    private AvroSerde(IAvroCodec<T> codec, ISchemaRegistryClient client, bool ownsClient, AvroSerdeOptions options)
    {
        ArgumentNullException.ThrowIfNull(codec);
        options.Validate(needsUrl: false);
        _codec = codec;
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        AvroExactLogicalTypes.EnsureRegistered();
        try
        {
            _schema = AvroSchema.Parse(codec.Schema);
        }
        catch (Exception e) when (e is global::Avro.AvroException or Newtonsoft.Json.JsonException or ArgumentException)
        {
            throw new KafkaConfigurationException($"{codec.GetType().Name}.Schema", Truncate(codec.Schema), "a valid Avro schema (JSON): " + e.Message, e);
        }

        _parsingForm = global::Avro.SchemaNormalization.ToParsingForm(_schema);
        RecordName = _schema is global::Avro.NamedSchema named ? named.Fullname : null;
        if (RecordName is null && options.SubjectNameStrategy != AvroSubjectNameStrategy.TopicName)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.SubjectNameStrategy", options.SubjectNameStrategy.ToString(), $"TopicName for a schema without a name (the schema is of type {_schema.Tag})");
        }

        _isSpecificRecord = typeof(global::Avro.Specific.ISpecificRecord).IsAssignableFrom(typeof(T));
        _implementation = options.Implementation.Create(new AvroImplementationContext<T>(this, client, options, _parsingForm, _isSpecificRecord));
    }

    /// <summary>The codec's Avro schema (JSON), as registered.</summary>
    public string Schema => _codec.Schema;

    /// <summary>The full name of the schema's record (or enum/fixed), or <see langword="null"/> for an unnamed schema.</summary>
    public string? RecordName { get; }

    /// <summary>Bodies written with another schema that Apache.Avro's <c>SpecificDatumReader&lt;T&gt;</c> resolved (diagnostics, tests).</summary>
    internal long SpecificResolutions => Interlocked.Read(ref _specificResolutions);

    /// <summary>Bodies written with another schema that the generic reader resolved and the codec read (diagnostics, tests).</summary>
    internal long GenericResolutions => Interlocked.Read(ref _genericResolutions);

    /// <summary>Why bodies of <paramref name="schemaId"/> are not read with the specific reader (the exception type only), or <see langword="null"/> (diagnostics, tests).</summary>
    internal string? GetSpecificFallbackReason(int schemaId) => _writers.TryGetValue(schemaId, out var plan) ? plan.SpecificFallbackReason : null;

    /// <summary>The subject of <paramref name="topic"/> under <see cref="AvroSerdeOptions.SubjectNameStrategy"/>.</summary>
    /// <param name="topic">The topic.</param>
    public string GetSubject(string topic) => _options.SubjectNameStrategy switch
    {
        AvroSubjectNameStrategy.RecordName => RecordName!,
        AvroSubjectNameStrategy.TopicRecordName => $"{topic}-{RecordName}",
        _ => topic + (_options.IsKey ? "-key" : "-value"),
    };

    /// <summary>Registers (or looks up) the schema for <paramref name="topic"/> now, so the first send makes no registry call.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The schema id written for <paramref name="topic"/>.</returns>
    public Task<int> PrepareAsync(string topic, CancellationToken cancellationToken = default)
        => GetSchemaIdTask(topic).WaitAsync(cancellationToken);

    /// <summary>The schema id written for <paramref name="topic"/> (a registry call the first time per subject, then cached).</summary>
    /// <param name="topic">The topic.</param>
    public int GetSchemaId(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (_topicIds.TryGetValue(topic, out var cached))
        {
            return cached;
        }

        var task = GetSchemaIdTask(topic);
        var id = task.IsCompletedSuccessfully ? task.Result : task.GetAwaiter().GetResult();
        _topicIds.TryAdd(topic, id);
        return id;
    }

    /// <inheritdoc />
    public void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (value is null)
        {
            throw new KafkaAvroException(AvroErrorKind.UnexpectedNull, $"the {typeof(T).Name} value is null", context.Topic, -1, -1);
        }

        if (_implementation is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(context.Topic);
            output.Write(_implementation.Serialize(value, context.Topic));
            return;
        }

        var id = GetSchemaId(context.Topic);
        ConfluentWireFormat.WriteHeader(output, id);
        var writer = new AvroWriter(output);
        _codec.Write(ref writer, value);
        writer.Flush();
    }

    /// <summary>Serializes <paramref name="value"/> for <paramref name="topic"/> into a new array.</summary>
    /// <param name="value">The value.</param>
    /// <param name="topic">The topic.</param>
    public byte[] Serialize(T value, string topic)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Serialize(value, buffer, new KafkaSerializationContext(topic));
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context) => Deserialize(data, context.Topic, -1, -1);

    /// <summary>Deserializes a record value; errors name the topic, partition and offset.</summary>
    /// <param name="data">The record value.</param>
    /// <param name="topic">Its topic.</param>
    /// <param name="partition">Its partition, or -1.</param>
    /// <param name="offset">Its offset, or -1.</param>
    /// <exception cref="KafkaAvroException">Wrong magic byte, unknown schema id, truncated or corrupt body, incompatible writer schema.</exception>
    /// <exception cref="KafkaSchemaRegistryException">The registry could not be asked for the writer schema.</exception>
    public T Deserialize(ReadOnlySpan<byte> data, string topic, int partition, long offset)
    {
        int? id = null;
        try
        {
            id = ConfluentWireFormat.ReadHeader(data, out var body);
            if (!_writers.TryGetValue(id.Value, out var plan))
            {
                plan = GetWriterPlan(id.Value, topic);
            }

            if (_implementation is not null)
            {
                plan.Validate(body, _schema);
                return _implementation.Deserialize(data, topic);
            }

            if (plan.IsDirect)
            {
                return ReadBody(body);
            }

            plan.Validate(body, _schema);
            if (plan.TryReadSpecific(body, out var value))
            {
                Interlocked.Increment(ref _specificResolutions);
                return value;
            }

            Interlocked.Increment(ref _genericResolutions);
            return ReadBody(plan.Transcode(body));
        }
        catch (KafkaAvroException e)
        {
            throw e.At(topic, partition, offset, id);
        }
    }

    /// <summary>
    /// The full name of the writer schema registered under <paramref name="schemaId"/> (one registry call per id; Confluent's
    /// client caches it), or <see langword="null"/> when that schema is not an Avro named type: what a consumer of a topic
    /// carrying several record types dispatches on.
    /// </summary>
    /// <exception cref="KafkaAvroException">The registry has no schema with that id, or it is not valid Avro.</exception>
    /// <exception cref="KafkaSchemaRegistryException">The registry could not be asked.</exception>
    internal string? GetWriterRecordName(int schemaId)
    {
        Schema registered;
        try
        {
            registered = _client.GetSchemaBySubjectAndIdAsync(null!, schemaId).WaitAsync(_options.RegistryTimeout).GetAwaiter().GetResult();
        }
        catch (SchemaRegistryException e) when (e.ErrorCode is 40403 or 40401 || (int)e.Status == 404)
        {
            throw new KafkaAvroException(AvroErrorKind.UnknownSchemaId, $"the registry has no schema with id {schemaId}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new KafkaSchemaRegistryException($"Fetching writer schema id {schemaId} from the Schema Registry failed: {e.Message}", e);
        }

        if (registered.SchemaType != SchemaType.Avro)
        {
            return null;
        }

        try
        {
            return AvroSchema.Parse(registered.SchemaString) is global::Avro.NamedSchema named ? named.Fullname : null;
        }
        catch (Exception e) when (e is global::Avro.AvroException or Newtonsoft.Json.JsonException or ArgumentException)
        {
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"schema id {schemaId} is not a valid Avro schema: {e.Message}", e);
        }
    }

    string? IAvroWriterSchemaSource.GetWriterRecordName(int schemaId) => GetWriterRecordName(schemaId);

    /// <summary>Disposes the registry client when the serde created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static ISchemaRegistryClient CreateClient(AvroSerdeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(needsUrl: true);
        try
        {
            return new CachedSchemaRegistryClient(options.Registry);
        }
        catch (ArgumentException e)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Registry", options.Registry.Url, e.Message, e);
        }
    }

    private static string Truncate(string? text) => text is null ? "(null)" : text.Length <= 200 ? text : text[..200] + "…";

    private T ReadBody(ReadOnlySpan<byte> body)
    {
        var reader = new AvroReader(body);
        T value;
        try
        {
            value = _codec.Read(ref reader);
        }
        catch (Exception e) when (e is not KafkaAvroException and not OperationCanceledException)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the codec failed at byte {reader.Position}: {e.Message}", e);
        }

        reader.EnsureEnd();
        return value;
    }

    private Task<int> GetSchemaIdTask(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var subject = GetSubject(topic);
        if (_subjectIds.TryGetValue(subject, out var existing) && !existing.IsFaulted && !existing.IsCanceled)
        {
            return existing;
        }

        var task = _subjectIds.AddOrUpdate(
            subject,
            static (s, self) => self.ResolveSchemaIdAsync(s),
            static (s, old, self) => old.IsFaulted || old.IsCanceled ? self.ResolveSchemaIdAsync(s) : old,
            this);
        return task;
    }

    private async Task<int> ResolveSchemaIdAsync(string subject)
    {
        await Task.Yield();
        var schema = new Schema(_codec.Schema, SchemaType.Avro);
        int id;
        try
        {
            switch (_options.Registration)
            {
                case AvroSchemaRegistration.UseLatest:
                    {
                        var latest = await _client.GetLatestSchemaAsync(subject).WaitAsync(_options.RegistryTimeout).ConfigureAwait(false);
                        // Names do not change the encoding: a latest schema that differs only in namespaces (or names
                        // matched through aliases) encodes as the type's does.
                        var aligned = AvroNameAlignment.Align(_schema, AvroSchema.Parse(latest.SchemaString));
                        var form = global::Avro.SchemaNormalization.ToParsingForm(aligned);
                        if (form != _parsingForm || LogicalMismatch(_schema, aligned, typeof(T).Name, new HashSet<string>(StringComparer.Ordinal)) is not null)
                        {
                            throw new KafkaAvroException(AvroErrorKind.SchemaNotRegistered, $"the latest version ({latest.Version}, id {latest.Id}) of subject '{subject}' encodes differently from {typeof(T).Name}'s schema; register the type's schema or use AutoRegister");
                        }

                        id = latest.Id;
                        break;
                    }

                case AvroSchemaRegistration.LookupOnly:
                    id = (await _client.LookupSchemaAsync(subject, schema, ignoreDeletedSchemas: true, normalize: _options.NormalizeSchemas).WaitAsync(_options.RegistryTimeout).ConfigureAwait(false)).Id;
                    break;
                default:
                    id = await _client.RegisterSchemaAsync(subject, schema, _options.NormalizeSchemas).WaitAsync(_options.RegistryTimeout).ConfigureAwait(false);
                    break;
            }
        }
        catch (SchemaRegistryException e) when (e.ErrorCode is 40401 or 40403)
        {
            throw new KafkaAvroException(AvroErrorKind.SchemaNotRegistered, $"subject '{subject}' has no schema of {typeof(T).Name} ({_options.Registration}): {e.Message}", e);
        }
        catch (SchemaRegistryException e) when (e.ErrorCode == 409 || (int)e.Status == 409)
        {
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"the registry rejected {typeof(T).Name}'s schema for subject '{subject}' as incompatible: {e.Message}", e);
        }
        catch (Exception e) when (e is not KafkaAvroException)
        {
            throw new KafkaSchemaRegistryException($"Schema Registry call for subject '{subject}' ({_options.Registration}) failed: {e.Message}", e);
        }

        _writers.TryAdd(id, WriterPlan.Direct);
        return id;
    }

    private WriterPlan GetWriterPlan(int id, string topic)
    {
        if (_writers.Count >= _options.MaxCachedWriterSchemas)
        {
            foreach (var key in _writers.Keys)
            {
                if (_writers.TryGetValue(key, out var p) && !p.IsDirect)
                {
                    _writers.TryRemove(key, out _);
                }
            }
        }

        Schema registered;
        try
        {
            registered = _client.GetSchemaBySubjectAndIdAsync(GetSubject(topic), id).WaitAsync(_options.RegistryTimeout).GetAwaiter().GetResult();
        }
        catch (SchemaRegistryException e) when (e.ErrorCode is 40403 or 40401 || (int)e.Status == 404)
        {
            throw new KafkaAvroException(AvroErrorKind.UnknownSchemaId, $"the registry has no schema with id {id}", e);
        }
        catch (Exception e)
        {
            throw new KafkaSchemaRegistryException($"Fetching writer schema id {id} from the Schema Registry failed: {e.Message}", e);
        }

        if (registered.SchemaType != SchemaType.Avro)
        {
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"schema id {id} is a {registered.SchemaType} schema, not Avro");
        }

        AvroSchema writer;
        try
        {
            writer = AvroSchema.Parse(registered.SchemaString);
        }
        catch (Exception e)
        {
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"schema id {id} is not a valid Avro schema: {e.Message}", e);
        }

        // Named types match by unqualified name and aliases (Avro 1.10+, Java), where Apache.Avro compares full names.
        writer = AvroNameAlignment.Align(_schema, writer);
        if (LogicalMismatch(_schema, writer, typeof(T).Name, new HashSet<string>(StringComparer.Ordinal)) is { } mismatch)
        {
            // Apache.Avro's resolution decodes by the reader's logical type, so these values would come out wrong
            // (a decimal's digits at another scale, millis taken for micros): refuse them instead.
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"schema id {id} stores {mismatch}; the values would be misread");
        }

        WriterPlan plan;
        if (global::Avro.SchemaNormalization.ToParsingForm(writer) == _parsingForm)
        {
            // Same bytes for the same values (logical types that differ were refused just above).
            plan = WriterPlan.Direct;
        }
        else if (AvroNameAlignment.Refusal(_schema, _codec.Schema, writer, registered.SchemaString) is { } why)
        {
            throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"{typeof(T).Name}'s schema cannot read data written with schema id {id}: {why}");
        }
        else
        {
            plan = new WriterPlan(writer, _schema, resolve: _implementation is null, specific: _isSpecificRecord);
        }

        return _writers.GetOrAdd(id, plan);
    }

    /// <summary>
    /// The first field both schemas have whose logical types differ (name, or decimal precision and scale), described; or
    /// <see langword="null"/>. Records are matched by field name; arrays, maps and nullable unions are followed.
    /// </summary>
    internal static string? LogicalMismatch(AvroSchema reader, AvroSchema writer, string path, HashSet<string> seen)
    {
        reader = NonNull(reader);
        writer = NonNull(writer);
        var readerLogical = reader as global::Avro.LogicalSchema;
        var writerLogical = writer as global::Avro.LogicalSchema;
        if (readerLogical is not null || writerLogical is not null)
        {
            var r = readerLogical is null ? "no logical type" : Describe(readerLogical);
            var w = writerLogical is null ? "no logical type" : Describe(writerLogical);
            return readerLogical is not null && writerLogical is not null && r != w ? $"'{path}' as {w} where {typeof(T).Name} expects {r}" : null;
        }

        switch (reader, writer)
        {
            case (global::Avro.RecordSchema readerRecord, global::Avro.RecordSchema writerRecord):
                if (!seen.Add(readerRecord.Fullname + "|" + writerRecord.Fullname))
                {
                    return null;
                }

                foreach (var field in readerRecord.Fields)
                {
                    if (AvroNameAlignment.WriterField(writerRecord, field) is { } other
                        && LogicalMismatch(field.Schema, other.Schema, path + "." + field.Name, seen) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case (global::Avro.ArraySchema readerArray, global::Avro.ArraySchema writerArray):
                return LogicalMismatch(readerArray.ItemSchema, writerArray.ItemSchema, path + "[]", seen);
            case (global::Avro.MapSchema readerMap, global::Avro.MapSchema writerMap):
                return LogicalMismatch(readerMap.ValueSchema, writerMap.ValueSchema, path + "{}", seen);
            default:
                return null;
        }

        static AvroSchema NonNull(AvroSchema schema)
            => schema is global::Avro.UnionSchema { Count: 2 } union && union.Schemas.Count(b => b.Tag == AvroSchema.Type.Null) == 1
                ? union.Schemas.First(b => b.Tag != AvroSchema.Type.Null)
                : schema;

        static string Describe(global::Avro.LogicalSchema logical)
            => logical.LogicalTypeName == "decimal"
                ? $"decimal({logical.GetProperty("precision")},{logical.GetProperty("scale")})"
                : logical.LogicalTypeName;
    }

    private sealed class WriterPlan
    {
        public static readonly WriterPlan Direct = new();

        private readonly AvroSchema? _writerSchema;
        private readonly global::Avro.Generic.GenericDatumReader<object>? _genericReader;
        private readonly global::Avro.Generic.GenericDatumWriter<object>? _genericWriter;
        private readonly Lock _gate = new();
        private global::Avro.Specific.SpecificDatumReader<T>? _specificReader;
        private bool _specificSucceeded;

        /// <param name="writerSchema">The writer's schema.</param>
        /// <param name="readerSchema">The codec's schema.</param>
        /// <param name="resolve">Whether to build the resolving readers (not with another implementation, which resolves itself).</param>
        /// <param name="specific">Whether <typeparamref name="T"/> implements <c>ISpecificRecord</c>.</param>
        public WriterPlan(AvroSchema writerSchema, AvroSchema readerSchema, bool resolve, bool specific)
        {
            _writerSchema = writerSchema;
            if (!resolve)
            {
                return;
            }

            // The generic path moves the stored numbers without logical-type conversions (Apache.Avro's go through
            // floating point for some): the codec then converts them exactly as it does on the direct path.
            var plainReader = AvroExactLogicalTypes.WithoutLogicalTypes(readerSchema);
            _genericReader = new global::Avro.Generic.GenericDatumReader<object>(AvroExactLogicalTypes.WithoutLogicalTypes(writerSchema), plainReader);
            _genericWriter = new global::Avro.Generic.GenericDatumWriter<object>(plainReader);
            if (specific)
            {
                try
                {
                    _specificReader = new global::Avro.Specific.SpecificDatumReader<T>(writerSchema, readerSchema);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Apache.Avro could not prepare the specific reader (it derives CLR type names from the schema):
                    // the generic path serves this id.
                    SpecificFallbackReason = e.GetType().Name;
                }
            }
        }

        private WriterPlan()
        {
        }

        /// <summary>Whether the codec reads bodies of this id directly (the writer schema is the codec's).</summary>
        public bool IsDirect => _writerSchema is null;

        /// <summary>Why the specific reader is not used for this id (the exception type only), or <see langword="null"/>.</summary>
        public string? SpecificFallbackReason { get; private set; }

        /// <summary>Walks <paramref name="body"/> with the bounds-checked reader against the writer schema (<paramref name="ownSchema"/> for a direct id).</summary>
        public void Validate(ReadOnlySpan<byte> body, AvroSchema ownSchema)
        {
            var check = new AvroReader(body);
            AvroSchemaSkipper.Skip(ref check, _writerSchema ?? ownSchema);
            check.EnsureEnd();
        }

        /// <summary>
        /// Reads a validated body with Apache.Avro's <c>SpecificDatumReader&lt;T&gt;</c>. Returns <see langword="false"/>
        /// when there is none, or when it fails before it ever succeeded for this id (names that do not map to CLR types,
        /// an unusable <c>ISpecificRecord</c>); the id then stays on the generic path.
        /// </summary>
        public bool TryReadSpecific(ReadOnlySpan<byte> body, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value)
        {
            var reader = Volatile.Read(ref _specificReader);
            if (reader is null)
            {
                value = default;
                return false;
            }

            try
            {
                using var input = new MemoryStream(body.ToArray(), writable: false);
                value = reader.Read(default!, new global::Avro.IO.BinaryDecoder(input));
                if (value is null)
                {
                    throw new global::Avro.AvroException("the specific reader returned null");
                }

                Volatile.Write(ref _specificSucceeded, true);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException && !Volatile.Read(ref _specificSucceeded))
            {
                // Typically ObjectCreator's "Unable to find type …" (Avro names that are not CLR names). Remember only
                // the exception type: messages may carry data.
                SpecificFallbackReason = e.GetType().Name;
                Volatile.Write(ref _specificReader, null);
                value = default;
                return false;
            }
            catch (Exception e) when (e is not KafkaAvroException and not OutOfMemoryException)
            {
                throw new KafkaAvroException(AvroErrorKind.Corrupt, $"resolving the writer's data with Apache.Avro's SpecificDatumReader failed: {e.GetType().Name}: {e.Message}", e);
            }
        }

        /// <summary>Resolves a validated body with the generic reader and re-encodes it in the codec's schema.</summary>
        public byte[] Transcode(ReadOnlySpan<byte> body)
        {
            try
            {
                using var input = new MemoryStream(body.ToArray(), writable: false);
                using var output = new MemoryStream(body.Length + 16);
                lock (_gate)
                {
                    var datum = _genericReader!.Read(null!, new global::Avro.IO.BinaryDecoder(input));
                    _genericWriter!.Write(datum, new global::Avro.IO.BinaryEncoder(output));
                }

                return output.ToArray();
            }
            catch (Exception e) when (e is not KafkaAvroException)
            {
                throw new KafkaAvroException(AvroErrorKind.Corrupt, $"resolving the writer's data failed: {e.Message}", e);
            }
        }
    }
}
