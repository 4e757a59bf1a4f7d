using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>The log lines of the typed layer (event ids 300-399).</summary>
internal static partial class TypedLog
{
    [LoggerMessage(300, LogLevel.Information, "Kafka consumer {Handler} starting on topic {Topic} (group {GroupId})")]
    public static partial void ConsumerStarting(ILogger logger, string handler, string topic, string groupId);

    [LoggerMessage(301, LogLevel.Warning, "Queued message to {Topic} failed: {ErrorCode}: {Reason}")]
    public static partial void EnqueuedFailed(ILogger logger, string topic, ErrorCode errorCode, string reason);

    [LoggerMessage(302, LogLevel.Error, "Delivery observer {Observer} threw for topic {Topic}")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string topic);

    [LoggerMessage(303, LogLevel.Error, "Kafka consumer {Handler} on topic {Topic} stopped")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string handler, string topic);

    [LoggerMessage(304, LogLevel.Error, "Publishing of queued Kafka messages stopped with an error")]
    public static partial void ListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(305, LogLevel.Error, "Kafka producers could not be created at start-up (bootstrap servers {BootstrapServers})")]
    public static partial void ProducersUnavailable(ILogger logger, Exception exception, string bootstrapServers);

    [LoggerMessage(306, LogLevel.Debug, "Kafka consumer {Handler} skipped the tombstone at {Topic} [{Partition}] @{Offset}: the handler does not implement IKafkaTombstoneHandler")]
    public static partial void TombstoneSkipped(ILogger logger, string handler, string topic, int partition, long offset);
}
