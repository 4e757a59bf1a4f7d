using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Misuse that used to surface as C# compiler errors (inside generated files or pointing at the user's code) or not at
/// all: each is a KTG diagnostic of the analyzer (id, span, message), and the generator then adds no error or warning to
/// the compilation (it skips the type). Every name the generator puts into the user's namespaces and types is covered.
/// </summary>
public sealed class MisuseTests
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Kafka.Typed;\n";

    private const string Handler = "public Task HandleAsync(KafkaMessage<M> message, CancellationToken cancellationToken) => Task.CompletedTask;";

    private const string Key = "[KafkaKey] public string Id { get; set; } = \"\";";

    [Theory]
    [InlineData("RetryBackoffMilliseconds = 500, MaxRetryBackoffMilliseconds = [|100|]")]
    [InlineData("MaxRetryBackoffMilliseconds = [|100|], RetryBackoffMilliseconds = 500")] // was accepted: the check ran before the initial delay was read
    public void KTG206_MaxBackoffBelowInitialInEitherOrder(string arguments)
        => Expect(
            "MaxRetryBackoffMilliseconds = 100 on 'H' is invalid: must not be less than RetryBackoffMilliseconds (500)",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", {{arguments}})]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """,
            "KTG206",
            registers: "AddProducer<global::M,");

    [Fact]
    public void KTG117_UndefinedFormatIsNotQuietlyAvro()
        => Expect(
            "Format = 7 is not a defined KafkaFormat value; use one of KafkaFormat.Avro, KafkaFormat.Json or KafkaFormat.JsonSchema",
            """
            [KafkaTopic("t", Format = [|(KafkaFormat)7|])]
            public partial class M { public int A { get; set; } }
            """);

    [Fact]
    public void KTG117_UndefinedJsonNaming()
        => Expect(
            "Naming = 9 is not a defined KafkaJsonNaming value; use one of KafkaJsonNaming.Default, CamelCase, AsDeclared, SnakeCaseLower, SnakeCaseUpper, KebabCaseLower or KebabCaseUpper",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            [KafkaJson(Naming = [|(KafkaJsonNaming)9|])]
            public partial class M { public int A { get; set; } }
            """);

    [Fact]
    public void KTG117_UndefinedJsonEnumFormatOnTheAssembly()
        => Expect(
            "Enums = 5 is not a defined KafkaJsonEnumFormat value; use one of KafkaJsonEnumFormat.Default, Names or Numbers",
            """
            [assembly: KafkaJson(Enums = [|(KafkaJsonEnumFormat)5|])]
            public enum Color { Red, Blue }
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M { public Color C { get; set; } }
            """);

    /// <summary>Was CS8646 in the generated file: the member is implemented twice.</summary>
    [Fact]
    public void KTG118_HandWrittenMessageMember()
        => Expect(
            "The [KafkaTopic] type 'M' implements IKafkaMessage<M>.Topic by hand; the generator implements IKafkaMessage<T> for a [KafkaTopic] type, so remove the hand-written member (or [KafkaTopic])",
            """
            [KafkaTopic("t")]
            public partial class M : IKafkaMessage<M>
            {
                static string IKafkaMessage<M>.[|Topic|] => "t";
            }
            """);

    [Fact]
    public void ListingTheMessageInterfaceAloneIsAccepted()
        => ExpectClean("""
            [KafkaTopic("t")]
            public partial class M : IKafkaMessage<M> { public int A { get; set; } }
            """);

    /// <summary>Was CS0260 pointing at the user's class.</summary>
    [Fact]
    public void KTG119_UserTypeNamedLikeTheProducer()
        => Expect(
            "The producer generated for 'Order' is named 'OrderProducer', which is already a class 'OrderProducer' that is not a partial class; rename the message type or the other declaration",
            """
            [KafkaTopic("orders")]
            public partial class [|Order|] { }

            public class OrderProducer { }
            """);

    /// <summary>Was CS0261 and CS1503 inside generated files: the producer merged with the other message type.</summary>
    [Fact]
    public void KTG119_MessageTypeNamedLikeAnotherOnesProducer()
        => Expect(
            "The producer generated for 'Order' is named 'OrderProducer', which is already a record 'OrderProducer' with a Kafka.Typed attribute of its own; rename the message type or the other declaration",
            """
            [KafkaTopic("orders")]
            public partial class [|Order|] { }

            [KafkaTopic("producers")]
            public partial record OrderProducer(string Name);
            """);

    [Fact]
    public void KTG119_NamespaceNamedLikeTheProducer()
        => Expect(
            "The producer generated for 'Order' is named 'OrderProducer', which is already a namespace; rename the message type or the other declaration",
            """
            namespace Shop
            {
                [KafkaTopic("orders")]
                public partial class [|Order|] { }
            }

            namespace Shop.OrderProducer
            {
                public sealed class Other { }
            }
            """);

    [Fact]
    public void KTG119_MemberOfTheContainingTypeNamedLikeTheProducer()
        => Expect(
            "The producer generated for 'Outer.Order' is named 'OrderProducer', which is already a field 'Outer.OrderProducer'; rename the message type or the other declaration",
            """
            public partial class Outer
            {
                [KafkaTopic("orders")]
                public partial class [|Order|] { }

                public int OrderProducer;
            }
            """);

    /// <summary>Was CS0542: the nested producer had its containing type's name.</summary>
    [Fact]
    public void KTG119_ContainingTypeNamedLikeTheProducer()
        => Expect(
            "The producer generated for 'OrderProducer.Order' is named 'OrderProducer', which is the name of the containing type 'OrderProducer' (a member cannot have its enclosing type's name); rename the message type or the other declaration",
            """
            public partial class OrderProducer
            {
                [KafkaTopic("orders")]
                public partial class [|Order|] { }
            }
            """);

    [Theory]
    [InlineData("internal partial class OrderProducer { }", "declared with other accessibility than the generated producer's ('public')")]
    [InlineData("public partial class OrderProducer : System.Collections.ArrayList { }", "with a base class of its own")]
    [InlineData("public static partial class OrderProducer { }", "declared static, abstract or file-local")]
    [InlineData("public partial class OrderProducer { public OrderProducer(KafkaProducerHost host) : base(host) { } }", "with a constructor taking KafkaProducerHost, as the generated one does")]
    public void KTG119_PartialProducerThatCannotMerge(string declaration, string reason)
        => Expect(
            "The producer generated for 'Order' is named 'OrderProducer', which is already a class 'OrderProducer' " + reason + "; rename the message type or the other declaration",
            $$"""
            [KafkaTopic("orders")]
            public partial class [|Order|] { }

            {{declaration}}
            """);

    /// <summary>The producer is partial on purpose: a user's partial class that only adds members merges with it.</summary>
    [Fact]
    public void PartialProducerThatOnlyAddsMembersIsAccepted()
    {
        var output = ExpectClean("""
            namespace Shop
            {
                [KafkaTopic("orders")]
                public partial class Order { [KafkaKey] public string Id { get; set; } = ""; }

                partial class OrderProducer
                {
                    public Task SendTwiceAsync(Order order) => Task.WhenAll(SendAsync(order), SendAsync(order));
                }

                public partial class Outer
                {
                    [KafkaTopic("inner", Format = KafkaFormat.Json)]
                    internal partial class Inner { public int A { get; set; } }

                    internal partial class InnerProducer { public string Describe() => "inner"; }
                }

                public sealed class OrderProducer<T> { }
            }
            """);
        Assert.Contains(output.SyntaxTrees, t => t.FilePath.EndsWith("Shop.Order.KafkaProducer.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void KTG119_UserTypeNamedLikeTheKeyExtensions()
        => Expect(
            "The key extension class generated for 'Order' is named 'OrderKafkaKeyExtensions', which is already a class 'OrderKafkaKeyExtensions'; rename the message type or the other declaration",
            $$"""
            [KafkaTopic("orders")]
            public partial class [|Order|] { {{Key}} }

            public static class OrderKafkaKeyExtensions { }
            """);

    /// <summary>Was CS0101 between two generated files: Outer.Order and OuterOrder both gave OuterOrderKafkaKeyExtensions.</summary>
    [Fact]
    public void KTG119_TwoMessageTypesWhoseKeyExtensionsShareAName()
    {
        var source = Usings + $$"""
            public partial class Outer
            {
                [KafkaTopic("a")]
                public partial class Order { {{Key}} }
            }

            [KafkaTopic("b")]
            public partial class OuterOrder { {{Key}} }
            """;
        var compilation = TestCompilation.Create(source);
        AssertGeneratorAddsNoProblem(compilation);
        var diagnostics = TestCompilation.Analyze(compilation).OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(
            [
                "KTG119: The key extension class generated for 'Outer.Order' is named 'OuterOrderKafkaKeyExtensions', which is also the key extension class generated for 'OuterOrder'; rename the message type or the other declaration",
                "KTG119: The key extension class generated for 'OuterOrder' is named 'OuterOrderKafkaKeyExtensions', which is also the key extension class generated for 'Outer.Order'; rename the message type or the other declaration",
            ],
            diagnostics.Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Was CS0102 and CS0229: the JSON codec nested in the type had the member's name.</summary>
    [Fact]
    public void KTG120_JsonMemberNamedLikeTheCodec()
        => Expect(
            "'M' declares a member named 'KafkaTypedJsonCodec', the name under which the generator adds the generated JSON codec to it; rename it",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M { public string [|KafkaTypedJsonCodec|] { get; set; } = ""; }
            """);

    [Fact]
    public void KTG120_JsonSchemaMemberNamedLikeTheBody()
        => Expect(
            "'M' declares a member named 'KafkaTypedJsonBody', the name under which the generator adds the generated JSON body codec of the JSON Schema format to it; rename it",
            """
            [KafkaTopic("t", Format = KafkaFormat.JsonSchema)]
            public partial class M { public int A { get; set; } public static void [|KafkaTypedJsonBody|]() { } }
            """);

    [Fact]
    public void KTG120_AvroMemberNamedLikeTheCodec()
        => Expect(
            "'M' declares a member named 'AvroCodec', the name under which the generator adds the generated Avro codec to it; rename it",
            """
            [KafkaTopic("t")]
            public partial class M { public int A { get; set; } public static int [|AvroCodec|]() => 1; }
            """);

    [Fact]
    public void KTG120_AvroMemberNamedLikeTheSerializerHolder()
        => Expect(
            "'M' declares a member named 'KafkaTypedAvroSerializerHolder', the name under which the generator adds the holder of the generated Avro serializer to it; rename it",
            """
            [KafkaTopic("t")]
            public partial class M { public int A { get; set; } private sealed class [|KafkaTypedAvroSerializerHolder|] { } }
            """);

    [Fact]
    public void KTG120_MemberNamedLikeTheCustomSerializerHolder()
        => Expect(
            "'M' declares a member named 'KafkaTypedSerializerHolder', the name under which the generator adds the holder of the [KafkaTopic(Serializer = ...)] instance to it; rename it",
            """
            public sealed class S : IKafkaSerializer<M>
            {
                public void Serialize(M value, System.Buffers.IBufferWriter<byte> output, in KafkaSerializationContext context) { }
                public M Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context) => new M();
            }
            [KafkaTopic("t", Serializer = typeof(S))]
            public partial class M { public int [|KafkaTypedSerializerHolder|]; }
            """);

    /// <summary>Was CS0542: the codec nested in the type had the type's own name.</summary>
    [Fact]
    public void KTG120_MessageTypeNamedLikeItsCodec()
        => Expect(
            "'AvroCodec' is itself named 'AvroCodec', the name under which the generator adds the generated Avro codec to it; rename it",
            """
            [KafkaTopic("t")]
            public partial class [|AvroCodec|] { public int A { get; set; } }
            """);

    [Fact]
    public void KTG120_AvroRecordMemberNamedLikeAnAccessor()
        => Expect(
            "'Line' declares a member named 'KafkaTypedSet_Qty', the name under which the generator adds the accessors (KafkaTypedSet_{Member}, KafkaTypedField_{Member}) ISpecificRecord.Put sets init-only and get-only members through to it; rename it",
            """
            public partial class Line
            {
                public int Qty { get; init; }
                public static void [|KafkaTypedSet_Qty|](Line line, int qty) { }
            }
            [KafkaTopic("t")]
            public partial class M { public Line L { get; set; } = new(); }
            """);

    [Fact]
    public void KTG120_AvroRecordNamedLikeTheSchemaField()
        => Expect(
            "'_SCHEMA' is itself named '_SCHEMA', the name under which the generator adds the Avro schema field of ISpecificRecord to it; rename it",
            """
            [KafkaTopic("t")]
            public partial class [|_SCHEMA|] { public int A { get; set; } }
            """);

    [Fact]
    public void NamesThatOnlyLookLikeGeneratedOnesAreAccepted()
        => ExpectClean("""
            namespace Shop
            {
                [KafkaTopic("json", Format = KafkaFormat.Json)]
                public partial class J { public string AvroCodec { get; set; } = ""; public int KafkaTypedAvroSerializerHolder { get; set; } }

                [KafkaTopic("avro")]
                public partial class A { public string KafkaTypedJsonCodec { get; set; } = ""; }

                [KafkaTopic("keyless")]
                public partial class Keyless { public int N { get; set; } }

                public static class KeylessKafkaKeyExtensions { }

                public sealed class JProducerFactory { }
            }
            """);

    /// <summary>
    /// The analyzer runs on the compilation a build gives it, which includes the generated files: what the generator itself
    /// declares (the producer, the codecs, the key extensions, ISpecificRecord) is never taken for a collision.
    /// </summary>
    [Fact]
    public void TheAnalyzerDoesNotTakeGeneratedDeclarationsForCollisions()
    {
        var compilation = TestCompilation.Create(Usings + """
            namespace Shop
            {
                [KafkaTopic("orders")]
                public partial class Order { [KafkaKey] public string Id { get; set; } = ""; public Line L { get; set; } = new(); }

                public partial class Line { public int Qty { get; init; } }

                [KafkaTopic("json", Format = KafkaFormat.JsonSchema)]
                public partial record Json([property: KafkaKey] string Id);

                public partial class Outer
                {
                    [KafkaTopic("nested")]
                    public partial class Nested { [KafkaKey] public int Id { get; set; } }
                }
            }
            """);
        var (result, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "Shop.Line.AvroSpecificRecord.g.cs");
        Assert.Empty(TestCompilation.Analyze(output));
    }

    private static void Expect(string message, string markedSource, string id = "", string? registers = null)
    {
        var source = Usings + markedSource;
        var start = source.IndexOf("[|", StringComparison.Ordinal);
        var end = source.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the test source needs one [|...|] span");
        source = source.Remove(end, 2).Remove(start, 2);
        var expectedSpan = new TextSpan(start, end - start - 2);

        // The generator first (before the fix most of these failed here, with C# errors in generated code), then the analyzer.
        var compilation = TestCompilation.Create(source);
        var output = AssertGeneratorAddsNoProblem(compilation);
        var diagnostic = Assert.Single(TestCompilation.Analyze(compilation));
        Assert.Equal(id.Length > 0 ? id : ExpectedId(message), diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        if (registers is not null)
        {
            var registration = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("KafkaTyped.Registration.g.cs", StringComparison.Ordinal)).ToString();
            Assert.Contains(registers, registration, StringComparison.Ordinal);
            Assert.DoesNotContain("AddConsumer", registration, StringComparison.Ordinal);
        }
    }

    private static string ExpectedId(string message)
        => message.Contains("is not a defined", StringComparison.Ordinal) ? "KTG117"
            : message.Contains("by hand", StringComparison.Ordinal) ? "KTG118"
            : message.StartsWith("The ", StringComparison.Ordinal) && message.Contains(" generated for ", StringComparison.Ordinal) ? "KTG119"
            : "KTG120";

    /// <summary>Valid input: no KTG diagnostic (on the sources, or on the sources with the generated files) and a clean build.</summary>
    private static Compilation ExpectClean(string source)
    {
        var compilation = TestCompilation.Create(Usings + source);
        Assert.Empty(TestCompilation.Analyze(compilation));
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Empty(TestCompilation.Analyze(output));
        return output;
    }

    /// <summary>
    /// Runs the generator on misused input: it adds no error or warning (every one of the output was there without it), none
    /// inside a generated file, and the analyzer says the same with the generated files present.
    /// </summary>
    private static Compilation AssertGeneratorAddsNoProblem(Compilation compilation)
    {
        var (_, output) = TestCompilation.Run((Microsoft.CodeAnalysis.CSharp.CSharpCompilation)compilation);
        var before = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(Describe).ToHashSet(StringComparer.Ordinal);
        var added = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(Describe).Where(d => !before.Contains(d)).ToList();
        Assert.True(added.Count == 0, "The generated code added:\n" + string.Join("\n", added));
        Assert.Equal(
            TestCompilation.Analyze(compilation).Select(Describe).Order(StringComparer.Ordinal),
            TestCompilation.Analyze(output).Select(Describe).Order(StringComparer.Ordinal));
        return output;
    }

    private static string Describe(Diagnostic d) => d.Id + " " + d.Location.SourceTree?.FilePath + d.Location.SourceSpan + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
}
