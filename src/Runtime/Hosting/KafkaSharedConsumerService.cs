using Kafka.Typed.Avro;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// One consumer group member for every handler of one group and topic whose message types share the topic
/// (<see cref="KafkaTopicAttribute.SubjectNameStrategy"/> not <see cref="KafkaSubjectNameStrategy.TopicName"/>): its
/// <see cref="ConsumerGroup"/> hands each record to a <see cref="KafkaMessageRouter"/>, which calls the handler of the
/// record's type as that handler's own <see cref="KafkaConsumerService{TMessage, THandler}"/> would (DI scope, tombstones,
/// decoding errors). Consumer options are those every handler of the member resolves to (they must agree); records of a
/// type none of them takes follow <see cref="KafkaTypedConsumerSettings.UnknownMessageTypes"/>.
/// </summary>
public sealed class KafkaSharedConsumerService : BackgroundService, IKafkaConsumerHealthSource
{
    private readonly IReadOnlyList<KafkaSharedRoute.Target> _targets;
    private readonly KafkaTypedOptions _options;
    private readonly ConsumerOptions _consumerOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    internal KafkaSharedConsumerService(KafkaConsumerDefinition definition, IReadOnlyList<KafkaSharedRoute.Target> targets, KafkaTypedOptions options, ConsumerOptions consumerOptions, UnknownMessageTypePolicy unknownMessageTypes, ILoggerFactory? loggerFactory)
    {
        Definition = definition;
        _targets = targets;
        _options = options;
        _consumerOptions = consumerOptions;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaSharedConsumerService>();
        Router = new KafkaMessageRouter(unknownMessageTypes, _logger) { Metrics = KafkaMetrics.For(consumerOptions.MeterFactory) };
        foreach (var target in targets)
        {
            Router.AddRoute(target.MessageTypeName, target.AvroSource, target.Handle);
        }
    }

    /// <summary>
    /// The member's definition: the topic, the handlers' names joined with <c>", "</c> (so health checks and logs name them
    /// all), the message types' names likewise; every other field is the first handler's.
    /// </summary>
    public KafkaConsumerDefinition Definition { get; }

    /// <summary>The handlers' definitions (topics resolved), by handler name.</summary>
    public IReadOnlyList<KafkaConsumerDefinition> Handlers => [.. _targets.Select(static t => t.Definition)];

    /// <summary>The router that dispatches each record to its type's handler (and counts what it skips).</summary>
    public KafkaMessageRouter Router { get; }

    /// <summary>The running consumer group, once started.</summary>
    public ConsumerGroup? Group { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start path: creating the group checks that the cluster answers.
        await Task.Yield();
        try
        {
            var group = new ConsumerGroup(_options.ToAppConfig(), [Definition.Topic], Router.HandleAsync, _consumerOptions, _loggerFactory);
            Group = group;
            RoutingLog.SharedConsumerStarting(_logger, Definition.HandlerName, Definition.Topic, group.GroupId, string.Join(", ", Router.MessageTypeNames));
            await group.ConsumeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RoutingLog.SharedConsumerFailed(_logger, e, Definition.HandlerName, Definition.Topic);
            throw;
        }
    }
}

/// <summary>
/// What <see cref="KafkaTypedRegistration.AddConsumer{TMessage, THandler}"/> records for a handler whose message type shares
/// its topic: its definition and how to make the route that calls it.
/// </summary>
internal sealed class KafkaSharedRoute(KafkaConsumerDefinition definition, string messageTypeName, Func<IServiceProvider, KafkaConsumerDefinition, KafkaTypedOptions, KafkaSharedRoute.Target> create)
{
    public KafkaConsumerDefinition Definition { get; } = definition;

    public string MessageTypeName { get; } = messageTypeName;

    public Target Create(IServiceProvider services, KafkaConsumerDefinition resolved, KafkaTypedOptions options) => create(services, resolved, options);

    /// <summary>A handler as a route: its type's name, the Avro schema source (Avro types only) and the record handler.</summary>
    internal sealed record Target(KafkaConsumerDefinition Definition, string MessageTypeName, IAvroWriterSchemaSource? AvroSource, MessageHandler Handle);
}

/// <summary>
/// Groups the handlers of shared topics into group members when the host creates its hosted services: the handlers whose
/// consumers resolve to one cluster, topic and group id get one <see cref="KafkaSharedConsumerService"/> (held by the first
/// by name); the others get a <see cref="KafkaSharedConsumerMember"/> that only says where they run.
/// </summary>
internal sealed class KafkaSharedConsumers(IServiceProvider services, IEnumerable<KafkaSharedRoute> routes, IOptions<KafkaTypedOptions> options, ILoggerFactory? loggers)
{
    private readonly Lock _gate = new();
    private Dictionary<KafkaSharedRoute, IHostedService>? _services;

    public IHostedService For(KafkaSharedRoute route)
    {
        lock (_gate)
        {
            _services ??= Build();
            return _services[route];
        }
    }

    private Dictionary<KafkaSharedRoute, IHostedService> Build()
    {
        var value = options.Value;
        var result = new Dictionary<KafkaSharedRoute, IHostedService>();
        var members = new Dictionary<(string Cluster, string Topic, string Group), List<(KafkaSharedRoute Route, KafkaConsumerDefinition Resolved, KafkaTypedOptions ClusterOptions, ConsumerOptions Consumer)>>();
        foreach (var route in routes)
        {
            if (result.ContainsKey(route) || members.Values.Any(m => m.Any(r => ReferenceEquals(r.Route, route))))
            {
                continue;
            }

            if (!value.IsConsumerEnabled(route.Definition))
            {
                result[route] = new KafkaDisabledConsumer(route.Definition, loggers);
                continue;
            }

            var resolved = route.Definition.WithTopic(value.ResolveTopic(route.Definition.MessageTypeName, route.Definition.Topic));
            var cluster = value.ClusterOf(route.Definition);
            var clusterOptions = cluster is null ? value : value.ForCluster(cluster);
            var consumer = clusterOptions.ToConsumerOptions(resolved);
            var key = (cluster ?? string.Empty, resolved.Topic, consumer.GroupId ?? "\0" + value.ToAppConfig().DefaultGroupId);
            if (!members.TryGetValue(key, out var list))
            {
                members[key] = list = [];
            }

            list.Add((route, resolved, clusterOptions, consumer));
        }

        foreach (var list in members.Values)
        {
            list.Sort(static (a, b) => string.CompareOrdinal(a.Resolved.HandlerName, b.Resolved.HandlerName));
            var (firstRoute, first, clusterOptions, consumer) = list[0];
            var policy = value.UnknownMessageTypesOf(first);
            foreach (var (_, resolved, _, other) in list.Skip(1))
            {
                CheckSameOptions(first, consumer, policy, resolved, other, value.UnknownMessageTypesOf(resolved));
            }

            foreach (var same in list.GroupBy(static r => r.Route.MessageTypeName, StringComparer.Ordinal).Where(static g => g.Count() > 1))
            {
                var names = same.Select(static r => r.Resolved.HandlerName).ToList();
                throw new KafkaConfigurationException(
                    $"Kafka:Consumers:{Short(names[1])}:GroupId",
                    consumer.GroupId,
                    $"a group of its own: '{names[0]}' and '{names[1]}' both take message type '{same.Key}' on topic '{first.Topic}' in one consumer group, so each record would reach only one of them");
            }

            var targets = list.Select(r => r.Route.Create(services, r.Resolved, value)).ToList();
            var definition = new KafkaConsumerDefinition(first.Topic, string.Join(", ", list.Select(static r => r.Resolved.HandlerName)), string.Join(", ", list.Select(static r => r.Resolved.MessageTypeName)))
            {
                GroupId = consumer.GroupId,
            };
            var service = new KafkaSharedConsumerService(definition, targets, clusterOptions, consumer, policy, loggers);
            result[firstRoute] = service;
            foreach (var (route, resolved, _, _) in list.Skip(1))
            {
                result[route] = new KafkaSharedConsumerMember(resolved, first.HandlerName, loggers);
            }
        }

        return result;
    }

    /// <summary>One group member runs with one set of options: handlers that would configure it differently are a configuration error.</summary>
    private static void CheckSameOptions(KafkaConsumerDefinition first, ConsumerOptions a, UnknownMessageTypePolicy aPolicy, KafkaConsumerDefinition other, ConsumerOptions b, UnknownMessageTypePolicy bPolicy)
    {
        Check("MaxRetries", a.MaxRetries, b.MaxRetries);
        Check("FailurePolicy", a.FailurePolicy, b.FailurePolicy);
        Check("DeadLetterTopic", a.DeadLetterTopic, b.DeadLetterTopic);
        Check("StartOffset", a.StartOffset, b.StartOffset);
        Check("MaxDegreeOfParallelism", a.MaxDegreeOfParallelism, b.MaxDegreeOfParallelism);
        Check("Backoff:InitialDelay", a.Backoff.InitialDelay, b.Backoff.InitialDelay);
        Check("Backoff:MaxDelay", a.Backoff.MaxDelay, b.Backoff.MaxDelay);
        Check("UnknownMessageTypes", aPolicy, bPolicy);

        void Check<T>(string field, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
            {
                throw new KafkaConfigurationException(
                    $"Kafka:Consumers:{Short(other.HandlerName)}:{field}",
                    theirs?.ToString(),
                    $"the same as for '{first.HandlerName}' ({mine?.ToString() ?? "not set"}): both handle topic '{first.Topic}' in consumer group '{a.GroupId ?? "(default)"}', whose message types share one group member and its options; set it once in the attribute of both, in Kafka:Consumer, or in both sections");
            }
        }
    }

    private static string Short(string name) => name[(name.LastIndexOf('.') + 1)..];
}

/// <summary>Stands in for a handler that runs in another handler's <see cref="KafkaSharedConsumerService"/>: logs where, consumes nothing itself.</summary>
internal sealed class KafkaSharedConsumerMember(KafkaConsumerDefinition definition, string owner, ILoggerFactory? loggers) : IHostedService
{
    /// <summary>The handler.</summary>
    public KafkaConsumerDefinition Definition => definition;

    /// <summary>The handler whose service runs the group member.</summary>
    public string Owner => owner;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        RoutingLog.SharedConsumerMember((loggers ?? NullLoggerFactory.Instance).CreateLogger<KafkaSharedConsumerService>(), definition.HandlerName, definition.Topic, owner);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
