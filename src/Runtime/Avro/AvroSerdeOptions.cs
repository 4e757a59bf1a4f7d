using Confluent.SchemaRegistry;

namespace Kafka.Typed.Avro;

/// <summary>How the Schema Registry subject of a value is named (Confluent's subject name strategies).</summary>
public enum AvroSubjectNameStrategy
{
    /// <summary><c>{topic}-value</c> (or <c>-key</c>): one schema lineage per topic. The default.</summary>
    TopicName,

    /// <summary>The record's full name, for example <c>com.example.Order</c>: one lineage per type across topics.</summary>
    RecordName,

    /// <summary><c>{topic}-{record full name}</c>: one lineage per type and topic.</summary>
    TopicRecordName,
}

/// <summary>How the serializer finds the schema id it writes in the header.</summary>
public enum AvroSchemaRegistration
{
    /// <summary>Registers the type's schema under the subject (idempotent: an identical schema keeps its id). The default.</summary>
    AutoRegister,

    /// <summary>Uses the subject's latest version, which must encode exactly like the type's schema (same parsing canonical form).</summary>
    UseLatest,

    /// <summary>Looks the type's schema up under the subject and fails if it was not registered beforehand.</summary>
    LookupOnly,
}

/// <summary>
/// Which implementation <see cref="AvroSerde{T}"/> encodes and decodes with: <see cref="Generated"/> (the default), or
/// one that another package provides, such as Confluent's <c>AvroSerializer&lt;T&gt;</c>/<c>AvroDeserializer&lt;T&gt;</c>
/// in <c>Kafka.Typed.Avro.Confluent</c> (<c>ConfluentAvro.Implementation</c>).
/// </summary>
public abstract class AvroImplementation
{
    /// <summary>For implementations in other packages.</summary>
    protected AvroImplementation()
    {
    }

    /// <summary>
    /// The type's (generated) <see cref="IAvroCodec{T}"/>: allocation-free writing, direct reading of the type's own
    /// schema, no reflection. The default.
    /// </summary>
    public static AvroImplementation Generated { get; } = new GeneratedImplementation();

    /// <summary>The implementation's name, for messages and <see cref="ToString"/>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Creates what encodes and decodes the values of <typeparamref name="T"/> in place of the codec, once per
    /// <see cref="AvroSerde{T}"/>; <see langword="null"/> lets the codec do it.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="context">The serde's registry client, options and schema.</param>
    /// <returns>The replacement, or <see langword="null"/>.</returns>
    /// <exception cref="KafkaConfigurationException">The type or the options do not suit this implementation.</exception>
    public abstract IAvroImplementationSerde<T>? Create<T>(AvroImplementationContext<T> context);

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class GeneratedImplementation : AvroImplementation
    {
        public override string Name => "Generated";

        public override IAvroImplementationSerde<T>? Create<T>(AvroImplementationContext<T> context) => null;
    }
}

/// <summary>
/// Encodes and decodes whole record values (Confluent's wire format: magic byte, schema id, body) for an
/// <see cref="AvroSerde{T}"/> whose <see cref="AvroSerdeOptions.Implementation"/> is not <see cref="AvroImplementation.Generated"/>.
/// The serde still validates the header and, on reading, the body against the writer schema first.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <remarks>Must be thread-safe. Bad data fails with <see cref="KafkaAvroException"/>, registry failures with <see cref="KafkaSchemaRegistryException"/>.</remarks>
public interface IAvroImplementationSerde<T>
{
    /// <summary>Encodes <paramref name="value"/> for <paramref name="topic"/>, header included.</summary>
    /// <param name="value">The value (not <see langword="null"/>).</param>
    /// <param name="topic">The topic.</param>
    /// <returns>The record value.</returns>
    byte[] Serialize(T value, string topic);

    /// <summary>Decodes a record value of <paramref name="topic"/>, header included.</summary>
    /// <param name="data">The record value.</param>
    /// <param name="topic">Its topic.</param>
    /// <returns>The value.</returns>
    T Deserialize(ReadOnlySpan<byte> data, string topic);
}

/// <summary>What an <see cref="AvroImplementation"/> gets from the <see cref="AvroSerde{T}"/> it serves.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class AvroImplementationContext<T>
{
    private readonly AvroSerde<T> _serde;

    internal AvroImplementationContext(AvroSerde<T> serde, ISchemaRegistryClient client, AvroSerdeOptions options, string parsingCanonicalForm, bool isSpecificRecord)
    {
        _serde = serde;
        Client = client;
        Options = options;
        ParsingCanonicalForm = parsingCanonicalForm;
        IsSpecificRecord = isSpecificRecord;
    }

    /// <summary>The serde's registry client.</summary>
    public ISchemaRegistryClient Client { get; }

    /// <summary>The serde's options (validated).</summary>
    public AvroSerdeOptions Options { get; }

    /// <summary>The codec's schema (JSON), as the serde registers it.</summary>
    public string Schema => _serde.Schema;

    /// <summary>The Avro parsing canonical form of <see cref="Schema"/>.</summary>
    public string ParsingCanonicalForm { get; }

    /// <summary>Whether <typeparamref name="T"/> implements <c>Avro.Specific.ISpecificRecord</c>.</summary>
    public bool IsSpecificRecord { get; }

    /// <summary>The subject of <paramref name="topic"/> under the serde's subject name strategy.</summary>
    /// <param name="topic">The topic.</param>
    public string GetSubject(string topic) => _serde.GetSubject(topic);
}

/// <summary>Options of <see cref="AvroSerde{T}"/>.</summary>
public sealed class AvroSerdeOptions
{
    /// <summary>
    /// The registry connection passed through to Confluent's <see cref="CachedSchemaRegistryClient"/>: <c>Url</c>
    /// (required when the serde creates its own client), <c>BasicAuthUserInfo</c> (<c>user:password</c>) with
    /// <c>BasicAuthCredentialsSource</c>, and TLS (<c>SslCaLocation</c>, <c>SslKeystoreLocation</c>,
    /// <c>SslKeystorePassword</c>, <c>EnableSslCertificateVerification</c>).
    /// </summary>
    public SchemaRegistryConfig Registry { get; set; } = new();

    /// <summary>How subjects are named; default <see cref="AvroSubjectNameStrategy.TopicName"/>.</summary>
    public AvroSubjectNameStrategy SubjectNameStrategy { get; set; } = AvroSubjectNameStrategy.TopicName;

    /// <summary>How the written schema id is found; default <see cref="AvroSchemaRegistration.AutoRegister"/>.</summary>
    public AvroSchemaRegistration Registration { get; set; } = AvroSchemaRegistration.AutoRegister;

    /// <summary>Asks the registry to normalize the schema when registering or looking it up; default <see langword="false"/>.</summary>
    public bool NormalizeSchemas { get; set; }

    /// <summary>Whether the serde encodes record keys (subject suffix <c>-key</c>) rather than values (<c>-value</c>).</summary>
    public bool IsKey { get; set; }

    /// <summary>How many writer schemas (by id) are cached for decoding data written with other schemas, 1 to 100,000; default 1,000.</summary>
    public int MaxCachedWriterSchemas { get; set; } = 1000;

    /// <summary>
    /// Which implementation encodes and decodes; default <see cref="AvroImplementation.Generated"/>. Confluent's
    /// serdes (<c>ConfluentAvro.Implementation</c>, package <c>Kafka.Typed.Avro.Confluent</c>) map <see cref="Registration"/>,
    /// <see cref="SubjectNameStrategy"/>, <see cref="NormalizeSchemas"/> and <see cref="IsKey"/> onto Confluent's
    /// serializer configuration.
    /// </summary>
    public AvroImplementation Implementation { get; set; } = AvroImplementation.Generated;

    /// <summary>How long a registry call may take before it fails, 1 ms to 10 minutes; default 30 s.</summary>
    public TimeSpan RegistryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A copy of these options with another <see cref="SubjectNameStrategy"/> (a type's own strategy).</summary>
    internal AvroSerdeOptions WithSubjectNameStrategy(AvroSubjectNameStrategy strategy) => new()
    {
        Registry = Registry,
        SubjectNameStrategy = strategy,
        Registration = Registration,
        NormalizeSchemas = NormalizeSchemas,
        IsKey = IsKey,
        MaxCachedWriterSchemas = MaxCachedWriterSchemas,
        Implementation = Implementation,
        RegistryTimeout = RegistryTimeout,
    };

    /// <summary>Throws <see cref="KafkaConfigurationException"/> naming the first invalid option.</summary>
    /// <param name="needsUrl">Whether <see cref="Registry"/> must carry a URL (the serde creates its own client).</param>
    public void Validate(bool needsUrl)
    {
        if (Registry is null)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Registry", null, "a SchemaRegistryConfig is required");
        }

        if (needsUrl && string.IsNullOrWhiteSpace(Registry.Url))
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Registry.Url", Registry.Url, "the Schema Registry URL (for example http://localhost:8081) is required");
        }

        if (!Enum.IsDefined(SubjectNameStrategy))
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.SubjectNameStrategy", SubjectNameStrategy.ToString(), "one of TopicName, RecordName, TopicRecordName");
        }

        if (!Enum.IsDefined(Registration))
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Registration", Registration.ToString(), "one of AutoRegister, UseLatest, LookupOnly");
        }

        if (Implementation is null)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Implementation", null, "AvroImplementation.Generated or another implementation (ConfluentAvro.Implementation from the Kafka.Typed.Avro.Confluent package)");
        }

        if (MaxCachedWriterSchemas is < 1 or > 100_000)
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.MaxCachedWriterSchemas", MaxCachedWriterSchemas.ToString(System.Globalization.CultureInfo.InvariantCulture), "between 1 and 100,000");
        }

        if (RegistryTimeout < TimeSpan.FromMilliseconds(1) || RegistryTimeout > TimeSpan.FromMinutes(10))
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.RegistryTimeout", RegistryTimeout.ToString(), "between 1 ms and 10 minutes");
        }
    }
}
