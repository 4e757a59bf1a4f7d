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

namespace Kafka.Typed.Generators;

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
            .WithTrackingName(TrackingNames.SpecificRecords)
            .SelectMany(static (records, _) => records)
            .WithTrackingName(TrackingNames.SpecificRecord);

        // One output per record: an edit to one record's fields re-emits that record's file only.
        context.RegisterSourceOutput(specificRecords, static (spc, record) => spc.AddSource(SpecificRecordEmitter.HintName(record), SpecificRecordEmitter.Emit(record)));

        var handlers = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.KafkaConsumerAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ParseHandlers(ctx, ct))
            .WithTrackingName(TrackingNames.Handlers);

        // What the references contribute (registration modules of referenced assemblies, another assembly's AddKafkaTyped
        // visible through InternalsVisibleTo), read from the compilation into strings at once: equatable, so the
        // registration is re-emitted only when that data changes, not on every edit.
        var references = context.CompilationProvider
            .Select(static (compilation, ct) => ReadReferences(compilation, ct))
            .WithTrackingName(TrackingNames.References);

        var registration = messages.Collect()
            .Combine(handlers.Collect())
            .Combine(languageVersion)
            .Combine(references)
            .Select(static (input, _) => BuildRegistration(input.Left.Left.Left, input.Left.Left.Right, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.Registration);

        context.RegisterSourceOutput(registration, static (spc, spec) =>
        {
            if (spec is not null)
            {
                spc.AddSource(RegistrationEmitter.HintName, RegistrationEmitter.Emit(spec));
            }
        });

        // The AsyncAPI document of the assembly (KafkaTyped.AsyncApi.g.cs): steps of its own over the same specs.
        AsyncApiPipeline.Initialize(context, messages, handlers);
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
    /// Reads the registration modules of the referenced assemblies (their <c>[assembly: KafkaTypedModule]</c>) and the
    /// assemblies whose generated <c>AddKafkaTyped</c> is accessible here, as plain data.
    /// </summary>
    internal static ReferencesSpec ReadReferences(Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        var modules = new List<ModuleReference>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Only an assembly compiled against Kafka.Typed can carry a module; the others' attributes are not read.
            if (!assembly.Modules.Any(static m => m.ReferencedAssemblies.Any(static a => a.Name == "Kafka.Typed")))
            {
                continue;
            }

            foreach (var attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass is { } attributeClass && SymbolHelpers.IsNamed(attributeClass, KnownNames.KafkaTypedModuleAttribute)
                    && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol module
                    && compilation.IsSymbolAccessibleWithin(module, compilation.Assembly))
                {
                    modules.Add(new ModuleReference(assembly.Name, module.Fqn()));
                }
            }
        }

        var visible = new List<string>();
        foreach (var type in compilation.GetTypesByMetadataName(KnownNames.GeneratedRegistrationClass))
        {
            if (!SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly)
                && compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
            {
                visible.Add(type.ContainingAssembly.Name);
            }
        }

        return new ReferencesSpec(
            compilation.AssemblyName ?? "Assembly",
            modules.OrderBy(static m => m.AssemblyName, StringComparer.Ordinal).ToEquatableArray(),
            visible.OrderBy(static n => n, StringComparer.Ordinal).ToEquatableArray());
    }

    /// <summary>An assembly name as one identifier part: <c>App.Tests</c> → <c>AppTests</c>.</summary>
    internal static string IdentifierPart(string assemblyName)
    {
        var name = new System.Text.StringBuilder();
        var upper = true;
        foreach (var c in assemblyName)
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

    /// <summary>The module class of an assembly: <c>KafkaTypedModule_</c> and the assembly name with every other character than a letter or digit as <c>_</c>.</summary>
    internal static string ModuleClassName(string assemblyName) => AssemblyClassName("KafkaTypedModule_", assemblyName);

    /// <summary><paramref name="prefix"/> and <paramref name="assemblyName"/> with every other character than an ASCII letter or digit as <c>_</c>.</summary>
    internal static string AssemblyClassName(string prefix, string assemblyName)
    {
        var name = new System.Text.StringBuilder(prefix, prefix.Length + assemblyName.Length);
        foreach (var c in assemblyName)
        {
            name.Append(c <= 127 && char.IsLetterOrDigit(c) ? c : '_');
        }

        return name.ToString();
    }

    private static RegistrationSpec? BuildRegistration(ImmutableArray<MessageSpec> messages, ImmutableArray<ImmutableEquatableArray<HandlerSpec>> handlers, LanguageVersion languageVersion, ReferencesSpec references)
    {
        if (languageVersion < LanguageVersion.CSharp11)
        {
            return null;
        }

        ModuleSpec? module = null;
        if (!messages.IsEmpty || handlers.Any(static h => h.Count > 0))
        {
            var known = new HashSet<string>(messages.Select(static m => m.FullyQualifiedName), StringComparer.Ordinal);
            var producers = messages
                .Select(static m => new ProducerRegistration(m.FullyQualifiedName, m.ProducerFullyQualifiedName, m.Avro is not null || m.Json?.Schema is not null, m.KeyMember is null)) // JSON Schema needs the registry too
                .OrderBy(static p => p.MessageFullyQualifiedName, StringComparer.Ordinal)
                .ToEquatableArray();
            var consumers = handlers
                .SelectMany(static h => h)
                .Where(h => h.MessageIsExternal || known.Contains(h.MessageFullyQualifiedName))
                .OrderBy(static h => h.HandlerFullyQualifiedName, StringComparer.Ordinal)
                .ThenBy(static h => h.Topic, StringComparer.Ordinal)
                .ThenBy(static h => h.GroupId ?? string.Empty, StringComparer.Ordinal)
                .ToEquatableArray();
            module = new ModuleSpec(references.AssemblyName, ModuleClassName(references.AssemblyName), producers, consumers);
        }

        // Another assembly's AddKafkaTyped visible here (InternalsVisibleTo, e.g. an app seen by its tests): with nothing
        // of its own and one such registration, this assembly uses that one; otherwise its registration gets a name of its
        // own (one name for both would make every call ambiguous, CS0121), and KTG002 flags a call that binds elsewhere.
        var visible = references.VisibleRegistrations;
        ApplicationSpec? application = null;
        if ((module is not null || references.Modules.Count > 0) && !(module is null && visible.Count == 1))
        {
            var suffix = visible.Count == 0 ? string.Empty : IdentifierPart(references.AssemblyName);
            var modules = references.Modules.ToList();
            if (module is not null)
            {
                modules.Add(new ModuleReference(module.AssemblyName, module.FullyQualifiedName));
            }

            application = new ApplicationSpec(KnownNames.GeneratedRegistrationClassName + suffix, KnownNames.GeneratedRegistrationMethod + suffix, modules.ToEquatableArray());
        }

        return module is null && application is null ? null : new RegistrationSpec(module, application);
    }
}
