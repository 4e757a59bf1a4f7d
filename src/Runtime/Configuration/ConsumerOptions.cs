namespace Kafka.Typed;

/// <summary>Where a consumer group starts on a partition that has no committed offset.</summary>
public enum StartOffset
{
    /// <summary>The oldest retained message. The default.</summary>
    Oldest,

    /// <summary>Only messages produced after the group joined (the Go package's <c>ConsumerWithOffsetNewest</c>).</summary>
    Newest,
}

/// <summary>What happens to a message whose handler failed on every attempt.</summary>
public enum FailurePolicy
{
    /// <summary>
    /// Write the original record to the dead-letter topic with headers that explain the failure, and commit it only after
    /// that write is acknowledged. The default: nothing is lost.
    /// </summary>
    DeadLetter,

    /// <summary>Log and count the failure, commit, and go on (the Go package's behaviour). The message is dropped.</summary>
    Skip,
}

/// <summary>How the consumer's <c>process</c> span relates to the producer's context found in the record headers.</summary>
public enum TraceContextMode
{
    /// <summary>The process span is a child of the producer's span: one trace from producer to handler. The default.</summary>
    Parent,

    /// <summary>The process span starts a new trace (or continues the ambient one) and links to the producer's span.</summary>
    Link,
}

/// <summary>Exponential backoff between handler attempts: <c>min(MaxDelay, InitialDelay × Multiplier^(attempt-1))</c>, ± <see cref="Jitter"/>.</summary>
public sealed class RetryBackoff
{
    /// <summary>The delay before the second attempt. Default 200 ms.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The factor each further delay grows by. Default 2; at least 1.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The longest delay. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Random spread as a fraction of each delay, 0 to 1 (0.2 means ±20 %). Default 0.2.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>The delay after failed attempt number <paramref name="attempt"/> (1-based), with jitter drawn from <paramref name="random01"/> in [0, 1).</summary>
    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="random01">A random number in [0, 1).</param>
    public TimeSpan DelayAfter(int attempt, double random01)
    {
        // Multiplier^(attempt-1) overflows to infinity in a long retry series (100^155 already): fine when capped at
        // MaxDelay, but 0 ms × infinity is NaN, so a zero initial delay stays zero.
        var initialMs = InitialDelay.TotalMilliseconds;
        var baseMs = initialMs <= 0 ? 0 : Math.Min(initialMs * Math.Pow(Multiplier, Math.Max(0, attempt - 1)), MaxDelay.TotalMilliseconds);
        var spread = baseMs * Jitter * ((random01 * 2) - 1);
        return TimeSpan.FromMilliseconds(Math.Clamp(baseMs + spread, 0, MaxDelay.TotalMilliseconds));
    }

    /// <inheritdoc />
    public override string ToString() => $"RetryBackoff {{ InitialDelay = {InitialDelay}, Multiplier = {Multiplier}, MaxDelay = {MaxDelay}, Jitter = {Jitter} }}";

    internal void Validate(string prefix)
    {
        ClientConfigBuilder.CheckRange(InitialDelay, TimeSpan.Zero, TimeSpan.FromHours(1), prefix + ".InitialDelay");
        ClientConfigBuilder.CheckRange(MaxDelay, InitialDelay, TimeSpan.FromHours(1), prefix + ".MaxDelay");
        if (double.IsNaN(Multiplier) || Multiplier < 1 || Multiplier > 100)
        {
            throw new KafkaConfigurationException(prefix + ".Multiplier", Multiplier.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 100");
        }

        if (double.IsNaN(Jitter) || Jitter < 0 || Jitter > 1)
        {
            throw new KafkaConfigurationException(prefix + ".Jitter", Jitter.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 0 to 1");
        }
    }
}

/// <summary>
/// Options for <see cref="ConsumerGroup"/>. Every option of the Go package exists here: <c>ConsumerWithTLS</c> →
/// <see cref="Tls"/>, <c>ConsumerWithOffsetNewest</c> → <see cref="StartOffset"/>, <c>ConsumerMaxRetryPerMessage</c> →
/// <see cref="MaxRetries"/>, <c>ConsumerWithAutoCreateTopics</c> → <see cref="AutoCreateTopics"/>,
/// <c>ConsumerWithCustomConsumerGroupID</c> → <see cref="GroupId"/>, <c>ConsumerDisablePayloadLogging</c> →
/// <see cref="DisablePayloadLogging"/>.
/// </summary>
public sealed class ConsumerOptions
{
    /// <summary>The consumer group id; <see langword="null"/> (the default) uses <see cref="KafkaAppConfig.DefaultGroupId"/>.</summary>
    public string? GroupId { get; init; }

    /// <summary>Where to start on a partition without a committed offset. Default <see cref="Typed.StartOffset.Oldest"/>.</summary>
    public StartOffset StartOffset { get; init; } = StartOffset.Oldest;

    /// <summary>How many times a failed handler is retried (so at most <c>MaxRetries + 1</c> attempts). Default 3; 0 to 1000. A <see cref="KafkaUnavailableException"/> (the Schema Registry or the handler's construction failing, or thrown by a handler) spends no attempt: the partition waits.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Backoff between attempts.</summary>
    public RetryBackoff Backoff { get; init; } = new();

    /// <summary>What happens after the last failed attempt. Default <see cref="FailurePolicy.DeadLetter"/>.</summary>
    public FailurePolicy FailurePolicy { get; init; } = FailurePolicy.DeadLetter;

    /// <summary>The dead-letter topic; <see langword="null"/> (the default) uses <c>{topic}.dlq</c> for each source topic.</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>Whether subscribing may create missing topics (<c>allow.auto.create.topics</c>; the broker must allow it). Default <see langword="false"/>.</summary>
    public bool AutoCreateTopics { get; init; }

    /// <summary>When <see langword="true"/>, no key or value bytes appear in any log line (failures are logged by topic, partition and offset only). Default <see langword="false"/>: failure logs show up to 128 bytes of the key and value.</summary>
    public bool DisablePayloadLogging { get; init; }

    /// <summary>How many handler calls may run at once across partitions (and, with <see cref="ConsumerConcurrency.PerKey"/>, within them); order within a partition (per key with PerKey) is always kept. Default 8; 1 to 1024.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 8;

    /// <summary>
    /// For a batch handler (<see cref="BatchMessageHandler"/>, <see cref="IKafkaBatchHandler{T}"/>): the most records of one
    /// partition per call. Default 100; 1 to 100,000. A batch being filled or handled is taken out of the partition's
    /// buffer, so a partition holds up to this many records besides <see cref="MaxBufferedMessagesPerPartition"/>.
    /// Ignored by single-message handlers.
    /// </summary>
    public int MaxBatchSize { get; init; } = 100;

    /// <summary>
    /// For a batch handler: how long a partition's first waiting record may wait for the batch to fill to
    /// <see cref="MaxBatchSize"/> before the batch is handled with what has arrived. Default 100 ms; 0 (handle what is
    /// buffered at once) to 10 minutes. Measured with <see cref="TimeProvider"/>. Ignored by single-message handlers.
    /// </summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How the messages of one partition may run: <see cref="ConsumerConcurrency.InOrder"/> (default), one at a time in
    /// offset order; or <see cref="ConsumerConcurrency.PerKey"/>, different keys at the same time (up to
    /// <see cref="MaxInFlightPerPartition"/>), each key in order. Handler calls stay capped by
    /// <see cref="MaxDegreeOfParallelism"/> across partitions, so raise that too for per-key concurrency to pay off.
    /// </summary>
    public ConsumerConcurrency Concurrency { get; init; } = ConsumerConcurrency.InOrder;

    /// <summary>
    /// With <see cref="ConsumerConcurrency.PerKey"/>: how many messages of one partition may be in flight at once (taken
    /// and not finished, those waiting behind an earlier message of their key included); the partition's queue fills and
    /// the partition is paused while the limit is reached. Ignored in order. Default 64; 1 to 10,000.
    /// </summary>
    public int MaxInFlightPerPartition { get; init; } = 64;

    /// <summary>
    /// How many fetched messages one partition may have waiting before that partition is paused (so one slow partition
    /// does not hold the others back). Pausing makes librdkafka drop what it prefetched for the partition, so keep this
    /// well above a handler's burst. Default 20,000; 1 to 1,000,000, and at most <see cref="MaxBufferedMessages"/>.
    /// </summary>
    public int MaxBufferedMessagesPerPartition { get; init; } = 20_000;

    /// <summary>
    /// How many fetched messages may wait across all partitions before polling slows down until handlers catch up to
    /// half of it (no partition is paused for this, so nothing prefetched is dropped, unless the handlers stay that far
    /// behind for over a second: then every partition is paused and polling goes on, so that the group membership holds).
    /// Default 50,000; 1 to 10,000,000.
    /// </summary>
    public int MaxBufferedMessages { get; init; } = 50_000;

    /// <summary>How long <see cref="ConsumerGroup.ConsumeAsync"/> waits for in-flight handlers after cancellation (or a partition's handler at revocation) before cancelling their token. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often stored offsets are committed (<c>auto.commit.interval.ms</c>). Default 5 s.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Group session timeout (<c>session.timeout.ms</c>); <see langword="null"/> keeps librdkafka's default (45 s). Must be <see langword="null"/> with <c>group.protocol=consumer</c> (KIP-848), where the broker sets it.</summary>
    public TimeSpan? SessionTimeout { get; init; }

    /// <summary>Heartbeat interval (<c>heartbeat.interval.ms</c>); <see langword="null"/> keeps librdkafka's default (3 s). Must be <see langword="null"/> with <c>group.protocol=consumer</c> (KIP-848), where the broker sets it.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>How the process span relates to the producer's trace context. Default <see cref="TraceContextMode.Parent"/>.</summary>
    public TraceContextMode TraceContext { get; init; } = TraceContextMode.Parent;

    /// <summary>TLS for broker connections; <see langword="null"/> for plaintext.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>SASL authentication; <see langword="null"/> for none.</summary>
    public SaslOptions? Sasl { get; init; }

    /// <summary>Raw librdkafka settings, applied last. Keys that Kafka.Typed owns (offset storage, group id, bootstrap servers) are rejected.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>The time source for retry backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the consumer group's meter comes from: the application's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
    /// (<c>AddKafkaTyped</c> sets the container's for the consumers it creates; its dead-letter producer uses the same).
    /// <see langword="null"/> (the default): one process-wide meter. Either way the meter is named <see cref="KafkaTelemetry.Name"/>.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <inheritdoc />
    public override string ToString()
        => $"ConsumerOptions {{ GroupId = {GroupId}, StartOffset = {StartOffset}, MaxRetries = {MaxRetries}, Backoff = {Backoff}, FailurePolicy = {FailurePolicy}, DeadLetterTopic = {DeadLetterTopic}, AutoCreateTopics = {AutoCreateTopics}, DisablePayloadLogging = {DisablePayloadLogging}, MaxDegreeOfParallelism = {MaxDegreeOfParallelism}, Concurrency = {Concurrency}, MaxInFlightPerPartition = {MaxInFlightPerPartition}, MaxBatchSize = {MaxBatchSize}, MaxBatchWait = {MaxBatchWait}, Tls = {Tls}, Sasl = {Sasl} }}";

    internal void Validate()
    {
        if (GroupId is not null && string.IsNullOrWhiteSpace(GroupId))
        {
            throw new KafkaConfigurationException("ConsumerOptions.GroupId", GroupId, "must be a non-empty group id, or null for the default");
        }

        ClientConfigBuilder.CheckEnum(StartOffset, "ConsumerOptions.StartOffset");
        ClientConfigBuilder.CheckEnum(FailurePolicy, "ConsumerOptions.FailurePolicy");
        ClientConfigBuilder.CheckEnum(TraceContext, "ConsumerOptions.TraceContext");
        if (MaxRetries is < 0 or > 1000)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxRetries", MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 0 to 1000");
        }

        if (Backoff is null)
        {
            throw new KafkaConfigurationException("ConsumerOptions.Backoff", null, "must not be null");
        }

        Backoff.Validate("ConsumerOptions.Backoff");
        if (DeadLetterTopic is not null)
        {
            TopicName.Validate(DeadLetterTopic, "ConsumerOptions.DeadLetterTopic");
        }

        if (MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxDegreeOfParallelism", MaxDegreeOfParallelism.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 1024");
        }

        if (!Enum.IsDefined(Concurrency))
        {
            throw new KafkaConfigurationException("ConsumerOptions.Concurrency", Concurrency.ToString(), "must be InOrder or PerKey");
        }

        if (MaxInFlightPerPartition is < 1 or > 10_000)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxInFlightPerPartition", MaxInFlightPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 10,000");
        }

        if (MaxBufferedMessagesPerPartition is < 1 or > 1_000_000)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxBufferedMessagesPerPartition", MaxBufferedMessagesPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 1,000,000");
        }

        if (MaxBufferedMessages is < 1 or > 10_000_000)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxBufferedMessages", MaxBufferedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 10,000,000");
        }

        if (MaxBufferedMessagesPerPartition > MaxBufferedMessages)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxBufferedMessagesPerPartition", MaxBufferedMessagesPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture), $"must not exceed MaxBufferedMessages ({MaxBufferedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture)}), or one slow partition would stall all of them");
        }

        if (MaxBatchSize is < 1 or > 100_000)
        {
            throw new KafkaConfigurationException("ConsumerOptions.MaxBatchSize", MaxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 100,000");
        }

        ClientConfigBuilder.CheckRange(MaxBatchWait, TimeSpan.Zero, TimeSpan.FromMinutes(10), "ConsumerOptions.MaxBatchWait");
        ClientConfigBuilder.CheckRange(ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromHours(1), "ConsumerOptions.ShutdownTimeout");
        ClientConfigBuilder.CheckRange(CommitInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), "ConsumerOptions.CommitInterval");
        if (SessionTimeout is { } session)
        {
            ClientConfigBuilder.CheckRange(session, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "ConsumerOptions.SessionTimeout");
        }

        if (HeartbeatInterval is { } heartbeat)
        {
            ClientConfigBuilder.CheckRange(heartbeat, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "ConsumerOptions.HeartbeatInterval");
        }

        if (Settings is not null && Settings.TryGetValue("group.protocol", out var protocol) && string.Equals(protocol?.Trim(), "consumer", StringComparison.OrdinalIgnoreCase))
        {
            // KIP-848: the broker owns these (group.consumer.*); librdkafka refuses them naming its own keys.
            if (SessionTimeout is { } kip848Session)
            {
                throw new KafkaConfigurationException("ConsumerOptions.SessionTimeout", kip848Session.ToString("c", System.Globalization.CultureInfo.InvariantCulture), "must be null with group.protocol=consumer (KIP-848): the broker sets the session timeout (its group.consumer.session.timeout.ms)");
            }

            if (HeartbeatInterval is { } kip848Heartbeat)
            {
                throw new KafkaConfigurationException("ConsumerOptions.HeartbeatInterval", kip848Heartbeat.ToString("c", System.Globalization.CultureInfo.InvariantCulture), "must be null with group.protocol=consumer (KIP-848): the broker sets the heartbeat interval (its group.consumer.heartbeat.interval.ms)");
            }
        }

        if (TimeProvider is null)
        {
            throw new KafkaConfigurationException("ConsumerOptions.TimeProvider", null, "must not be null");
        }

        Tls?.Validate("ConsumerOptions.Tls");
        Sasl?.Validate("ConsumerOptions.Sasl");
        ClientConfigBuilder.CheckRawSettings(Settings, "ConsumerOptions.Settings", ClientConfigBuilder.ConsumerOwnedKeys);
    }
}
