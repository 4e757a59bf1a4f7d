using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Kafka.Typed.Generators;

/// <summary>
/// Reports every Kafka.Typed diagnostic (KTG###). It runs the same parsers as <see cref="KafkaTypedGenerator"/>, so what
/// it accepts is exactly what the generator emits; as an analyzer its diagnostics honour <c>#pragma warning disable</c>,
/// <c>[SuppressMessage]</c> and editorconfig severities.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KafkaTypedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.All);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(KnownNames.KafkaTopicAttribute) is null
                && start.Compilation.GetTypeByMetadataName(KnownNames.KafkaConsumerAttribute) is null)
            {
                return;
            }

            if (OwnSuffixedRegistration(start.Compilation) is { } own)
            {
                start.RegisterSyntaxNodeAction(node => AnalyzeRegistrationCall(node, own), SyntaxKind.InvocationExpression);
            }

            var consumers = new ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location, string Message, string? SharedName)>();
            var messages = new ConcurrentBag<TopicMessage>();
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, consumers, messages), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end =>
            {
                ReportDuplicates(end, consumers);
                ReportSharedTopics(end, messages);
            });
        });
    }

    /// <summary>
    /// This assembly's generated registration when it is named after the assembly (another assembly's <c>AddKafkaTyped</c>
    /// is visible here), else <see langword="null"/>: only then can an <c>AddKafkaTyped</c> call bind to the wrong one.
    /// </summary>
    private static string? OwnSuffixedRegistration(Compilation compilation)
    {
        var ns = compilation.Assembly.GlobalNamespace;
        foreach (var part in KnownNames.GeneratedRegistrationNamespace.Split('.'))
        {
            ns = ns.GetNamespaceMembers().FirstOrDefault(n => n.Name == part);
            if (ns is null)
            {
                return null;
            }
        }

        foreach (var type in ns.GetTypeMembers())
        {
            if (type.Name.Length > KnownNames.GeneratedRegistrationClassName.Length
                && type.Name.StartsWith(KnownNames.GeneratedRegistrationClassName, StringComparison.Ordinal)
                && type.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(m => m.IsExtensionMethod && m.Name.StartsWith(KnownNames.GeneratedRegistrationMethod, StringComparison.Ordinal)) is { } method
                && method.Name.Length > KnownNames.GeneratedRegistrationMethod.Length)
            {
                return method.Name;
            }
        }

        return null;
    }

    /// <summary>KTG002: <c>services.AddKafkaTyped(...)</c> bound to (or ambiguous between) other assemblies' registrations while this assembly has its own.</summary>
    private static void AnalyzeRegistrationCall(SyntaxNodeAnalysisContext context, string own)
    {
        var invocation = (Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax)context.Node;
        var name = invocation.Expression switch
        {
            Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            _ => null,
        };
        if (name != KnownNames.GeneratedRegistrationMethod)
        {
            return;
        }

        var info = context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken);
        var candidates = info.Symbol is { } bound ? ImmutableArray.Create(bound) : info.CandidateSymbols;
        var foreign = candidates
            .OfType<IMethodSymbol>()
            .Select(m => m.ReducedFrom ?? m)
            .Where(m => m.ContainingType.ToDisplayString() == KnownNames.GeneratedRegistrationClass
                && !SymbolEqualityComparer.Default.Equals(m.ContainingAssembly, context.Compilation.Assembly))
            .Select(m => m.ContainingAssembly.Name)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        if (foreign.Count == 0)
        {
            return;
        }

        var what = foreign.Count == 1 && info.Symbol is not null
            ? "This call binds to the AddKafkaTyped of assembly '" + foreign[0] + "' (visible here through InternalsVisibleTo), which does not register this assembly's own Kafka.Typed types"
            : "AddKafkaTyped is ambiguous here: the registrations of assemblies " + string.Join(", ", foreign.Select(n => "'" + n + "'")) + " are visible through InternalsVisibleTo";
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ForeignRegistration, invocation.GetLocation(), what, own));
    }

    private static void AnalyzeType(SymbolAnalysisContext context, ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location, string Message, string? SharedName)> consumers, ConcurrentBag<TopicMessage> messages)
    {
        if (context.Symbol is not INamedTypeSymbol type)
        {
            return;
        }

        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass || attribute.ApplicationSyntaxReference is not { } reference)
            {
                continue;
            }

            var languageVersion = reference.SyntaxTree.Options is CSharpParseOptions options ? options.LanguageVersion : LanguageVersion.Default;
            if (SymbolHelpers.IsNamed(attributeClass, KnownNames.KafkaTopicAttribute))
            {
                var sink = new CollectingDiagnosticSink();
                var spec = MessageParser.Parse(type, attribute, languageVersion, context.Compilation, sink, context.CancellationToken);
                foreach (var diagnostic in sink.Diagnostics)
                {
                    context.ReportDiagnostic(diagnostic);
                }

                if (spec is not null)
                {
                    messages.Add(new TopicMessage(spec.Topic, type.ToDisplayString(), spec.SubjectNameStrategy, spec.Avro?.Root.FullName, SymbolHelpers.AttributeLocation(attribute)));
                    Evolution.SchemaEvolutionCheck.Run(spec, type, context.Options.AdditionalFiles, context.Options.AnalyzerConfigOptionsProvider, context.ReportDiagnostic, context.CancellationToken);
                }
            }
            else if (SymbolHelpers.IsNamed(attributeClass, KnownNames.KafkaConsumerAttribute))
            {
                var sink = new CollectingDiagnosticSink();
                var spec = HandlerParser.Parse(type, attribute, languageVersion, sink, context.CancellationToken);
                foreach (var diagnostic in sink.Diagnostics)
                {
                    context.ReportDiagnostic(diagnostic);
                }

                var topic = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                if (spec is not null || (topic is not null && !sink.HasErrors))
                {
                    var group = spec?.GroupId;
                    var groupText = group is null ? "(from configuration)" : "'" + group + "'";
                    // Handlers of different types on a topic of several types share one group member: only two
                    // handlers of the same type in one group are duplicates there.
                    var shared = spec is null ? null : SharedTopicName(type, spec.MessageFullyQualifiedName, languageVersion, context.Compilation, context.CancellationToken);
                    consumers.Add((topic + "\n" + (group ?? "\0") + (shared is null ? string.Empty : "\n" + shared), type.ToDisplayString(), topic ?? string.Empty, groupText, SymbolHelpers.AttributeLocation(attribute), spec?.MessageDisplayName ?? string.Empty, shared));
                }
            }
        }
    }

    /// <summary>
    /// When the handled message type of <paramref name="handler"/> shares its topic (a <c>SubjectNameStrategy</c> other
    /// than TopicName), its message type name there (what the group member dispatches on); otherwise <see langword="null"/>.
    /// </summary>
    private static string? SharedTopicName(INamedTypeSymbol handler, string messageFullyQualifiedName, LanguageVersion languageVersion, Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var handled in handler.AllInterfaces)
        {
            if (SymbolHelpers.IsNamed(handled, KnownNames.KafkaHandlerInterface) && handled.TypeArguments[0] is INamedTypeSymbol message && message.Fqn() == messageFullyQualifiedName
                && SymbolHelpers.FindAttribute(message, KnownNames.KafkaTopicAttribute) is { } topic
                && topic.NamedArguments.Any(a => a.Key == "SubjectNameStrategy" && a.Value.Value is int strategy && strategy != 0))
            {
                return MessageParser.Parse(message, topic, languageVersion, compilation, DiagnosticSink.None, cancellationToken)?.MessageTypeName ?? messageFullyQualifiedName;
            }
        }

        return null;
    }

    /// <summary>
    /// KTG114: several types on one topic where one has TopicName. Versions of one Avro record (types with one record
    /// full name, all TopicName) share a topic and its subject as before.
    /// </summary>
    private static void ReportSharedTopics(CompilationAnalysisContext context, ConcurrentBag<TopicMessage> messages)
    {
        foreach (var topic in messages.GroupBy(m => m.Topic, StringComparer.Ordinal))
        {
            var ordered = topic
                .OrderBy(m => m.Location?.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(m => m.Location?.SourceSpan.Start ?? 0)
                .ThenBy(m => m.Type, StringComparer.Ordinal)
                .ToList();
            if (ordered.Count < 2 || ordered.All(m => m.Strategy != 0)
                || (ordered.All(m => m.Strategy == 0 && m.AvroName is not null) && ordered.Select(m => m.AvroName).Distinct(StringComparer.Ordinal).Count() == 1))
            {
                continue;
            }

            foreach (var message in ordered.Where(m => m.Strategy == 0))
            {
                var other = ordered.First(m => !ReferenceEquals(m, message));
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SharedTopicNeedsStrategy, message.Location, message.Type, other.Type, topic.Key, message.Type));
            }
        }
    }

    /// <summary>A parsed <c>[KafkaTopic]</c> type, for the check across the types of one topic.</summary>
    private sealed record TopicMessage(string Topic, string Type, int Strategy, string? AvroName, Location? Location);

    private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location, string Message, string? SharedName)> consumers)
    {
        foreach (var group in consumers.GroupBy(c => c.Key, StringComparer.Ordinal))
        {
            var ordered = group
                .OrderBy(c => c.Location?.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(c => c.Location?.SourceSpan.Start ?? 0)
                .ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                // On a topic of several types, handlers of one group share a member that dispatches by type name: two
                // different types with one name there cannot both get their records (KTG116).
                context.ReportDiagnostic(ordered[i].SharedName is { } name && ordered[i].Message != ordered[0].Message
                    ? Diagnostic.Create(DiagnosticDescriptors.AmbiguousMessageType, ordered[i].Location, ordered[i].Handler, ordered[0].Handler, ordered[i].Message, ordered[0].Message, ordered[i].Topic, ordered[i].Group, name)
                    : Diagnostic.Create(DiagnosticDescriptors.DuplicateHandler, ordered[i].Location, ordered[i].Handler, ordered[0].Handler, ordered[i].Topic, ordered[i].Group));
            }
        }
    }
}
