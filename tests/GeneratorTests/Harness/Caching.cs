using System.Collections;
using System.Reflection;
using Kafka.Typed.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Kafka.Typed.Generator.Tests.Harness;

/// <summary>
/// Incremental caching checks that every snapshot and compile case goes through (<see cref="TestCompilation.GenerateAndCompile"/>).
/// </summary>
/// <remarks>
/// The rerun parses every source file anew and adds an unrelated one. New syntax trees mean new symbols, so every
/// <c>ForAttributeWithMetadataName</c> transform runs again and builds its model from scratch: the step stays
/// <c>Unchanged</c> only if the new model equals the old one by value. A model that holds a plain array, a list or a
/// class without value equality comes back <c>Modified</c>, and the case fails naming the step and the model type.
/// </remarks>
internal static class Caching
{
    private const string UnrelatedSource = """
        namespace KafkaTypedCachingProbe
        {
            internal static class Unrelated
            {
                public static int Twice(int x) => x * 2;
            }
        }
        """;

    /// <summary>Every tracking name the generator declares, read from <see cref="TrackingNames"/> so a new step cannot be forgotten.</summary>
    public static IReadOnlyList<string> StepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(static f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(static f => (string)f.GetRawConstantValue()!)
        .OrderBy(static n => n, StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// Runs the generator on <paramref name="compilation"/>, then again on the same sources parsed anew plus an unrelated
    /// file, and asserts every tracked step is <c>Cached</c> or <c>Unchanged</c> and every source output <c>Cached</c>.
    /// Returns the tracking names the rerun executed.
    /// </summary>
    public static IReadOnlyCollection<string> AssertRerunIsCached(CSharpCompilation compilation)
    {
        var parseOptions = (CSharpParseOptions)compilation.SyntaxTrees.First().Options;
        var driver = TestCompilation.Driver(parseOptions).RunGenerators(compilation);

        var reparsed = compilation;
        foreach (var tree in compilation.SyntaxTrees)
        {
            reparsed = reparsed.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(tree.GetText(), parseOptions, tree.FilePath));
        }

        reparsed = reparsed.AddSyntaxTrees(CSharpSyntaxTree.ParseText(UnrelatedSource, parseOptions, "/src/KafkaTypedCachingProbe.cs"));
        driver = driver.RunGenerators(reparsed);
        var result = driver.GetRunResult().Results.Single();
        AssertAllCached(result);
        return result.TrackedSteps.Keys.Where(k => StepNames.Contains(k)).ToArray();
    }

    /// <summary>Asserts every tracked step of <paramref name="result"/> is <c>Cached</c> or <c>Unchanged</c> and every source output <c>Cached</c>.</summary>
    public static void AssertAllCached(GeneratorRunResult result)
    {
        var failures = new List<string>();
        foreach (var name in StepNames)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var runs))
            {
                continue;
            }

            foreach (var run in runs)
            {
                foreach (var (value, reason) in run.Outputs)
                {
                    if (reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                    {
                        failures.Add($"step {name} was {reason} for an equal input: {Describe(value)} does not compare equal by value");
                    }
                }
            }
        }

        foreach (var (name, runs) in result.TrackedOutputSteps)
        {
            foreach (var output in runs.SelectMany(static r => r.Outputs))
            {
                if (output.Reason != IncrementalStepRunReason.Cached)
                {
                    failures.Add($"output {name} was {output.Reason}: its source was generated again for unchanged input");
                }
            }
        }

        Assert.True(failures.Count == 0, "Incremental caching broken:\n" + string.Join("\n", failures.Distinct()));
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        IEnumerable sequence and not string => value.GetType().Name + " of " + string.Join(", ", sequence.Cast<object?>().Select(static v => v?.GetType().Name ?? "null").Distinct()),
        _ => value.GetType().Name,
    };
}
