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
/// <typeparamref name="THandler"/> and calls it. When the application registers <typeparamref name="THandler"/> as a
/// singleton (before or after <c>AddKafkaTyped</c>, whose own registration is scoped), there is nothing for a scope to
/// hold: the handler is resolved once, from the root provider, and called without a scope per message. A handler whose
/// one public constructor takes no parameters and that is not disposable (<see cref="KafkaConsumerDefinition.HandlerHasNoDependencies"/>)
/// is created for each message by its generated factory, without a scope. A value that cannot be deserialized fails with
/// <see cref="NonRetriableMessageException"/>, so the failure policy applies at once. A tombstone (a null value) goes to
/// <see cref="IKafkaTombstoneHandler{T}.HandleTombstoneAsync"/> when the handler implements it; otherwise it is skipped
/// (logged at debug level, counted in <see cref="SkippedTombstones"/> and <c>kafka.typed.consumer.tombstones_skipped</c>),
/// never dead-lettered.
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
    private readonly KafkaMetrics _metrics;
    private long _skippedTombstones;
    private readonly KafkaHandlerActivator<THandler> _handlers;

    // Whether the handler type takes tombstones: fixed by the type, so decided once (a type check, no reflection per message).
    private static readonly bool s_handlesTombstones = typeof(IKafkaTombstoneHandler<TMessage>).IsAssignableFrom(typeof(THandler));

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
        _metrics = KafkaMetrics.For(_options.MeterFactory);
        _handlers = new KafkaHandlerActivator<THandler>(definition.HandlerName);
    }

    /// <summary>The handler's compile-time arguments.</summary>
    public KafkaConsumerDefinition Definition { get; }

    /// <summary>
    /// The root provider when no scope is created per message (set by <see cref="KafkaTypedRegistration.AddConsumer{TMessage, THandler}"/>):
    /// <typeparamref name="THandler"/> is registered as a singleton and resolved from it once, or
    /// <see cref="PerMessageFactory"/> is set. <see langword="null"/>: a scope per message.
    /// </summary>
    internal IServiceProvider? SingletonHandlerServices { get; init; }

    /// <summary>
    /// The generated factory of a handler without dependencies that is not disposable and registered by
    /// <see cref="KafkaTypedRegistration.AddConsumer{TMessage, THandler}"/> itself (set there): called for each message with
    /// <see cref="SingletonHandlerServices"/>, which it does not read, instead of resolving the handler in a new scope.
    /// </summary>
    internal Func<IServiceProvider, THandler>? PerMessageFactory { get; init; }

    /// <summary>The running consumer group, once started.</summary>
    public ConsumerGroup? Group { get; private set; }

    /// <summary>Tombstones skipped because <typeparamref name="THandler"/> does not implement <see cref="IKafkaTombstoneHandler{T}"/> (they count as handled too).</summary>
    public long SkippedTombstones => Interlocked.Read(ref _skippedTombstones);

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

        return KafkaRecordDecoder.Deserialize(serializer, topic, partition, offset, value, headers, typeName);
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

    /// <summary>The serializer records are read with (pinned to the host's Schema Registry connection for Avro).</summary>
    internal IKafkaSerializer<TMessage> Serializer => _serializer;

    /// <summary>
    /// Handles one record as this service's own consumer group would (decode, DI scope, tombstones): how a
    /// <see cref="KafkaSharedConsumerService"/> calls the handler when several message types share one group member.
    /// </summary>
    internal Task HandleRecordAsync(ConsumerMessage record, CancellationToken cancellationToken) => HandleAsync(record, cancellationToken);

    private Task HandleAsync(ConsumerMessage record, CancellationToken cancellationToken)
    {
        if (record.Value is null)
        {
            if (s_handlesTombstones)
            {
                return HandleTombstoneAsync(record, cancellationToken);
            }

            // A delete on a compacted topic, not a poison message: the handler cannot take it, so it is passed over (its
            // offset is committed) and counted, not dead-lettered.
            Interlocked.Increment(ref _skippedTombstones);
            _handlers.LogSkippedTombstone(_metrics, _logger, record);
            return Task.CompletedTask;
        }

        var value = Deserialize(_serializer, record.Topic, record.Partition, record.Offset, record.Value, record.Headers, Definition.MessageTypeName);
        return HandleValueAsync(new KafkaMessage<TMessage>(value, record), record.Topic, cancellationToken);
    }

    private Task HandleTombstoneAsync(ConsumerMessage record, CancellationToken cancellationToken)
        => UnscopedHandler(record.Topic) is IKafkaTombstoneHandler<TMessage> handler
            ? handler.HandleTombstoneAsync(new KafkaTombstone<TMessage>(record), cancellationToken)
            : HandleScopedTombstoneAsync(record, cancellationToken);

    /// <summary>
    /// The handler when no DI scope is needed (a singleton, or a generated handler without dependencies created per
    /// message); <see langword="null"/> when each message gets a scope.
    /// </summary>
    private THandler? UnscopedHandler(string topic) => _handlers.Unscoped(SingletonHandlerServices, PerMessageFactory, topic);

    private async Task HandleScopedTombstoneAsync(ConsumerMessage record, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = (IKafkaTombstoneHandler<TMessage>)_handlers.Resolve(scope.ServiceProvider, record.Topic);
            await handler.HandleTombstoneAsync(new KafkaTombstone<TMessage>(record), cancellationToken).ConfigureAwait(false);
        }
    }

    // The consumer group turns a synchronous throw into a failed attempt like a faulted task.
    private Task HandleValueAsync(KafkaMessage<TMessage> message, string topic, CancellationToken cancellationToken)
        => UnscopedHandler(topic) is { } handler ? handler.HandleAsync(message, cancellationToken) : HandleScopedAsync(message, topic, cancellationToken);

    private async Task HandleScopedAsync(KafkaMessage<TMessage> message, string topic, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = _handlers.Resolve(scope.ServiceProvider, topic);
            await handler.HandleAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }
}
