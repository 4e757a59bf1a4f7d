using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed.Testing.Internal;

/// <summary>
/// Receives librdkafka's log lines for the cluster's owner handle and forwards them to an
/// <see cref="ILogger"/>. The native side finds the sink through the handle's opaque pointer
/// (a <see cref="GCHandle"/>), and the callback is a static <see cref="UnmanagedCallersOnlyAttribute"/>
/// function, so there is no marshalled delegate that could be collected while librdkafka still
/// holds it.
/// </summary>
internal sealed partial class NativeLogSink
{
    private readonly ILogger _logger;

    internal NativeLogSink(ILogger logger) => _logger = logger;

    /// <summary>The native log callback, for <c>rd_kafka_conf_set_log_cb</c>.</summary>
    internal static unsafe delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void> Callback => &OnLog;

    /// <summary>
    /// The librdkafka <c>log_level</c> (syslog severity) that matches what <paramref name="logger"/>
    /// has enabled, so lines nobody will see are not formatted in native code at all.
    /// </summary>
    internal static int SyslogLevelFor(ILogger logger) =>
        logger.IsEnabled(LogLevel.Debug) ? 7
        : logger.IsEnabled(LogLevel.Information) ? 6
        : logger.IsEnabled(LogLevel.Warning) ? 4
        : logger.IsEnabled(LogLevel.Error) ? 3
        : logger.IsEnabled(LogLevel.Critical) ? 2
        : 0;

    /// <summary>Maps a syslog severity (0 emergency … 7 debug) to a <see cref="LogLevel"/>.</summary>
    internal static LogLevel ToLogLevel(int syslogLevel) => syslogLevel switch
    {
        <= 2 => LogLevel.Critical, // emergency, alert, critical
        3 => LogLevel.Error,
        4 => LogLevel.Warning,
        5 or 6 => LogLevel.Information, // notice, info
        _ => LogLevel.Debug,
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnLog(nint rk, int level, byte* facility, byte* message)
    {
        // Runs on librdkafka threads: nothing may escape into native code.
        try
        {
            if (rk == 0)
            {
                return;
            }

            var opaque = LibRdKafka.Opaque(rk);
            if (opaque == 0 || GCHandle.FromIntPtr(opaque).Target is not NativeLogSink sink)
            {
                return;
            }

            var logLevel = ToLogLevel(level);
            if (!sink._logger.IsEnabled(logLevel))
            {
                return;
            }

            var facilityText = Marshal.PtrToStringUTF8((nint)facility) ?? string.Empty;
            var messageText = Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
            if (IsOwnerBootstrapNotice(facilityText, messageText))
            {
                return;
            }

            NativeLog(sink._logger, logLevel, facilityText, messageText);
        }
#pragma warning disable CA1031 // An exception thrown across the native boundary would abort the process.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// The owner handle deliberately has no <c>bootstrap.servers</c> (it only hosts the mock
    /// cluster), so librdkafka's notice about that is noise.
    /// </summary>
    private static bool IsOwnerBootstrapNotice(string facility, string message) =>
        facility == "CONFWARN" && message.Contains("bootstrap.servers", StringComparison.Ordinal);

    [LoggerMessage(EventId = 1, EventName = "Librdkafka", Message = "librdkafka {Facility}: {Message}")]
    private static partial void NativeLog(ILogger logger, LogLevel level, string facility, string message);
}
