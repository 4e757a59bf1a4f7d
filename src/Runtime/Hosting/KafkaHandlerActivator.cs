using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed;

/// <summary>
/// How <see cref="KafkaConsumerService{TMessage, THandler}"/> and <see cref="KafkaBatchConsumerService{TMessage, THandler}"/>
/// obtain their handler (a singleton kept once resolved, a generated factory, or a DI scope's resolution), and how they
/// pass over a tombstone the handler cannot take: one copy for both.
/// </summary>
/// <typeparam name="THandler">The handler type.</typeparam>
internal sealed class KafkaHandlerActivator<THandler>
    where THandler : class
{
    private readonly string _handlerName;
    private THandler? _singleton;

    /// <summary>Creates the activator of the handler named <paramref name="handlerName"/> (for errors and logs).</summary>
    public KafkaHandlerActivator(string handlerName) => _handlerName = handlerName;

    /// <summary>Whether a scope must dispose <typeparamref name="THandler"/> (decided once per type).</summary>
    private static bool HandlerIsDisposable { get; } = typeof(IDisposable).IsAssignableFrom(typeof(THandler)) || typeof(IAsyncDisposable).IsAssignableFrom(typeof(THandler));

    /// <summary>
    /// How the consumer service of <paramref name="definition"/> obtains its handler, from the registration DI uses (the last
    /// one, read when the provider is built, so one added after <c>AddKafkaTyped</c> counts): a singleton is resolved once;
    /// our own scoped registration of a generated <paramref name="factory"/> that reads nothing from the provider, for a
    /// handler no scope has to dispose, is called per message (or batch) instead of making a scope for it.
    /// </summary>
    /// <returns>The root provider when no scope is needed (else <see langword="null"/>), and the factory to call per message (else <see langword="null"/>).</returns>
    public static (IServiceProvider? Root, Func<IServiceProvider, THandler>? PerCall) Unscoped(IServiceCollection services, KafkaConsumerDefinition definition, Func<IServiceProvider, THandler>? factory, IServiceProvider root)
    {
        var registration = services.LastOrDefault(static d => d.ServiceType == typeof(THandler) && !d.IsKeyedService);
        var handlerLifetime = registration?.Lifetime;
        var perCall = handlerLifetime == ServiceLifetime.Scoped && definition.HandlerHasNoDependencies && factory is not null
            && ReferenceEquals(registration!.ImplementationFactory, factory) && !HandlerIsDisposable;
        return (handlerLifetime == ServiceLifetime.Singleton || perCall ? root : null, perCall ? factory : null);
    }

    /// <summary>
    /// The handler when no DI scope is needed (a singleton resolved once from <paramref name="root"/>, or one created by
    /// <paramref name="create"/> per call); <see langword="null"/> when <paramref name="root"/> is, and each call gets a scope.
    /// </summary>
    public THandler? Unscoped(IServiceProvider? root, Func<IServiceProvider, THandler>? create, string topic)
        => root is null ? null : create is not null ? Create(create, root, topic) : _singleton ?? ResolveSingleton(root, topic);

    /// <summary>Resolves the handler from <paramref name="services"/>; a failure is <see cref="KafkaUnavailableException"/>.</summary>
    public THandler Resolve(IServiceProvider services, string topic)
    {
        try
        {
            return services.GetRequiredService<THandler>();
        }
        catch (Exception e) when (e is not OperationCanceledException and not KafkaUnavailableException)
        {
            // Not the record's fault (an unregistered dependency, a constructor that cannot connect): the partition
            // waits for the handler instead of dead-lettering every record while it cannot be created.
            throw new KafkaUnavailableException($"Cannot create the handler {_handlerName} for topic '{topic}': {e.Message}", e);
        }
    }

    /// <summary>Counts (in <c>kafka.typed.consumer.tombstones_skipped</c>) and logs a tombstone the handler cannot take.</summary>
    public void LogSkippedTombstone(KafkaMetrics metrics, ILogger logger, ConsumerMessage record)
    {
        if (metrics.TombstonesSkipped.Enabled)
        {
            metrics.TombstonesSkipped.Add(1, new KeyValuePair<string, object?>(SemConv.System, SemConv.Kafka), new KeyValuePair<string, object?>(SemConv.Destination, record.Topic), new KeyValuePair<string, object?>(SemConv.ConsumerGroup, record.GroupId));
        }

        TypedLog.TombstoneSkipped(logger, _handlerName, record.Topic, record.Partition, record.Offset);
    }

    /// <summary>Resolves the singleton handler and keeps it; a failure is not kept, so the next call tries again.</summary>
    private THandler ResolveSingleton(IServiceProvider root, string topic)
    {
        var handler = Resolve(root, topic);
        Volatile.Write(ref _singleton, handler);
        return handler;
    }

    private THandler Create(Func<IServiceProvider, THandler> create, IServiceProvider services, string topic)
    {
        try
        {
            return create(services);
        }
        catch (Exception e) when (e is not OperationCanceledException and not KafkaUnavailableException)
        {
            throw new KafkaUnavailableException($"Cannot create the handler {_handlerName} for topic '{topic}': {e.Message}", e);
        }
    }
}
