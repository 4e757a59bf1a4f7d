using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers the health checks of Kafka.Typed's producers and consumer groups.</summary>
    public static class KafkaTypedHealthCheckBuilderExtensions
    {
        /// <summary>
        /// Adds two checks over the producers and consumer groups that <c>AddKafkaTyped</c> registered (plus any added to
        /// <see cref="KafkaTypedHealthCheckOptions"/>): <c>{name}</c> for readiness (tagged
        /// <see cref="KafkaTypedHealthCheckOptions.ReadinessTags"/>: everything below, plus brokers unreachable, a queue
        /// full too long, a group joining or stopping (degraded), a partition stalled too long) and <c>{name}-live</c>
        /// for liveness (tagged <see cref="KafkaTypedHealthCheckOptions.LivenessTags"/>: only what a restart cures, a
        /// fatal client error, a consumer that faulted or stopped, a poll loop that stopped polling, a partition worker
        /// that faulted).
        /// </summary>
        /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
        /// <param name="configure">Adjusts thresholds and tags; <see langword="null"/> for the defaults.</param>
        /// <param name="name">The readiness check's name; the liveness check is named <c>{name}-live</c>. Default <c>kafka-typed</c>.</param>
        /// <returns>The same builder, for chaining.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A threshold is not positive (the message names it).</exception>
        public static IHealthChecksBuilder AddKafkaTyped(this IHealthChecksBuilder builder, Action<KafkaTypedHealthCheckOptions>? configure = null, string name = "kafka-typed")
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            var options = new KafkaTypedHealthCheckOptions();
            configure?.Invoke(options);
            options.Validate();
            builder.Add(new HealthCheckRegistration(name, sp => new KafkaTypedHealthCheck(sp, options, liveness: false), HealthStatus.Unhealthy, options.ReadinessTags, options.Timeout));
            builder.Add(new HealthCheckRegistration(name + "-live", sp => new KafkaTypedHealthCheck(sp, options, liveness: true), HealthStatus.Unhealthy, options.LivenessTags, options.Timeout));
            return builder;
        }
    }
}

namespace Kafka.Typed
{
    /// <summary>Thresholds and tags of the checks that <c>AddHealthChecks().AddKafkaTyped()</c> registers.</summary>
    public sealed class KafkaTypedHealthCheckOptions
    {
        private readonly List<(string Name, Func<ProducerDiagnostics> Diagnostics)> _producers = [];
        private readonly List<(string Name, ConsumerGroup Group)> _groups = [];

        /// <summary>How long a producer's librdkafka queue may stay full before readiness is <see cref="HealthStatus.Degraded"/>. Default 30 s.</summary>
        public TimeSpan QueueFullThreshold { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How long a consumer's partition may be stalled (a retry backoff, a dependency or a dead letter it waits for) before readiness is <see cref="HealthStatus.Unhealthy"/>. Default 5 minutes.</summary>
        public TimeSpan StalledPartitionThreshold { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>How long a consumer's poll loop may go without polling before both checks are <see cref="HealthStatus.Unhealthy"/>. Default 60 s (it polls at least every 50 ms while it runs).</summary>
        public TimeSpan PollAgeThreshold { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>How long the check waits for a broker to answer when librdkafka has reported every broker down. Default 2 s.</summary>
        public TimeSpan BrokerProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>The longest a whole check may take (both checks). Default 10 s.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Tags of the readiness check. Default <c>ready</c>.</summary>
        public IList<string> ReadinessTags { get; } = ["ready", "kafka"];

        /// <summary>Tags of the liveness check. Default <c>live</c>.</summary>
        public IList<string> LivenessTags { get; } = ["live", "kafka"];

        /// <summary>Also checks <paramref name="producer"/> (one created outside <c>AddKafkaTyped</c>).</summary>
        /// <param name="producer">The producer.</param>
        /// <param name="name">Its name in the report; default its client id.</param>
        /// <returns>These options, for chaining.</returns>
        public KafkaTypedHealthCheckOptions AddProducer(SyncProducer producer, string? name = null)
        {
            ArgumentNullException.ThrowIfNull(producer);
            _producers.Add((name ?? producer.ClientId, () => producer.Diagnostics));
            return this;
        }

        /// <summary>Also checks <paramref name="producer"/> (one created outside <c>AddKafkaTyped</c>).</summary>
        /// <param name="producer">The producer.</param>
        /// <param name="name">Its name in the report; default its client id.</param>
        /// <returns>These options, for chaining.</returns>
        public KafkaTypedHealthCheckOptions AddProducer(AsyncProducer producer, string? name = null)
        {
            ArgumentNullException.ThrowIfNull(producer);
            _producers.Add((name ?? producer.ClientId, () => producer.Diagnostics));
            return this;
        }

        /// <summary>Also checks <paramref name="group"/> (one created outside <c>AddKafkaTyped</c>, whose <see cref="ConsumerGroup.ConsumeAsync"/> the application runs).</summary>
        /// <param name="group">The consumer group member.</param>
        /// <param name="name">Its name in the report; default its group id.</param>
        /// <returns>These options, for chaining.</returns>
        public KafkaTypedHealthCheckOptions AddConsumerGroup(ConsumerGroup group, string? name = null)
        {
            ArgumentNullException.ThrowIfNull(group);
            _groups.Add((name ?? group.GroupId, group));
            return this;
        }

        internal IReadOnlyList<(string Name, ConsumerGroup Group)> ExtraConsumerGroups() => _groups;

        internal IEnumerable<(string Name, ProducerDiagnostics Diagnostics)> ExtraProducers()
        {
            foreach (var (name, get) in _producers)
            {
                yield return (name, get());
            }
        }

        internal void Validate()
        {
            Positive(QueueFullThreshold, nameof(QueueFullThreshold));
            Positive(BrokerProbeTimeout, nameof(BrokerProbeTimeout));
            Positive(Timeout, nameof(Timeout));
            Positive(StalledPartitionThreshold, nameof(StalledPartitionThreshold));
            Positive(PollAgeThreshold, nameof(PollAgeThreshold));

            static void Positive(TimeSpan value, string name)
            {
                if (value <= TimeSpan.Zero)
                {
                    throw new ArgumentOutOfRangeException("KafkaTypedHealthCheckOptions." + name, value, $"KafkaTypedHealthCheckOptions.{name} must be positive; it was {value}.");
                }
            }
        }
    }

    /// <summary>Implemented by the hosted consumer services, so the health check finds them among the hosted services.</summary>
    internal interface IKafkaConsumerHealthSource
    {
        KafkaConsumerDefinition Definition { get; }

        ConsumerGroup? Group { get; }

        Task? ExecuteTask { get; }
    }

    /// <summary>The readiness or liveness check over the producers and consumer groups of one service provider.</summary>
    internal sealed class KafkaTypedHealthCheck : IHealthCheck
    {
        private readonly IServiceProvider _services;
        private readonly KafkaTypedHealthCheckOptions _options;
        private readonly bool _liveness;

        public KafkaTypedHealthCheck(IServiceProvider services, KafkaTypedHealthCheckOptions options, bool liveness)
        {
            _services = services;
            _options = options;
            _liveness = liveness;
        }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var report = new Report();
            var producers = (_services.GetService<KafkaProducerHost>()?.CreatedProducers() ?? []).Concat(_options.ExtraProducers());
            foreach (var (name, diagnostics) in producers)
            {
                CheckProducer(report, name, diagnostics, cancellationToken);
            }

            foreach (var source in _services.GetServices<IHostedService>().OfType<IKafkaConsumerHealthSource>())
            {
                var definition = source.Definition;
                CheckConsumer(report, definition.HandlerName, $"The consumer of topic '{definition.Topic}' ({definition.HandlerName})", source.ExecuteTask, source.Group);
            }

            foreach (var (name, group) in _options.ExtraConsumerGroups())
            {
                CheckConsumer(report, name, $"Consumer group member '{name}' of topic(s) {string.Join(", ", group.Topics)}", null, group);
            }

            return Task.FromResult(report.Result());
        }

        private void CheckProducer(Report report, string name, ProducerDiagnostics producer, CancellationToken cancellationToken)
        {
            var key = "producer:" + name;
            if (producer.Disposed)
            {
                report.Data[key] = "disposed";
                return;
            }

            if (producer.Fatal is { } fatal)
            {
                report.Unhealthy(key, "fatal error", $"Producer '{name}' (client id {producer.ClientId}) hit a fatal librdkafka error and can send nothing more: {fatal.Code}: {fatal.Reason}. Restart the application (a new producer is needed); if it recurs, check the broker logs and the idempotence/transaction settings.");
                return;
            }

            if (_liveness)
            {
                report.Data[key] = "no fatal error";
                return;
            }

            if (producer.BrokersDownSince != 0 && !ProbeBrokers(producer, cancellationToken))
            {
                var down = Stopwatch.GetElapsedTime(producer.BrokersDownSince);
                report.Unhealthy(key, "brokers unreachable", $"Producer '{name}' cannot reach any broker of {producer.App.BootstrapString} (all reported down {Seconds(down)} ago, and none answered within {Seconds(_options.BrokerProbeTimeout)}). Messages queue until message.timeout.ms; check the brokers, the network and the bootstrap servers.");
                return;
            }

            var fullSince = producer.QueueFullSince;
            if (fullSince != 0 && Stopwatch.GetElapsedTime(fullSince) is var full && full >= _options.QueueFullThreshold)
            {
                report.Degraded(key, "queue full", $"Producer '{name}' has had a full librdkafka queue for {Seconds(full)} (threshold {Seconds(_options.QueueFullThreshold)}): the brokers accept messages slower than the application sends them. Check broker latency and errors, or raise queue.buffering.max.messages in the producer's Settings.");
                return;
            }

            report.Data[key] = "connected";
        }

        private bool ProbeBrokers(ProducerDiagnostics producer, CancellationToken cancellationToken)
        {
            if (producer.Handle is not { } handle || cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                using var admin = new DependentAdminClientBuilder(handle).Build();
                var metadata = admin.GetMetadata(_options.BrokerProbeTimeout);
                if (metadata.Brokers.Count > 0)
                {
                    producer.OnBrokerAnswered();
                    return true;
                }
            }
            catch (KafkaException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            return false;
        }

        private void CheckConsumer(Report report, string name, string what, Task? run, ConsumerGroup? group)
        {
            var key = "consumer:" + name;
            if (run is { IsFaulted: true })
            {
                var error = run.Exception?.GetBaseException();
                report.Unhealthy(key, "faulted", $"{what} stopped with {error?.GetType().Name}: {error?.Message} It consumes nothing until the application restarts; fix the cause named here (brokers, credentials, group authorization).");
                return;
            }

            if (run is { IsCompleted: true })
            {
                report.Unhealthy(key, "stopped", $"{what} is no longer running although the application is; it consumes nothing until the application restarts.");
                return;
            }

            if (group is null)
            {
                NotReady(report, key, "starting", $"{what} has not started yet (it first checks that the brokers answer).");
                return;
            }

            var status = group.GetStatus();
            switch (status.State)
            {
                case ConsumerGroupState.Faulted:
                    report.Unhealthy(key, "faulted", $"{what} (group '{status.GroupId}') hit a fatal error and consumes nothing more: {status.Fault}. Restart the application; if it recurs, check the broker logs and the group's authorization.");
                    return;
                case ConsumerGroupState.NotStarted:
                    NotReady(report, key, "not started", $"{what} (group '{status.GroupId}') has not started consuming.");
                    return;
                case ConsumerGroupState.Stopped:
                    NotReady(report, key, "stopped", $"{what} (group '{status.GroupId}') has stopped consuming.");
                    return;
                case ConsumerGroupState.Stopping:
                    NotReady(report, key, "stopping", $"{what} (group '{status.GroupId}') is stopping: handlers finish, offsets are committed and it leaves the group.");
                    return;
            }

            if (status.SinceLastPoll is { } sincePoll && sincePoll >= _options.PollAgeThreshold)
            {
                report.Unhealthy(key, "not polling", $"{what} (group '{status.GroupId}') has not polled for {Seconds(sincePoll)} (threshold {Seconds(_options.PollAgeThreshold)}): something blocks its polling thread, most often a handler that blocks synchronously (make it asynchronous) or a revocation waiting for handlers. Past max.poll.interval.ms the member leaves the group.");
                return;
            }

            if (status.State == ConsumerGroupState.Joining)
            {
                NotReady(report, key, "joining", $"{what} (group '{status.GroupId}') is joining the group and has no partitions yet (for {Seconds(status.TakenAt - status.StateSince)}).");
                return;
            }

            foreach (var partition in status.Partitions)
            {
                if (partition.Stall == PartitionStall.Faulted)
                {
                    report.Unhealthy(key, "partition faulted", $"{what} (group '{status.GroupId}'): the worker of {partition.Topic}[{partition.Partition}] ended with an unexpected error ({partition.StallReason}) and handles nothing more until the partition is reassigned; restart the application and report the error.");
                    return;
                }
            }

            if (_liveness)
            {
                report.Data[key] = "running";
                return;
            }

            var stalled = status.Partitions.Where(p => p.IsStalled && p.StalledSince is { } since && status.TakenAt - since >= _options.StalledPartitionThreshold).ToArray();
            if (stalled.Length > 0)
            {
                var text = new StringBuilder($"{what} (group '{status.GroupId}') has {stalled.Length} partition(s) stalled longer than {Seconds(_options.StalledPartitionThreshold)}:");
                foreach (var p in stalled)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {p.Topic}[{p.Partition}] at offset {p.StalledOffset} for {Seconds(status.TakenAt - p.StalledSince!.Value)}, {Describe(p.Stall)} ({p.StallReason});");
                }

                report.Unhealthy(key, "partition stalled", text.ToString());
                return;
            }

            report.Data[key] = string.Create(CultureInfo.InvariantCulture, $"running, {status.Partitions.Count} partition(s)");
        }

        private static string Describe(PartitionStall stall) => stall switch
        {
            PartitionStall.HandlerRetrying => "the handler keeps failing and is retried with backoff (fix the handler or the data; the failure policy applies after MaxRetries)",
            PartitionStall.Unavailable => "the handler, its construction or the Schema Registry is unavailable and the partition waits without end (restore that dependency)",
            PartitionStall.DeadLetterBlocked => "its dead letter cannot be written (check that the dead-letter topic exists and the application may write to it)",
            _ => stall.ToString(),
        };

        private void NotReady(Report report, string key, string state, string description)
        {
            // Not a reason to restart: only the readiness check reports it.
            if (_liveness)
            {
                report.Data[key] = state;
            }
            else
            {
                report.Degraded(key, state, description);
            }
        }

        private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

        /// <summary>Collects per-client states; the worst decides the result, and its descriptions form the message.</summary>
        private sealed class Report
        {
            private readonly StringBuilder _unhealthy = new();
            private readonly StringBuilder _degraded = new();

            public Dictionary<string, object> Data { get; } = new(StringComparer.Ordinal);

            public void Unhealthy(string key, string state, string description)
            {
                Data[key] = state;
                Append(_unhealthy, description);
            }

            public void Degraded(string key, string state, string description)
            {
                Data[key] = state;
                Append(_degraded, description);
            }

            public HealthCheckResult Result()
            {
                if (_unhealthy.Length > 0)
                {
                    if (_degraded.Length > 0)
                    {
                        Append(_unhealthy, _degraded.ToString());
                    }

                    return HealthCheckResult.Unhealthy(_unhealthy.ToString(), data: Data);
                }

                if (_degraded.Length > 0)
                {
                    return HealthCheckResult.Degraded(_degraded.ToString(), data: Data);
                }

                return HealthCheckResult.Healthy(Data.Count == 0 ? "No Kafka.Typed producer or consumer is running." : "Every Kafka.Typed producer and consumer is healthy.", Data);
            }

            private static void Append(StringBuilder builder, string text)
            {
                if (builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(text);
            }
        }
    }
}
