using System.Buffers;
using Confluent.SchemaRegistry;

namespace Kafka.Typed.Avro;

/// <summary>
/// The process-wide Schema Registry connection that <see cref="AvroKafkaSerializer{T}"/> instances use. Generated message
/// types fix their serializer in a static property, before configuration is read, so the connection is supplied here
/// once at start-up (by the generated registration or by hand) and bound lazily on first use.
/// </summary>
public static class KafkaAvroDefaults
{
    private static readonly Lock Gate = new();
    private static readonly List<Binding> Shared = []; // connections of running hosts, oldest first
    private static Binding? _current;

    /// <summary>Whether a connection was configured.</summary>
    public static bool IsConfigured => Volatile.Read(ref _current) is not null;

    /// <summary>Connects to the registry in <see cref="AvroSerdeOptions.Registry"/> with a new <see cref="CachedSchemaRegistryClient"/>.</summary>
    /// <param name="options">The registry connection and serde behaviour for every Avro type.</param>
    /// <exception cref="KafkaConfigurationException">An option is invalid (for example no URL).</exception>
    public static void Configure(AvroSerdeOptions options) => Set(Connect(options, ownsClient: true));

    /// <summary>Uses an existing registry client (not disposed by Kafka.Typed).</summary>
    /// <param name="client">The client.</param>
    /// <param name="options">Serde behaviour; <see langword="null"/> for the defaults.</param>
    public static void Configure(ISchemaRegistryClient client, AvroSerdeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new AvroSerdeOptions();
        options.Validate(needsUrl: false);
        Set(new Binding(client, options, OwnsClient: false));
    }

    /// <summary>Forgets the connection (serializers bound to it rebind on next use); disposes a client created by <see cref="Configure(AvroSerdeOptions)"/>.</summary>
    public static void Reset() => Set(null);

    /// <summary>A connection to the registry in <paramref name="options"/> with a new <see cref="CachedSchemaRegistryClient"/>.</summary>
    /// <param name="options">The registry connection and serde behaviour.</param>
    /// <param name="ownsClient">Whether installing it here makes this class dispose the client when it is replaced.</param>
    internal static Binding Connect(AvroSerdeOptions options, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(needsUrl: true);
        try
        {
            return new Binding(new CachedSchemaRegistryClient(options.Registry), options, ownsClient);
        }
        catch (ArgumentException e)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Registry", options.Registry.Url, e.Message, e);
        }
    }

    /// <summary>Makes a connection someone else owns (a running host) the process-wide one.</summary>
    internal static void Share(Binding binding)
    {
        lock (Gate)
        {
            Shared.Add(binding);
        }

        Set(binding);
    }

    /// <summary>
    /// Its owner (a host) is disposing <paramref name="binding"/>: if it is the process-wide connection, the latest one
    /// still shared by a running host takes its place (none when no host runs).
    /// </summary>
    internal static void Withdraw(Binding binding)
    {
        lock (Gate)
        {
            Shared.Remove(binding);
            if (ReferenceEquals(_current, binding))
            {
                Volatile.Write(ref _current, Shared.Count > 0 ? Shared[^1] : null);
            }
        }
    }

    internal static Binding Current
        => Volatile.Read(ref _current)
           ?? throw new KafkaConfigurationException("Kafka:SchemaRegistry:Url", null, "an Avro message type needs a Schema Registry: call KafkaAvroDefaults.Configure(...) (or configure the registry URL) before sending or receiving it");

    private static void Set(Binding? binding)
    {
        Binding? old;
        lock (Gate)
        {
            old = _current;
            Volatile.Write(ref _current, binding);
        }

        if (old is { OwnsClient: true })
        {
            old.Client.Dispose();
        }
    }

    internal sealed record Binding(ISchemaRegistryClient Client, AvroSerdeOptions Options, bool OwnsClient);
}

/// <summary>
/// The <see cref="IKafkaSerializer{T}"/> a generated Avro message type exposes: an <see cref="AvroSerde{T}"/> over the
/// type's codec, bound on first use to the connection in <see cref="KafkaAvroDefaults"/>.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <example>
/// Generated: <c>public static IKafkaSerializer&lt;Order&gt; Serializer { get; } = new AvroKafkaSerializer&lt;Order&gt;(OrderAvroCodec.Instance);</c>.
/// By hand, as a <see cref="KafkaTopicAttribute.Serializer"/>: <c>sealed class OrderAvro() : AvroKafkaSerializer&lt;Order&gt;(OrderAvroCodec.Instance);</c>
/// </example>
public class AvroKafkaSerializer<T> : IKafkaSerializer<T>, IAvroWriterSchemaSource
{
    private readonly IAvroCodec<T> _codec;
    private readonly KafkaAvroDefaults.Binding? _pinned;
    private readonly AvroSubjectNameStrategy? _subjectNameStrategy;
    private Bound? _bound;

    /// <summary>Creates the serializer; nothing is validated or contacted until first use.</summary>
    /// <param name="codec">The type's codec.</param>
    public AvroKafkaSerializer(IAvroCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        _codec = codec;
    }

    /// <summary>
    /// Creates the serializer of a type whose subjects follow <paramref name="subjectNameStrategy"/> whatever
    /// <see cref="AvroSerdeOptions.SubjectNameStrategy"/> the connection has (the type's
    /// <see cref="KafkaTopicAttribute.SubjectNameStrategy"/>); nothing is validated or contacted until first use.
    /// </summary>
    /// <param name="codec">The type's codec.</param>
    /// <param name="subjectNameStrategy">The type's subject name strategy.</param>
    public AvroKafkaSerializer(IAvroCodec<T> codec, AvroSubjectNameStrategy subjectNameStrategy)
        : this(codec)
    {
        if (!Enum.IsDefined(subjectNameStrategy))
        {
            throw new ArgumentOutOfRangeException(nameof(subjectNameStrategy), subjectNameStrategy, "one of TopicName, RecordName, TopicRecordName");
        }

        _subjectNameStrategy = subjectNameStrategy;
    }

    private AvroKafkaSerializer(IAvroCodec<T> codec, KafkaAvroDefaults.Binding pinned, AvroSubjectNameStrategy? subjectNameStrategy)
    {
        _codec = codec;
        _pinned = pinned;
        _subjectNameStrategy = subjectNameStrategy;
    }

    /// <summary>The type's own subject name strategy, or <see langword="null"/> when the connection's applies.</summary>
    public AvroSubjectNameStrategy? SubjectNameStrategy => _subjectNameStrategy;

    /// <summary>The type's codec (its <see cref="IAvroCodec{T}.Schema"/> is the schema registered for the type).</summary>
    public IAvroCodec<T> Codec => _codec;

    /// <summary>The serde bound to the current <see cref="KafkaAvroDefaults"/> connection (or to the host's own, for the serializer a host uses).</summary>
    /// <exception cref="KafkaConfigurationException">No connection is configured, or the codec's schema is invalid.</exception>
    public AvroSerde<T> Serde
    {
        get
        {
            var binding = _pinned ?? KafkaAvroDefaults.Current;
            var bound = Volatile.Read(ref _bound);
            if (bound is not null && ReferenceEquals(bound.Binding, binding))
            {
                return bound.Serde;
            }

            var options = _subjectNameStrategy is { } strategy && strategy != binding.Options.SubjectNameStrategy
                ? binding.Options.WithSubjectNameStrategy(strategy)
                : binding.Options;
            var serde = new AvroSerde<T>(_codec, binding.Client, options);
            Volatile.Write(ref _bound, new Bound(binding, serde));
            return serde;
        }
    }

    /// <inheritdoc />
    public void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context) => Serde.Serialize(value, output, context);

    /// <summary>The same codec over <paramref name="binding"/> only, whatever <see cref="KafkaAvroDefaults"/> holds later.</summary>
    internal AvroKafkaSerializer<T> PinnedTo(KafkaAvroDefaults.Binding binding) => new(_codec, binding, _subjectNameStrategy);

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context) => Serde.Deserialize(data, context);

    /// <summary>The record full name of the writer schema <paramref name="schemaId"/>, through this serializer's registry connection.</summary>
    string? IAvroWriterSchemaSource.GetWriterRecordName(int schemaId) => Serde.GetWriterRecordName(schemaId);

    private sealed record Bound(KafkaAvroDefaults.Binding Binding, AvroSerde<T> Serde);
}

/// <summary>Finds the record name of a writer schema by its id (what multi-type consumers dispatch on).</summary>
internal interface IAvroWriterSchemaSource
{
    /// <summary>The full name of the Avro named schema registered under <paramref name="schemaId"/>, or <see langword="null"/> when it is not one.</summary>
    string? GetWriterRecordName(int schemaId);
}
