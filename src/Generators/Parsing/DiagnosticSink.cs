using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Where a parser reports problems. The generator passes <see cref="None"/> (it only needs to know whether the model
/// is valid); the analyzer collects real diagnostics, so <c>#pragma warning disable</c> and editorconfig apply.
/// </summary>
internal class DiagnosticSink
{
    public static readonly DiagnosticSink None = new DiagnosticSink();

    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, Location? location, params object?[] args)
    {
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            HasErrors = true;
        }

        OnReport(descriptor, location, args);
    }

    protected virtual void OnReport(DiagnosticDescriptor descriptor, Location? location, object?[] args)
    {
    }
}

/// <summary>A sink that keeps the diagnostics.</summary>
internal sealed class CollectingDiagnosticSink : DiagnosticSink
{
    public List<Diagnostic> Diagnostics { get; } = new List<Diagnostic>();

    protected override void OnReport(DiagnosticDescriptor descriptor, Location? location, object?[] args)
        => Diagnostics.Add(Diagnostic.Create(descriptor, location, args));
}
