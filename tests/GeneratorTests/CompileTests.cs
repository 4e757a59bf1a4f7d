using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>Shapes with no golden file of their own that must still generate code compiling without any diagnostic.</summary>
public sealed class CompileTests
{
    [Fact]
    public void DerivedMessageTypesEachGetTheirOwnTopicAndCodec()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("events.base", Format = KafkaFormat.Json)]
            public partial record BaseEvent([property: KafkaKey] string Id);

            [KafkaTopic("events.derived", Format = KafkaFormat.Json)]
            public partial record DerivedEvent(string Id, int Extra) : BaseEvent(Id);
            """);
        Assert.Contains("\"events.derived\"", files["Shop.DerivedEvent.KafkaProducer.g.cs"], StringComparison.Ordinal);
        Assert.Contains("\"extra\"u8", files["Shop.DerivedEvent.KafkaProducer.g.cs"], StringComparison.Ordinal);
    }

    /// <summary>The "when not default" guard compares with <c>default</c> (no <c>default!</c>) for value and reference members alike.</summary>
    [Fact]
    public void WhenWritingDefaultMembersCompileCleanly()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            using System.Text.Json.Serialization;
            namespace Shop;

            [KafkaTopic("orders", Format = KafkaFormat.Json)]
            public partial class Order
            {
                [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Count { get; set; }
                [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string Name { get; set; } = "";
                [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public System.DateTimeOffset? At { get; set; }
            }
            """);
        var codec = files["Shop.Order.KafkaProducer.g.cs"];
        Assert.Contains("EqualityComparer<int>.Default.Equals(value.Count, default)", codec, StringComparison.Ordinal);
        Assert.DoesNotContain("default!", codec, StringComparison.Ordinal);
    }

    /// <summary>
    /// With XML documentation checked (as a project with GenerateDocumentationFile is), every cref the generated files write
    /// resolves (CS1574, CS1580, CS1584 otherwise) and every public generated member is documented (CS1591), also where a
    /// long name makes a summary wrap across lines (the wrapping breaks lines between words, never inside a tag).
    /// </summary>
    [Fact]
    public void GeneratedDocumentationCrefsResolve()
    {
        var parse = TestCompilation.ParseOptions().WithDocumentationMode(DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create(
            "TestApp",
            [CSharpSyntaxTree.ParseText("""
                using Kafka.Typed;
                namespace Shop;

                /// <summary>An order.</summary>
                [KafkaTopic("orders")]
                public partial record Order([property: KafkaKey] string Id, Line[] Lines, Channel Channel);

                /// <summary>A line.</summary>
                public partial record Line(string Sku, int Qty);

                /// <summary>A channel.</summary>
                public enum Channel { /** <summary>Web.</summary> */ Web, /** <summary>Shop.</summary> */ Store }

                /// <summary>A JSON event.</summary>
                [KafkaTopic("json", Format = KafkaFormat.JsonSchema)]
                public partial class Json { /** <summary>A.</summary> */ public int A { get; set; } }

                /// <summary>Keyless.</summary>
                [KafkaTopic("keyless", Format = KafkaFormat.Json)]
                public partial class Keyless { /** <summary>B.</summary> */ public int B { get; set; } }

                /// <summary>Types around a message whose name makes the generated summaries wrap across lines.</summary>
                public static partial class ContainingTypeWithALongName
                {
                    /// <summary>A nested message with a long name.</summary>
                    /// <param name="Identifier">The key.</param>
                    /// <param name="Channel">An enum.</param>
                    [KafkaTopic("nested.events.with.a.rather.long.topic.name")]
                    public partial record NestedMessageWithAVeryLongNameThatWrapsEveryGeneratedSummary(
                        [property: KafkaKey] System.Guid Identifier, Channel Channel);
                }
                """, parse, path: "/src/File0.cs")],
            TestCompilation.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new Kafka.Typed.Generators.KafkaTypedGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var nested = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("NestedMessageWithAVeryLongNameThatWrapsEveryGeneratedSummary.KafkaProducer.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("/// <see cref=\"Shop.ContainingTypeWithALongName.NestedMessageWithAVeryLongNameThatWrapsEveryGeneratedSummary\"/>", nested, StringComparison.Ordinal);
        var problems = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NullableDisabledProjectsCompileCleanly()
    {
        var compilation = TestCompilation.Create("""
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders")]
            public partial class Order
            {
                [KafkaKey] public string Id { get; set; }
                public string[] Lines { get; set; }
                public decimal? Discount { get; set; }
            }
            """).WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Empty(TestCompilation.Analyze(compilation));
    }

    [Fact]
    public void InternalMessagesGetInternalProducers()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            namespace Shop;

            public partial class Outer
            {
                [KafkaTopic("inner")]
                internal partial struct Inner
                {
                    public int Value { get; set; }
                }
            }
            """);
        Assert.Contains("internal sealed partial class InnerProducer", files["Shop.Outer.Inner.KafkaProducer.g.cs"], StringComparison.Ordinal);
        Assert.Contains("global::Shop.Outer.InnerProducer", files["KafkaTyped.Registration.g.cs"], StringComparison.Ordinal);
    }
}
