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

/// <summary>
/// The floor of a generator that needs what Kafka.Typed's parsers need from each type: the message type's members with
/// their types and attributes and its constructors' parameters with theirs, and each handler's interfaces. Roslyn re-runs
/// every ForAttributeWithMetadataName transform against a new compilation after any edit, and binding these is per
/// compilation, so no generator reading them can make an edit cheaper than this.
/// </summary>
[Generator]
public sealed class BindingFloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var topics = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Kafka.Typed.KafkaTopicAttribute",
            static (node, _) => true,
            static (ctx, _) => Read((INamedTypeSymbol)ctx.TargetSymbol));
        var handlers = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Kafka.Typed.KafkaConsumerAttribute",
            static (node, _) => true,
            static (ctx, _) => ctx.TargetSymbol.Name + ":" + string.Join(",", ((INamedTypeSymbol)ctx.TargetSymbol).AllInterfaces.Select(static i => i.TypeArguments.Length)));
        context.RegisterSourceOutput(topics, static (spc, text) => spc.AddSource(text.Split(':')[0] + ".g.cs", "// " + text.Length));
        context.RegisterSourceOutput(handlers.Collect(), static (spc, names) => spc.AddSource("All.g.cs", "// " + names.Length));
    }

    private static string Read(INamedTypeSymbol type)
    {
        var text = new System.Text.StringBuilder(type.Name).Append(':');
        foreach (var member in type.GetMembers())
        {
            if (member is IPropertySymbol property)
            {
                text.Append(property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).Append(property.GetAttributes().Length);
            }
        }

        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var parameter in constructor.Parameters)
            {
                text.Append(parameter.GetAttributes().Length);
            }
        }

        return text.ToString();
    }
}
