using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>Builds dead-letter records (bounded <c>kt-dlq-*</c> headers, see <see cref="DeadLetterHeaders"/>) and classifies why a write failed.</summary>
internal static class DeadLetterRecord
{
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes(DeadLetterHeaders.TruncationMarker);

    /// <summary>
    /// The headers of the dead letter of <paramref name="record"/>: its original headers (unless <paramref name="reference"/>
    /// is given) plus the bounded <c>kt-dlq-*</c> headers; <paramref name="reference"/> says why the record itself is left out.
    /// </summary>
    public static Headers Headers(ConsumeResult<byte[]?, byte[]?> record, Exception failure, int attempts, string partitionId, string groupId, string? reference)
    {
        var headers = new Headers();
        if (reference is null && record.Message.Headers is { } original)
        {
            foreach (var h in original)
            {
                headers.Add(h.Key, h.GetValueBytes());
            }
        }

        headers.Add(DeadLetterHeaders.Error, Bounded(failure.Message, DeadLetterHeaders.MaxErrorBytes));
        headers.Add(DeadLetterHeaders.ExceptionType, Bounded(failure.GetType().FullName ?? failure.GetType().Name, DeadLetterHeaders.MaxHeaderBytes));
        headers.Add(DeadLetterHeaders.Attempts, Encoding.UTF8.GetBytes(attempts.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.OriginalTopic, Bounded(record.Topic, DeadLetterHeaders.MaxHeaderBytes));
        headers.Add(DeadLetterHeaders.OriginalPartition, Encoding.UTF8.GetBytes(partitionId));
        headers.Add(DeadLetterHeaders.OriginalOffset, Encoding.UTF8.GetBytes(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.OriginalTimestamp, Encoding.UTF8.GetBytes(record.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.ConsumerGroup, Bounded(groupId, DeadLetterHeaders.MaxHeaderBytes));
        if (reference is not null)
        {
            headers.Add(DeadLetterHeaders.Reference, Bounded(reference, DeadLetterHeaders.MaxHeaderBytes));
        }

        return headers;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, at most <paramref name="maxBytes"/>: a longer text is cut on a character boundary and ends with <see cref="DeadLetterHeaders.TruncationMarker"/>.</summary>
    public static byte[] Bounded(string text, int maxBytes)
    {
        if (text.Length <= maxBytes / 3 || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        var buffer = new byte[maxBytes];
        // Not the final block: a character that does not fit whole (a surrogate pair included) is left out, not split.
        Utf8.FromUtf16(text, buffer.AsSpan(0, maxBytes - Marker.Length), out _, out var written, replaceInvalidSequences: true, isFinalBlock: false);
        Marker.CopyTo(buffer.AsSpan(written));
        return buffer.AsSpan(0, written + Marker.Length).ToArray();
    }

    /// <summary>The size librdkafka and the broker count against <c>message.max.bytes</c>, near enough for a log line: key, value and headers.</summary>
    public static long Size(ConsumeResult<byte[]?, byte[]?> record)
    {
        long size = (record.Message.Key?.Length ?? 0) + (record.Message.Value?.Length ?? 0);
        if (record.Message.Headers is { } headers)
        {
            foreach (var h in headers)
            {
                size += h.Key.Length + (h.GetValueBytes()?.Length ?? 0);
            }
        }

        return size;
    }

    /// <summary>The record is too large for the dead-letter topic: a reference (no value, no original headers) is written instead.</summary>
    public static bool IsTooLarge(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge;

    /// <summary>Retrying the write cannot succeed until an operator acts (grants access, creates or fixes the topic, changes a policy).</summary>
    public static bool NeedsOperator(ErrorCode code)
        => code is ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.TopicException
            or ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition
            or ErrorCode.PolicyViolation or ErrorCode.InvalidRecord or ErrorCode.UnsupportedForMessageFormat
            or ErrorCode.InvalidRequiredAcks or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication
            or ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge;
}
