using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Kafka.Typed.Testing.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed.Testing;

/// <summary>
/// An in-process Kafka cluster for tests and zero-setup samples: librdkafka's mock cluster, whose
/// brokers listen on <c>127.0.0.1</c> ephemeral ports and speak the real Kafka wire protocol, so
/// any Kafka client can connect to <see cref="BootstrapServers"/>. It adds fault injection (brokers
/// down, latency, errors pushed onto requests) and request tracking.
/// </summary>
/// <remarks>
/// <para>
/// <b>Dispose every client (producer, consumer, admin client) that uses the cluster before
/// disposing the cluster.</b> Close consumers first (<c>consumer.Close()</c>, then <c>Dispose()</c>).
/// Disposing the cluster while a consumer is alive makes that consumer's <c>Close()</c> hang for
/// about 45 seconds; the cluster itself is always torn down in the only safe native order (mock
/// cluster, then its owner handle; the reverse aborts the process).
/// </para>
/// <para>
/// Supported: producing (all codecs, <c>acks=all</c>, idempotence), fetching, consumer groups
/// (classic and KIP-848) with committed offsets, metadata and <c>ListOffsets</c>. Not supported:
/// the admin API beyond metadata and offsets (create topics with <see cref="CreateTopic"/>; other
/// admin calls time out, hang or crash the process), transactional isolation (aborted records are
/// still returned to <c>read_committed</c> consumers), TLS and SASL. Each partition keeps only about
/// 5 MiB (100,000 batches); older data is silently dropped.
/// </para>
/// <para>
/// Faults are cluster-wide: give each test that injects faults its own cluster. A cluster starts in
/// milliseconds. Runs on Linux, macOS and Windows: the cluster binds to the librdkafka build that Confluent.Kafka loaded (found among the loaded modules, or in librdkafka.redist's runtimes/{rid}/native layout).
/// </para>
/// </remarks>
public sealed partial class EmbeddedKafkaCluster : IDisposable
{
    /// <summary>The largest partition count <see cref="CreateTopic"/> accepts.</summary>
    public const int MaxPartitionCount = 10_000;

    /// <summary>The broker id librdkafka uses for "every broker".</summary>
    private const int AllBrokers = -1;

    private const int ErrorBufferSize = 512;

    private readonly Lock _gate = new();
    private readonly nint _owner;
    private readonly nint _cluster;
    private GCHandle _logSinkHandle;
    private bool _tracking;
    private EmbeddedKafkaRequest[] _stoppedRequests = [];
    private bool _disposed;

    private EmbeddedKafkaCluster(nint owner, nint cluster, GCHandle logSinkHandle, int brokerCount, string bootstrapServers)
    {
        _owner = owner;
        _cluster = cluster;
        _logSinkHandle = logSinkHandle;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses, <c>127.0.0.1:port,…</c>, for a client's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids run from 1 to this value.</summary>
    public int BrokerCount { get; }

    /// <summary>
    /// Starts a cluster. Dispose it after every client that uses it (see the remarks on
    /// <see cref="EmbeddedKafkaCluster"/>).
    /// </summary>
    /// <param name="options">The options; null for the defaults (3 brokers, no rebalance delay, no logging).</param>
    /// <returns>A running cluster.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException"><see cref="EmbeddedKafkaClusterOptions.DebugContexts"/> is not valid for librdkafka.</exception>
    /// <exception cref="PlatformNotSupportedException">The process runs on an operating system other than Linux, macOS or Windows.</exception>
    /// <exception cref="InvalidOperationException">librdkafka could not be loaded or lacks the mock cluster API, or the cluster could not start.</exception>
    public static unsafe EmbeddedKafkaCluster Start(EmbeddedKafkaClusterOptions? options = null)
    {
        options ??= new EmbeddedKafkaClusterOptions();
        options.Validate();
        LibRdKafkaLocator.EnsureLoaded();

        if ((options.ConsumerGroupHeartbeatInterval is not null && !LibRdKafkaLocator.HasExport("rd_kafka_mock_set_group_consumer_heartbeat_interval_ms")) ||
            (options.ConsumerGroupSessionTimeout is not null && !LibRdKafkaLocator.HasExport("rd_kafka_mock_set_group_consumer_session_timeout_ms")))
        {
            throw new NotSupportedException(
                $"The loaded librdkafka ({Library.VersionString}) cannot set KIP-848 consumer group timings; leave " +
                $"{nameof(EmbeddedKafkaClusterOptions.ConsumerGroupHeartbeatInterval)} and {nameof(EmbeddedKafkaClusterOptions.ConsumerGroupSessionTimeout)} null.");
        }

        ILogger logger = options.LoggerFactory?.CreateLogger<EmbeddedKafkaCluster>() ?? NullLogger<EmbeddedKafkaCluster>.Instance;

        // With no logger, log_level 3 keeps librdkafka from even formatting the owner's
        // "no bootstrap.servers" notice; the callback discards whatever is left.
        var logLevel = options.LoggerFactory is null ? 3 : NativeLogSink.SyslogLevelFor(logger);
        var sinkHandle = GCHandle.Alloc(new NativeLogSink(logger));
        var conf = LibRdKafka.ConfNew();
        nint owner = 0;
        try
        {
            SetConf(conf, "client.id", "kafka-typed-embedded-cluster", "client.id");
            SetConf(conf, "log_level", logLevel.ToString(CultureInfo.InvariantCulture), "log_level");
            if (!string.IsNullOrWhiteSpace(options.DebugContexts))
            {
                SetConf(conf, "debug", options.DebugContexts, nameof(EmbeddedKafkaClusterOptions.DebugContexts));
            }

            LibRdKafka.ConfSetLogCallback(conf, NativeLogSink.Callback);
            LibRdKafka.ConfSetOpaque(conf, GCHandle.ToIntPtr(sinkHandle));

            var errstr = stackalloc byte[ErrorBufferSize];
            owner = LibRdKafka.New(LibRdKafka.ProducerType, conf, errstr, ErrorBufferSize);
            if (owner == 0)
            {
                throw new InvalidOperationException(
                    $"librdkafka could not create the embedded cluster's owner handle: {Marshal.PtrToStringUTF8((nint)errstr)}");
            }

            conf = 0; // Owned by the handle now.
            var cluster = LibRdKafka.MockClusterNew(owner, options.BrokerCount);
            if (cluster == 0)
            {
                throw new InvalidOperationException(
                    $"librdkafka could not start a mock cluster with {options.BrokerCount} broker(s) (it could not create or bind the listeners).");
            }

            try
            {
                LibRdKafka.MockGroupInitialRebalanceDelayMs(cluster, (int)options.InitialRebalanceDelay.TotalMilliseconds);
                if (options.ConsumerGroupHeartbeatInterval is { } heartbeat)
                {
                    LibRdKafka.MockSetGroupConsumerHeartbeatIntervalMs(cluster, (int)heartbeat.TotalMilliseconds);
                }

                if (options.ConsumerGroupSessionTimeout is { } session)
                {
                    LibRdKafka.MockSetGroupConsumerSessionTimeoutMs(cluster, (int)session.TotalMilliseconds);
                }

                var bootstraps = Marshal.PtrToStringUTF8(LibRdKafka.MockClusterBootstraps(cluster));
                if (string.IsNullOrEmpty(bootstraps))
                {
                    throw new InvalidOperationException("librdkafka started a mock cluster but reported no bootstrap servers.");
                }

                var started = new EmbeddedKafkaCluster(owner, cluster, sinkHandle, options.BrokerCount, bootstraps);
                Log.Started(logger, options.BrokerCount, bootstraps, Library.VersionString);
                return started;
            }
            catch
            {
                LibRdKafka.MockClusterDestroy(cluster);
                throw;
            }
        }
        catch
        {
            if (owner != 0)
            {
                LibRdKafka.Destroy(owner);
            }

            if (conf != 0)
            {
                LibRdKafka.ConfDestroy(conf);
            }

            sinkHandle.Free();
            throw;
        }
    }

    /// <summary>
    /// Creates a topic. Producing to an unknown topic auto-creates it with 4 partitions, and
    /// subscribing never creates one, so create topics explicitly for a chosen partition count.
    /// The admin API's CreateTopics is not supported by the embedded brokers.
    /// </summary>
    /// <param name="name">The topic name: 1 to 249 characters from <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c>.</param>
    /// <param name="partitions">The partition count, 1 to <see cref="MaxPartitionCount"/>.</param>
    /// <param name="replicationFactor">The replication factor, 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ArgumentException">The name or a count is invalid.</exception>
    /// <exception cref="KafkaException">The broker refused, e.g. <c>TOPIC_ALREADY_EXISTS</c>.</exception>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ValidateTopicName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, MaxPartitionCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        lock (_gate)
        {
            ThrowIfDisposed();
            Check(LibRdKafka.MockTopicCreate(_cluster, name, partitions, replicationFactor), $"Creating topic '{name}' with {partitions} partition(s)");
        }
    }

    /// <summary>
    /// Moves a partition's leadership to another broker (creating the topic if it does not exist).
    /// Clients find out through the errors and metadata refreshes that follow, as with a real
    /// leader election.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition, from 0.</param>
    /// <param name="brokerId">The new leader, 1 to <see cref="BrokerCount"/>, or -1 to leave the partition without a leader.</param>
    /// <exception cref="KafkaException">librdkafka refused, e.g. the partition does not exist.</exception>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ValidateTopicName(topic, nameof(topic));
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (brokerId != AllBrokers)
        {
            ValidateBrokerId(brokerId);
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            Check(LibRdKafka.MockPartitionSetLeader(_cluster, topic, partition, brokerId), $"Setting the leader of {topic} [{partition}] to broker {brokerId}");
        }
    }

    /// <summary>
    /// Takes a broker down: its connections are closed and new ones refused until
    /// <see cref="SetBrokerUp"/>. Partition leadership does not move.
    /// </summary>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetBrokerDown(int brokerId)
    {
        ValidateBrokerId(brokerId);
        BrokerCommand(static (c, id) => LibRdKafka.MockBrokerSetDown(c, id), brokerId, "Taking down broker");
    }

    /// <summary>Brings a broker taken down by <see cref="SetBrokerDown"/> back up, on the same port.</summary>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetBrokerUp(int brokerId)
    {
        ValidateBrokerId(brokerId);
        BrokerCommand(static (c, id) => LibRdKafka.MockBrokerSetUp(c, id), brokerId, "Bringing up broker");
    }

    /// <summary>Takes every broker down (see <see cref="SetBrokerDown"/>).</summary>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetAllBrokersDown() =>
        BrokerCommand(static (c, id) => LibRdKafka.MockBrokerSetDown(c, id), AllBrokers, "Taking down broker");

    /// <summary>Brings every broker back up.</summary>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetAllBrokersUp() =>
        BrokerCommand(static (c, id) => LibRdKafka.MockBrokerSetUp(c, id), AllBrokers, "Bringing up broker");

    /// <summary>
    /// Delays every response from one broker by <paramref name="roundTripTime"/>;
    /// <see cref="TimeSpan.Zero"/> removes the delay.
    /// </summary>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <param name="roundTripTime">The added delay, whole milliseconds, zero or more.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetBrokerLatency(int brokerId, TimeSpan roundTripTime)
    {
        ValidateBrokerId(brokerId);
        SetLatency(brokerId, roundTripTime);
    }

    /// <summary>Delays every response from every broker by <paramref name="roundTripTime"/>; <see cref="TimeSpan.Zero"/> removes the delay.</summary>
    /// <param name="roundTripTime">The added delay, whole milliseconds, zero or more.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void SetBrokerLatency(TimeSpan roundTripTime) => SetLatency(AllBrokers, roundTripTime);

    /// <summary>
    /// Makes the next requests of type <paramref name="apiKey"/>, to any broker, fail with
    /// <paramref name="errors"/>, one error per request, in order. Retriable errors (for example
    /// <see cref="ErrorCode.NotLeaderForPartition"/>) are retried by clients; others (for example
    /// <see cref="ErrorCode.TopicAuthorizationFailed"/>) surface to the application.
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    /// <param name="apiKey">The request type.</param>
    /// <param name="errors">The errors, in the order the requests will receive them.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        // ErrorCode is an int enum with librdkafka's values, so the array is an rd_kafka_resp_err_t[].
        var codes = MemoryMarshal.Cast<ErrorCode, int>(errors.AsSpan());
        lock (_gate)
        {
            ThrowIfDisposed();
            fixed (int* first = codes)
            {
                LibRdKafka.MockPushRequestErrorsArray(_cluster, (short)apiKey, (nuint)codes.Length, first);
            }
        }
    }

    /// <summary>Discards the errors still pending from <see cref="PushRequestErrors"/> for <paramref name="apiKey"/>.</summary>
    /// <param name="apiKey">The request type.</param>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            LibRdKafka.MockClearRequestErrors(_cluster, (short)apiKey);
        }
    }

    /// <summary>
    /// Starts recording every request the brokers receive, discarding any earlier record.
    /// Read the record with <see cref="GetRequests"/> or <see cref="CountRequests(KafkaApiKey)"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void StartRequestTracking()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            _stoppedRequests = [];
            LibRdKafka.MockStartRequestTracking(_cluster);
            _tracking = true;
        }
    }

    /// <summary>Stops recording requests; the record so far stays readable until cleared or restarted.</summary>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void StopRequestTracking()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_tracking)
            {
                return;
            }

            // librdkafka discards its record when tracking stops; keep a copy so assertions can follow.
            _stoppedRequests = ReadNativeRequests();
            LibRdKafka.MockStopRequestTracking(_cluster);
            _tracking = false;
        }
    }

    /// <summary>Discards the requests recorded so far; tracking stays on if it was on.</summary>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public void ClearRequestTracking()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            _stoppedRequests = [];
            LibRdKafka.MockClearRequests(_cluster);
        }
    }

    /// <summary>The requests recorded since <see cref="StartRequestTracking"/>, oldest first.</summary>
    /// <returns>A snapshot; empty when tracking was never started.</returns>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public IReadOnlyList<EmbeddedKafkaRequest> GetRequests()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _tracking ? ReadNativeRequests() : _stoppedRequests;
        }
    }

    /// <summary>How many requests of type <paramref name="apiKey"/> the brokers have received since <see cref="StartRequestTracking"/>.</summary>
    /// <param name="apiKey">The request type.</param>
    /// <returns>The count, across all brokers.</returns>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public int CountRequests(KafkaApiKey apiKey) => GetRequests().Count(r => r.ApiKey == apiKey);

    /// <summary>How many requests of type <paramref name="apiKey"/> one broker has received since <see cref="StartRequestTracking"/>.</summary>
    /// <param name="apiKey">The request type.</param>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ObjectDisposedException">The cluster has been disposed.</exception>
    public int CountRequests(KafkaApiKey apiKey, int brokerId)
    {
        ValidateBrokerId(brokerId);
        return GetRequests().Count(r => r.ApiKey == apiKey && r.BrokerId == brokerId);
    }

    /// <summary>
    /// Stops the brokers and frees the cluster. Idempotent and thread-safe. <b>Dispose every
    /// client that uses the cluster first</b> (close consumers, then dispose them): a consumer
    /// that outlives its cluster hangs for about 45 seconds in <c>Close()</c>.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;

            // The only safe order: the mock cluster, then its owner (the reverse aborts the process).
            LibRdKafka.MockClusterDestroy(_cluster);
            LibRdKafka.Destroy(_owner);

            // rd_kafka_destroy has joined librdkafka's threads: no log callback can run any more.
            _logSinkHandle.Free();
        }
    }

    private static unsafe void SetConf(nint conf, string name, string value, string optionName)
    {
        var errstr = stackalloc byte[ErrorBufferSize];
        if (LibRdKafka.ConfSet(conf, name, value, errstr, ErrorBufferSize) != LibRdKafka.ConfOk)
        {
            throw new ArgumentException(
                $"{nameof(EmbeddedKafkaClusterOptions)}.{optionName}: librdkafka rejected {name}='{value}': {Marshal.PtrToStringUTF8((nint)errstr)}",
                optionName);
        }
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new KafkaException(new Error((ErrorCode)err, $"{what} failed: {LibRdKafka.Describe(err)}"));
        }
    }

    private static void ValidateTopicName(string name, string paramName = "name")
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        if (name.Length > 249 || name is "." or ".." || !TopicNamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid Kafka topic name: use 1 to 249 characters from [a-zA-Z0-9._-], not '.' or '..'.",
                paramName);
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TopicNamePattern();

    private void ValidateBrokerId(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(brokerId), brokerId, $"Broker ids run from 1 to {BrokerCount}; {brokerId} is not one of them.");
        }
    }

    private void SetLatency(int brokerId, TimeSpan roundTripTime)
    {
        if (roundTripTime < TimeSpan.Zero || roundTripTime.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(roundTripTime), roundTripTime, $"The latency must be between zero and {TimeSpan.FromMilliseconds(int.MaxValue)}.");
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            Check(
                LibRdKafka.MockBrokerSetRtt(_cluster, brokerId, (int)roundTripTime.TotalMilliseconds),
                $"Setting the latency of {(brokerId == AllBrokers ? "every broker" : $"broker {brokerId}")}");
        }
    }

    private void BrokerCommand(Func<nint, int, int> command, int brokerId, string what)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(command(_cluster, brokerId), brokerId == AllBrokers ? $"{what}s (all)" : $"{what} {brokerId}");
        }
    }

    private unsafe EmbeddedKafkaRequest[] ReadNativeRequests()
    {
        nuint count = 0;
        var requests = LibRdKafka.MockGetRequests(_cluster, &count);
        if (requests == null)
        {
            return [];
        }

        try
        {
            var result = new EmbeddedKafkaRequest[checked((int)count)];
            for (var i = 0; i < result.Length; i++)
            {
                var request = requests[i];
                result[i] = new EmbeddedKafkaRequest(
                    LibRdKafka.MockRequestId(request),
                    (KafkaApiKey)LibRdKafka.MockRequestApiKey(request),
                    LibRdKafka.MockRequestTimestamp(request));
            }

            return result;
        }
        finally
        {
            LibRdKafka.MockRequestDestroyArray(requests, count);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, EventName = "EmbeddedClusterStarted", Level = LogLevel.Information,
            Message = "Embedded Kafka cluster started: {BrokerCount} broker(s) at {BootstrapServers} (librdkafka {LibrdkafkaVersion})")]
        public static partial void Started(ILogger logger, int brokerCount, string bootstrapServers, string librdkafkaVersion);
    }
}
