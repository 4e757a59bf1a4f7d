using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;

namespace Kafka.Typed;

/// <summary>
/// The last statistics report of one librdkafka client (emitted every <c>statistics.interval.ms</c>; librdkafka's
/// default 0 emits none, and then nothing here is ever parsed or allocated). Feeds the lag and queue-depth gauges.
/// </summary>
/// <remarks>
/// Reads librdkafka's STATISTICS.md fields: top-level <c>msg_cnt</c>/<c>msg_size</c> (messages and bytes waiting in
/// a producer's queues) and, per assigned (<c>desired</c>) partition, <c>hi_offset</c>, <c>committed_offset</c> and
/// <c>app_offset</c> (the consumer's position). Parsed with <see cref="Utf8JsonReader"/>: no reflection, trim-safe.
/// </remarks>
internal sealed class KafkaClientStatistics
{
    private volatile Snapshot? _last;

    public KafkaClientStatistics(string clientId, string? groupId)
    {
        ClientId = clientId;
        GroupId = groupId;
    }

    public string ClientId { get; }

    /// <summary>The consumer group for a consumer's statistics; <see langword="null"/> for a producer's.</summary>
    public string? GroupId { get; }

    /// <summary>The last report parsed; <see langword="null"/> before the first (or when statistics are off).</summary>
    public Snapshot? Last => _last;

    /// <summary>Parses one report; a report that cannot be read keeps the previous one (never throws into librdkafka's callback).</summary>
    public void Update(string json)
    {
        try
        {
            _last = Parse(json);
        }
        catch (JsonException)
        {
            // librdkafka writes well-formed JSON; a future format we cannot read must not break the client.
        }
        catch (FormatException)
        {
        }
    }

    /// <summary>Forgets the last report (the client stopped, or its partitions were revoked).</summary>
    public void Clear() => _last = null;

    internal static Snapshot Parse(string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        long messages = 0;
        long size = 0;
        string? name = null;
        var partitions = new List<PartitionOffsets>();
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("msg_cnt"u8))
            {
                reader.Read();
                messages = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("msg_size"u8))
            {
                reader.Read();
                size = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("topics"u8))
            {
                reader.Read();
                ReadTopics(ref reader, partitions);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new Snapshot(name ?? "", messages, size, partitions);
    }

    private static void ReadTopics(ref Utf8JsonReader reader, List<PartitionOffsets> partitions)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var topic = reader.GetString()!;
            reader.Read();
            Expect(ref reader, JsonTokenType.StartObject, alreadyThere: true);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("partitions"u8))
                {
                    reader.Read();
                    Expect(ref reader, JsonTokenType.StartObject, alreadyThere: true);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        reader.Read();
                        var p = ReadPartition(ref reader, topic);
                        if (p is { } offsets)
                        {
                            partitions.Add(offsets);
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    private static PartitionOffsets? ReadPartition(ref Utf8JsonReader reader, string topic)
    {
        Expect(ref reader, JsonTokenType.StartObject, alreadyThere: true);
        int partition = -1;
        var desired = false;
        long high = -1, committed = -1, position = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("partition"u8))
            {
                reader.Read();
                partition = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("desired"u8))
            {
                reader.Read();
                desired = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("hi_offset"u8))
            {
                reader.Read();
                high = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("committed_offset"u8))
            {
                reader.Read();
                committed = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("app_offset"u8))
            {
                reader.Read();
                position = reader.GetInt64();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Partition -1 is librdkafka's internal "unassigned" queue; a partition not desired is not this member's.
        return partition >= 0 && desired ? new PartitionOffsets(topic, partition, high, committed, position) : null;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, bool alreadyThere = false)
    {
        if (!alreadyThere)
        {
            reader.Read();
        }

        if (reader.TokenType != type)
        {
            throw new JsonException($"librdkafka statistics: expected {type}, found {reader.TokenType}");
        }
    }

    /// <summary>One statistics report, reduced to what the gauges need.</summary>
    internal sealed record Snapshot(string InstanceName, long QueuedMessages, long QueuedBytes, IReadOnlyList<PartitionOffsets> Partitions);

    /// <summary>The offsets of one assigned partition; -1 (or librdkafka's -1001) where unknown.</summary>
    internal readonly record struct PartitionOffsets(string Topic, int Partition, long HighWatermark, long Committed, long Position)
    {
        /// <summary>High watermark minus the committed offset (or, before the first commit, minus the position); <see langword="null"/> when unknown.</summary>
        public long? Lag
        {
            get
            {
                if (HighWatermark < 0)
                {
                    return null;
                }

                var from = Committed >= 0 ? Committed : Position;
                return from < 0 ? null : Math.Max(0, HighWatermark - from);
            }
        }
    }
}

/// <summary>
/// The clients whose statistics feed the observable gauges of one <see cref="KafkaMetrics"/> (only while they run): a
/// meter's gauges report its own clients, not those of another host's meter.
/// </summary>
internal sealed class KafkaClientRegistry
{
    private readonly ConcurrentDictionary<KafkaClientStatistics, byte> _clients = new();

    public void Add(KafkaClientStatistics statistics) => _clients.TryAdd(statistics, 0);

    public void Remove(KafkaClientStatistics statistics)
    {
        _clients.TryRemove(statistics, out _);
        statistics.Clear();
    }

    /// <summary>Observes <c>kafka.typed.consumer.lag</c>: one measurement per assigned partition with a known lag.</summary>
    public IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var client in _clients.Keys)
        {
            if (client.GroupId is null || client.Last is not { } last)
            {
                continue;
            }

            foreach (var p in last.Partitions)
            {
                if (p.Lag is { } lag)
                {
                    yield return new Measurement<long>(lag,
                        new KeyValuePair<string, object?>(SemConv.System, SemConv.Kafka),
                        new KeyValuePair<string, object?>(SemConv.ConsumerGroup, client.GroupId),
                        new KeyValuePair<string, object?>(SemConv.Destination, p.Topic),
                        new KeyValuePair<string, object?>(SemConv.PartitionId, p.Partition.ToString(CultureInfo.InvariantCulture)),
                        new KeyValuePair<string, object?>(SemConv.ClientId, client.ClientId));
                }
            }
        }
    }

    /// <summary>Observes <c>kafka.typed.producer.queue.messages</c>: one measurement per producer reporting statistics.</summary>
    public IEnumerable<Measurement<long>> ObserveQueuedMessages() => ObserveProducers(static s => s.QueuedMessages);

    /// <summary>Observes <c>kafka.typed.producer.queue.bytes</c>.</summary>
    public IEnumerable<Measurement<long>> ObserveQueuedBytes() => ObserveProducers(static s => s.QueuedBytes);

    private IEnumerable<Measurement<long>> ObserveProducers(Func<KafkaClientStatistics.Snapshot, long> value)
    {
        foreach (var client in _clients.Keys)
        {
            if (client.GroupId is null && client.Last is { } last)
            {
                yield return new Measurement<long>(value(last),
                    new KeyValuePair<string, object?>(SemConv.System, SemConv.Kafka),
                    new KeyValuePair<string, object?>(SemConv.ClientId, client.ClientId),
                    new KeyValuePair<string, object?>(InstanceAttribute, last.InstanceName));
            }
        }
    }

    /// <summary>librdkafka's name of the client instance (<c>{client.id}#producer-{n}</c>): several producers share a client id.</summary>
    public const string InstanceAttribute = "kafka.typed.client.instance";
}
