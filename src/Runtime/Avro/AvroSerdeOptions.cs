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

/// <summary>Which implementation <see cref="AvroSerde{T}"/> encodes and decodes with.</summary>
public enum AvroImplementation
{
    /// <summary>
    /// The type's (generated) <see cref="IAvroCodec{T}"/>: allocation-free writing, direct reading of the type's own
    /// schema, no reflection. The default.
    /// </summary>
    Generated = 0,

    /// <summary>
    /// Confluent's <c>AvroSerializer&lt;T&gt;</c> and <c>AvroDeserializer&lt;T&gt;</c> (Apache.Avro's specific writer and
    /// reader, by reflection), for byte-for-byte parity with Confluent's behaviour while migrating. The type must
    /// implement <c>Avro.Specific.ISpecificRecord</c> with a <c>public static Avro.Schema _SCHEMA</c> field whose schema
    /// equals the codec's.
    /// </summary>
    Confluent = 1,
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
    /// Which implementation encodes and decodes; default <see cref="AvroImplementation.Generated"/>.
    /// <see cref="AvroImplementation.Confluent"/> maps <see cref="Registration"/>, <see cref="SubjectNameStrategy"/>,
    /// <see cref="NormalizeSchemas"/> and <see cref="IsKey"/> onto Confluent's serializer configuration.
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

        if (!Enum.IsDefined(Implementation))
        {
            throw new KafkaConfigurationException("AvroSerdeOptions.Implementation", Implementation.ToString(), "one of Generated, Confluent");
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
