using System.Text;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// Handles one consumed message. Throwing means failure: the consumer retries with backoff, then applies the
/// <see cref="FailurePolicy"/>. An <see cref="OperationCanceledException"/> thrown once consumption is stopping (its
/// cancellation token was cancelled, or the partition is being revoked) is not a failure: the message is not committed
/// and is delivered again.
/// </summary>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">Cancelled only when the handler must stop at once: shutdown or revocation took longer than <see cref="ConsumerOptions.ShutdownTimeout"/>, or the partition was lost.</param>
public delegate Task MessageHandler(ConsumerMessage message, CancellationToken cancellationToken);

/// <summary>A consumed record as a handler sees it: topic, partition, offset, key, value, headers, timestamp, and the attempt number.</summary>
public sealed class ConsumerMessage
{
    private readonly ConsumeResult<byte[]?, byte[]?> _record;

    internal ConsumerMessage(ConsumeResult<byte[]?, byte[]?> record, string groupId)
    {
        _record = record;
        GroupId = groupId;
    }

    /// <summary>The topic.</summary>
    public string Topic => _record.Topic;

    /// <summary>The partition.</summary>
    public int Partition => _record.Partition.Value;

    /// <summary>The offset within the partition.</summary>
    public long Offset => _record.Offset.Value;

    /// <summary>The key bytes, or <see langword="null"/>.</summary>
    public byte[]? Key => _record.Message.Key;

    /// <summary>The value bytes, or <see langword="null"/> (a tombstone).</summary>
    public byte[]? Value => _record.Message.Value;

    /// <summary>The record headers (empty when there are none).</summary>
    public Headers Headers => _record.Message.Headers ??= [];

    /// <summary>The record timestamp.</summary>
    public DateTimeOffset Timestamp => _record.Message.Timestamp.UtcDateTime;

    /// <summary>The consumer group handling it.</summary>
    public string GroupId { get; }

    /// <summary>Which attempt this is, from 1.</summary>
    public int Attempt { get; internal set; } = 1;

    /// <summary>The key decoded as UTF-8, or <see langword="null"/>.</summary>
    public string? KeyAsString => Key is null ? null : Encoding.UTF8.GetString(Key);

    /// <summary>The value decoded as UTF-8, or <see langword="null"/>.</summary>
    public string? ValueAsString => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <summary>The last header named <paramref name="key"/> decoded as UTF-8, or <see langword="null"/>.</summary>
    /// <param name="key">The header name.</param>
    public string? GetHeader(string key)
        => _record.Message.Headers is { } headers && headers.TryGetLastBytes(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    internal ConsumeResult<byte[]?, byte[]?> Record => _record;

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] @{Offset}";
}

/// <summary>The headers a dead-lettered record carries besides its original headers (values are UTF-8 text).</summary>
/// <remarks>
/// <para>Every value is bounded, so that the failure never makes the dead letter larger than the record it carries by
/// more than a few KiB: <see cref="Error"/> to <see cref="MaxErrorBytes"/>, every other <c>kt-dlq-*</c> header to
/// <see cref="MaxHeaderBytes"/>. A longer text is cut on a character boundary and ends with <see cref="TruncationMarker"/>.</para>
/// <para>A record that is too large for the dead-letter topic even so (the source topic accepts larger records than the
/// dead-letter writer may send) is dead-lettered as a <em>reference</em>: its key and the <c>kt-dlq-*</c> headers, with
/// <see cref="Reference"/> saying why, but no value and none of its original headers. Read the original at
/// <see cref="OriginalTopic"/>, <see cref="OriginalPartition"/>, <see cref="OriginalOffset"/> while that topic retains it.</para>
/// </remarks>
public static class DeadLetterHeaders
{
    /// <summary>The most bytes of <see cref="Error"/>: 4,096.</summary>
    public const int MaxErrorBytes = 4096;

    /// <summary>The most bytes of every other <c>kt-dlq-*</c> header: 512.</summary>
    public const int MaxHeaderBytes = 512;

    /// <summary>What a cut header value ends with: <c>…</c> (U+2026).</summary>
    public const string TruncationMarker = "\u2026";

    /// <summary>The last exception's message (at most <see cref="MaxErrorBytes"/>).</summary>
    public const string Error = "kt-dlq-error";

    /// <summary>The last exception's full type name.</summary>
    public const string ExceptionType = "kt-dlq-exception-type";

    /// <summary>Present only on a reference dead letter (no value, no original headers): why the record itself was not written, for example <c>MsgSizeTooLarge: …</c>.</summary>
    public const string Reference = "kt-dlq-reference";

    /// <summary>How many attempts were made.</summary>
    public const string Attempts = "kt-dlq-attempts";

    /// <summary>The topic the record came from.</summary>
    public const string OriginalTopic = "kt-dlq-original-topic";

    /// <summary>The partition it came from.</summary>
    public const string OriginalPartition = "kt-dlq-original-partition";

    /// <summary>Its offset there.</summary>
    public const string OriginalOffset = "kt-dlq-original-offset";

    /// <summary>Its timestamp, in Unix milliseconds.</summary>
    public const string OriginalTimestamp = "kt-dlq-original-timestamp";

    /// <summary>The consumer group that gave up on it.</summary>
    public const string ConsumerGroup = "kt-dlq-consumer-group";
}
