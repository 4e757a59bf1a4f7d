using System.Diagnostics;
using System.Globalization;
using Basic.Reference.Assemblies;
using Kafka.Typed.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// Times the Kafka.Typed generator on 500 message types and 500 handlers (one file each): cold (fresh compilation and
// driver) and incremental (the same driver after a one-file edit that changes one topic). Prints medians in ms.
const int Types = 500;
var iterations = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 7;

var parse = new CSharpParseOptions(LanguageVersion.CSharp13);
var references = new List<MetadataReference>(Net100.References.All);
foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
{
    var name = Path.GetFileName(file);
    if (name == "Kafka.Typed.dll" || name.StartsWith("Confluent.Kafka", StringComparison.Ordinal) || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal))
    {
        references.Add(MetadataReference.CreateFromFile(file));
    }
}

var trees = Enumerable.Range(0, Types).Select(i => CSharpSyntaxTree.ParseText(Source(i, "topic-" + i), parse, $"/src/Message{i}.cs")).ToArray();
var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

CSharpCompilation NewCompilation() => CSharpCompilation.Create("Bench", trees, references, options);
GeneratorDriver KafkaTyped() => CSharpGeneratorDriver.Create([new KafkaTypedGenerator().AsSourceGenerator()], parseOptions: parse);
GeneratorDriver Floor() => CSharpGeneratorDriver.Create([new Kafka.Typed.Generator.Benchmarks.FloorGenerator().AsSourceGenerator()], parseOptions: parse);

// Sanity and warm-up (JIT of Roslyn and the generators).
var check = KafkaTyped().RunGenerators(NewCompilation()).GetRunResult();
var generated = check.Results[0].GeneratedSources.Length;
// Per message (Avro, the default): the message file and its ISpecificRecord file; plus the registration and the AsyncAPI file.
if (generated != (2 * Types) + 2)
{
    Console.Error.WriteLine($"expected {(2 * Types) + 2} generated files, got {generated}");
    return 1;
}

Floor().RunGenerators(NewCompilation());

if (args.Contains("--parsers"))
{
    Kafka.Typed.Generator.Benchmarks.ParserProfile.Run(NewCompilation);
    return 0;
}

var (coldMs, editMs) = Measure(KafkaTyped);
var (floorCold, floorEdit) = Measure(Floor);
Console.WriteLine(FormattableString.Invariant($"Kafka.Typed generator: {Types} message types + {Types} handlers (one file each), {iterations} iterations, medians"));
Console.WriteLine(FormattableString.Invariant($"  cold run          : {coldMs,8:0.0} ms  ({coldMs / Types:0.000} ms per message type; target <= 1 ms)"));
Console.WriteLine(FormattableString.Invariant($"  after 1-file edit : {editMs,8:0.0} ms  (one topic changed; one file re-emitted)"));
Console.WriteLine(FormattableString.Invariant($"  ratio cold / edit : {coldMs / editMs,8:0.0}x  (target >= 10x)"));
Console.WriteLine(FormattableString.Invariant($"  floor (FAWMN with a name-only transform): cold {floorCold:0.0} ms, edit {floorEdit:0.0} ms, ratio {floorCold / floorEdit:0.0}x"));
Console.WriteLine("  Roslyn re-runs every ForAttributeWithMetadataName transform on a new compilation (dotnet/roslyn#58935),");
Console.WriteLine("  so an edit costs at least the floor's edit time; what the edit saves is emission.");
return 0;

(double Cold, double Edit) Measure(Func<GeneratorDriver> newDriver)
{
    var cold = new List<double>();
    var edit = new List<double>();
    for (var i = 0; i < iterations; i++)
    {
        var compilation = NewCompilation();
        var driver = newDriver();
        var watch = Stopwatch.StartNew();
        driver = driver.RunGenerators(compilation);
        watch.Stop();
        cold.Add(watch.Elapsed.TotalMilliseconds);

        // One-file edit: the topic of one message (and of its consumer) changes.
        var index = (i * 37) % Types;
        var old = trees[index];
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Source(index, "edited-" + i), parse, old.FilePath));
        watch.Restart();
        driver.RunGenerators(edited);
        watch.Stop();
        edit.Add(watch.Elapsed.TotalMilliseconds);
    }

    return (Median(cold), Median(edit));
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static string Source(int i, string topic) => $$"""
    using System;
    using System.Collections.Generic;
    using System.Threading;
    using System.Threading.Tasks;
    using Kafka.Typed;

    namespace Bench.Area{{i % 10}};

    [KafkaTopic("{{topic}}")]
    public partial record Message{{i}}([property: KafkaKey] string Id, decimal Amount, DateTimeOffset At, string? Note, List<string> Tags, int Count);

    [KafkaConsumer("{{topic}}", GroupId = "group-{{i}}", MaxRetries = 3)]
    public sealed class Handler{{i}} : IKafkaHandler<Message{{i}}>
    {
        public Task HandleAsync(KafkaMessage<Message{{i}}> message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
    """;
