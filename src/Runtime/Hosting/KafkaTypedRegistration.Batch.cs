using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

public static partial class KafkaTypedRegistration
{
    /// <summary>
    /// Registers a batch handler (<see cref="IKafkaBatchHandler{T}"/>) as <see cref="AddConsumer{TMessage, THandler}"/>
    /// registers a single-message one: scoped unless the application registers it itself, with the hosted service that runs
    /// its consumer group (<see cref="KafkaBatchConsumerService{TMessage, THandler}"/>) on the topic configuration resolves,
    /// only when configuration enables it. The same handler, message type and topic are registered once.
    /// </summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="THandler">The batch handler type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="factory">Creates the handler in the batch's scope (generated when the handler has one public constructor); <see langword="null"/> lets DI activate it.</param>
    /// <param name="definition">The handler attribute's compile-time arguments.</param>
    public static void AddBatchConsumer<TMessage, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(IServiceCollection services, Func<IServiceProvider, THandler>? factory, KafkaConsumerDefinition definition)
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IKafkaBatchHandler<TMessage>
    {
        if (!TryAddHandler(services, factory, definition))
        {
            return;
        }

        services.AddSingleton<IHostedService>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>();
            var loggers = sp.GetService<ILoggerFactory>();
            var value = options.Value;
            if (!value.IsConsumerEnabled(definition))
            {
                return new KafkaDisabledConsumer(definition, loggers);
            }

            var resolved = definition.WithTopic(value.ResolveTopic(definition.MessageTypeName, definition.Topic));
            var cluster = value.ClusterOf(definition);
            var (root, perBatch) = KafkaHandlerActivator<THandler>.Unscoped(services, definition, factory, sp);
            return new KafkaBatchConsumerService<TMessage, THandler>(
                resolved,
                sp.GetRequiredService<IServiceScopeFactory>(),
                cluster is null ? options : Options.Create(value.ForCluster(cluster)),
                loggers,
                sp.GetRequiredService<KafkaClusterProducers>().ForCluster(cluster))
            {
                SingletonHandlerServices = root,
                PerBatchFactory = perBatch,
            };
        });
    }
}
