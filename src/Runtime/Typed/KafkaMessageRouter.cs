using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Avro;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed;

/// <summary>
/// The <see cref="MessageHandler"/> of a consumer group whose topic carries several message types: it finds each record's
/// type and calls the handler added for that type. An Avro type is found by the writer schema's record full name (the
/// schema id in Confluent's framing, resolved once per id through the Schema Registry); any other type by the
/// <see cref="KafkaMessageTypeHeader.Name"/> header its producers write. A record of a type no handler takes follows
/// <see cref="UnknownMessageTypes"/>. The generated <c>AddKafkaTyped</c> builds one for the handlers of one group and
/// topic; with the runtime API pass <see cref="HandleAsync"/> to a <see cref="ConsumerGroup"/>.
/// </summary>
/// <example>
/// <code>
/// var router = new KafkaMessageRouter(UnknownMessageTypePolicy.DeadLetter)
///     .Add&lt;OrderPlaced&gt;((m, ct) =&gt; billing.ChargeAsync(m.Value, ct))
///     .Add&lt;OrderCancelled&gt;((m, ct) =&gt; billing.RefundAsync(m.Value, ct));
/// var group = new ConsumerGroup(app, ["orders"], router.HandleAsync, options);
/// </code>
/// </example>
/// <remarks>
/// <para>Add every handler before the group starts; the router is then read-only and thread-safe. A tombstone (null
/// value) has no schema: with the header it goes to that type's handler, which skips it (counted in
/// <c>kafka.typed.consumer.tombstones_skipped</c>) unless it is a hosted <see cref="IKafkaTombstoneHandler{T}"/>; without
/// the header it is skipped and counted the same way, never dead-lettered.</para>
/// <para>A payload that the routed type's serializer cannot read fails with <see cref="NonRetriableMessageException"/>
/// (dead-lettered at once), as for a consumer of one type; a Schema Registry outage while resolving a schema id makes the
/// partition wait (<see cref="KafkaSchemaRegistryException"/>), spending no attempt.</para>
/// </remarks>
public sealed class KafkaMessageRouter
{
    private const int MaxCachedSchemaIds = 10_000;

    private readonly List<Route> _headerRoutes = [];
    private readonly Dictionary<string, Route> _avroRoutes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Resolved> _schemaIds = new();
    private readonly ILogger _logger;
    private IAvroWriterSchemaSource? _avroSource;
    private long _skippedUnknownTypes;
    private long _skippedTombstones;
    private volatile bool _started;

    /// <summary>The instruments the skip counters go to: the process-wide meter, or the host's (set by the hosted shared consumer).</summary>
    internal KafkaMetrics Metrics { get; set; } = KafkaMetrics.Shared;

    /// <summary>Creates a router with no handlers.</summary>
    /// <param name="unknownMessageTypes">What a record of a type no handler takes gets; default <see cref="UnknownMessageTypePolicy.Skip"/>.</param>
    /// <param name="logger">Where the debug line of each skipped record goes; <see langword="null"/> for none.</param>
    /// <exception cref="KafkaConfigurationException"><paramref name="unknownMessageTypes"/> is not a defined value.</exception>
    public KafkaMessageRouter(UnknownMessageTypePolicy unknownMessageTypes = UnknownMessageTypePolicy.Skip, ILogger? logger = null)
    {
        if (!Enum.IsDefined(unknownMessageTypes))
        {
            throw new KafkaConfigurationException("UnknownMessageTypes", unknownMessageTypes.ToString(), "Skip or DeadLetter");
        }

        UnknownMessageTypes = unknownMessageTypes;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>What a record of a type no handler takes gets.</summary>
    public UnknownMessageTypePolicy UnknownMessageTypes { get; }

    /// <summary>Records skipped under <see cref="UnknownMessageTypePolicy.Skip"/> because no handler takes their type.</summary>
    public long SkippedUnknownTypes => Interlocked.Read(ref _skippedUnknownTypes);

    /// <summary>Tombstones skipped because they name no type, or their type's handler does not take tombstones.</summary>
    public long SkippedTombstones => Interlocked.Read(ref _skippedTombstones);

    /// <summary>The message type names routed, in the order they were added.</summary>
    public IReadOnlyList<string> MessageTypeNames => [.. _headerRoutes.Concat(_avroRoutes.Values).OrderBy(static r => r.Order).Select(static r => r.Name)];

    /// <summary>
    /// Routes the records of <typeparamref name="T"/> (found by its <see cref="IKafkaMessage{TSelf}.MessageTypeName"/>, read
    /// with its <see cref="IKafkaMessage{TSelf}.Serializer"/>) to <paramref name="handler"/>.
    /// </summary>
    /// <typeparam name="T">A message type whose topic carries several types (its <c>[KafkaTopic]</c> sets a <c>SubjectNameStrategy</c> other than <c>TopicName</c>).</typeparam>
    /// <param name="handler">Handles one message; throwing means failure (retries, then the failure policy).</param>
    /// <returns>This router.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> has no message type name, or its name was added already.</exception>
    public KafkaMessageRouter Add<T>(Func<KafkaMessage<T>, CancellationToken, Task> handler)
        where T : IKafkaMessage<T>
    {
        var name = T.MessageTypeName
            ?? throw new ArgumentException($"{typeof(T).FullName} has no MessageTypeName: its topic carries it alone. Set SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName (or RecordName) on its [KafkaTopic] to share a topic with other types.", nameof(T));
        return Add(name, T.Serializer, handler);
    }

    /// <summary>
    /// Routes the records named <paramref name="messageTypeName"/> to <paramref name="handler"/>, read with
    /// <paramref name="serializer"/>. An <see cref="AvroKafkaSerializer{T}"/> or <see cref="AvroSerde{T}"/> makes it an Avro
    /// route (<paramref name="messageTypeName"/> is the record's full name, matched against the writer schema); any other
    /// serializer a header route (<paramref name="messageTypeName"/> is the <see cref="KafkaMessageTypeHeader.Name"/> value).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="messageTypeName">The record full name (Avro) or header value.</param>
    /// <param name="serializer">Reads the value.</param>
    /// <param name="handler">Handles one message.</param>
    /// <returns>This router.</returns>
    /// <exception cref="ArgumentException">The name is empty or was added already.</exception>
    /// <exception cref="InvalidOperationException">The router has already handled a record.</exception>
    public KafkaMessageRouter Add<T>(string messageTypeName, IKafkaSerializer<T> serializer, Func<KafkaMessage<T>, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(handler);
        var typeName = typeof(T).Name;
        return AddRoute(
            messageTypeName,
            serializer as IAvroWriterSchemaSource,
            (record, ct) =>
            {
                if (record.Value is null)
                {
                    SkipTombstone(record, messageTypeName);
                    return Task.CompletedTask;
                }

                var value = KafkaRecordDecoder.Deserialize(serializer, record.Topic, record.Partition, record.Offset, record.Value, record.Headers, typeName);
                return handler(new KafkaMessage<T>(value, record), ct);
            });
    }

    /// <summary>
    /// Adds a route whose handler does its own decoding (and tombstone handling): the hosted consumer services'.
    /// <paramref name="avroSource"/> non-null makes it an Avro route.
    /// </summary>
    internal KafkaMessageRouter AddRoute(string messageTypeName, IAvroWriterSchemaSource? avroSource, MessageHandler handle)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageTypeName);
        ArgumentNullException.ThrowIfNull(handle);
        if (_started)
        {
            throw new InvalidOperationException("Add every handler before the router handles its first record.");
        }

        if (_avroRoutes.ContainsKey(messageTypeName) || _headerRoutes.Any(r => r.Name == messageTypeName))
        {
            throw new ArgumentException($"The message type '{messageTypeName}' has a handler in this router already; one group member hands each type to one handler.", nameof(messageTypeName));
        }

        var route = new Route(messageTypeName, Encoding.UTF8.GetBytes(messageTypeName), handle, _headerRoutes.Count + _avroRoutes.Count);
        if (avroSource is null)
        {
            _headerRoutes.Add(route);
        }
        else
        {
            _avroRoutes.Add(messageTypeName, route);
            _avroSource ??= avroSource;
        }

        return this;
    }

    /// <summary>
    /// Finds the record's type and calls its handler; applies <see cref="UnknownMessageTypes"/> when no handler takes it.
    /// Pass it as the <see cref="MessageHandler"/> of a <see cref="ConsumerGroup"/>.
    /// </summary>
    /// <param name="message">The record.</param>
    /// <param name="cancellationToken">Cancelled when the handler must stop at once.</param>
    /// <returns>The handler's task.</returns>
    /// <exception cref="NonRetriableMessageException">The record's type has no handler and the policy is <see cref="UnknownMessageTypePolicy.DeadLetter"/>, or its payload cannot be read.</exception>
    public Task HandleAsync(ConsumerMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        _started = true;
        var value = message.Value;
        string? typeName = null;
        if (FindTypeHeader(message.Headers) is { } header)
        {
            foreach (var route in _headerRoutes)
            {
                if (header.AsSpan().SequenceEqual(route.Utf8Name))
                {
                    return route.Handle(message, cancellationToken);
                }
            }

            typeName = DecodeName(header);
        }

        if (value is null)
        {
            // A tombstone without a (known) type header has nothing to tell its type by.
            SkipTombstone(message, typeName);
            return Task.CompletedTask;
        }

        if (_avroSource is { } source && value.Length >= 5 && value[0] == 0)
        {
            var resolved = ResolveSchemaId(source, BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(1, 4)), message);
            if (resolved.Route is { } route)
            {
                return route.Handle(message, cancellationToken);
            }

            typeName ??= resolved.Name;
        }

        return Unknown(message, typeName);
    }

    private static byte[]? FindTypeHeader(Headers headers)
    {
        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Key == KafkaMessageTypeHeader.Name)
            {
                return headers[i].GetValueBytes();
            }
        }

        return null;
    }

    private static string DecodeName(byte[]? bytes)
    {
        if (bytes is null)
        {
            return "(empty)";
        }

        var text = Encoding.UTF8.GetString(bytes);
        return text.Length <= 256 ? text : text[..256] + "…";
    }

    private Resolved ResolveSchemaId(IAvroWriterSchemaSource source, int schemaId, ConsumerMessage record)
    {
        if (_schemaIds.TryGetValue(schemaId, out var cached))
        {
            return cached;
        }

        string? name;
        try
        {
            name = source.GetWriterRecordName(schemaId);
        }
        catch (KafkaAvroException e)
        {
            // An id the registry does not know, or a schema that is not Avro: the record cannot be read by any handler.
            throw new NonRetriableMessageException($"Cannot tell the message type of the record at topic '{record.Topic}', partition {record.Partition}, offset {record.Offset}: {e.Message}", e);
        }

        var resolved = new Resolved(name is not null && _avroRoutes.TryGetValue(name, out var route) ? route : null, name ?? $"(schema id {schemaId}, not an Avro record)");
        if (_schemaIds.Count < MaxCachedSchemaIds)
        {
            _schemaIds.TryAdd(schemaId, resolved);
        }

        return resolved;
    }

    private Task Unknown(ConsumerMessage record, string? typeName)
    {
        var name = typeName ?? "(no " + KafkaMessageTypeHeader.Name + " header and not Avro in Confluent's framing)";
        if (UnknownMessageTypes == UnknownMessageTypePolicy.DeadLetter)
        {
            throw new NonRetriableMessageException(
                $"The record at topic '{record.Topic}', partition {record.Partition}, offset {record.Offset} is of message type {Quote(typeName, name)}, which no handler of consumer group '{record.GroupId}' takes (it takes {string.Join(", ", MessageTypeNames.Select(static n => "'" + n + "'"))}); UnknownMessageTypes is DeadLetter.");
        }

        Interlocked.Increment(ref _skippedUnknownTypes);
        if (Metrics.UnknownTypesSkipped.Enabled)
        {
            Metrics.UnknownTypesSkipped.Add(
                1,
                new KeyValuePair<string, object?>(SemConv.System, SemConv.Kafka),
                new KeyValuePair<string, object?>(SemConv.Destination, record.Topic),
                new KeyValuePair<string, object?>(SemConv.ConsumerGroup, record.GroupId),
                new KeyValuePair<string, object?>(SemConv.MessageType, typeName ?? "(unknown)"));
        }

        RoutingLog.UnknownTypeSkipped(_logger, record.Topic, record.Partition, record.Offset, name, record.GroupId);
        return Task.CompletedTask;

        static string Quote(string? typeName, string name) => typeName is null ? name : "'" + name + "'";
    }

    private void SkipTombstone(ConsumerMessage record, string? typeName)
    {
        Interlocked.Increment(ref _skippedTombstones);
        if (Metrics.TombstonesSkipped.Enabled)
        {
            Metrics.TombstonesSkipped.Add(1, new KeyValuePair<string, object?>(SemConv.System, SemConv.Kafka), new KeyValuePair<string, object?>(SemConv.Destination, record.Topic), new KeyValuePair<string, object?>(SemConv.ConsumerGroup, record.GroupId));
        }

        RoutingLog.TombstoneSkipped(_logger, record.Topic, record.Partition, record.Offset, typeName ?? "(none)");
    }

    private sealed record Route(string Name, byte[] Utf8Name, MessageHandler Handle, int Order);

    private readonly record struct Resolved(Route? Route, string Name);
}

/// <summary>The log lines of <see cref="KafkaMessageRouter"/> (event ids 340-349).</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(340, LogLevel.Debug, "Skipped the record at {Topic} [{Partition}] @{Offset}: its message type {MessageType} has no handler in consumer group {GroupId} (UnknownMessageTypes = Skip)")]
    public static partial void UnknownTypeSkipped(ILogger logger, string topic, int partition, long offset, string messageType, string groupId);

    [LoggerMessage(341, LogLevel.Debug, "Skipped the tombstone at {Topic} [{Partition}] @{Offset} on a topic of several message types (its " + KafkaMessageTypeHeader.Name + " header: {MessageType}); no handler of it takes tombstones")]
    public static partial void TombstoneSkipped(ILogger logger, string topic, int partition, long offset, string messageType);

    [LoggerMessage(342, LogLevel.Information, "Kafka consumer {Handlers} starting on topic {Topic} (group {GroupId}), one group member for message types {MessageTypes}")]
    public static partial void SharedConsumerStarting(ILogger logger, string handlers, string topic, string groupId, string messageTypes);

    [LoggerMessage(343, LogLevel.Information, "Kafka consumer {Handler} on topic {Topic} runs in the group member of {Owner} (one member per group and topic of several message types)")]
    public static partial void SharedConsumerMember(ILogger logger, string handler, string topic, string owner);

    [LoggerMessage(344, LogLevel.Error, "Kafka consumer {Handlers} on topic {Topic} stopped")]
    public static partial void SharedConsumerFailed(ILogger logger, Exception exception, string handlers, string topic);
}
