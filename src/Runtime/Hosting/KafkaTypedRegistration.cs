using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// The registration steps the generated <c>AddKafkaTyped</c> and the generated registration modules call. Not meant for
/// direct use. Every step is idempotent: composing the modules of several assemblies, or calling two generated
/// registrations, registers each producer, consumer and validation once.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class KafkaTypedRegistration
{
    /// <summary>
    /// Binds <see cref="KafkaTypedOptions"/> from <paramref name="configuration"/>, validates it at start, and registers the
    /// shared producers. A second call with the same section binds nothing again (only <paramref name="configure"/> is
    /// added); a call with another section throws, because one host has one Kafka configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The Kafka section, for example <c>configuration.GetSection("Kafka")</c>.</param>
    /// <param name="configure">Changes applied after binding; <see langword="null"/> for none.</param>
    public static OptionsBuilder<KafkaTypedOptions> AddCore(IServiceCollection services, IConfiguration configuration, Action<KafkaTypedOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var path = (configuration as IConfigurationSection)?.Path;
        var existing = services.Select(static d => d.ImplementationInstance).OfType<KafkaTypedCoreRegistration>().FirstOrDefault();
        var builder = services.AddOptions<KafkaTypedOptions>();
        if (existing is not null)
        {
            if (!ReferenceEquals(existing.Configuration, configuration) && (path is null || existing.Path != path))
            {
                throw new InvalidOperationException(
                    $"AddKafkaTyped was already called with the configuration section '{existing.Path ?? "(not a section)"}'; this call passes '{path ?? "(not a section)"}'. One host has one Kafka configuration: pass the same section to every AddKafkaTyped call.");
            }

            if (configure is not null)
            {
                builder.Configure(configure);
            }

            return builder;
        }

        services.AddSingleton(new KafkaTypedCoreRegistration(configuration, path));
        // Meters come from the container's IMeterFactory (registered here if the host did not): scoped to this container,
        // disposed with it.
        services.AddMetrics();
        builder.Configure(options => options.Bind(configuration));
        builder.Configure<IServiceProvider>(static (options, sp) =>
        {
            options.MeterFactory ??= sp.GetService<System.Diagnostics.Metrics.IMeterFactory>();
            if (sp.GetService<IConfiguration>() is { } root)
            {
                options.ApplyConnectionStrings(root);
            }

            if (options.EnvironmentName is null && sp.GetService<IHostEnvironment>()?.EnvironmentName is { Length: > 0 } environment)
            {
                options.EnvironmentName = environment.ToLowerInvariant();
            }
        });
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTypedOptions>, KafkaTypedOptionsValidator>());
        services.AddSingleton<IHostedService>(static sp => new KafkaTypedStartupCheck(
            sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
            sp.GetServices<KafkaConsumerDefinition>(),
            sp.GetServices<KafkaSharedRoute>(),
            sp.GetService<IOptions<HostOptions>>(),
            sp.GetService<ILoggerFactory>()));
        if (!services.Any(static d => d.ServiceType == typeof(KafkaProducerHost)))
        {
            services.AddSingleton(static sp => new KafkaProducerHost(
                sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
                sp.GetServices<IKafkaDeliveryObserver>(),
                sp.GetService<ILoggerFactory>()));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<KafkaProducerHost>());

            // Named clusters' producers (Kafka:Clusters), created on first use; stopped before the default cluster's.
            services.AddSingleton(static sp => new KafkaClusterProducers(
                sp.GetRequiredService<KafkaProducerHost>(),
                sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
                sp.GetServices<IKafkaDeliveryObserver>(),
                sp.GetService<ILoggerFactory>()));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<KafkaClusterProducers>());
        }

        return builder;
    }

    /// <summary>
    /// Records that the registration module of assembly <paramref name="name"/> registers into <paramref name="services"/>;
    /// <see langword="false"/> when it already did (the same module reached through several registrations), and the module
    /// then registers nothing again.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The module's assembly name.</param>
    /// <returns>Whether the module should register now.</returns>
    public static bool TryAddModule(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        if (services.Any(d => d.ImplementationInstance is KafkaTypedModuleRegistration m && m.AssemblyName == name))
        {
            return false;
        }

        services.AddSingleton(new KafkaTypedModuleRegistration(name));
        return true;
    }

    /// <summary>Records that <typeparamref name="TMessage"/> uses Avro, so that start-up validation requires a Schema Registry.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="services">The services.</param>
    public static void AddAvroMessage<TMessage>(IServiceCollection services)
        where TMessage : IKafkaMessage<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        var name = typeof(TMessage).Name;
        if (!services.Any(d => d.ImplementationInstance is KafkaAvroMessage m && m.TypeName == name))
        {
            services.AddSingleton(new KafkaAvroMessage(name));
        }
    }

    /// <summary>
    /// Registers a generated producer as itself and as <see cref="IKafkaProducer{T}"/> (singletons), and the message type,
    /// whose topic <c>Kafka:Topics</c> and <c>Kafka:TopicTemplate</c> may change and start-up validation checks.
    /// </summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="TProducer">The generated producer.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="factory">Creates the producer from the shared <see cref="KafkaProducerHost"/>.</param>
    public static void AddProducer<TMessage, TProducer>(IServiceCollection services, Func<KafkaProducerHost, TProducer> factory)
        where TMessage : IKafkaMessage<TMessage>
        where TProducer : class, IKafkaProducer<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        var name = KafkaMessageType.NameOf(typeof(TMessage));
        if (!services.Any(d => d.ImplementationInstance is KafkaMessageType m && m.TypeName == name))
        {
            services.AddSingleton(new KafkaMessageType(name, TMessage.Topic));
        }

        services.TryAddSingleton(sp => factory(sp.GetRequiredService<KafkaClusterProducers>().For(name)));
        services.TryAddSingleton<IKafkaProducer<TMessage>>(static sp => sp.GetRequiredService<TProducer>());
    }

    /// <summary>Registers the generated producer of a type without a <see cref="KafkaKeyAttribute"/> member as <see cref="IKafkaExplicitKeyProducer{T}"/> too.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="TProducer">The generated producer (already registered by <see cref="AddProducer{TMessage, TProducer}"/>).</typeparam>
    /// <param name="services">The services.</param>
    public static void AddExplicitKeyProducer<TMessage, TProducer>(IServiceCollection services)
        where TMessage : IKafkaKeylessMessage<TMessage>
        where TProducer : class, IKafkaExplicitKeyProducer<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IKafkaExplicitKeyProducer<TMessage>>(static sp => sp.GetRequiredService<TProducer>());
    }

    /// <summary>
    /// Registers a consumer's handler (scoped, unless the application registered it itself) and its definition; returns
    /// <see langword="false"/>, registering nothing, when the same handler, message type and topic are registered already.
    /// </summary>
    private static bool TryAddHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(IServiceCollection services, Func<IServiceProvider, THandler>? factory, KafkaConsumerDefinition definition)
        where THandler : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(definition);
        if (services.Any(d => d.ImplementationInstance is KafkaConsumerDefinition k
            && k.HandlerName == definition.HandlerName && k.MessageTypeName == definition.MessageTypeName && k.Topic == definition.Topic))
        {
            return false;
        }

        if (factory is null)
        {
            services.TryAddScoped<THandler>();
        }
        else
        {
            services.TryAddScoped(factory);
        }

        services.AddSingleton(definition);
        return true;
    }

    /// <summary>
    /// Registers a handler (scoped, unless the application registers it itself: as a singleton it is resolved once and
    /// called without a DI scope per message) and the hosted service that runs its consumer group, on the topic configuration resolves
    /// (<see cref="KafkaTypedOptions.ResolveTopic"/>) and only when configuration enables it
    /// (<see cref="KafkaTypedOptions.IsConsumerEnabled"/>). The same handler, message type and topic are registered once.
    /// </summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="factory">Creates the handler in the message's scope (generated when the handler has one public constructor); <see langword="null"/> lets DI activate it.</param>
    /// <param name="definition">The handler attribute's compile-time arguments.</param>
    public static void AddConsumer<TMessage, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(IServiceCollection services, Func<IServiceProvider, THandler>? factory, KafkaConsumerDefinition definition)
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IKafkaHandler<TMessage>
    {
        if (!TryAddHandler(services, factory, definition))
        {
            return;
        }

        if (TMessage.MessageTypeName is { } messageTypeName)
        {
            // The topic carries several message types: the handlers of one group share one member, which routes each record
            // to the handler of its type (KafkaSharedConsumers groups them when the host creates its services).
            var route = new KafkaSharedRoute(definition, messageTypeName, (sp, resolved, value) =>
            {
                var service = CreateService(sp, resolved, value);
                return new KafkaSharedRoute.Target(resolved, messageTypeName, service.Serializer as Avro.IAvroWriterSchemaSource, service.HandleRecordAsync);
            });
            services.AddSingleton(route);
            services.TryAddSingleton(static sp => new KafkaSharedConsumers(sp, sp.GetServices<KafkaSharedRoute>(), sp.GetRequiredService<IOptions<KafkaTypedOptions>>(), sp.GetService<ILoggerFactory>()));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<KafkaSharedConsumers>().For(route));
            return;
        }

        services.AddSingleton<IHostedService>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>();
            var value = options.Value;
            if (!value.IsConsumerEnabled(definition))
            {
                return new KafkaDisabledConsumer(definition, sp.GetService<ILoggerFactory>());
            }

            return CreateService(sp, definition.WithTopic(value.ResolveTopic(definition.MessageTypeName, definition.Topic)), value);
        });

        KafkaConsumerService<TMessage, THandler> CreateService(IServiceProvider sp, KafkaConsumerDefinition resolved, KafkaTypedOptions value)
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>();
            var loggers = sp.GetService<ILoggerFactory>();
            var cluster = value.ClusterOf(definition);

            var (root, perMessage) = KafkaHandlerActivator<THandler>.Unscoped(services, definition, factory, sp);
            return new KafkaConsumerService<TMessage, THandler>(
                resolved,
                sp.GetRequiredService<IServiceScopeFactory>(),
                cluster is null ? options : Options.Create(value.ForCluster(cluster)),
                loggers,
                sp.GetRequiredService<KafkaClusterProducers>().ForCluster(cluster))
            {
                SingletonHandlerServices = root,
                PerMessageFactory = perMessage,
            };
        }
    }
}

/// <summary>
/// The producer hosts per cluster: the default cluster's is the registered <see cref="KafkaProducerHost"/>; a named
/// cluster's is created on first use with <see cref="KafkaTypedOptions.ForCluster"/> and stopped (flushed) with the host.
/// </summary>
internal sealed class KafkaClusterProducers(KafkaProducerHost defaultHost, IOptions<KafkaTypedOptions> options, IEnumerable<IKafkaDeliveryObserver> observers, ILoggerFactory? loggers) : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, KafkaProducerHost> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The host of the cluster <paramref name="messageTypeName"/> is bound to.</summary>
    public KafkaProducerHost For(string messageTypeName) => ForCluster(options.Value.ClusterOf(messageTypeName));

    /// <summary>The host of cluster <paramref name="cluster"/>; <see langword="null"/> for the default.</summary>
    public KafkaProducerHost ForCluster(string? cluster)
    {
        if (cluster is null)
        {
            return defaultHost;
        }

        lock (_hosts)
        {
            if (!_hosts.TryGetValue(cluster, out var host))
            {
                host = new KafkaProducerHost(Options.Create(options.Value.ForCluster(cluster)), observers, loggers);
                _hosts[cluster] = host;
            }

            return host;
        }
    }

    /// <summary>Creates and starts the producer host of every named cluster that message types are bound to, as the default cluster's starts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, cluster) in options.Value.Clusters)
        {
            if (cluster.MessageTypes.Count > 0)
            {
                await ForCluster(name).StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        KafkaProducerHost[] hosts;
        lock (_hosts)
        {
            hosts = [.. _hosts.Values];
            _hosts.Clear();
        }

        await Task.WhenAll(hosts.Select(h => h.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}

/// <summary>The configuration section <see cref="KafkaTypedRegistration.AddCore"/> bound (one per service collection).</summary>
internal sealed record KafkaTypedCoreRegistration(IConfiguration Configuration, string? Path);

/// <summary>A generated registration module that already ran for a service collection.</summary>
internal sealed record KafkaTypedModuleRegistration(string AssemblyName);

/// <summary>Stands in for a consumer that configuration disabled: logs that it does not run, consumes nothing.</summary>
internal sealed class KafkaDisabledConsumer(KafkaConsumerDefinition definition, ILoggerFactory? loggers) : IHostedService
{
    /// <summary>The consumer that does not run.</summary>
    public KafkaConsumerDefinition Definition => definition;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        HostingLog.ConsumerDisabled((loggers ?? NullLoggerFactory.Instance).CreateLogger<KafkaDisabledConsumer>(), definition.HandlerName, definition.Topic);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Warns at start when the host's <see cref="HostOptions.ShutdownTimeout"/> is shorter than what stopping needs: the
/// consumers stop one after the other (each waits up to its <see cref="ConsumerOptions.ShutdownTimeout"/> for handlers in
/// flight), then the producers flush for up to <see cref="ProducerOptions.DisposeTimeout"/>. A host that gives up sooner
/// leaves handlers unfinished (redelivered after restart) and queued messages unsent.
/// </summary>
internal sealed class KafkaTypedStartupCheck(IOptions<KafkaTypedOptions> options, IEnumerable<KafkaConsumerDefinition> consumers, IEnumerable<KafkaSharedRoute> shared, IOptions<HostOptions>? hostOptions, ILoggerFactory? loggers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (hostOptions?.Value is not { } host)
        {
            return Task.CompletedTask;
        }

        var value = options.Value;
        // Handlers of a topic of several types that share a group member (cluster, topic, group) stop as one consumer.
        var sharing = shared.Select(static r => r.Definition).ToHashSet(ReferenceEqualityComparer.Instance);
        var enabled = consumers
            .Where(value.IsConsumerEnabled)
            .GroupBy(c => sharing.Contains(c) ? (object)(value.ClusterOf(c) ?? string.Empty, value.ResolveTopic(c.MessageTypeName, c.Topic), value.ToConsumerOptions(c).GroupId ?? string.Empty) : c)
            .Select(g => value.ToConsumerOptions(g.First()).ShutdownTimeout)
            .ToList();
        var consuming = enabled.Count == 0 ? TimeSpan.Zero : host.ServicesStopConcurrently ? enabled.Max() : enabled.Aggregate(TimeSpan.Zero, static (a, b) => a + b);
        var producing = value.ToProducerOptions().DisposeTimeout;
        var needed = consuming + producing;
        if (host.ShutdownTimeout < needed)
        {
            HostingLog.ShutdownTimeoutTooShort(
                (loggers ?? NullLoggerFactory.Instance).CreateLogger<KafkaTypedStartupCheck>(),
                host.ShutdownTimeout, needed, enabled.Count, consuming, producing);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
