using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>Every log line Kafka.Typed writes. Payload bytes appear only through <c>payload</c> arguments, which callers fill only when payload logging is on.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Producer {ClientId} started for {BootstrapServers}")]
    public static partial void ProducerStarted(ILogger logger, string clientId, string bootstrapServers);

    [LoggerMessage(2, LogLevel.Warning, "Producer {ClientId} disposed with {Count} message(s) unsent; they were reported as failed")]
    public static partial void ProducerUnsent(ILogger logger, string clientId, int count);

    [LoggerMessage(3, LogLevel.Error, "Producer report callback threw for topic {Topic}")]
    public static partial void ReportCallbackFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(4, LogLevel.Warning, "Produce to {Topic} failed: {ErrorCode}: {Reason}")]
    public static partial void ProduceFailed(ILogger logger, string topic, Confluent.Kafka.ErrorCode errorCode, string reason);

    [LoggerMessage(10, LogLevel.Information, "Consumer group {GroupId} subscribed to {Topics}")]
    public static partial void ConsumerSubscribed(ILogger logger, string groupId, string topics);

    [LoggerMessage(11, LogLevel.Information, "Consumer group {GroupId}: assigned {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string groupId, string partitions);

    [LoggerMessage(12, LogLevel.Information, "Consumer group {GroupId}: revoked {Partitions}")]
    public static partial void PartitionsRevoked(ILogger logger, string groupId, string partitions);

    [LoggerMessage(13, LogLevel.Warning, "Consumer group {GroupId}: lost {Partitions} (not committed; the new owner resumes from the last commit)")]
    public static partial void PartitionsLost(ILogger logger, string groupId, string partitions);

    [LoggerMessage(14, LogLevel.Warning, "Handler failed for {Topic} [{Partition}] @{Offset}, attempt {Attempt} of {MaxAttempts}; retrying in {DelayMs} ms{Payload}")]
    public static partial void HandlerRetry(ILogger logger, Exception exception, string topic, int partition, long offset, int attempt, int maxAttempts, long delayMs, string payload);

    [LoggerMessage(25, LogLevel.Warning, "Unavailable while handling {Topic} [{Partition}] @{Offset} ({Outages} time(s) in a row); the partition waits {DelayMs} ms and tries again (not counted as an attempt of the message)")]
    public static partial void Unavailable(ILogger logger, Exception exception, string topic, int partition, long offset, int outages, long delayMs);

    [LoggerMessage(15, LogLevel.Error, "Handler failed for {Topic} [{Partition}] @{Offset} after {Attempts} attempt(s): {Error}; dead-lettered to {DeadLetterTopic} [{DlqPartition}] @{DlqOffset}{Payload}")]
    public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, int attempts, string error, string deadLetterTopic, int dlqPartition, long dlqOffset, string payload);

    [LoggerMessage(16, LogLevel.Error, "Handler failed for {Topic} [{Partition}] @{Offset} after {Attempts} attempt(s): {Error}; skipped (FailurePolicy.Skip){Payload}")]
    public static partial void Skipped(ILogger logger, string topic, int partition, long offset, int attempts, string error, string payload);

    [LoggerMessage(29, LogLevel.Debug, "Handler failure for {Topic} [{Partition}] @{Offset} ({Outcome}), with its stack trace")]
    public static partial void HandlerFailureDetail(ILogger logger, Exception exception, string topic, int partition, long offset, string outcome);

    [LoggerMessage(17, LogLevel.Error, "Dead-letter write to {DeadLetterTopic} for {Topic} [{Partition}] @{Offset} failed: {ErrorCode}: {Reason}; {Remedy}. The partition holds this message (not committed) and retries the write with backoff, first in {DelayMs} ms; further failures are logged at debug level, the stall shows in ConsumerGroup.GetStatus()")]
    public static partial void DeadLetterWriteFailed(ILogger logger, string deadLetterTopic, string topic, int partition, long offset, Confluent.Kafka.ErrorCode errorCode, string reason, string remedy, long delayMs);

    [LoggerMessage(26, LogLevel.Debug, "Dead-letter write to {DeadLetterTopic} for {Topic} [{Partition}] @{Offset} failed again ({Failures} failures): {ErrorCode}: {Reason}; retrying in {DelayMs} ms")]
    public static partial void DeadLetterWriteRetry(ILogger logger, string deadLetterTopic, string topic, int partition, long offset, int failures, Confluent.Kafka.ErrorCode errorCode, string reason, long delayMs);

    [LoggerMessage(27, LogLevel.Information, "Dead-letter write to {DeadLetterTopic} for {Topic} [{Partition}] @{Offset} accepted after {Failures} failed write(s) over {BlockedMs} ms; the partition moves on")]
    public static partial void DeadLetterWriteRecovered(ILogger logger, string deadLetterTopic, string topic, int partition, long offset, int failures, long blockedMs);

    [LoggerMessage(28, LogLevel.Error, "Handler failed for {Topic} [{Partition}] @{Offset} after {Attempts} attempt(s): {Error}; the record ({Size} bytes) is too large for {DeadLetterTopic} ({ErrorCode}: {Reason}), so a reference was dead-lettered instead (key and kt-dlq-* headers, no value) at [{DlqPartition}] @{DlqOffset}: read the original at its offset while the topic retains it")]
    public static partial void DeadLetteredReference(ILogger logger, string topic, int partition, long offset, int attempts, string error, long size, string deadLetterTopic, Confluent.Kafka.ErrorCode errorCode, string reason, int dlqPartition, long dlqOffset);

    [LoggerMessage(40, LogLevel.Error, "Cannot read the record batch of {Topic} [{Partition}] at offset {Offset}: {ErrorCode}: {Reason}. The partition stops there (paused; nothing at or after it is handled or committed) until it is reassigned or the consumer restarts; an operator must repair the topic or move the group past the batch")]
    public static partial void UnreadableBatch(ILogger logger, string topic, int partition, long offset, Confluent.Kafka.ErrorCode errorCode, string reason);

    [LoggerMessage(43, LogLevel.Error, "The worker of {Topic} [{Partition}] failed outside the handler; the partition handles nothing more until it is reassigned (its unfinished messages are not committed and are delivered again)")]
    public static partial void WorkerFaulted(ILogger logger, Exception exception, string topic, int partition);

    [LoggerMessage(18, LogLevel.Warning, "Consumer group {GroupId}: {Error}")]
    public static partial void ConsumerError(ILogger logger, string groupId, string error);

    [LoggerMessage(19, LogLevel.Information, "Consumer group {GroupId} stopped: {Handled} handled, {Retried} retries, {DeadLettered} dead-lettered, {Skipped} skipped")]
    public static partial void ConsumerStopped(ILogger logger, string groupId, long handled, long retried, long deadLettered, long skipped);

    [LoggerMessage(20, LogLevel.Warning, "Consumer group {GroupId}: handlers did not finish within {TimeoutMs} ms; cancelling them")]
    public static partial void DrainTimedOut(ILogger logger, string groupId, long timeoutMs);

    [LoggerMessage(60, LogLevel.Warning, "Consumer group {GroupId}: a handler of {Topic} [{Partition}] still runs {GraceMs} ms after its token was cancelled; it is abandoned (it can no longer store offsets or pause the partition) and its message is delivered again")]
    public static partial void DispatcherAbandoned(ILogger logger, string groupId, string topic, int partition, long graceMs);

    [LoggerMessage(21, LogLevel.Warning, "Consumer group {GroupId}: commit failed: {Error}")]
    public static partial void CommitFailed(ILogger logger, string groupId, string error);

    [LoggerMessage(22, LogLevel.Debug, "Consumer group {GroupId}: {Action} {Partition} (queued {Queued}, retrying {Retrying})")]
    public static partial void PauseChanged(ILogger logger, string groupId, string action, string partition, int queued, bool retrying);

    [LoggerMessage(23, LogLevel.Warning, "Consumer group {GroupId}: handlers are behind ({Buffered} messages buffered for over {StallMs} ms); all partitions paused while polling goes on")]
    public static partial void BufferStalled(ILogger logger, string groupId, int buffered, long stallMs);

    [LoggerMessage(24, LogLevel.Information, "Consumer group {GroupId}: handlers caught up ({Buffered} messages buffered); partitions resumed")]
    public static partial void BufferCaughtUp(ILogger logger, string groupId, int buffered);

    [LoggerMessage(30, LogLevel.Debug, "librdkafka [{Facility}] {Name}: {Message}")]
    public static partial void LibrdkafkaDebug(ILogger logger, string facility, string name, string message);

    [LoggerMessage(31, LogLevel.Information, "librdkafka [{Facility}] {Name}: {Message}")]
    public static partial void LibrdkafkaInfo(ILogger logger, string facility, string name, string message);

    [LoggerMessage(32, LogLevel.Warning, "librdkafka [{Facility}] {Name}: {Message}")]
    public static partial void LibrdkafkaWarning(ILogger logger, string facility, string name, string message);

    [LoggerMessage(33, LogLevel.Error, "librdkafka [{Facility}] {Name}: {Message}")]
    public static partial void LibrdkafkaError(ILogger logger, string facility, string name, string message);

    public static void Librdkafka(ILogger logger, Confluent.Kafka.LogMessage message)
    {
        switch (message.Level)
        {
            case Confluent.Kafka.SyslogLevel.Debug:
                LibrdkafkaDebug(logger, message.Facility, message.Name, message.Message);
                break;
            case Confluent.Kafka.SyslogLevel.Info:
            case Confluent.Kafka.SyslogLevel.Notice:
                LibrdkafkaInfo(logger, message.Facility, message.Name, message.Message);
                break;
            case Confluent.Kafka.SyslogLevel.Warning:
                LibrdkafkaWarning(logger, message.Facility, message.Name, message.Message);
                break;
            default:
                LibrdkafkaError(logger, message.Facility, message.Name, message.Message);
                break;
        }
    }
}
