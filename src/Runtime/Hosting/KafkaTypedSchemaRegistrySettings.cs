namespace Kafka.Typed;

/// <summary>
/// The Schema Registry in configuration (<c>Kafka:SchemaRegistry</c>). When <see cref="Url"/> is set, the host configures
/// <see cref="Avro.KafkaAvroDefaults"/> with it before any message is sent or read; <see langword="null"/> fields keep the
/// <see cref="Avro.AvroSerdeOptions"/> defaults. <see cref="ToString"/> never shows secrets.
/// </summary>
public sealed class KafkaTypedSchemaRegistrySettings
{
    /// <summary>The registry URL (several comma-separated); required when any message type uses Avro, unless <see cref="Avro.KafkaAvroDefaults.Configure(Avro.AvroSerdeOptions)"/> was called.</summary>
    public string? Url { get; set; }

    /// <summary>Basic auth as <c>user:password</c> (a secret: never logged).</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>The CA certificate file that signs the registry's certificate.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>A client keystore (PKCS#12) for mutual TLS.</summary>
    public string? SslKeystoreLocation { get; set; }

    /// <summary>The keystore password (a secret: never logged).</summary>
    public string? SslKeystorePassword { get; set; }

    /// <summary>Whether the registry's certificate is verified (default true).</summary>
    public bool? EnableSslCertificateVerification { get; set; }

    /// <summary>See <see cref="Avro.AvroSerdeOptions.SubjectNameStrategy"/>.</summary>
    public Avro.AvroSubjectNameStrategy? SubjectNameStrategy { get; set; }

    /// <summary>See <see cref="Avro.AvroSerdeOptions.Registration"/>.</summary>
    public Avro.AvroSchemaRegistration? Registration { get; set; }

    /// <summary>See <see cref="Avro.AvroSerdeOptions.NormalizeSchemas"/>.</summary>
    public bool? NormalizeSchemas { get; set; }

    /// <summary>See <see cref="Avro.AvroSerdeOptions.RegistryTimeout"/>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <inheritdoc />
    public override string ToString()
        => $"SchemaRegistry {{ Url = {Url ?? "(none)"}, BasicAuth = {(BasicAuthUserInfo is null ? "none" : "***")}, SslKeystorePassword = {(SslKeystorePassword is null ? "none" : "***")} }}";
}
