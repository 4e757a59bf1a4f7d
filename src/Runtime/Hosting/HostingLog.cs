using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>The log lines of hosting and configuration (event ids 380-389).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(380, LogLevel.Information, "Kafka consumer {Handler} (topic {Topic}) is disabled by configuration and does not run")]
    public static partial void ConsumerDisabled(ILogger logger, string handler, string topic);

    [LoggerMessage(381, LogLevel.Warning, "HostOptions.ShutdownTimeout is {HostTimeout}, but stopping Kafka may take {Needed}: {Consumers} consumer(s) stopping one after another ({Consuming}, each up to its Kafka:Consumer:ShutdownTimeout) and the producers' flush (Kafka:Producer:DisposeTimeout, {Producing}). Raise HostOptions.ShutdownTimeout (builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ...)) or lower those timeouts; otherwise the host may give up before handlers finish and queued messages are sent")]
    public static partial void ShutdownTimeoutTooShort(ILogger logger, TimeSpan hostTimeout, TimeSpan needed, int consumers, TimeSpan consuming, TimeSpan producing);
}
