using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Kafka.Typed;

/// <summary>
/// The Kafka settings of an application using the generated <c>AddKafkaTyped</c>, bound from a configuration section
/// (conventionally <c>Kafka</c>) and validated when the host starts. Unset values keep the defaults of
/// <see cref="ProducerOptions"/> and <see cref="ConsumerOptions"/>.
/// </summary>
/// <example>
/// <code>
/// "Kafka": {
///   "AppName": "billing", "Server": "prod-eu1", "BootstrapServers": "b1:9092,b2:9092",
///   "Producer": { "Acks": "All", "Compression": "Zstd" },
///   "Consumer": { "MaxRetries": 5, "Backoff": { "InitialDelay": "00:00:00.500" } }
/// }
/// </code>
/// </example>
/// <remarks>Binding is written by hand (no reflection, Native AOT safe); a value that cannot be parsed is reported at start with its configuration path.</remarks>
public sealed class KafkaTypedOptions
{
    private readonly List<string> _bindErrors = [];

    /// <summary>The application's name (<see cref="KafkaAppConfig.AppName"/>).</summary>
    public string? AppName { get; set; }

    /// <summary>The environment or server name (<see cref="KafkaAppConfig.Server"/>).</summary>
    public string? Server { get; set; }

    /// <summary>Broker addresses, each <c>host:port</c>. In configuration: a comma-separated string or an array.</summary>
    public IList<string> BootstrapServers { get; } = [];

    /// <summary>How long a client waits for the cluster at creation; <see langword="null"/> keeps <see cref="KafkaAppConfig.ConnectTimeout"/>'s default.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>TLS for every client; <see langword="null"/> for plaintext.</summary>
    public TlsOptions? Tls { get; set; }

    /// <summary>SASL for every client; <see langword="null"/> for none.</summary>
    public SaslOptions? Sasl { get; set; }

    /// <summary>Settings of the application's producers.</summary>
    public KafkaTypedProducerSettings Producer { get; } = new();

    /// <summary>Settings every consumer starts from; a <see cref="KafkaConsumerAttribute"/> argument overrides its field.</summary>
    public KafkaTypedConsumerSettings Consumer { get; } = new();

    /// <summary>The Schema Registry of the Avro message types (<c>Kafka:SchemaRegistry</c>).</summary>
    public KafkaTypedSchemaRegistrySettings SchemaRegistry { get; } = new();

    /// <summary>The configuration path the options were bound from (for error messages); <c>Kafka</c> when unknown.</summary>
    public string SectionPath { get; set; } = "Kafka";

    internal IReadOnlyList<string> BindErrors => _bindErrors;

    /// <summary>The application config these options describe.</summary>
    public KafkaAppConfig ToAppConfig()
    {
        var app = new KafkaAppConfig(AppName ?? string.Empty, Server ?? string.Empty, BootstrapServers.ToArray());
        return ConnectTimeout is { } timeout ? new KafkaAppConfig(app.AppName, app.Server, app.BootstrapServers) { ConnectTimeout = timeout } : app;
    }

    /// <summary>The producer options these settings describe.</summary>
    public ProducerOptions ToProducerOptions()
    {
        var d = new ProducerOptions();
        var p = Producer;
        return new ProducerOptions
        {
            Acks = p.Acks ?? d.Acks,
            AutoCreateTopics = p.AutoCreateTopics ?? d.AutoCreateTopics,
            Partitioner = p.Partitioner ?? d.Partitioner,
            FlushFrequency = p.FlushFrequency ?? d.FlushFrequency,
            Compression = p.Compression ?? d.Compression,
            EnableIdempotence = p.EnableIdempotence ?? d.EnableIdempotence,
            MessageTimeout = p.MessageTimeout ?? d.MessageTimeout,
            QueueCapacity = p.QueueCapacity ?? d.QueueCapacity,
            QueueFull = p.QueueFull ?? d.QueueFull,
            DisposeTimeout = p.DisposeTimeout ?? d.DisposeTimeout,
            Settings = p.Settings.Count == 0 ? null : new Dictionary<string, string>(p.Settings, StringComparer.Ordinal),
            Tls = Tls,
            Sasl = Sasl,
        };
    }

    /// <summary>The options of one consumer: <see cref="Consumer"/> with the fields <paramref name="definition"/> sets replaced.</summary>
    /// <param name="definition">The consumer's compile-time arguments; <see langword="null"/> for none.</param>
    public ConsumerOptions ToConsumerOptions(KafkaConsumerDefinition? definition = null)
    {
        var d = new ConsumerOptions();
        var c = Consumer;
        var b = c.Backoff;
        var backoff = new RetryBackoff
        {
            InitialDelay = definition?.RetryBackoff ?? b.InitialDelay ?? d.Backoff.InitialDelay,
            Multiplier = b.Multiplier ?? d.Backoff.Multiplier,
            MaxDelay = definition?.MaxRetryBackoff ?? b.MaxDelay ?? d.Backoff.MaxDelay,
            Jitter = b.Jitter ?? d.Backoff.Jitter,
        };
        return new ConsumerOptions
        {
            GroupId = definition?.GroupId ?? c.GroupId,
            StartOffset = definition?.StartOffset ?? c.StartOffset ?? d.StartOffset,
            MaxRetries = definition?.MaxRetries ?? c.MaxRetries ?? d.MaxRetries,
            Backoff = backoff,
            FailurePolicy = definition?.FailurePolicy ?? c.FailurePolicy ?? d.FailurePolicy,
            DeadLetterTopic = definition?.DeadLetterTopic ?? c.DeadLetterTopic,
            AutoCreateTopics = c.AutoCreateTopics ?? d.AutoCreateTopics,
            DisablePayloadLogging = c.DisablePayloadLogging ?? d.DisablePayloadLogging,
            MaxDegreeOfParallelism = definition?.MaxDegreeOfParallelism ?? c.MaxDegreeOfParallelism ?? d.MaxDegreeOfParallelism,
            MaxBufferedMessagesPerPartition = c.MaxBufferedMessagesPerPartition ?? d.MaxBufferedMessagesPerPartition,
            MaxBufferedMessages = c.MaxBufferedMessages ?? d.MaxBufferedMessages,
            ShutdownTimeout = c.ShutdownTimeout ?? d.ShutdownTimeout,
            CommitInterval = c.CommitInterval ?? d.CommitInterval,
            SessionTimeout = c.SessionTimeout,
            HeartbeatInterval = c.HeartbeatInterval,
            TraceContext = c.TraceContext ?? d.TraceContext,
            Settings = c.Settings.Count == 0 ? null : new Dictionary<string, string>(c.Settings, StringComparer.Ordinal),
            Tls = Tls,
            Sasl = Sasl,
        };
    }

    /// <summary>Reads every known key of <paramref name="section"/>; unparsable values are reported by validation.</summary>
    /// <param name="section">The section, for example <c>configuration.GetSection("Kafka")</c>.</param>
    public void Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section is IConfigurationSection s)
        {
            SectionPath = s.Path;
        }

        var r = new Reader(section, SectionPath, _bindErrors);
        AppName = r.String("AppName") ?? AppName;
        Server = r.String("Server") ?? Server;
        var servers = section["BootstrapServers"];
        var serverList = servers is not null
            ? servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetSection("BootstrapServers").GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (serverList.Length > 0)
        {
            BootstrapServers.Clear();
            foreach (var server in serverList)
            {
                BootstrapServers.Add(server);
            }
        }

        ConnectTimeout = r.Time("ConnectTimeout") ?? ConnectTimeout;
        Tls = BindTls(section.GetSection("Tls"), r.Sub("Tls")) ?? Tls;
        Sasl = BindSasl(section.GetSection("Sasl"), r.Sub("Sasl")) ?? Sasl;

        var ps = section.GetSection("Producer");
        var pr = r.Sub("Producer");
        var p = Producer;
        p.Acks = pr.Enum<AckMode>("Acks") ?? p.Acks;
        p.AutoCreateTopics = pr.Bool("AutoCreateTopics") ?? p.AutoCreateTopics;
        p.Partitioner = pr.Enum<PartitionerKind>("Partitioner") ?? p.Partitioner;
        p.FlushFrequency = pr.Time("FlushFrequency") ?? p.FlushFrequency;
        p.Compression = pr.Enum<KafkaCompression>("Compression") ?? p.Compression;
        p.EnableIdempotence = pr.Bool("EnableIdempotence") ?? p.EnableIdempotence;
        p.MessageTimeout = pr.Time("MessageTimeout") ?? p.MessageTimeout;
        p.QueueCapacity = pr.Int("QueueCapacity") ?? p.QueueCapacity;
        p.QueueFull = pr.Enum<QueueFullPolicy>("QueueFull") ?? p.QueueFull;
        p.DisposeTimeout = pr.Time("DisposeTimeout") ?? p.DisposeTimeout;
        ReadSettings(ps.GetSection("Settings"), p.Settings);

        var cs = section.GetSection("Consumer");
        var cr = r.Sub("Consumer");
        var c = Consumer;
        c.GroupId = cr.String("GroupId") ?? c.GroupId;
        c.StartOffset = cr.Enum<StartOffset>("StartOffset") ?? c.StartOffset;
        c.MaxRetries = cr.Int("MaxRetries") ?? c.MaxRetries;
        var br = cr.Sub("Backoff");
        c.Backoff.InitialDelay = br.Time("InitialDelay") ?? c.Backoff.InitialDelay;
        c.Backoff.Multiplier = br.Double("Multiplier") ?? c.Backoff.Multiplier;
        c.Backoff.MaxDelay = br.Time("MaxDelay") ?? c.Backoff.MaxDelay;
        c.Backoff.Jitter = br.Double("Jitter") ?? c.Backoff.Jitter;
        c.FailurePolicy = cr.Enum<FailurePolicy>("FailurePolicy") ?? c.FailurePolicy;
        c.DeadLetterTopic = cr.String("DeadLetterTopic") ?? c.DeadLetterTopic;
        c.AutoCreateTopics = cr.Bool("AutoCreateTopics") ?? c.AutoCreateTopics;
        c.DisablePayloadLogging = cr.Bool("DisablePayloadLogging") ?? c.DisablePayloadLogging;
        c.MaxDegreeOfParallelism = cr.Int("MaxDegreeOfParallelism") ?? c.MaxDegreeOfParallelism;
        c.MaxBufferedMessagesPerPartition = cr.Int("MaxBufferedMessagesPerPartition") ?? c.MaxBufferedMessagesPerPartition;
        c.MaxBufferedMessages = cr.Int("MaxBufferedMessages") ?? c.MaxBufferedMessages;
        c.ShutdownTimeout = cr.Time("ShutdownTimeout") ?? c.ShutdownTimeout;
        c.CommitInterval = cr.Time("CommitInterval") ?? c.CommitInterval;
        c.SessionTimeout = cr.Time("SessionTimeout") ?? c.SessionTimeout;
        c.HeartbeatInterval = cr.Time("HeartbeatInterval") ?? c.HeartbeatInterval;
        c.TraceContext = cr.Enum<TraceContextMode>("TraceContext") ?? c.TraceContext;
        ReadSettings(cs.GetSection("Settings"), c.Settings);

        var rr = r.Sub("SchemaRegistry");
        var sr = SchemaRegistry;
        sr.Url = rr.String("Url") ?? sr.Url;
        sr.BasicAuthUserInfo = rr.String("BasicAuthUserInfo") ?? sr.BasicAuthUserInfo;
        sr.SslCaLocation = rr.String("SslCaLocation") ?? sr.SslCaLocation;
        sr.SslKeystoreLocation = rr.String("SslKeystoreLocation") ?? sr.SslKeystoreLocation;
        sr.SslKeystorePassword = rr.String("SslKeystorePassword") ?? sr.SslKeystorePassword;
        sr.EnableSslCertificateVerification = rr.Bool("EnableSslCertificateVerification") ?? sr.EnableSslCertificateVerification;
        sr.SubjectNameStrategy = rr.Enum<Avro.AvroSubjectNameStrategy>("SubjectNameStrategy") ?? sr.SubjectNameStrategy;
        sr.Registration = rr.Enum<Avro.AvroSchemaRegistration>("Registration") ?? sr.Registration;
        sr.NormalizeSchemas = rr.Bool("NormalizeSchemas") ?? sr.NormalizeSchemas;
        sr.Timeout = rr.Time("Timeout") ?? sr.Timeout;
    }

    /// <summary>
    /// The Avro serde options <see cref="SchemaRegistry"/> describes, or <see langword="null"/> when no URL is set.
    /// </summary>
    public Avro.AvroSerdeOptions? ToAvroSerdeOptions()
    {
        var sr = SchemaRegistry;
        if (sr.Url is null)
        {
            return null;
        }

        var registry = new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = sr.Url };
        if (sr.BasicAuthUserInfo is not null)
        {
            registry.BasicAuthUserInfo = sr.BasicAuthUserInfo;
            registry.BasicAuthCredentialsSource = Confluent.SchemaRegistry.AuthCredentialsSource.UserInfo;
        }

        registry.SslCaLocation = sr.SslCaLocation;
        registry.SslKeystoreLocation = sr.SslKeystoreLocation;
        registry.SslKeystorePassword = sr.SslKeystorePassword;
        if (sr.EnableSslCertificateVerification is { } verify)
        {
            registry.EnableSslCertificateVerification = verify;
        }

        var options = new Avro.AvroSerdeOptions { Registry = registry };
        options.SubjectNameStrategy = sr.SubjectNameStrategy ?? options.SubjectNameStrategy;
        options.Registration = sr.Registration ?? options.Registration;
        options.NormalizeSchemas = sr.NormalizeSchemas ?? options.NormalizeSchemas;
        options.RegistryTimeout = sr.Timeout ?? options.RegistryTimeout;
        return options;
    }

    private static TlsOptions? BindTls(IConfigurationSection section, Reader r)
    {
        if (!section.GetChildren().Any())
        {
            return null;
        }

        return new TlsOptions
        {
            CaLocation = r.String("CaLocation"),
            CertificateLocation = r.String("CertificateLocation"),
            KeyLocation = r.String("KeyLocation"),
            KeyPassword = section["KeyPassword"],
            EnableHostnameVerification = r.Bool("EnableHostnameVerification") ?? true,
        };
    }

    private static SaslOptions? BindSasl(IConfigurationSection section, Reader r)
    {
        if (!section.GetChildren().Any())
        {
            return null;
        }

        var endpoint = r.String("OAuthTokenEndpoint");
        Uri? uri = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
        {
            r.Error("OAuthTokenEndpoint", endpoint, "an absolute URL");
        }

        return new SaslOptions
        {
            Mechanism = r.Enum<SaslMechanism>("Mechanism") ?? SaslMechanism.Plain,
            Username = r.String("Username"),
            Password = section["Password"],
            OAuthTokenEndpoint = uri,
            OAuthClientId = r.String("OAuthClientId"),
            OAuthClientSecret = section["OAuthClientSecret"],
            OAuthScope = r.String("OAuthScope"),
        };
    }

    private static void ReadSettings(IConfigurationSection section, IDictionary<string, string> target)
    {
        foreach (var child in section.GetChildren())
        {
            if (child.Value is not null)
            {
                target[child.Key] = child.Value;
            }
        }
    }

    private readonly struct Reader(IConfiguration section, string path, List<string> errors)
    {
        public Reader Sub(string key) => new(section.GetSection(key), path + ":" + key, errors);

        public string? String(string key) => section[key] is { Length: > 0 } value ? value : null;

        public bool? Bool(string key)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            Error(key, text, "true or false");
            return null;
        }

        public int? Int(string key)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(key, text, "a whole number");
            return null;
        }

        public double? Double(string key)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(key, text, "a number such as 1.5");
            return null;
        }

        public TimeSpan? Time(string key)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(key, text, "a time span such as 00:00:05 or 00:00:00.250");
            return null;
        }

        public TEnum? Enum<TEnum>(string key)
            where TEnum : struct, System.Enum
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (!text.AsSpan().ContainsAnyInRange('0', '9') && System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value))
            {
                return value;
            }

            Error(key, text, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>()));
            return null;
        }

        public void Error(string key, string value, string allowed)
            => errors.Add($"Invalid Kafka configuration: {path}:{key} = '{value}'; expected {allowed}.");
    }
}

/// <summary>Producer settings in configuration; <see langword="null"/> keeps the <see cref="ProducerOptions"/> default.</summary>
public sealed class KafkaTypedProducerSettings
{
    /// <summary>See <see cref="ProducerOptions.Acks"/>.</summary>
    public AckMode? Acks { get; set; }

    /// <summary>See <see cref="ProducerOptions.AutoCreateTopics"/>.</summary>
    public bool? AutoCreateTopics { get; set; }

    /// <summary>See <see cref="ProducerOptions.Partitioner"/>.</summary>
    public PartitionerKind? Partitioner { get; set; }

    /// <summary>See <see cref="ProducerOptions.FlushFrequency"/>.</summary>
    public TimeSpan? FlushFrequency { get; set; }

    /// <summary>See <see cref="ProducerOptions.Compression"/>.</summary>
    public KafkaCompression? Compression { get; set; }

    /// <summary>See <see cref="ProducerOptions.EnableIdempotence"/>.</summary>
    public bool? EnableIdempotence { get; set; }

    /// <summary>See <see cref="ProducerOptions.MessageTimeout"/>.</summary>
    public TimeSpan? MessageTimeout { get; set; }

    /// <summary>See <see cref="ProducerOptions.QueueCapacity"/>.</summary>
    public int? QueueCapacity { get; set; }

    /// <summary>See <see cref="ProducerOptions.QueueFull"/>.</summary>
    public QueueFullPolicy? QueueFull { get; set; }

    /// <summary>See <see cref="ProducerOptions.DisposeTimeout"/>.</summary>
    public TimeSpan? DisposeTimeout { get; set; }

    /// <summary>See <see cref="ProducerOptions.Settings"/>.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Consumer settings in configuration; <see langword="null"/> keeps the <see cref="ConsumerOptions"/> default.</summary>
public sealed class KafkaTypedConsumerSettings
{
    /// <summary>See <see cref="ConsumerOptions.GroupId"/>.</summary>
    public string? GroupId { get; set; }

    /// <summary>See <see cref="ConsumerOptions.StartOffset"/>.</summary>
    public StartOffset? StartOffset { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxRetries"/>.</summary>
    public int? MaxRetries { get; set; }

    /// <summary>See <see cref="ConsumerOptions.Backoff"/>.</summary>
    public KafkaTypedBackoffSettings Backoff { get; } = new();

    /// <summary>See <see cref="ConsumerOptions.FailurePolicy"/>.</summary>
    public FailurePolicy? FailurePolicy { get; set; }

    /// <summary>See <see cref="ConsumerOptions.DeadLetterTopic"/>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>See <see cref="ConsumerOptions.AutoCreateTopics"/>.</summary>
    public bool? AutoCreateTopics { get; set; }

    /// <summary>See <see cref="ConsumerOptions.DisablePayloadLogging"/>.</summary>
    public bool? DisablePayloadLogging { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxDegreeOfParallelism"/>.</summary>
    public int? MaxDegreeOfParallelism { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBufferedMessagesPerPartition"/>.</summary>
    public int? MaxBufferedMessagesPerPartition { get; set; }

    /// <summary>See <see cref="ConsumerOptions.MaxBufferedMessages"/>.</summary>
    public int? MaxBufferedMessages { get; set; }

    /// <summary>See <see cref="ConsumerOptions.ShutdownTimeout"/>.</summary>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>See <see cref="ConsumerOptions.CommitInterval"/>.</summary>
    public TimeSpan? CommitInterval { get; set; }

    /// <summary>See <see cref="ConsumerOptions.SessionTimeout"/>.</summary>
    public TimeSpan? SessionTimeout { get; set; }

    /// <summary>See <see cref="ConsumerOptions.HeartbeatInterval"/>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>See <see cref="ConsumerOptions.TraceContext"/>.</summary>
    public TraceContextMode? TraceContext { get; set; }

    /// <summary>See <see cref="ConsumerOptions.Settings"/>.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Retry backoff settings in configuration; <see langword="null"/> keeps the <see cref="RetryBackoff"/> default.</summary>
public sealed class KafkaTypedBackoffSettings
{
    /// <summary>See <see cref="RetryBackoff.InitialDelay"/>.</summary>
    public TimeSpan? InitialDelay { get; set; }

    /// <summary>See <see cref="RetryBackoff.Multiplier"/>.</summary>
    public double? Multiplier { get; set; }

    /// <summary>See <see cref="RetryBackoff.MaxDelay"/>.</summary>
    public TimeSpan? MaxDelay { get; set; }

    /// <summary>See <see cref="RetryBackoff.Jitter"/>.</summary>
    public double? Jitter { get; set; }
}

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
