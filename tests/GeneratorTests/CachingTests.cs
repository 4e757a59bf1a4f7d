using System.Collections;
using System.Reflection;
using Kafka.Typed.Generator.Tests.Harness;
using Kafka.Typed.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>The incremental pipeline: cached reruns, unrelated edits, one-topic edits, and models free of Roslyn objects.</summary>
public sealed class CachingTests
{
    private const string Orders = """
        using Kafka.Typed;
        namespace Shop;

        [KafkaTopic("orders.placed")]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);
        """;

    private const string Shipments = """
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        namespace Shop;

        [KafkaTopic("shipments")]
        public partial record Shipment(long ShipmentId);

        [KafkaConsumer("shipments", GroupId = "tracking")]
        public sealed class TrackingHandler : IKafkaHandler<Shipment>
        {
            public Task HandleAsync(KafkaMessage<Shipment> message, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """;

    private const string Unrelated = """
        namespace Shop;

        public static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static readonly IReadOnlyList<string> TrackedSteps = Caching.StepNames;

    /// <summary>Several types in one file, JSON and Avro, a handler with constructor dependencies and one of an external message.</summary>
    private const string EveryModel = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        using Microsoft.Extensions.Logging;
        namespace Shop;

        public enum Priority { Low, High }

        [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount, List<string> Tags, Priority Priority, DateTimeOffset? At = null);

        [KafkaTopic("orders.audited")]
        public partial class Audit
        {
            [KafkaKey] public Guid Id { get; set; }
            public Line[] Lines { get; set; } = [];
            public Dictionary<string, long> Counters { get; set; } = new();
            public Priority Priority { get; set; }
        }

        public partial class Line
        {
            public string Sku { get; set; } = "";
            public int Quantity { get; set; }
            public Line? Next { get; set; }
        }

        public interface IClock { DateTimeOffset Now { get; } }

        [KafkaConsumer("orders.placed", GroupId = "billing", MaxRetries = 2, MaxDegreeOfParallelism = 4)]
        [KafkaConsumer("orders.placed", GroupId = "audit")]
        public sealed class Billing(ILogger<Billing> log, IClock? clock, IKafkaProducer<Audit> audits) : IKafkaHandler<OrderPlaced>
        {
            public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken)
            {
                log.LogInformation("{Now}", clock?.Now);
                return audits.SendAsync(new Audit { Id = Guid.NewGuid() }, cancellationToken);
            }
        }
        """;

    [Fact]
    public void RerunOnClonedCompilationIsCachedOrUnchanged()
    {
        var compilation = TestCompilation.Create(Orders, Shipments, Unrelated);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());
        var result = driver.GetRunResult().Results.Single();

        Assert.All(TrackedSteps, step => Assert.True(result.TrackedSteps.ContainsKey(step), "missing tracked step " + step));
        Caching.AssertAllCached(result);
    }

    [Fact]
    public void UnrelatedEditKeepsOutputsCached()
    {
        var compilation = TestCompilation.Create(Orders, Shipments, Unrelated);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        var edited = Replace(compilation, 2, Unrelated.Replace("x * 2", "x + x", StringComparison.Ordinal));
        driver = driver.RunGenerators(edited);

        Caching.AssertAllCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void ChangingOneAvroRecordReemitsOnlyThatRecordsSpecificRecord()
    {
        const string Customers = """
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("customers")]
            public partial record Customer([property: KafkaKey] string CustomerId, string Name);
            """;
        var compilation = TestCompilation.Create(Orders, Customers, Unrelated);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        var before = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(2, before.Keys.Count(static k => k.EndsWith(".AvroSpecificRecord.g.cs", StringComparison.Ordinal)));

        var edited = Replace(compilation, 1, Customers.Replace("string Name)", "string Name, int Tier)", StringComparison.Ordinal));
        driver = driver.RunGenerators(edited);
        var result = driver.GetRunResult().Results.Single();

        var records = result.TrackedSteps[TrackingNames.SpecificRecord].SelectMany(static r => r.Outputs).Select(static o => o.Reason).ToList();
        Assert.Single(records, IncrementalStepRunReason.Modified);
        Assert.Single(records, static r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);

        // The untouched record's file is not emitted again: its output step is cached.
        var outputs = result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs).Select(static o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Cached, outputs);
        var after = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(
            ["KafkaTyped.AsyncApi.g.cs", "Shop.Customer.AvroSpecificRecord.g.cs", "Shop.Customer.KafkaProducer.g.cs"],
            after.Where(kv => before[kv.Key] != kv.Value).Select(static kv => kv.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ChangingOneTopicModifiesOnlyThatOutput()
    {
        var compilation = TestCompilation.Create(Orders, Shipments, Unrelated);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        var before = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var edited = Replace(compilation, 0, Orders.Replace("orders.placed", "orders.created", StringComparison.Ordinal));
        driver = driver.RunGenerators(edited);
        var result = driver.GetRunResult().Results.Single();
        var after = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var changed = after.Where(kv => before[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
        Assert.Equal(["KafkaTyped.AsyncApi.g.cs", "Shop.OrderPlaced.KafkaProducer.g.cs"], changed.Order(StringComparer.Ordinal));

        var messageOutputs = result.TrackedSteps[TrackingNames.Messages].SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
        Assert.Single(messageOutputs, IncrementalStepRunReason.Modified);
        Assert.Equal(2, messageOutputs.Count);
        Assert.Single(messageOutputs, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.All(result.TrackedSteps[TrackingNames.Registration].SelectMany(r => r.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
    }

    [Fact]
    public void EveryTrackedStepRunsAndRerunsCachedForEveryKindOfModel()
    {
        var executed = Caching.AssertRerunIsCached(TestCompilation.Create(EveryModel, Unrelated));

        Assert.Equal(Caching.StepNames, executed.OrderBy(static n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void TrackingNamesAreReadFromTheGenerator()
    {
        Assert.Contains(TrackingNames.Messages, Caching.StepNames);
        Assert.Contains(TrackingNames.SpecificRecords, Caching.StepNames);
        Assert.Equal(Caching.StepNames.Count, Caching.StepNames.Distinct().Count());
    }

    /// <summary>
    /// Every model type the pipeline carries compares by value all the way down: records (or record structs) whose fields
    /// are primitives, strings, enums, <c>ImmutableEquatableArray</c> of such, or other such records. A plain array,
    /// list, <c>ImmutableArray</c> (compared by reference) or hand-written class anywhere in a model fails here, naming it.
    /// </summary>
    [Fact]
    public void ModelTypesCompareByValue()
    {
        var generator = typeof(KafkaTypedGenerator).Assembly;
        var models = generator.GetTypes()
            .Where(static t => t.Namespace == "Kafka.Typed.Generators.Model" && !t.IsEnum && !t.IsAbstract && !t.IsNested
                && t.Name != "ImmutableEquatableArray`1" && IsRecord(t))
            .ToList();
        Assert.Contains(models, static t => t.Name == "MessageSpec");
        Assert.Contains(models, static t => t.Name == "HandlerDependency");
        Assert.Contains(models, static t => t.Name == "MemberSpec");

        var problems = new List<string>();
        var checkedTypes = new HashSet<Type>();
        foreach (var model in models)
        {
            CheckEquatable(model, model.Name, problems, checkedTypes);
        }

        Assert.True(problems.Count == 0, "Model members that do not compare by value:\n" + string.Join("\n", problems));
    }

    private static bool IsRecord(Type type) => type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) is not null;

    private static void CheckEquatable(Type type, string path, List<string> problems, HashSet<Type> checkedTypes)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal))
        {
            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            CheckEquatable(underlying, path, problems, checkedTypes);
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition().Name == "ImmutableEquatableArray`1")
        {
            CheckEquatable(type.GetGenericArguments()[0], path + "[]", problems, checkedTypes);
            return;
        }

        if (type.Assembly != typeof(KafkaTypedGenerator).Assembly || !IsRecord(type))
        {
            problems.Add($"{path}: {type} (use ImmutableEquatableArray<T>, a record, or a primitive)");
            return;
        }

        if (!checkedTypes.Add(type))
        {
            return;
        }

        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                CheckEquatable(field.FieldType, path + "." + field.Name.Replace("<", string.Empty, StringComparison.Ordinal).Split('>')[0], problems, checkedTypes);
            }
        }
    }

    [Fact]
    public void PipelineModelsHoldNoRoslynObjects()
    {
        var compilation = TestCompilation.Create(Orders, Shipments, Unrelated);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            foreach (var run in result.TrackedSteps[step])
            {
                foreach (var (value, _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen, int depth)
    {
        if (value is null || depth > 12)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location, $"{path} holds a {value.GetType().Name}");
        var type = value.GetType();
        if (type.IsPrimitive || value is string or Enum || !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence)
            {
                AssertNoRoslynObjects(item, $"{path}[{i++}]", seen, depth + 1);
            }
        }

        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(value), path + "." + field.Name, seen, depth + 1);
            }
        }
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, (CSharpParseOptions)old.Options, old.FilePath));
    }
}
