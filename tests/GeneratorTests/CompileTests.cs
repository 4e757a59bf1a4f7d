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
