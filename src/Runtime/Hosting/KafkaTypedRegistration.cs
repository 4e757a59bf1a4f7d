using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>The registration steps the generated <c>AddKafkaTyped</c> calls, one line per producer and consumer. Not meant for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KafkaTypedRegistration
{
    /// <summary>Binds <see cref="KafkaTypedOptions"/> from <paramref name="configuration"/>, validates it at start, and registers the shared producers.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The Kafka section, for example <c>configuration.GetSection("Kafka")</c>.</param>
    /// <param name="configure">Changes applied after binding; <see langword="null"/> for none.</param>
    public static OptionsBuilder<KafkaTypedOptions> AddCore(IServiceCollection services, IConfiguration configuration, Action<KafkaTypedOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<KafkaTypedOptions>().Configure(options => options.Bind(configuration));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTypedOptions>, KafkaTypedOptionsValidator>());
        if (!services.Any(static d => d.ServiceType == typeof(KafkaProducerHost)))
        {
            services.AddSingleton(static sp => new KafkaProducerHost(
                sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
                sp.GetServices<IKafkaDeliveryObserver>(),
                sp.GetService<ILoggerFactory>()));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<KafkaProducerHost>());
        }

        return builder;
    }

    /// <summary>Records that <typeparamref name="TMessage"/> uses Avro, so that start-up validation requires a Schema Registry.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="services">The services.</param>
    public static void AddAvroMessage<TMessage>(IServiceCollection services)
        where TMessage : IKafkaMessage<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new KafkaAvroMessage(typeof(TMessage).Name));
    }

    /// <summary>Registers a generated producer as itself and as <see cref="IKafkaProducer{T}"/> (singletons).</summary>
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
        services.TryAddSingleton(sp => factory(sp.GetRequiredService<KafkaProducerHost>()));
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

    /// <summary>Registers a handler (scoped) and the hosted service that runs its consumer group.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="factory">Creates the handler in the message's scope (generated when the handler has one public constructor); <see langword="null"/> lets DI activate it.</param>
    /// <param name="definition">The handler attribute's compile-time arguments.</param>
    public static void AddConsumer<TMessage, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(IServiceCollection services, Func<IServiceProvider, THandler>? factory, KafkaConsumerDefinition definition)
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IKafkaHandler<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(definition);
        if (factory is null)
        {
            services.TryAddScoped<THandler>();
        }
        else
        {
            services.TryAddScoped(factory);
        }

        services.AddSingleton(definition);
        services.AddSingleton<IHostedService>(sp => new KafkaConsumerService<TMessage, THandler>(
            definition,
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<KafkaProducerHost>()));
    }
}
