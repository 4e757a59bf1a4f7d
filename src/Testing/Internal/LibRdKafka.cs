using System.Runtime.InteropServices;

namespace Kafka.Typed.Testing.Internal;

/// <summary>
/// P/Invoke surface over the librdkafka instance that Confluent.Kafka has loaded, including the
/// experimental mock cluster API (<c>rdkafka_mock.h</c>). The library name is resolved by
/// <see cref="LibRdKafkaLocator"/>; it must never be loaded from a second file, or the mock
/// cluster and the clients would live in two separate copies of librdkafka.
/// </summary>
internal static unsafe partial class LibRdKafka
{
    /// <summary>The logical library name that <see cref="LibRdKafkaLocator"/> resolves.</summary>
    internal const string LibraryName = "kafka-typed-librdkafka";

    /// <summary><c>RD_KAFKA_PRODUCER</c>.</summary>
    internal const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c>.</summary>
    internal const int ConfOk = 0;

    /// <summary>Every export the cluster needs; checked once so a too-old librdkafka fails clearly.</summary>
    internal static readonly string[] RequiredExports =
    [
        "rd_kafka_conf_new",
        "rd_kafka_conf_set",
        "rd_kafka_conf_destroy",
        "rd_kafka_conf_set_log_cb",
        "rd_kafka_conf_set_opaque",
        "rd_kafka_opaque",
        "rd_kafka_new",
        "rd_kafka_destroy",
        "rd_kafka_err2name",
        "rd_kafka_err2str",
        "rd_kafka_mock_cluster_new",
        "rd_kafka_mock_cluster_destroy",
        "rd_kafka_mock_cluster_bootstraps",
        "rd_kafka_mock_topic_create",
        "rd_kafka_mock_partition_set_leader",
        "rd_kafka_mock_broker_set_down",
        "rd_kafka_mock_broker_set_up",
        "rd_kafka_mock_broker_set_rtt",
        "rd_kafka_mock_push_request_errors_array",
        "rd_kafka_mock_clear_request_errors",
        "rd_kafka_mock_group_initial_rebalance_delay_ms",
        "rd_kafka_mock_start_request_tracking",
        "rd_kafka_mock_stop_request_tracking",
        "rd_kafka_mock_clear_requests",
        "rd_kafka_mock_get_requests",
        "rd_kafka_mock_request_id",
        "rd_kafka_mock_request_api_key",
        "rd_kafka_mock_request_timestamp",
        "rd_kafka_mock_request_destroy_array",
    ];

    // ---- rdkafka.h -------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    internal static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(nint conf);

    /// <summary><c>log_cb</c> is <c>void (*)(const rd_kafka_t *rk, int level, const char *fac, const char *buf)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set_log_cb")]
    internal static partial void ConfSetLogCallback(nint conf, delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void> logCallback);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set_opaque")]
    internal static partial void ConfSetOpaque(nint conf, nint opaque);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_opaque")]
    internal static partial nint Opaque(nint rk);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    internal static partial nint New(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    internal static partial void Destroy(nint rk);

    /// <summary>Returns a static string; never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2name")]
    internal static partial nint Err2Name(int err);

    /// <summary>Returns a static string; never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    internal static partial nint Err2Str(int err);

    // ---- rdkafka_mock.h --------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(nint mcluster);

    /// <summary>Returns a string owned by the cluster; never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial nint MockClusterBootstraps(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(nint mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockPartitionSetLeader(nint mcluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int MockBrokerSetDown(nint mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int MockBrokerSetUp(nint mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial int MockBrokerSetRtt(nint mcluster, int brokerId, int rttMs);

    /// <summary><c>errors</c> points at <paramref name="count"/> <c>rd_kafka_resp_err_t</c> (C enum, 32-bit) values.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void MockPushRequestErrorsArray(nint mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void MockClearRequestErrors(nint mcluster, short apiKey);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(nint mcluster, int delayMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_set_group_consumer_heartbeat_interval_ms")]
    internal static partial void MockSetGroupConsumerHeartbeatIntervalMs(nint mcluster, int intervalMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_set_group_consumer_session_timeout_ms")]
    internal static partial void MockSetGroupConsumerSessionTimeoutMs(nint mcluster, int timeoutMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_start_request_tracking")]
    internal static partial void MockStartRequestTracking(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_stop_request_tracking")]
    internal static partial void MockStopRequestTracking(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_requests")]
    internal static partial void MockClearRequests(nint mcluster);

    /// <summary>Returns a malloc'd array of copies (or null when empty); free with <see cref="MockRequestDestroyArray"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_get_requests")]
    internal static partial nint* MockGetRequests(nint mcluster, nuint* count);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_id")]
    internal static partial int MockRequestId(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_api_key")]
    internal static partial short MockRequestApiKey(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_timestamp")]
    internal static partial long MockRequestTimestamp(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_destroy_array")]
    internal static partial void MockRequestDestroyArray(nint* requests, nuint count);

    /// <summary>Formats a librdkafka error code as <c>NAME (description)</c>, e.g. <c>TOPIC_ALREADY_EXISTS (Broker: Topic already exists)</c>.</summary>
    internal static string Describe(int err)
    {
        var name = Marshal.PtrToStringUTF8(Err2Name(err)) ?? err.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = Marshal.PtrToStringUTF8(Err2Str(err));
        return string.IsNullOrEmpty(text) ? name : $"{name} ({text})";
    }
}
