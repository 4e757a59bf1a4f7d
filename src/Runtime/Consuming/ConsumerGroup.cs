using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed;

/// <summary>
/// A member of a Kafka consumer group that calls a handler for every message (the Go package's <c>NewConsumerGroup</c>
/// and <c>Consume</c>), with retries, dead-lettering and tracing.
/// </summary>
/// <remarks>
/// <para>Partitions are handled in parallel (up to <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> handler calls at
/// once); messages of one partition are handled one at a time, in order.</para>
/// <para>While nothing else of its partition is pending and no tracing or consumption metrics are listened to, a message
/// may be handled on the polling thread itself: a handler that completes synchronously then costs no thread hop. Such
/// handlers run one at a time; handlers that return an incomplete task continue on the partition's worker, and handlers
/// that block (averaging over 1 ms a call) are moved back to the workers.</para>
/// <para>A failing handler is retried with exponential backoff while its partition is paused and the consumer keeps
/// polling, so a slow retry never costs group membership and other partitions keep flowing. After the last attempt the
/// <see cref="ConsumerOptions.FailurePolicy"/> applies. A failing handler never makes <see cref="ConsumeAsync"/> fail.</para>
/// <para>Offsets are stored only once a message was handled, dead-lettered or skipped, and never ahead of unfinished work
/// in its partition: delivery is at-least-once.</para>
/// </remarks>
public sealed class ConsumerGroup
{
    private readonly SemaphoreSlim _runGate = new(1, 1);
    private ConsumeSession? _session;
    private long _handled;
    private long _retries;
    private long _deadLettered;
    private long _skipped;

    /// <summary>Creates the consumer group member, validating every option and checking that the cluster answers.</summary>
    /// <param name="app">The application config (name, server, bootstrap servers).</param>
    /// <param name="topics">The topics to subscribe to.</param>
    /// <param name="handler">Called for each message.</param>
    /// <param name="options">Consumer options; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    /// <exception cref="KafkaConfigurationException">An option or topic is invalid; the message names it.</exception>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within <see cref="KafkaAppConfig.ConnectTimeout"/>.</exception>
    public ConsumerGroup(KafkaAppConfig app, IReadOnlyList<string> topics, MessageHandler handler, ConsumerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(handler);
        app.Validate();
        Options = options ?? new ConsumerOptions();
        Options.Validate();
        if (topics is null || topics.Count == 0)
        {
            throw new KafkaConfigurationException("topics", "", "at least one topic is required");
        }

        for (var i = 0; i < topics.Count; i++)
        {
            TopicName.Validate(topics[i], $"topics[{i}]");
            if (Options.FailurePolicy == FailurePolicy.DeadLetter && Options.DeadLetterTopic is null)
            {
                TopicName.Validate(topics[i] + ".dlq", $"topics[{i}] (its dead-letter topic '{{topic}}.dlq')");
            }

            if (Options.DeadLetterTopic == topics[i])
            {
                throw new KafkaConfigurationException("ConsumerOptions.DeadLetterTopic", Options.DeadLetterTopic, "must differ from the topics consumed");
            }
        }

        if (topics.Distinct(StringComparer.Ordinal).Count() != topics.Count)
        {
            throw new KafkaConfigurationException("topics", string.Join(',', topics), "each topic may appear only once");
        }

        App = app;
        Topics = topics.ToArray();
        Handler = handler;
        GroupId = Options.GroupId ?? app.DefaultGroupId;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ConsumerGroup>();
        Statistics = new KafkaClientStatistics(app.ClientId, GroupId);

        // Build (and throw away) a consumer now, so that librdkafka rejects bad raw settings at construction.
        try
        {
            using var probe = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigBuilder.Consumer(app, Options, GroupId)).SetLogHandler((_, _) => { }).Build();
            Connectivity.Verify(probe.Handle, app);
        }
        catch (Exception e) when (e is ArgumentException and not KafkaConfigurationException || e is InvalidOperationException || (e is KafkaException && e is not ConsumeException))
        {
            throw ClientConfigBuilder.Rejected("ConsumerOptions", e);
        }
    }

    /// <summary>The consumer group id (the configured one, or <see cref="KafkaAppConfig.DefaultGroupId"/>).</summary>
    public string GroupId { get; }

    /// <summary>The subscribed topics.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>The validated options.</summary>
    public ConsumerOptions Options { get; }

    /// <summary>Messages handled successfully so far.</summary>
    public long HandledCount => Interlocked.Read(ref _handled);

    /// <summary>Failed attempts that were retried so far.</summary>
    public long RetryCount => Interlocked.Read(ref _retries);

    /// <summary>Messages written to a dead-letter topic so far.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLettered);

    /// <summary>Messages skipped under <see cref="FailurePolicy.Skip"/> so far.</summary>
    public long SkippedCount => Interlocked.Read(ref _skipped);

    internal KafkaAppConfig App { get; }

    internal MessageHandler Handler { get; }

    internal ILogger Logger { get; }

    /// <summary>librdkafka's statistics of the running member (lag per assigned partition), when <c>statistics.interval.ms</c> is set.</summary>
    internal KafkaClientStatistics Statistics { get; }

    /// <summary>
    /// Joins the group and handles messages until <paramref name="cancellationToken"/> is cancelled; then finishes the
    /// handlers in flight (up to <see cref="ConsumerOptions.ShutdownTimeout"/>), commits, and leaves the group.
    /// </summary>
    /// <param name="cancellationToken">Stops consumption.</param>
    /// <returns>A task that completes when the member has left the group. It does not fail because a handler failed.</returns>
    /// <exception cref="KafkaConsumerException">librdkafka reported a fatal error.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ConsumeAsync"/> is already running on this instance.</exception>
    public async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        if (!_runGate.Wait(0))
        {
            throw new InvalidOperationException($"ConsumeAsync is already running for consumer group '{GroupId}'.");
        }

        try
        {
            var session = new ConsumeSession(this);
            _session = session;
            KafkaClientRegistry.Add(Statistics);
            await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            KafkaClientRegistry.Remove(Statistics);
            _session = null;
            _runGate.Release();
        }
    }

    /// <summary>Test hook (internal): makes the running <see cref="ConsumeAsync"/> end as if the process had crashed.</summary>
    internal void Crash() => _session?.Crash();

    internal void CountHandled(int count) => Interlocked.Add(ref _handled, count);

    internal void CountRetry() => Interlocked.Increment(ref _retries);

    internal void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);

    internal void CountSkipped() => Interlocked.Increment(ref _skipped);
}
