using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generator.Benchmarks;

/// <summary>
/// The floor any attribute-driven generator pays: ForAttributeWithMetadataName with a transform that only reads the
/// target symbol's name and the attribute's first argument. Printed next to Kafka.Typed's figures for comparison.
/// </summary>
[Generator]
public sealed class FloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var topics = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Kafka.Typed.KafkaTopicAttribute",
            static (node, _) => true,
            static (ctx, _) => ctx.TargetSymbol.Name + ":" + ctx.Attributes[0].ConstructorArguments[0].Value);
        var handlers = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Kafka.Typed.KafkaConsumerAttribute",
            static (node, _) => true,
            static (ctx, _) => ctx.TargetSymbol.Name);
        context.RegisterSourceOutput(topics, static (spc, name) => spc.AddSource(name.Split(':')[0] + ".g.cs", "// " + name));
        context.RegisterSourceOutput(handlers.Collect(), static (spc, names) => spc.AddSource("All.g.cs", "// " + names.Length));
    }
}
