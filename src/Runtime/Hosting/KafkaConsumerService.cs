using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// Runs one <see cref="KafkaConsumerAttribute"/> handler in a <see cref="ConsumerGroup"/> while the host runs. For each
/// message it deserializes the value with <see cref="IKafkaMessage{TSelf}.Serializer"/>, creates a DI scope, resolves
/// <typeparamref name="THandler"/> and calls it. A value that cannot be deserialized fails with
/// <see cref="NonRetriableMessageException"/>, so the failure policy applies at once.
/// </summary>
/// <typeparam name="TMessage">The message type.</typeparam>
/// <typeparam name="THandler">The handler type.</typeparam>
public sealed class KafkaConsumerService<TMessage, THandler> : BackgroundService, IKafkaConsumerHealthSource
    where TMessage : IKafkaMessage<TMessage>
    where THandler : class, IKafkaHandler<TMessage>
{
    private readonly IServiceScopeFactory _scopes;
    private readonly KafkaTypedOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IKafkaSerializer<TMessage> _serializer;

    /// <summary>Creates the service; the consumer group is created when the host starts it.</summary>
    /// <param name="definition">The compile-time arguments of the handler's attribute.</param>
    /// <param name="scopes">Creates the scope of each message.</param>
    /// <param name="options">The bound options.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <param name="producers">The host's producers, whose Schema Registry connection an Avro message type is read with; <see langword="null"/> for <see cref="Avro.KafkaAvroDefaults"/>.</param>
    public KafkaConsumerService(KafkaConsumerDefinition definition, IServiceScopeFactory scopes, IOptions<KafkaTypedOptions> options, ILoggerFactory? loggerFactory = null, KafkaProducerHost? producers = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(options);
        Definition = definition;
        _scopes = scopes;
        _options = options.Value;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaConsumerService<TMessage, THandler>>();
        _serializer = producers is null ? TMessage.Serializer : producers.SerializerFor(TMessage.Serializer);
    }

    /// <summary>The handler's compile-time arguments.</summary>
    public KafkaConsumerDefinition Definition { get; }

    /// <summary>The running consumer group, once started.</summary>
    public ConsumerGroup? Group { get; private set; }

    /// <summary>
    /// Deserializes a record value, or throws <see cref="NonRetriableMessageException"/> naming topic, partition, offset and
    /// the reason (a tombstone, or what the serializer reported).
    /// </summary>
    /// <param name="serializer">The serializer.</param>
    /// <param name="topic">The record's topic.</param>
    /// <param name="partition">Its partition.</param>
    /// <param name="offset">Its offset.</param>
    /// <param name="value">Its value bytes.</param>
    /// <param name="headers">Its headers.</param>
    /// <param name="typeName">The message type's name, for the error.</param>
    public static TMessage Deserialize(IKafkaSerializer<TMessage> serializer, string topic, int partition, long offset, byte[]? value, Headers? headers, string typeName)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (value is null)
        {
            throw new NonRetriableMessageException($"Cannot deserialize the record at topic '{topic}', partition {partition}, offset {offset} as {typeName}: the value is null (a tombstone).");
        }

        try
        {
            return serializer.Deserialize(value, new KafkaSerializationContext(topic, headers));
        }
        catch (Exception e) when (e is not OperationCanceledException and not KafkaUnavailableException and not KafkaConfigurationException)
        {
            // The payload is bad: retrying cannot help. A registry outage or missing configuration is not the record's
            // fault, so those propagate as ordinary failures and are retried with backoff.
            throw new NonRetriableMessageException($"Cannot deserialize the record at topic '{topic}', partition {partition}, offset {offset} as {typeName}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start path: creating the group checks that the cluster answers.
        await Task.Yield();
        var consumerOptions = _options.ToConsumerOptions(Definition);
        try
        {
            var group = new ConsumerGroup(_options.ToAppConfig(), [Definition.Topic], HandleAsync, consumerOptions, _loggerFactory);
            Group = group;
            TypedLog.ConsumerStarting(_logger, Definition.HandlerName, Definition.Topic, group.GroupId);
            await group.ConsumeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TypedLog.ConsumerFailed(_logger, e, Definition.HandlerName, Definition.Topic);
            throw;
        }
    }

    private async Task HandleAsync(ConsumerMessage record, CancellationToken cancellationToken)
    {
        var value = Deserialize(_serializer, record.Topic, record.Partition, record.Offset, record.Value, record.Headers, Definition.MessageTypeName);
        var message = new KafkaMessage<TMessage>(value, record);
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            THandler handler;
            try
            {
                handler = scope.ServiceProvider.GetRequiredService<THandler>();
            }
            catch (Exception e) when (e is not OperationCanceledException and not KafkaUnavailableException)
            {
                // Not the message's fault (an unregistered dependency, a constructor that cannot connect): the partition
                // waits for the handler instead of dead-lettering every message while it cannot be created.
                throw new KafkaUnavailableException($"Cannot create the handler {Definition.HandlerName} for topic '{record.Topic}': {e.Message}", e);
            }

            await handler.HandleAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }
}
