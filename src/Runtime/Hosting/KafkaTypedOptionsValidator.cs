using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// Validates <see cref="KafkaTypedOptions"/> when the host starts (<c>ValidateOnStart</c>): the application config, the
/// producer options and the effective options of every registered consumer. Each failure names the configuration path.
/// </summary>
public sealed class KafkaTypedOptionsValidator : IValidateOptions<KafkaTypedOptions>
{
    private readonly KafkaConsumerDefinition[] _consumers;
    private readonly string[] _avroMessages;
    private readonly KafkaMessageType[] _messages;

    /// <summary>Creates the validator.</summary>
    /// <param name="consumers">The consumers registered by the generated <c>AddKafkaTyped</c>.</param>
    /// <param name="avroMessages">The Avro message types registered by the generated <c>AddKafkaTyped</c>.</param>
    public KafkaTypedOptionsValidator(IEnumerable<KafkaConsumerDefinition> consumers, IEnumerable<KafkaAvroMessage> avroMessages)
        : this(consumers, avroMessages, [])
    {
    }

    /// <summary>Creates the validator.</summary>
    /// <param name="consumers">The consumers registered by the generated <c>AddKafkaTyped</c>.</param>
    /// <param name="avroMessages">The Avro message types registered by the generated <c>AddKafkaTyped</c>.</param>
    /// <param name="messages">The message types whose producers are registered (their topics are checked, and <c>Kafka:Topics</c> keys must name one of them or a consumed type).</param>
    public KafkaTypedOptionsValidator(IEnumerable<KafkaConsumerDefinition> consumers, IEnumerable<KafkaAvroMessage> avroMessages, IEnumerable<KafkaMessageType> messages)
    {
        _consumers = consumers?.ToArray() ?? [];
        _avroMessages = avroMessages?.Select(m => m.TypeName).Distinct(StringComparer.Ordinal).ToArray() ?? [];
        var known = new Dictionary<string, KafkaMessageType>(StringComparer.Ordinal);
        foreach (var message in messages ?? [])
        {
            known.TryAdd(message.TypeName, message);
        }

        foreach (var consumer in _consumers)
        {
            known.TryAdd(consumer.MessageTypeName, new KafkaMessageType(consumer.MessageTypeName, consumer.Topic));
        }

        _messages = [.. known.Values.OrderBy(m => m.TypeName, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KafkaTypedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindErrors);
        Check(failures, options, () => options.ToAppConfig().Validate());
        Check(failures, options, () => options.ToProducerOptions().Validate());
        var templateValid = CheckTemplate(failures, options);
        CheckKeys(failures, options.SectionPath + ":Topics", options.Topics.Keys, _messages.Select(m => m.TypeName), "message type", "the [KafkaTopic] types this application produces or consumes");
        CheckKeys(failures, options.SectionPath + ":Consumers", options.Consumers.Keys, _consumers.Select(c => c.HandlerName), "handler", "the [KafkaConsumer] handlers of this application");
        var topics = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in _messages)
        {
            var configured = options.TopicOverride(message.TypeName);
            var topic = options.ResolveTopic(message.TypeName, message.Topic);
            topics[message.TypeName] = topic;
            if (TopicName.Check(topic) is not { } problem || !templateValid)
            {
                continue;
            }

            failures.Add(string.IsNullOrEmpty(options.TopicTemplate)
                ? $"Invalid Kafka configuration: {TopicKey(options, message.TypeName)} = '{configured}'; {problem}."
                : $"Invalid Kafka configuration: {options.SectionPath}:TopicTemplate = '{options.TopicTemplate}' makes the topic of {message.TypeName} '{topic}'{(configured is null ? string.Empty : " (from " + TopicKey(options, message.TypeName) + " = '" + configured + "')")}; {problem}.");
        }

        foreach (var consumer in _consumers)
        {
            var section = options.ConsumerSection(consumer.HandlerName);
            var sectionPath = options.SectionPath + ":Consumers:" + (section is null ? consumer.HandlerName : SectionKey(options, consumer.HandlerName));
            var consumerOptions = options.ToConsumerOptions(consumer);
            try
            {
                consumerOptions.Validate();
            }
            catch (KafkaConfigurationException e)
            {
                var rest = e.Field.StartsWith("ConsumerOptions.", StringComparison.Ordinal) ? e.Field["ConsumerOptions.".Length..] : e.Field;
                if (section is not null && SectionSets(section, rest))
                {
                    failures.Add($"Invalid Kafka configuration: {sectionPath}:{KeyPath(rest)} = {(e.Value is null ? "(null)" : "'" + e.Value + "'")}; {e.Allowed}.");
                }
                else
                {
                    failures.Add($"Invalid Kafka configuration: {ConfigPath(options.SectionPath, e.Field + " (consumer " + consumer.HandlerName + ")")} = {(e.Value is null ? "(null)" : "'" + e.Value + "'")}; {e.Allowed}.");
                }

                continue;
            }

            var consumed = topics.TryGetValue(consumer.MessageTypeName, out var resolved) ? resolved : consumer.Topic;
            if (consumerOptions.DeadLetterTopic == consumed)
            {
                var where = section?.DeadLetterTopic is not null ? sectionPath + ":DeadLetterTopic" : consumer.DeadLetterTopic is not null ? "DeadLetterTopic of [KafkaConsumer] on " + consumer.HandlerName : options.SectionPath + ":Consumer:DeadLetterTopic (consumer " + consumer.HandlerName + ")";
                failures.Add($"Invalid Kafka configuration: {where} = '{consumerOptions.DeadLetterTopic}'; must differ from the topic consumed.");
            }
        }

        CheckClusters(failures, options);

        // An Avro type needs the registry of its cluster (a named cluster without its own URL uses Kafka:SchemaRegistry).
        var withoutRegistry = _avroMessages
            .Where(m => (options.ClusterOf(m) is { } cluster && options.Clusters[cluster].SchemaRegistry.Url is { } own ? own : options.SchemaRegistry.Url) is null)
            .ToArray();
        if (withoutRegistry.Length > 0 && !Avro.KafkaAvroDefaults.IsConfigured)
        {
            failures.Add($"Invalid Kafka configuration: {options.SectionPath}:SchemaRegistry:Url is not set, but these message types use Avro (the default format) or KafkaFormat.JsonSchema and need a Schema Registry: {string.Join(", ", withoutRegistry)}; set the URL, call KafkaAvroDefaults.Configure before the host starts, or mark the types [KafkaTopic(..., Format = KafkaFormat.Json)].");
        }

        Check(failures, options, () =>
        {
            if (options.ToAvroSerdeOptions() is { } avro)
            {
                avro.Validate(needsUrl: true);
            }
        });

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// Each named cluster: its connection (bootstrap servers from the section or <c>ConnectionStrings:{name}</c>, TLS, SASL,
    /// registry) as the default cluster's is checked, its message types known and bound to one cluster only; and each
    /// consumer's <c>Cluster</c> names a cluster.
    /// </summary>
    private void CheckClusters(List<string> failures, KafkaTypedOptions options)
    {
        var boundTo = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in options.Clusters.Keys.Order(StringComparer.Ordinal))
        {
            var cluster = options.ForCluster(name);
            var path = cluster.SectionPath;
            if (cluster.BootstrapServers.Count == 0)
            {
                failures.Add($"Invalid Kafka configuration: {path}:BootstrapServers is not set and there is no ConnectionStrings:{name}; at least one broker address 'host:port' is required.");
            }
            else
            {
                Check(failures, cluster, () => cluster.ToAppConfig().Validate());
            }

            if (options.Clusters[name].SchemaRegistry.Url is not null)
            {
                Check(failures, cluster, () => cluster.ToAvroSerdeOptions()?.Validate(needsUrl: true));
            }

            foreach (var type in options.Clusters[name].MessageTypes)
            {
                var matches = _messages.Where(m => string.Equals(m.TypeName, type, StringComparison.OrdinalIgnoreCase)).ToArray();
                if (matches.Length == 0)
                {
                    matches = _messages.Where(m => string.Equals(KafkaTypedOptions.ShortName(m.TypeName), type, StringComparison.OrdinalIgnoreCase)).ToArray();
                }

                if (matches.Length != 1)
                {
                    failures.Add(matches.Length == 0
                        ? $"Invalid Kafka configuration: {path}:MessageTypes contains '{type}', which names no message type of this application; known: {string.Join(", ", _messages.Select(m => KafkaTypedOptions.ShortName(m.TypeName)))}."
                        : $"Invalid Kafka configuration: {path}:MessageTypes contains '{type}', which is ambiguous: {string.Join(" and ", matches.Select(m => m.TypeName))}; use the full name.");
                    continue;
                }

                if (boundTo.TryGetValue(matches[0].TypeName, out var other) && other != name)
                {
                    failures.Add($"Invalid Kafka configuration: {path}:MessageTypes binds {matches[0].TypeName}, which {options.SectionPath}:Clusters:{other}:MessageTypes binds too; a message type lives on one cluster.");
                }

                boundTo.TryAdd(matches[0].TypeName, name);
            }
        }

        foreach (var consumer in _consumers)
        {
            if (options.ConsumerSection(consumer.HandlerName)?.Cluster is { } cluster && !options.Clusters.ContainsKey(cluster))
            {
                failures.Add($"Invalid Kafka configuration: {options.SectionPath}:Consumers:{SectionKey(options, consumer.HandlerName)}:Cluster = '{cluster}'; names no cluster: the clusters are {(options.Clusters.Count == 0 ? "(none: set Kafka:Clusters:{name})" : string.Join(", ", options.Clusters.Keys))}.");
            }
        }
    }

    /// <summary>The template's placeholders: <c>{topic}</c> required, only known names, <c>{environment}</c> only with an environment name.</summary>
    private static bool CheckTemplate(List<string> failures, KafkaTypedOptions options)
    {
        var template = options.TopicTemplate;
        if (string.IsNullOrEmpty(template))
        {
            return true;
        }

        var key = options.SectionPath + ":TopicTemplate";
        var count = failures.Count;
        if (!template.Contains("{topic}", StringComparison.Ordinal))
        {
            failures.Add($"Invalid Kafka configuration: {key} = '{template}'; must contain {{topic}} (every message type would otherwise share one topic).");
        }

        for (var open = template.IndexOf('{', StringComparison.Ordinal); open >= 0; open = template.IndexOf('{', open + 1))
        {
            var close = template.IndexOf('}', open);
            var placeholder = close < 0 ? template[open..] : template[open..(close + 1)];
            if (placeholder is not ("{topic}" or "{app}" or "{server}" or "{environment}"))
            {
                failures.Add($"Invalid Kafka configuration: {key} = '{template}'; unknown placeholder '{placeholder}': use {{topic}}, {{app}}, {{server}} or {{environment}}.");
            }
        }

        if (template.Contains("{environment}", StringComparison.Ordinal) && string.IsNullOrEmpty(options.EnvironmentName))
        {
            failures.Add($"Invalid Kafka configuration: {key} = '{template}'; uses {{environment}}, but no environment name is known: set {options.SectionPath}:Environment or run under a host (IHostEnvironment).");
        }

        return failures.Count == count;
    }

    /// <summary>Each configuration key must name exactly one known type, by full name or by name.</summary>
    private static void CheckKeys(List<string> failures, string path, IEnumerable<string> keys, IEnumerable<string> knownNames, string kind, string what)
    {
        var known = knownNames.Distinct(StringComparer.Ordinal).ToArray();
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            if (known.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var matches = known.Where(k => string.Equals(KafkaTypedOptions.ShortName(k), key, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (matches.Length == 1)
            {
                continue;
            }

            failures.Add(matches.Length > 1
                ? $"Invalid Kafka configuration: {path}:{key} is ambiguous: it names the {kind}s {string.Join(" and ", matches)}; use the full name as the key ({path}:{matches[0]})."
                : $"Invalid Kafka configuration: {path}:{key} names no {kind} of this application; the keys are {what}: {(known.Length == 0 ? "(none registered)" : string.Join(", ", known.Select(KafkaTypedOptions.ShortName)))} (or their full names).");
        }
    }

    private static string TopicKey(KafkaTypedOptions options, string typeName)
        => options.SectionPath + ":Topics:" + (options.Topics.ContainsKey(typeName) ? typeName : KafkaTypedOptions.ShortName(typeName));

    private static string SectionKey(KafkaTypedOptions options, string handlerName)
        => options.Consumers.ContainsKey(handlerName) ? handlerName : KafkaTypedOptions.ShortName(handlerName);

    /// <summary>Whether a consumer's own section supplied the field named by <paramref name="rest"/> (<c>MaxRetries</c>, <c>Backoff.MaxDelay</c>, <c>Settings["k"]</c>).</summary>
    private static bool SectionSets(KafkaTypedConsumerSettings s, string rest)
    {
        var end = rest.IndexOfAny([' ', '[']);
        var field = end < 0 ? rest : rest[..end];
        return field switch
        {
            "GroupId" => s.GroupId is not null,
            "StartOffset" => s.StartOffset is not null,
            "MaxRetries" => s.MaxRetries is not null,
            "Backoff.InitialDelay" => s.Backoff.InitialDelay is not null,
            "Backoff.Multiplier" => s.Backoff.Multiplier is not null,
            "Backoff.MaxDelay" => s.Backoff.MaxDelay is not null,
            "Backoff.Jitter" => s.Backoff.Jitter is not null,
            "FailurePolicy" => s.FailurePolicy is not null,
            "DeadLetterTopic" => s.DeadLetterTopic is not null,
            "MaxDegreeOfParallelism" => s.MaxDegreeOfParallelism is not null,
            "Concurrency" => s.Concurrency is not null,
            "MaxInFlightPerPartition" => s.MaxInFlightPerPartition is not null,
            "MaxBufferedMessagesPerPartition" => s.MaxBufferedMessagesPerPartition is not null,
            "MaxBatchSize" => s.MaxBatchSize is not null,
            "MaxBatchWait" => s.MaxBatchWait is not null,
            "MaxBufferedMessages" => s.MaxBufferedMessages is not null,
            "ShutdownTimeout" => s.ShutdownTimeout is not null,
            "CommitInterval" => s.CommitInterval is not null,
            "SessionTimeout" => s.SessionTimeout is not null,
            "HeartbeatInterval" => s.HeartbeatInterval is not null,
            "TraceContext" => s.TraceContext is not null,
            "Settings" => rest.Length > field.Length + 4 && s.Settings.ContainsKey(rest[(field.Length + 2)..rest.IndexOf("\"]", StringComparison.Ordinal)]),
            _ => false,
        };
    }

    /// <summary><c>Backoff.MaxDelay</c> → <c>Backoff:MaxDelay</c>; <c>Settings["linger.ms"]</c> → <c>Settings:linger.ms</c> (the raw key unchanged).</summary>
    private static string KeyPath(string rest)
    {
        var bracket = rest.IndexOf("[\"", StringComparison.Ordinal);
        if (bracket >= 0)
        {
            var close = rest.IndexOf("\"]", bracket, StringComparison.Ordinal);
            return rest[..bracket].Replace('.', ':') + ":" + rest[(bracket + 2)..close] + rest[(close + 2)..];
        }

        return rest.Replace('.', ':');
    }

    private static void Check(List<string> failures, KafkaTypedOptions options, Action check)
    {
        try
        {
            check();
        }
        catch (KafkaConfigurationException e)
        {
            failures.Add($"Invalid Kafka configuration: {ConfigPath(options.SectionPath, e.Field)} = {(e.Value is null ? "(null)" : "'" + e.Value + "'")}; {e.Allowed}.");
        }
    }

    /// <summary>Maps a runtime field name (<c>ProducerOptions.QueueCapacity</c>) to its configuration path (<c>Kafka:Producer:QueueCapacity</c>).</summary>
    private static string ConfigPath(string section, string field)
    {
        string rest;
        if (field.StartsWith("KafkaAppConfig.", StringComparison.Ordinal))
        {
            rest = field["KafkaAppConfig.".Length..];
        }
        else if (field.StartsWith("ProducerOptions.", StringComparison.Ordinal))
        {
            rest = field["ProducerOptions.".Length..];
            rest = rest.StartsWith("Tls", StringComparison.Ordinal) || rest.StartsWith("Sasl", StringComparison.Ordinal) ? rest : "Producer." + rest;
        }
        else if (field.StartsWith("ConsumerOptions.", StringComparison.Ordinal))
        {
            rest = field["ConsumerOptions.".Length..];
            rest = rest.StartsWith("Tls", StringComparison.Ordinal) || rest.StartsWith("Sasl", StringComparison.Ordinal) ? rest : "Consumer." + rest;
        }
        else if (field.StartsWith("AvroSerdeOptions.", StringComparison.Ordinal))
        {
            // Kafka:SchemaRegistry holds both the registry connection (AvroSerdeOptions.Registry.*) and the serde options.
            rest = field["AvroSerdeOptions.".Length..];
            rest = "SchemaRegistry." + (rest.StartsWith("Registry.", StringComparison.Ordinal) ? rest["Registry.".Length..] : rest == "RegistryTimeout" ? "Timeout" : rest);
        }
        else
        {
            return section + ":" + field;
        }

        var suffix = string.Empty;
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space >= 0)
        {
            suffix = rest[space..];
            rest = rest[..space];
        }

        // A raw setting (Settings["linger.ms"]) is the configuration key Settings:linger.ms: its dots are part of the key.
        var key = string.Empty;
        var bracket = rest.IndexOf("[\"", StringComparison.Ordinal);
        if (bracket >= 0 && rest.EndsWith("\"]", StringComparison.Ordinal))
        {
            key = ":" + rest[(bracket + 2)..^2];
            rest = rest[..bracket];
        }

        return section + ":" + rest.Replace('.', ':') + key + suffix;
    }
}

/// <summary>A message type whose producer the generated <c>AddKafkaTyped</c> registered, with its compile-time topic.</summary>
/// <param name="TypeName">The type's full name (<c>Shop.OrderPlaced</c>; nested types joined with dots): the key of <c>Kafka:Topics</c> with or without its namespace.</param>
/// <param name="Topic">The topic of its <see cref="KafkaTopicAttribute"/>.</param>
public sealed record KafkaMessageType(string TypeName, string Topic)
{
    /// <summary>The name <see cref="KafkaMessageType.TypeName"/> uses for <paramref name="type"/>: its full name with nested types joined by dots.</summary>
    /// <param name="type">A message type.</param>
    public static string NameOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return (type.FullName ?? type.Name).Replace('+', '.');
    }
}

/// <summary>Marks a message type that uses Avro or Confluent's JSON Schema format (registered by the generated <c>AddKafkaTyped</c>; the validator then requires a Schema Registry).</summary>
/// <param name="TypeName">The message type's name.</param>
public sealed record KafkaAvroMessage(string TypeName);
