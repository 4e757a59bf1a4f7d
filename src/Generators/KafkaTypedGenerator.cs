using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Kafka.Typed.Generators.Emit;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generators
{
    /// <summary>
    /// Generates, for each <c>[KafkaTopic]</c> type, its <c>IKafkaMessage&lt;T&gt;</c> implementation (topic, key, JSON codec)
    /// and a typed producer; and one <c>AddKafkaTyped</c> per assembly registering the producers and the
    /// <c>[KafkaConsumer]</c> handlers. Diagnostics come from <see cref="KafkaTypedAnalyzer"/>; the generator skips invalid types.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class KafkaTypedGenerator : IIncrementalGenerator
    {
        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var languageVersion = context.ParseOptionsProvider
                .Select(static (options, _) => options is CSharpParseOptions csharp ? csharp.LanguageVersion : LanguageVersion.Default)
                .WithTrackingName(TrackingNames.LanguageVersion);

            var messages = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    KnownNames.KafkaTopicAttribute,
                    static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                    static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type && ctx.SemanticModel.SyntaxTree.Options is CSharpParseOptions options
                        ? MessageParser.Parse(type, ctx.Attributes[0], options.LanguageVersion, ctx.SemanticModel.Compilation, DiagnosticSink.None, ct)
                        : null)
                .Where(static spec => spec is not null)
                .Select(static (spec, _) => spec!)
                .WithTrackingName(TrackingNames.Messages);

            context.RegisterSourceOutput(messages, static (spc, spec) => spc.AddSource(MessageEmitter.HintName(spec), MessageEmitter.Emit(spec)));

            // ISpecificRecord on every partial Avro record type, once even when several messages reach it.
            var specificRecords = messages
                .Select(static (spec, _) => spec.Avro is null
                    ? ImmutableEquatableArray<AvroRecordSpec>.Empty
                    : spec.Avro.Records.Where(static r => r.Specific is not null).ToEquatableArray())
                .Collect()
                .Select(static (all, _) => DistinctRecords(all))
                .WithTrackingName(TrackingNames.SpecificRecords);

            context.RegisterSourceOutput(specificRecords, static (spc, records) =>
            {
                foreach (var record in records)
                {
                    spc.AddSource(SpecificRecordEmitter.HintName(record), SpecificRecordEmitter.Emit(record));
                }
            });

            var handlers = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    KnownNames.KafkaConsumerAttribute,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => ParseHandlers(ctx, ct))
                .WithTrackingName(TrackingNames.Handlers);

            // Another assembly's generated AddKafkaTyped visible here (InternalsVisibleTo, e.g. an app seen by its tests):
            // this assembly's gets a name of its own, or every call would be ambiguous (CS0121). A string: equatable.
            var registrationSuffix = context.CompilationProvider
                .Select(static (compilation, _) => RegistrationSuffix(compilation))
                .WithTrackingName(TrackingNames.RegistrationName);

            var registration = messages.Collect()
                .Combine(handlers.Collect())
                .Combine(languageVersion)
                .Combine(registrationSuffix)
                .Select(static (input, _) => BuildRegistration(input.Left.Left.Left, input.Left.Left.Right, input.Left.Right, input.Right))
                .WithTrackingName(TrackingNames.Registration);

            context.RegisterSourceOutput(registration, static (spc, spec) =>
            {
                if (spec is not null)
                {
                    spc.AddSource(RegistrationEmitter.HintName, RegistrationEmitter.Emit(spec));
                }
            });
        }

        private static ImmutableEquatableArray<AvroRecordSpec> DistinctRecords(ImmutableArray<ImmutableEquatableArray<AvroRecordSpec>> all)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var result = new List<AvroRecordSpec>();
            foreach (var records in all)
            {
                foreach (var record in records)
                {
                    if (seen.Add(record.Key))
                    {
                        result.Add(record);
                    }
                }
            }

            result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return result.ToEquatableArray();
        }

        private static ImmutableEquatableArray<HandlerSpec> ParseHandlers(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol handler || context.SemanticModel.SyntaxTree.Options is not CSharpParseOptions options)
            {
                return ImmutableEquatableArray<HandlerSpec>.Empty;
            }

            var specs = new List<HandlerSpec>();
            foreach (var attribute in context.Attributes)
            {
                if (HandlerParser.Parse(handler, attribute, options.LanguageVersion, DiagnosticSink.None, cancellationToken) is { } spec)
                {
                    specs.Add(spec);
                }
            }

            return specs.ToEquatableArray();
        }

        /// <summary>
        /// <see langword="null"/> when no other assembly's generated registration is accessible here; otherwise this
        /// assembly's name as an identifier part (<c>App.Tests</c> → <c>AppTests</c>), for a registration of its own.
        /// </summary>
        private static string? RegistrationSuffix(Compilation compilation)
        {
            foreach (var type in compilation.GetTypesByMetadataName(KnownNames.GeneratedRegistrationClass))
            {
                if (!SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly)
                    && compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
                {
                    var name = new System.Text.StringBuilder();
                    var upper = true;
                    foreach (var c in compilation.AssemblyName ?? "Assembly")
                    {
                        if (!char.IsLetterOrDigit(c) || c > 127)
                        {
                            upper = true;
                            continue;
                        }

                        name.Append(upper ? char.ToUpperInvariant(c) : c);
                        upper = false;
                    }

                    return name.Length == 0 || char.IsDigit(name[0]) ? "Assembly" + name : name.ToString();
                }
            }

            return null;
        }

        private static RegistrationSpec? BuildRegistration(ImmutableArray<MessageSpec> messages, ImmutableArray<ImmutableEquatableArray<HandlerSpec>> handlers, LanguageVersion languageVersion, string? suffix)
        {
            if (languageVersion < LanguageVersion.CSharp11 || (messages.IsEmpty && handlers.All(static h => h.Count == 0)))
            {
                return null;
            }

            var known = new HashSet<string>(messages.Select(static m => m.FullyQualifiedName), StringComparer.Ordinal);
            var producers = messages
                .Select(static m => new ProducerRegistration(m.FullyQualifiedName, m.ProducerFullyQualifiedName, m.Avro is not null || m.Json?.Schema is not null)) // JSON Schema needs the registry too
                .OrderBy(static p => p.MessageFullyQualifiedName, StringComparer.Ordinal)
                .ToEquatableArray();
            var consumers = handlers
                .SelectMany(static h => h)
                .Where(h => h.MessageIsExternal || known.Contains(h.MessageFullyQualifiedName))
                .OrderBy(static h => h.HandlerFullyQualifiedName, StringComparer.Ordinal)
                .ThenBy(static h => h.Topic, StringComparer.Ordinal)
                .ThenBy(static h => h.GroupId ?? string.Empty, StringComparer.Ordinal)
                .ToEquatableArray();
            return new RegistrationSpec(producers, consumers, "KafkaTypedServiceCollectionExtensions" + suffix, "AddKafkaTyped" + suffix);
        }
    }
}
