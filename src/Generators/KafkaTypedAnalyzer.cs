using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Kafka.Typed.Generators
{
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

                var consumers = new ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location)>();
                start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, consumers), SymbolKind.NamedType);
                start.RegisterCompilationEndAction(end => ReportDuplicates(end, consumers));
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context, ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location)> consumers)
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
                        Avro.SchemaEvolutionCheck.Run(spec, type, context.Options.AdditionalFiles, context.Options.AnalyzerConfigOptionsProvider, context.ReportDiagnostic, context.CancellationToken);
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
                        consumers.Add((topic + "\n" + (group ?? "\0"), type.ToDisplayString(), topic ?? string.Empty, groupText, SymbolHelpers.AttributeLocation(attribute)));
                    }
                }
            }
        }

        private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<(string Key, string Handler, string Topic, string Group, Location? Location)> consumers)
        {
            foreach (var group in consumers.GroupBy(c => c.Key, StringComparer.Ordinal))
            {
                var ordered = group
                    .OrderBy(c => c.Location?.SourceTree?.FilePath, StringComparer.Ordinal)
                    .ThenBy(c => c.Location?.SourceSpan.Start ?? 0)
                    .ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateHandler, ordered[i].Location, ordered[i].Handler, ordered[0].Handler, ordered[i].Topic, ordered[i].Group));
                }
            }
        }
    }
}
