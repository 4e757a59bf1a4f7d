using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Basic.Reference.Assemblies;
using Kafka.Typed.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Kafka.Typed.Generator.Tests.Harness;

/// <summary>Builds compilations against .NET 10 reference assemblies plus the real Kafka.Typed runtime, and runs the generator.</summary>
internal static class TestCompilation
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        var list = new List<MetadataReference>(Net100.References.All);
        var added = new HashSet<string>(StringComparer.Ordinal);

        // Microsoft.Extensions.* come from the ASP.NET Core shared framework when a referenced project (Kafka.Typed.Testing)
        // uses it, and from the output folder otherwise: take them from wherever this process loaded them.
        var frameworkDir = Path.GetDirectoryName(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)!;
        foreach (var dir in new[] { AppContext.BaseDirectory, frameworkDir }.Distinct())
        {
            foreach (var file in Directory.GetFiles(dir, "*.dll"))
            {
                var name = Path.GetFileName(file);
                if ((name == "Kafka.Typed.dll" || name == "Avro.dll" || name.StartsWith("Confluent.", StringComparison.Ordinal) || name.StartsWith("OpenTelemetry", StringComparison.Ordinal)
                     || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)) && added.Add(name))
                {
                    list.Add(MetadataReference.CreateFromFile(file));
                }
            }
        }

        return [.. list];
    });

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static CSharpParseOptions ParseOptions(LanguageVersion version = LanguageVersion.CSharp13) => new(version);

    public static CSharpCompilation Create(params string[] sources) => Create(LanguageVersion.CSharp13, sources);

    public static CSharpCompilation Create(LanguageVersion version, params string[] sources)
    {
        var options = ParseOptions(version);
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, options, path: $"/src/File{i}.cs"));
        return CSharpCompilation.Create(
            "TestApp",
            trees,
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
    }

    public static GeneratorDriver Driver(CSharpParseOptions? parseOptions = null, bool trackSteps = true)
        => CSharpGeneratorDriver.Create(
            [new KafkaTypedGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions(),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator and returns the result plus the compilation that includes the generated files.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
    {
        var driver = Driver((CSharpParseOptions)compilation.SyntaxTrees.First().Options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        return (driver.GetRunResult(), output);
    }

    /// <summary>
    /// Runs the generator, asserts the output compiles with no diagnostic at all and that a rerun on the sources parsed
    /// anew is fully cached (<see cref="Caching.AssertRerunIsCached"/>), and returns the generated files by hint name,
    /// except the AsyncAPI document (<c>KafkaTyped.AsyncApi.g.cs</c>, compiled and checked all the same): its golden files
    /// are its own tests' (AsyncApiTests), so the code snapshots do not each carry a copy of every schema.
    /// </summary>
    public static IReadOnlyDictionary<string, string> GenerateAndCompile(params string[] sources)
        => GenerateAndCompileAll(sources).Where(static f => f.Key != AsyncApiHintName).ToDictionary(static f => f.Key, static f => f.Value);

    /// <summary>The hint name of the generated AsyncAPI document.</summary>
    public const string AsyncApiHintName = "KafkaTyped.AsyncApi.g.cs";

    /// <summary>As <see cref="GenerateAndCompile"/>, with every generated file.</summary>
    public static IReadOnlyDictionary<string, string> GenerateAndCompileAll(params string[] sources)
    {
        var compilation = Create(sources);
        var (result, output) = Run(compilation);
        AssertClean(output);
        Caching.AssertRerunIsCached(compilation);
        return result.Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
    }

    public static void AssertClean(Compilation compilation)
    {
        var diagnostics = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.Id.StartsWith("KTG", StringComparison.Ordinal)).ToList();
        Assert.True(diagnostics.Count == 0, "Expected no diagnostics, got:\n" + string.Join("\n", diagnostics.Select(d => d.ToString())));
    }

    /// <summary>The analyzer's diagnostics (compilation-end ones included), with #pragma suppressions applied.</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation) => Analyze(compilation, [], null);

    /// <summary>Runs the analyzer with <paramref name="additionalFiles"/> (path, text) and MSBuild properties visible to the compiler.</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation, (string Path, string Text)[] additionalFiles, Dictionary<string, string>? buildProperties)
    {
        var texts = additionalFiles.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)).ToImmutableArray();
        var global = (buildProperties ?? []).ToDictionary(p => "build_property." + p.Key, p => p.Value);
        var options = new AnalyzerOptions(texts, new InMemoryConfigOptionsProvider(global));
        var withAnalyzers = compilation.WithAnalyzers([new KafkaTypedAnalyzer()], new CompilationWithAnalyzersOptions(options, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
        return withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    private sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }

    private sealed class InMemoryConfigOptionsProvider(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    /// <summary>Emits the compilation (asserting that it emits) and returns its image, to reference from another compilation.</summary>
    public static ImmutableArray<byte> Image(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        return [.. stream.ToArray()];
    }

    /// <summary>Emits the compilation and loads it into a collectible context (Kafka.Typed resolves to the test's copy).</summary>
    public static Assembly Load(Compilation compilation) => Load(Image(compilation));

    /// <summary>Loads an emitted image into a collectible context (Kafka.Typed resolves to the test's copy).</summary>
    public static Assembly Load(ImmutableArray<byte> image)
    {
        using var stream = new MemoryStream(image.ToArray());
        var context = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        context.Resolving += (_, name) => AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        return context.LoadFromStream(stream);
    }
}
