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

    /// <summary>Creates the validator.</summary>
    /// <param name="consumers">The consumers registered by the generated <c>AddKafkaTyped</c>.</param>
    /// <param name="avroMessages">The Avro message types registered by the generated <c>AddKafkaTyped</c>.</param>
    public KafkaTypedOptionsValidator(IEnumerable<KafkaConsumerDefinition> consumers, IEnumerable<KafkaAvroMessage> avroMessages)
    {
        _consumers = consumers?.ToArray() ?? [];
        _avroMessages = avroMessages?.Select(m => m.TypeName).Distinct(StringComparer.Ordinal).ToArray() ?? [];
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KafkaTypedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindErrors);
        Check(failures, options, () => options.ToAppConfig().Validate());
        Check(failures, options, () => options.ToProducerOptions().Validate());
        foreach (var consumer in _consumers)
        {
            Check(failures, options, () =>
            {
                var consumerOptions = options.ToConsumerOptions(consumer);
                try
                {
                    consumerOptions.Validate();
                }
                catch (KafkaConfigurationException e)
                {
                    throw new KafkaConfigurationException(e.Field + " (consumer " + consumer.HandlerName + ")", e.Value, e.Allowed, e);
                }

                if (consumerOptions.DeadLetterTopic == consumer.Topic)
                {
                    throw new KafkaConfigurationException("ConsumerOptions.DeadLetterTopic (consumer " + consumer.HandlerName + ")", consumer.Topic, "must differ from the topic consumed");
                }
            });
        }

        if (_avroMessages.Length > 0 && options.SchemaRegistry.Url is null && !Avro.KafkaAvroDefaults.IsConfigured)
        {
            failures.Add($"Invalid Kafka configuration: {options.SectionPath}:SchemaRegistry:Url is not set, but these message types use Avro (the default format) and need a Schema Registry: {string.Join(", ", _avroMessages)}; set the URL, call KafkaAvroDefaults.Configure before the host starts, or mark the types [KafkaTopic(..., Format = KafkaFormat.Json)].");
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

/// <summary>Marks a message type that uses Avro (registered by the generated <c>AddKafkaTyped</c>; the validator then requires a Schema Registry).</summary>
/// <param name="TypeName">The message type's name.</param>
public sealed record KafkaAvroMessage(string TypeName);
