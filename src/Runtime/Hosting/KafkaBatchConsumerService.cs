using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// Runs one <see cref="KafkaConsumerAttribute"/> batch handler (<see cref="IKafkaBatchHandler{T}"/>) in a
/// <see cref="ConsumerGroup"/> while the host runs. For each batch it deserializes every value with
/// <see cref="IKafkaMessage{TSelf}.Serializer"/>, creates a DI scope, resolves <typeparamref name="THandler"/> and calls
/// it with the messages (a singleton registered by the application, or a generated handler without dependencies, is
/// called without a scope, as <see cref="KafkaConsumerService{TMessage, THandler}"/> does).
/// </summary>
/// <remarks>
/// A value that cannot be deserialized is left out of the batch and reported failed with
/// <see cref="NonRetriableMessageException"/>, so the failure policy applies to it at once (it is dead-lettered by default)
/// while the rest of the batch is handled. A Schema Registry that cannot be reached fails the whole batch, which is retried.
/// Tombstones go in <see cref="KafkaBatch{T}.Tombstones"/> when the handler implements
/// <see cref="IKafkaBatchTombstoneHandler{T}"/>; otherwise each is skipped (logged at debug level, counted in
/// <see cref="SkippedTombstones"/> and <c>kafka.typed.consumer.tombstones_skipped</c>), never dead-lettered. A batch with
/// nothing left for the handler does not call it.
/// </remarks>
/// <typeparam name="TMessage">The message type.</typeparam>
/// <typeparam name="THandler">The handler type.</typeparam>
public sealed class KafkaBatchConsumerService<TMessage, THandler> : BackgroundService, IKafkaConsumerHealthSource
    where TMessage : IKafkaMessage<TMessage>
    where THandler : class, IKafkaBatchHandler<TMessage>
{
    // Fixed by the handler type: decided once (a type check, no reflection per batch).
    private static readonly bool s_handlesTombstones = typeof(IKafkaBatchTombstoneHandler<TMessage>).IsAssignableFrom(typeof(THandler));

    private readonly IServiceScopeFactory _scopes;
    private readonly KafkaTypedOptions _options;
    private readonly KafkaMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IKafkaSerializer<TMessage> _serializer;
    private long _skippedTombstones;
    private readonly KafkaHandlerActivator<THandler> _handlers;

    /// <summary>Creates the service; the consumer group is created when the host starts it.</summary>
    /// <param name="definition">The compile-time arguments of the handler's attribute.</param>
    /// <param name="scopes">Creates the scope of each batch.</param>
    /// <param name="options">The bound options.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <param name="producers">The host's producers, whose Schema Registry connection an Avro message type is read with; <see langword="null"/> for <see cref="Avro.KafkaAvroDefaults"/>.</param>
    public KafkaBatchConsumerService(KafkaConsumerDefinition definition, IServiceScopeFactory scopes, IOptions<KafkaTypedOptions> options, ILoggerFactory? loggerFactory = null, KafkaProducerHost? producers = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(options);
        Definition = definition;
        _scopes = scopes;
        _options = options.Value;
        _metrics = KafkaMetrics.For(_options.MeterFactory);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaBatchConsumerService<TMessage, THandler>>();
        _serializer = producers is null ? TMessage.Serializer : producers.SerializerFor(TMessage.Serializer);
        _handlers = new KafkaHandlerActivator<THandler>(definition.HandlerName);
    }

    /// <summary>The handler's compile-time arguments.</summary>
    public KafkaConsumerDefinition Definition { get; }

    /// <summary>The running consumer group, once started.</summary>
    public ConsumerGroup? Group { get; private set; }

    /// <summary>Tombstones skipped because <typeparamref name="THandler"/> does not implement <see cref="IKafkaBatchTombstoneHandler{T}"/> (they count as handled too).</summary>
    public long SkippedTombstones => Interlocked.Read(ref _skippedTombstones);

    /// <summary>The root provider when no scope is created per batch (see <see cref="KafkaConsumerService{TMessage, THandler}.SingletonHandlerServices"/>).</summary>
    internal IServiceProvider? SingletonHandlerServices { get; init; }

    /// <summary>The generated factory called per batch instead of resolving the handler in a new scope (see <see cref="KafkaConsumerService{TMessage, THandler}.PerMessageFactory"/>).</summary>
    internal Func<IServiceProvider, THandler>? PerBatchFactory { get; init; }

    /// <summary>
    /// The untyped batch handler the consumer group calls: decodes the records, calls <typeparamref name="THandler"/> with
    /// the messages, and adds the undecodable records to its result (internal: tests call it directly).
    /// </summary>
    internal async Task<BatchResult> HandleBatchAsync(IReadOnlyList<ConsumerMessage> records, CancellationToken cancellationToken)
    {
        List<KafkaMessage<TMessage>> messages = new(records.Count);
        List<KafkaTombstone<TMessage>>? tombstones = null;
        List<BatchRecordFailure> undecodable = [];
        foreach (var record in records)
        {
            if (record.Value is null)
            {
                if (s_handlesTombstones)
                {
                    (tombstones ??= []).Add(new KafkaTombstone<TMessage>(record));
                }
                else
                {
                    SkipTombstone(record);
                }

                continue;
            }

            try
            {
                messages.Add(new KafkaMessage<TMessage>(Decode(record), record));
            }
            catch (NonRetriableMessageException e)
            {
                // Only this record is bad: it goes to the failure policy, the rest of the batch is handled.
                undecodable.Add(new BatchRecordFailure(record.Offset, e));
            }
        }

        if (messages.Count == 0 && tombstones is null)
        {
            return BatchResult.WithFailures(undecodable);
        }

        var batch = new KafkaBatch<TMessage>(records[0].Topic, records[0].Partition, messages, tombstones, records[0].GroupId);
        var result = UnscopedHandler(batch.Topic) is { } handler
            ? await handler.HandleBatchAsync(batch, cancellationToken).ConfigureAwait(false)
            : await HandleScopedAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            throw new InvalidOperationException($"The batch handler {Definition.HandlerName} returned null for {batch}: return BatchResult.Success, or the failed messages.");
        }

        foreach (var failure in result.Failures)
        {
            if (!Handed(batch, failure.Offset))
            {
                throw new InvalidOperationException($"The batch handler {Definition.HandlerName} named offset {failure.Offset} as failed, which is not in its batch {batch}.", failure.Error);
            }
        }

        return result.With(undecodable);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start path: creating the group checks that the cluster answers.
        await Task.Yield();
        var consumerOptions = _options.ToConsumerOptions(Definition);
        try
        {
            var group = ConsumerGroup.ForBatches(_options.ToAppConfig(), [Definition.Topic], HandleBatchAsync, consumerOptions, _loggerFactory);
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

    /// <summary>Whether the handler was given the record at <paramref name="offset"/> (a message or a tombstone; both lists are in offset order).</summary>
    private static bool Handed(KafkaBatch<TMessage> batch, long offset)
        => Search(batch, static m => m.Offset, offset) || Search(batch.Tombstones, static t => t.Offset, offset);

    private static bool Search<TItem>(IReadOnlyList<TItem> items, Func<TItem, long> offsetOf, long offset)
    {
        int low = 0, high = items.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = offsetOf(items[middle]);
            if (found == offset)
            {
                return true;
            }

            if (found < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return false;
    }

    // A bad payload is NonRetriableMessageException (this record only); a registry outage or missing configuration
    // propagates and fails the whole batch, which is retried with backoff.
    private TMessage Decode(ConsumerMessage record)
        => KafkaRecordDecoder.Deserialize(_serializer, record.Topic, record.Partition, record.Offset, record.Value!, record.Headers, Definition.MessageTypeName);

    private void SkipTombstone(ConsumerMessage record)
    {
        Interlocked.Increment(ref _skippedTombstones);
        _handlers.LogSkippedTombstone(_metrics, _logger, record);
    }

    private THandler? UnscopedHandler(string topic) => _handlers.Unscoped(SingletonHandlerServices, PerBatchFactory, topic);

    private async Task<BatchResult> HandleScopedAsync(KafkaBatch<TMessage> batch, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = _handlers.Resolve(scope.ServiceProvider, batch.Topic);
            return await handler.HandleBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }
}
