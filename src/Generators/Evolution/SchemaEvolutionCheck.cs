using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Kafka.Typed.Generators.Avro;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Kafka.Typed.Generators.Evolution;

/// <summary>
/// The build-time schema evolution check: a message type's current Avro schema against the schema committed for its
/// subject (an <c>AdditionalFiles</c> item <c>{topic}-value.avsc</c>, <c>{record full name}.avsc</c> or
/// <c>{topic}-{record full name}.avsc</c>), at the level of the MSBuild property <c>KafkaTypedSchemaCompatibility</c>
/// (<c>FULL</c> when unset). Reports KTG304 (incompatible) and KTG305 (unreadable committed schema or unknown level).
/// </summary>
internal static class SchemaEvolutionCheck
{
    public const string LevelProperty = "build_property.KafkaTypedSchemaCompatibility";
    public const string DefaultLevel = "FULL";

    public static void Run(
        MessageSpec spec,
        INamedTypeSymbol type,
        ImmutableArray<AdditionalText> files,
        AnalyzerConfigOptionsProvider options,
        Action<Diagnostic> report,
        CancellationToken cancellationToken)
    {
        if (spec.Avro is not { } avro || files.IsDefaultOrEmpty)
        {
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            spec.Topic + "-value.avsc",
            avro.Root.FullName + ".avsc",
            spec.Topic + "-" + avro.Root.FullName + ".avsc",
        };
        var location = type.Locations.FirstOrDefault(l => l.IsInSource);
        foreach (var file in files)
        {
            var fileName = Path.GetFileName(file.Path);
            if (!names.Contains(fileName))
            {
                continue;
            }

            var text = file.GetText(cancellationToken)?.ToString();
            if (text is null)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.InvalidCommittedSchema, location, file.Path, "the file cannot be read"));
                continue;
            }

            var level = options.GlobalOptions.TryGetValue(LevelProperty, out var configured) && !string.IsNullOrWhiteSpace(configured)
                ? configured.Trim()
                : DefaultLevel;
            IReadOnlyList<string> problems;
            try
            {
                problems = AvroCompatibility.Check(avro.Schema, text, level);
            }
            catch (AvroSchemaException e)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.InvalidCommittedSchema, location, file.Path, e.Message));
                continue;
            }
            catch (ArgumentException e)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.InvalidCommittedSchema, location, file.Path, "KafkaTypedSchemaCompatibility: " + e.Message));
                continue;
            }

            if (problems.Count > 0)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.IncompatibleSchema, location, type.Name, level.ToUpperInvariant(), fileName, string.Join("; ", problems)));
            }
        }
    }
}
