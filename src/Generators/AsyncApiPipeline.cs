using Kafka.Typed.Generators.Emit;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators;

/// <summary>
/// The AsyncAPI steps of <see cref="KafkaTypedGenerator"/>, apart from the registration's: this assembly's module from
/// the message and handler specs, the referenced assemblies' modules read from the compilation as plain data, and the
/// one output <c>KafkaTyped.AsyncApi.g.cs</c> driven by their equatable combination.
/// </summary>
internal static class AsyncApiPipeline
{
    public static void Initialize(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<MessageSpec> messages, IncrementalValuesProvider<ImmutableEquatableArray<HandlerSpec>> handlers)
    {
        var own = messages.Collect()
            .Combine(handlers.Collect())
            .Select(static (input, _) => AsyncApiModels.Own(input.Left, input.Right))
            .WithTrackingName(TrackingNames.AsyncApiModule);

        var references = context.CompilationProvider
            .Select(static (compilation, ct) => AsyncApiModels.ReadReferences(compilation, ct))
            .WithTrackingName(TrackingNames.AsyncApiReferences);

        var spec = own.Combine(references)
            .Select(static (input, _) => AsyncApiModels.Spec(input.Left, input.Right))
            .WithTrackingName(TrackingNames.AsyncApi);

        context.RegisterSourceOutput(spec, static (spc, document) =>
        {
            if (document is not null)
            {
                spc.AddSource(AsyncApiEmitter.HintName, AsyncApiEmitter.Emit(document));
            }
        });
    }
}
