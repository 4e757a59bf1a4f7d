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
GeneratorDriver BindingFloor() => CSharpGeneratorDriver.Create([new Kafka.Typed.Generator.Benchmarks.BindingFloorGenerator().AsSourceGenerator()], parseOptions: parse);

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
BindingFloor().RunGenerators(NewCompilation());

if (args.Contains("--parsers"))
{
    Kafka.Typed.Generator.Benchmarks.ParserProfile.Run(NewCompilation);
    return 0;
}

if (args.Contains("--edits"))
{
    // For a profiler: one cold run, then only one-file edits.
    var driver = KafkaTyped().RunGenerators(NewCompilation());
    var current = NewCompilation();
    for (var i = 0; i < iterations; i++)
    {
        var index = (i * 37) % Types;
        var old = current.SyntaxTrees.First(t => t.FilePath == trees[index].FilePath);
        current = current.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Source(index, "edited-" + i), parse, old.FilePath));
        driver = driver.RunGenerators(current);
    }

    return 0;
}

if (args.Contains("--steps"))
{
    StepProfile(iterations);
    return 0;
}

var (coldMs, editMs) = Measure(KafkaTyped);
var (floorCold, floorEdit) = Measure(Floor);
var (bindingCold, bindingEdit) = Measure(BindingFloor);
Console.WriteLine(FormattableString.Invariant($"Kafka.Typed generator: {Types} message types + {Types} handlers (one file each), {iterations} iterations, medians"));
Console.WriteLine(FormattableString.Invariant($"  cold run          : {coldMs,8:0.0} ms  ({coldMs / Types:0.000} ms per message type; target <= 1 ms)"));
Console.WriteLine(FormattableString.Invariant($"  after 1-file edit : {editMs,8:0.0} ms  (one topic changed; one file re-emitted)"));
Console.WriteLine(FormattableString.Invariant($"  ratio cold / edit : {coldMs / editMs,8:0.0}x  (target >= 10x)"));
Console.WriteLine(FormattableString.Invariant($"  floor (FAWMN with a name-only transform): cold {floorCold:0.0} ms, edit {floorEdit:0.0} ms, ratio {floorCold / floorEdit:0.0}x"));
Console.WriteLine(FormattableString.Invariant($"  binding floor (FAWMN reading members' types and attributes): cold {bindingCold:0.0} ms, edit {bindingEdit:0.0} ms"));
Console.WriteLine(FormattableString.Invariant($"  edit vs floor: {editMs / floorEdit:0.0}x (target <= 2x); edit vs binding floor: {editMs / bindingEdit:0.0}x"));
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

// Where an edit's time goes: the driver's own per-step times (summed over each step's items), medians over the iterations.
void StepProfile(int rounds)
{
    var steps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    for (var i = 0; i < rounds; i++)
    {
        var compilation = NewCompilation();
        var driver = (GeneratorDriver)CSharpGeneratorDriver.Create([new KafkaTypedGenerator().AsSourceGenerator()], parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        var index = (i * 37) % Types;
        var old = trees[index];
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Source(index, "edited-" + i), parse, old.FilePath));
        var watch = Stopwatch.StartNew();
        driver = driver.RunGenerators(edited);
        watch.Stop();
        var result = driver.GetRunResult().Results[0];
        Add("(edit run, wall clock)", watch.Elapsed.TotalMilliseconds);
        foreach (var (name, runs) in result.TrackedSteps)
        {
            Add(name, runs.Sum(r => r.ElapsedTime.TotalMilliseconds));
        }

        foreach (var (name, runs) in result.TrackedOutputSteps)
        {
            Add("output: " + name, runs.Sum(r => r.ElapsedTime.TotalMilliseconds));
        }
    }

    Console.WriteLine(FormattableString.Invariant($"One-file edit, per tracked step (ms, median of {rounds}; a step's time includes the steps it waits on only where Roslyn charges it so):"));
    foreach (var (name, values) in steps.OrderByDescending(s => Median(s.Value)))
    {
        Console.WriteLine(FormattableString.Invariant($"  {name,-28} {Median(values),8:0.0}"));
    }

    void Add(string name, double ms)
    {
        if (!steps.TryGetValue(name, out var list))
        {
            steps[name] = list = [];
        }

        list.Add(ms);
    }
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
