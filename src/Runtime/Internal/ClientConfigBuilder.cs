using System.Globalization;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>Turns validated options into librdkafka settings. The only place that knows librdkafka's keys.</summary>
internal static class ClientConfigBuilder
{
    // Every key Kafka.Typed sets from its options, under each of librdkafka's names for it (aliases included: a raw
    // alias would silently override the option), plus the keys the exactly-one-report guarantee depends on.
    internal static readonly string[] ProducerOwnedKeys =
    [
        "bootstrap.servers", "metadata.broker.list", "client.id",
        "acks", "request.required.acks", "enable.idempotence",
        "linger.ms", "queue.buffering.max.ms", "message.timeout.ms", "delivery.timeout.ms",
        "compression.type", "compression.codec", "partitioner", "allow.auto.create.topics",
        "delivery.report.only.error", "dotnet.producer.enable.background.poll",
        "dotnet.producer.delivery.report.fields", "dotnet.producer.enable.delivery.reports",
    ];

    internal static readonly string[] ConsumerOwnedKeys =
    [
        "bootstrap.servers", "metadata.broker.list", "client.id", "group.id",
        "enable.auto.offset.store", "enable.auto.commit", "auto.commit.interval.ms",
        "auto.offset.reset", "enable.partition.eof", "allow.auto.create.topics",
    ];

    private const string StickyPartitioningLinger = "sticky.partitioning.linger.ms";

    public static Dictionary<string, string> Producer(KafkaAppConfig app, ProducerOptions options)
    {
        var config = Common(app, options.Tls, options.Sasl);
        config["acks"] = options.Acks switch { AckMode.None => "0", AckMode.Leader => "1", _ => "all" };
        config["enable.idempotence"] = (options.EnableIdempotence ?? options.Acks == AckMode.All) ? "true" : "false";
        config["linger.ms"] = Ms(options.FlushFrequency);
        config["message.timeout.ms"] = Ms(options.MessageTimeout);
        config["compression.type"] = options.Compression switch
        {
            KafkaCompression.Gzip => "gzip",
            KafkaCompression.Snappy => "snappy",
            KafkaCompression.Lz4 => "lz4",
            KafkaCompression.Zstd => "zstd",
            _ => "none",
        };
        config["allow.auto.create.topics"] = options.AutoCreateTopics ? "true" : "false";
        switch (options.Partitioner)
        {
            case PartitionerKind.Murmur2Random:
                config["partitioner"] = "murmur2_random";
                break;
            case PartitionerKind.Fnv1aRandom:
                config["partitioner"] = "fnv1a_random";
                break;
            case PartitionerKind.RoundRobin:
                // The round-robin delegate is librdkafka's partitioner callback, but librdkafka skips the callback for
                // messages without a key and sticks them to one partition per linger period; 0 turns that off.
                config["partitioner"] = "consistent_random";
                config[StickyPartitioningLinger] = "0";
                break;
            default:
                config["partitioner"] = "consistent_random";
                break;
        }

        Raw(config, options.Settings);
        return config;
    }

    public static Dictionary<string, string> Consumer(KafkaAppConfig app, ConsumerOptions options, string groupId)
    {
        var config = Common(app, options.Tls, options.Sasl);
        config["group.id"] = groupId;
        config["enable.auto.commit"] = "true";
        config["enable.auto.offset.store"] = "false";
        config["auto.commit.interval.ms"] = Ms(options.CommitInterval);
        config["auto.offset.reset"] = options.StartOffset == StartOffset.Newest ? "latest" : "earliest";
        config["allow.auto.create.topics"] = options.AutoCreateTopics ? "true" : "false";
        config["enable.partition.eof"] = "false";
        if (options.SessionTimeout is { } session)
        {
            config["session.timeout.ms"] = Ms(session);
        }

        if (options.HeartbeatInterval is { } heartbeat)
        {
            config["heartbeat.interval.ms"] = Ms(heartbeat);
        }

        Raw(config, options.Settings);
        return config;
    }

    public static Dictionary<string, string> Common(KafkaAppConfig app, TlsOptions? tls, SaslOptions? sasl)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = app.BootstrapString,
            ["client.id"] = app.ClientId,
            ["log_level"] = "6",
        };
        config["security.protocol"] = (tls, sasl) switch
        {
            (null, null) => "plaintext",
            (not null, null) => "ssl",
            (null, not null) => "sasl_plaintext",
            _ => "sasl_ssl",
        };
        tls?.Apply(config);
        sasl?.Apply(config);
        return config;
    }

    public static void CheckEnum<T>(T value, string field)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new KafkaConfigurationException(field, value.ToString(), "must be one of " + string.Join(", ", Enum.GetNames<T>()));
        }
    }

    public static void CheckRange(TimeSpan value, TimeSpan min, TimeSpan max, string field)
    {
        if (value < min || value > max)
        {
            throw new KafkaConfigurationException(field, value.ToString("c", CultureInfo.InvariantCulture), $"must be from {min.ToString("c", CultureInfo.InvariantCulture)} to {max.ToString("c", CultureInfo.InvariantCulture)}");
        }
    }

    public static void CheckRawSettings(IReadOnlyDictionary<string, string>? settings, string field, string[] owned)
    {
        if (settings is null)
        {
            return;
        }

        foreach (var (key, value) in settings)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new KafkaConfigurationException(field, key, "keys must be non-empty librdkafka property names");
            }

            if (owned.Contains(key.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                throw new KafkaConfigurationException($"{field}[\"{key}\"]", IsSecret(key) ? "***" : value, "this key is set by Kafka.Typed from its own options; use the matching option instead");
            }

            if (value is null)
            {
                throw new KafkaConfigurationException($"{field}[\"{key}\"]", null, "must not be null");
            }
        }
    }

    /// <summary>Whether a librdkafka key holds a secret that must never be shown.</summary>
    public static bool IsSecret(string key)
        => key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
           || key.Contains("sasl.oauthbearer.config", StringComparison.OrdinalIgnoreCase) || key.EndsWith(".pem", StringComparison.OrdinalIgnoreCase);

    private static void Raw(Dictionary<string, string> config, IReadOnlyDictionary<string, string>? settings)
    {
        if (settings is null)
        {
            return;
        }

        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }
    }

    private static string Ms(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Wraps a librdkafka rejection of a setting into a <see cref="KafkaConfigurationException"/> that names no secret.</summary>
    public static KafkaConfigurationException Rejected(string field, Exception error)
    {
        // librdkafka's message names the property ("Invalid value "x" for configuration property "y""); strip secret values.
        var message = error.Message;
        foreach (var secretKey in new[] { "sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret" })
        {
            if (message.Contains(secretKey, StringComparison.Ordinal))
            {
                message = $"librdkafka rejected '{secretKey}'";
            }
        }

        return new KafkaConfigurationException(field, null, "librdkafka rejected the settings: " + message);
    }
}
