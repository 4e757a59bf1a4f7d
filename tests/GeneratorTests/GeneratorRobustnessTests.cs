using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// User code shapes that made the generator throw, emit code that does not compile (or warns, which fails builds with
/// TreatWarningsAsErrors), or silently behave wrongly.
/// </summary>
public sealed class GeneratorRobustnessTests
{
    private const string Handler = "public global::System.Threading.Tasks.Task HandleAsync(KafkaMessage<M> message, global::System.Threading.CancellationToken cancellationToken) => global::System.Threading.Tasks.Task.CompletedTask;";

    /// <summary>
    /// Roslyn compares hint names ignoring case: two message types whose names differ only in case made <c>AddSource</c>
    /// throw, which dropped every generated file of the assembly (CS8785).
    /// </summary>
    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void TypesWhoseNamesDifferOnlyInCaseAreBothGenerated(string format)
    {
        var files = TestCompilation.GenerateAndCompile($$"""
            using Kafka.Typed;
            namespace Shop
            {
                [KafkaTopic("upper", Format = {{format}})] public partial class Order { public int N { get; set; } }
                [KafkaTopic("lower", Format = {{format}})] public partial class order { public int N { get; set; } }
            }
            namespace shop
            {
                [KafkaTopic("other", Format = {{format}})] public partial class Order { public int N { get; set; } }
            }
            """);
        var producers = files.Where(f => f.Key.EndsWith(".KafkaProducer.g.cs", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, producers.Count);
        Assert.Equal(3, producers.Select(p => p.Key.ToUpperInvariant()).Distinct().Count());
        Assert.Contains(producers, p => p.Value.Contains("partial class order :", StringComparison.Ordinal));
        Assert.Contains("AddProducer<global::shop.Order,", files["KafkaTyped.Registration.g.cs"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Obsolete message types, members and constructors, and obsolete handler constructors, are still used by the
    /// generated code (like System.Text.Json's generator): that must not warn (CS0612/CS0618) in the user's build.
    /// </summary>
    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void ObsoleteTypesMembersAndConstructorsCompileWithoutWarnings(string format)
    {
        TestCompilation.GenerateAndCompile($$"""
            using System;
            using Kafka.Typed;
            namespace Shop;
            [Obsolete("type")]
            [KafkaTopic("t", Format = {{format}})]
            public partial class M { [Obsolete("member")] public int Old { get; set; } [Obsolete] public string Older { get; set; } = ""; public int N { get; set; } }
            [KafkaTopic("r", Format = {{format}})]
            public partial record R([property: KafkaKey] string Id, int N) { [Obsolete("ctor")] public R() : this("", 0) { } }
            #pragma warning disable CS0618
            [KafkaConsumer("t")]
            public sealed class H : IKafkaHandler<M> { [Obsolete("handler")] public H(IServiceProvider services) { } {{Handler}} }
            #pragma warning restore CS0618
            """);
    }

    /// <summary>An Avro message deriving from another Avro message: its codec and schema hide the base's (CS0108 warned).</summary>
    [Fact]
    public void AvroMessageDerivingFromAnotherCompilesWithoutWarnings()
    {
        TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("base")]
            public partial class BaseEvent { [KafkaKey] public string Id { get; set; } = ""; }
            [KafkaTopic("derived")]
            public partial class DerivedEvent : BaseEvent { public int N { get; set; } }
            """);
    }
}
