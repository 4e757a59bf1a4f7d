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
    public IList<string> BootstrapServers { get; private init; } = [];

    /// <summary>How long a client waits for the cluster at creation; <see langword="null"/> keeps <see cref="KafkaAppConfig.ConnectTimeout"/>'s default.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>TLS for every client; <see langword="null"/> for plaintext.</summary>
    public TlsOptions? Tls { get; set; }

    /// <summary>SASL for every client; <see langword="null"/> for none.</summary>
    public SaslOptions? Sasl { get; set; }

    /// <summary>Settings of the application's producers.</summary>
    public KafkaTypedProducerSettings Producer { get; private init; } = new();

    /// <summary>Settings every consumer starts from; a <see cref="KafkaConsumerAttribute"/> argument overrides its field.</summary>
    public KafkaTypedConsumerSettings Consumer { get; private init; } = new();

    /// <summary>The Schema Registry of the Avro message types (<c>Kafka:SchemaRegistry</c>).</summary>
    public KafkaTypedSchemaRegistrySettings SchemaRegistry { get; private init; } = new();

    /// <summary>
    /// Topic names per message type (<c>Kafka:Topics:{MessageType}</c>): the key is the type's name (<c>OrderPlaced</c>) or,
    /// when two message types share a name, its full name (<c>Shop.Orders.OrderPlaced</c>); the value replaces the
    /// <see cref="KafkaTopicAttribute"/> topic for its producer and every consumer of the type. A key naming no message type of
    /// the application fails start-up. Keys are case-insensitive, as configuration keys are.
    /// </summary>
    public IDictionary<string, string> Topics { get; private init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The naming convention of every topic (<c>Kafka:TopicTemplate</c>), for example <c>{environment}.{topic}</c> or
    /// <c>{topic}-{server}</c>: applied to each message type's topic (after <see cref="Topics"/>) and to every configured or
    /// compile-time dead-letter topic, so producers, consumers and dead-letter topics agree. Placeholders: <c>{topic}</c>
    /// (required), <c>{app}</c> (<see cref="AppName"/>), <c>{server}</c> (<see cref="Server"/>) and <c>{environment}</c>
    /// (<see cref="EnvironmentName"/>). <see langword="null"/> (the default) uses the names as they are.
    /// </summary>
    public string? TopicTemplate { get; set; }

    /// <summary>
    /// The value of <c>{environment}</c> in <see cref="TopicTemplate"/>: <c>Kafka:Environment</c> when set, else the host's
    /// environment name (<c>IHostEnvironment.EnvironmentName</c>, for example <c>Production</c>) in lower case.
    /// </summary>
    public string? EnvironmentName { get; set; }

    /// <summary>
    /// Whether consumers run (<c>Kafka:Consumers:Enabled</c>); <see langword="false"/> makes a producer-only host unless a
    /// consumer's own section (<c>Kafka:Consumers:{HandlerName}:Enabled</c>) enables it. <see langword="null"/> (not set)
    /// takes <c>Kafka:Consumer:Enabled</c>, else true.
    /// </summary>
    public bool? ConsumersEnabled { get; set; }

    /// <summary>
    /// Per-consumer settings (<c>Kafka:Consumers:{HandlerName}</c>), keyed by the handler class's name (or its full name when
    /// two handlers share a name). Each field set here overrides the <see cref="KafkaConsumerAttribute"/> argument, which
    /// overrides <see cref="Consumer"/>, which overrides the <see cref="ConsumerOptions"/> defaults. A key naming no handler of
    /// the application fails start-up. A handler class with several <see cref="KafkaConsumerAttribute"/>s gets the section for
    /// each of its consumers.
    /// </summary>
    public IDictionary<string, KafkaTypedConsumerSettings> Consumers { get; private init; } = new Dictionary<string, KafkaTypedConsumerSettings>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Named clusters besides the default one (<c>Kafka:Clusters:{name}</c>), each with its own bootstrap servers (or
    /// Aspire's <c>ConnectionStrings:{name}</c>), security and Schema Registry, and the message types bound to it
    /// (<c>MessageTypes</c>): their producers send there and their consumers read there, unless a consumer's section names
    /// another cluster (<c>Kafka:Consumers:{HandlerName}:Cluster</c>). Everything else uses the default cluster.
    /// </summary>
    public IDictionary<string, KafkaTypedClusterSettings> Clusters { get; private init; } = new Dictionary<string, KafkaTypedClusterSettings>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The configuration path the options were bound from (for error messages); <c>Kafka</c> when unknown.</summary>
    public string SectionPath { get; set; } = "Kafka";

    /// <summary>
    /// The container's meter factory (set by <c>AddKafkaTyped</c>, never bound from configuration): every producer and
    /// consumer the host creates records on its meter (<see cref="ProducerOptions.MeterFactory"/>, <see cref="ConsumerOptions.MeterFactory"/>).
    /// </summary>
    internal System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

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
            MeterFactory = MeterFactory,
        };
    }

    /// <summary>
    /// The options of one consumer, each field taken from the first layer that sets it: the consumer's own section
    /// (<c>Kafka:Consumers:{HandlerName}</c>, see <see cref="Consumers"/>), then <paramref name="definition"/> (the attribute's
    /// arguments), then <see cref="Consumer"/>, then the <see cref="ConsumerOptions"/> defaults. Raw <c>Settings</c> merge key
    /// by key in the same order. A dead-letter topic goes through <see cref="TopicTemplate"/>.
    /// </summary>
    /// <param name="definition">The consumer's compile-time arguments; <see langword="null"/> for none.</param>
    public ConsumerOptions ToConsumerOptions(KafkaConsumerDefinition? definition = null)
    {
        var d = new ConsumerOptions();
        var c = Consumer;
        var s = definition is null ? null : ConsumerSection(definition.HandlerName);
        var b = c.Backoff;
        var sb = s?.Backoff;
        var backoff = new RetryBackoff
        {
            InitialDelay = sb?.InitialDelay ?? definition?.RetryBackoff ?? b.InitialDelay ?? d.Backoff.InitialDelay,
            Multiplier = sb?.Multiplier ?? b.Multiplier ?? d.Backoff.Multiplier,
            MaxDelay = sb?.MaxDelay ?? definition?.MaxRetryBackoff ?? b.MaxDelay ?? d.Backoff.MaxDelay,
            Jitter = sb?.Jitter ?? b.Jitter ?? d.Backoff.Jitter,
        };
        var deadLetter = s?.DeadLetterTopic ?? definition?.DeadLetterTopic ?? c.DeadLetterTopic;
        Dictionary<string, string>? settings = null;
        if (c.Settings.Count > 0 || s?.Settings.Count > 0)
        {
            settings = new Dictionary<string, string>(c.Settings, StringComparer.Ordinal);
            foreach (var pair in s?.Settings ?? EmptySettings)
            {
                settings[pair.Key] = pair.Value;
            }
        }

        return new ConsumerOptions
        {
            GroupId = s?.GroupId ?? definition?.GroupId ?? c.GroupId,
            StartOffset = s?.StartOffset ?? definition?.StartOffset ?? c.StartOffset ?? d.StartOffset,
            MaxRetries = s?.MaxRetries ?? definition?.MaxRetries ?? c.MaxRetries ?? d.MaxRetries,
            Backoff = backoff,
            FailurePolicy = s?.FailurePolicy ?? definition?.FailurePolicy ?? c.FailurePolicy ?? d.FailurePolicy,
            DeadLetterTopic = deadLetter is null ? null : ApplyTopicTemplate(deadLetter),
            AutoCreateTopics = s?.AutoCreateTopics ?? c.AutoCreateTopics ?? d.AutoCreateTopics,
            DisablePayloadLogging = s?.DisablePayloadLogging ?? c.DisablePayloadLogging ?? d.DisablePayloadLogging,
            MaxDegreeOfParallelism = s?.MaxDegreeOfParallelism ?? definition?.MaxDegreeOfParallelism ?? c.MaxDegreeOfParallelism ?? d.MaxDegreeOfParallelism,
            Concurrency = s?.Concurrency ?? definition?.Concurrency ?? c.Concurrency ?? d.Concurrency,
            MaxInFlightPerPartition = s?.MaxInFlightPerPartition ?? definition?.MaxInFlightPerPartition ?? c.MaxInFlightPerPartition ?? d.MaxInFlightPerPartition,
            MaxBufferedMessagesPerPartition = s?.MaxBufferedMessagesPerPartition ?? c.MaxBufferedMessagesPerPartition ?? d.MaxBufferedMessagesPerPartition,
            MaxBatchSize = s?.MaxBatchSize ?? definition?.MaxBatchSize ?? c.MaxBatchSize ?? d.MaxBatchSize,
            MaxBatchWait = s?.MaxBatchWait ?? definition?.MaxBatchWait ?? c.MaxBatchWait ?? d.MaxBatchWait,
            MaxBufferedMessages = s?.MaxBufferedMessages ?? c.MaxBufferedMessages ?? d.MaxBufferedMessages,
            ShutdownTimeout = s?.ShutdownTimeout ?? c.ShutdownTimeout ?? d.ShutdownTimeout,
            CommitInterval = s?.CommitInterval ?? c.CommitInterval ?? d.CommitInterval,
            SessionTimeout = s?.SessionTimeout ?? c.SessionTimeout,
            HeartbeatInterval = s?.HeartbeatInterval ?? c.HeartbeatInterval,
            TraceContext = s?.TraceContext ?? c.TraceContext ?? d.TraceContext,
            Settings = settings,
            Tls = Tls,
            Sasl = Sasl,
            MeterFactory = MeterFactory,
        };
    }

    /// <summary>
    /// What the consumer of <paramref name="definition"/> does with a record of a message type none of its group's handlers
    /// takes, on a topic of several types: its section's <c>UnknownMessageTypes</c>, else <c>Kafka:Consumer:UnknownMessageTypes</c>,
    /// else <see cref="UnknownMessageTypePolicy.Skip"/>.
    /// </summary>
    /// <param name="definition">The consumer.</param>
    public UnknownMessageTypePolicy UnknownMessageTypesOf(KafkaConsumerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return ConsumerSection(definition.HandlerName)?.UnknownMessageTypes ?? Consumer.UnknownMessageTypes ?? UnknownMessageTypePolicy.Skip;
    }

    /// <summary>
    /// Whether the consumer of <paramref name="definition"/> runs: its section's <c>Enabled</c>, else
    /// <see cref="ConsumersEnabled"/>, else <c>Kafka:Consumer:Enabled</c>, else true.
    /// </summary>
    /// <param name="definition">The consumer.</param>
    public bool IsConsumerEnabled(KafkaConsumerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return ConsumerSection(definition.HandlerName)?.Enabled ?? ConsumersEnabled ?? Consumer.Enabled ?? true;
    }

    /// <summary>
    /// The topic of a message type: <see cref="Topics"/>' entry for the type (by full name, else by name) or
    /// <paramref name="topic"/>, then <see cref="TopicTemplate"/>.
    /// </summary>
    /// <param name="messageTypeName">The message type's full name (<c>Shop.OrderPlaced</c>; nested types joined with dots).</param>
    /// <param name="topic">The topic of its <see cref="KafkaTopicAttribute"/>.</param>
    public string ResolveTopic(string messageTypeName, string topic)
    {
        ArgumentNullException.ThrowIfNull(messageTypeName);
        ArgumentNullException.ThrowIfNull(topic);
        return ApplyTopicTemplate(TopicOverride(messageTypeName) ?? topic);
    }

    /// <summary><paramref name="topic"/> through <see cref="TopicTemplate"/> (unchanged when no template is set).</summary>
    /// <param name="topic">A topic name from an attribute or configuration.</param>
    public string ApplyTopicTemplate(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (string.IsNullOrEmpty(TopicTemplate))
        {
            return topic;
        }

        return TopicTemplate
            .Replace("{topic}", topic, StringComparison.Ordinal)
            .Replace("{app}", AppName ?? string.Empty, StringComparison.Ordinal)
            .Replace("{server}", Server ?? string.Empty, StringComparison.Ordinal)
            .Replace("{environment}", EnvironmentName ?? string.Empty, StringComparison.Ordinal);
    }

    /// <summary>The <see cref="Topics"/> entry of a message type (full name first, then the name after the last dot), or <see langword="null"/>.</summary>
    internal string? TopicOverride(string messageTypeName)
        => Topics.TryGetValue(messageTypeName, out var full) ? full
            : Topics.TryGetValue(ShortName(messageTypeName), out var simple) ? simple
            : null;

    /// <summary>The <see cref="Consumers"/> section of a handler (full name first, then the name after the last dot), or <see langword="null"/>.</summary>
    internal KafkaTypedConsumerSettings? ConsumerSection(string handlerName)
        => Consumers.TryGetValue(handlerName, out var full) ? full
            : Consumers.TryGetValue(ShortName(handlerName), out var simple) ? simple
            : null;

    /// <summary>
    /// The cluster a message type is bound to (<see cref="KafkaTypedClusterSettings.MessageTypes"/>, by full name or name),
    /// or <see langword="null"/> for the default cluster.
    /// </summary>
    /// <param name="messageTypeName">The message type's full name.</param>
    public string? ClusterOf(string messageTypeName)
    {
        ArgumentNullException.ThrowIfNull(messageTypeName);
        var simple = ShortName(messageTypeName);
        foreach (var (name, cluster) in Clusters)
        {
            if (cluster.MessageTypes.Any(t => string.Equals(t, messageTypeName, StringComparison.OrdinalIgnoreCase) || string.Equals(t, simple, StringComparison.OrdinalIgnoreCase)))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The cluster a consumer reads from: its section's <c>Cluster</c>, else its message type's cluster; <see langword="null"/> for the default.</summary>
    /// <param name="definition">The consumer.</param>
    public string? ClusterOf(KafkaConsumerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return ConsumerSection(definition.HandlerName)?.Cluster ?? ClusterOf(definition.MessageTypeName);
    }

    /// <summary>
    /// These options as seen by the clients of cluster <paramref name="name"/>: its bootstrap servers, and its connect
    /// timeout, TLS, SASL and Schema Registry where it sets them (else the default cluster's); everything else shared.
    /// </summary>
    /// <param name="name">A key of <see cref="Clusters"/>.</param>
    /// <exception cref="KeyNotFoundException">No such cluster.</exception>
    public KafkaTypedOptions ForCluster(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var cluster = Clusters[name];
        return new KafkaTypedOptions
        {
            AppName = AppName,
            Server = Server,
            BootstrapServers = cluster.BootstrapServers,
            ConnectTimeout = cluster.ConnectTimeout ?? ConnectTimeout,
            Tls = cluster.Tls ?? Tls,
            Sasl = cluster.Sasl ?? Sasl,
            Producer = Producer,
            Consumer = Consumer,
            SchemaRegistry = cluster.SchemaRegistry.Url is null ? SchemaRegistry : cluster.SchemaRegistry,
            Topics = Topics,
            TopicTemplate = TopicTemplate,
            EnvironmentName = EnvironmentName,
            ConsumersEnabled = ConsumersEnabled,
            Consumers = Consumers,
            Clusters = Clusters,
            SectionPath = SectionPath + ":Clusters:" + name,
            MeterFactory = MeterFactory,
        };
    }

    /// <summary>
    /// Takes the bootstrap servers of every named cluster that sets none from <c>ConnectionStrings:{name}</c> of
    /// <paramref name="root"/> (as .NET Aspire provides them).
    /// </summary>
    /// <param name="root">The application's configuration root.</param>
    public void ApplyConnectionStrings(IConfiguration root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var (name, cluster) in Clusters)
        {
            if (cluster.BootstrapServers.Count == 0 && root.GetSection("ConnectionStrings")[name] is { Length: > 0 } connection)
            {
                foreach (var server in connection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    cluster.BootstrapServers.Add(server);
                }
            }
        }
    }

    /// <summary>The part of a full type name after its last dot.</summary>
    internal static string ShortName(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return dot < 0 ? fullName : fullName[(dot + 1)..];
    }

    private static readonly Dictionary<string, string> EmptySettings = new(StringComparer.Ordinal);

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
        ReadServers(section, BootstrapServers);

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

        BindConsumer(section.GetSection("Consumer"), r.Sub("Consumer"), Consumer);

        TopicTemplate = r.String("TopicTemplate") ?? TopicTemplate;
        EnvironmentName = r.String("Environment") ?? EnvironmentName;
        foreach (var child in section.GetSection("Topics").GetChildren())
        {
            if (child.Value is { } topic)
            {
                Topics[child.Key] = topic;
            }
            else if (child.GetChildren().Any())
            {
                r.Sub("Topics").Error(child.Key, "(a section)", "a topic name: Kafka:Topics:{MessageType} = \"name\"");
            }
        }

        foreach (var child in section.GetSection("Clusters").GetChildren())
        {
            if (!Clusters.TryGetValue(child.Key, out var cluster))
            {
                cluster = new KafkaTypedClusterSettings();
                Clusters[child.Key] = cluster;
            }

            var cr = r.Sub("Clusters").Sub(child.Key);
            ReadServers(child, cluster.BootstrapServers);
            cluster.ConnectTimeout = cr.Time("ConnectTimeout") ?? cluster.ConnectTimeout;
            cluster.Tls = BindTls(child.GetSection("Tls"), cr.Sub("Tls")) ?? cluster.Tls;
            cluster.Sasl = BindSasl(child.GetSection("Sasl"), cr.Sub("Sasl")) ?? cluster.Sasl;
            BindSchemaRegistry(cr.Sub("SchemaRegistry"), cluster.SchemaRegistry);
            var types = child.GetSection("MessageTypes");
            if (types.Value is { Length: > 0 } list)
            {
                foreach (var type in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    cluster.MessageTypes.Add(type);
                }
            }

            foreach (var type in types.GetChildren())
            {
                if (type.Value is { Length: > 0 } name)
                {
                    cluster.MessageTypes.Add(name);
                }
            }
        }

        var consumers = section.GetSection("Consumers");
        var consumersReader = r.Sub("Consumers");
        foreach (var child in consumers.GetChildren())
        {
            if (string.Equals(child.Key, "Enabled", StringComparison.OrdinalIgnoreCase))
            {
                ConsumersEnabled = consumersReader.Bool("Enabled") ?? ConsumersEnabled;
                continue;
            }

            if (child.Value is not null && !child.GetChildren().Any())
            {
                consumersReader.Error(child.Key, child.Value, "a section of consumer settings (Kafka:Consumers:{HandlerName}:GroupId and so on) or Kafka:Consumers:Enabled");
                continue;
            }

            if (!Consumers.TryGetValue(child.Key, out var settings))
            {
                settings = new KafkaTypedConsumerSettings();
                Consumers[child.Key] = settings;
            }

            BindConsumer(child, consumersReader.Sub(child.Key), settings);
        }

        BindSchemaRegistry(r.Sub("SchemaRegistry"), SchemaRegistry);
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

    private static void ReadServers(IConfiguration section, IList<string> target)
    {
        var servers = section["BootstrapServers"];
        var serverList = servers is not null
            ? servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetSection("BootstrapServers").GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (serverList.Length > 0)
        {
            target.Clear();
            foreach (var server in serverList)
            {
                target.Add(server);
            }
        }
    }

    private static void BindSchemaRegistry(Reader rr, KafkaTypedSchemaRegistrySettings sr)
    {
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

    private static void BindConsumer(IConfigurationSection cs, Reader cr, KafkaTypedConsumerSettings c)
    {
        c.Enabled = cr.Bool("Enabled") ?? c.Enabled;
        c.Cluster = cr.String("Cluster") ?? c.Cluster;
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
        c.Concurrency = cr.Enum<ConsumerConcurrency>("Concurrency") ?? c.Concurrency;
        c.MaxInFlightPerPartition = cr.Int("MaxInFlightPerPartition") ?? c.MaxInFlightPerPartition;
        c.MaxBufferedMessagesPerPartition = cr.Int("MaxBufferedMessagesPerPartition") ?? c.MaxBufferedMessagesPerPartition;
        c.MaxBatchSize = cr.Int("MaxBatchSize") ?? c.MaxBatchSize;
        c.MaxBatchWait = cr.Time("MaxBatchWait") ?? c.MaxBatchWait;
        c.MaxBufferedMessages = cr.Int("MaxBufferedMessages") ?? c.MaxBufferedMessages;
        c.ShutdownTimeout = cr.Time("ShutdownTimeout") ?? c.ShutdownTimeout;
        c.CommitInterval = cr.Time("CommitInterval") ?? c.CommitInterval;
        c.SessionTimeout = cr.Time("SessionTimeout") ?? c.SessionTimeout;
        c.HeartbeatInterval = cr.Time("HeartbeatInterval") ?? c.HeartbeatInterval;
        c.TraceContext = cr.Enum<TraceContextMode>("TraceContext") ?? c.TraceContext;
        c.UnknownMessageTypes = cr.Enum<UnknownMessageTypePolicy>("UnknownMessageTypes") ?? c.UnknownMessageTypes;
        ReadSettings(cs.GetSection("Settings"), c.Settings);
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
