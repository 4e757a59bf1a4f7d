using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>One test per KTG diagnostic: id, exact span (<c>[|...|]</c> in the source), severity and message.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Kafka.Typed;\n";

    private const string Handler = "public Task HandleAsync(KafkaMessage<M> message, CancellationToken cancellationToken) => Task.CompletedTask;";

    [Fact]
    public void KTG001_LanguageVersionTooLow()
        => Expect("KTG001", "Kafka.Typed generates static abstract interface members, which need C# 11 or later; the project uses C# 10.0",
            """
            namespace Shop;
            [[|KafkaTopic("t")|]]
            public partial class M { }
            """, LanguageVersion.CSharp10);

    [Fact]
    public void KTG101_TypeNotPartial()
        => Expect("KTG101", "The type 'M' must be declared partial so that Kafka.Typed can implement IKafkaMessage<M> on it",
            """
            [KafkaTopic("t")]
            public class [|M|] { }
            """);

    [Fact]
    public void KTG101_ContainingTypeNotPartial()
        => Expect("KTG101", "The type 'Outer' must be declared partial so that Kafka.Typed can implement IKafkaMessage<M> on it",
            """
            public static class [|Outer|]
            {
                [KafkaTopic("t")]
                public partial class M { }
            }
            """);

    [Fact]
    public void KTG102_IllegalTopicName()
        => Expect("KTG102", "'orders placed' is not a valid Kafka topic name: a topic name may contain only ASCII letters, digits, '.', '_' and '-' (found ' ')",
            """
            [KafkaTopic([|"orders placed"|])]
            public partial class M { }
            """);

    [Fact]
    public void KTG102_EmptyTopicName()
        => Expect("KTG102", "'' is not a valid Kafka topic name: a topic name must not be empty",
            """
            [KafkaTopic([|""|])]
            public partial class M { }
            """);

    [Fact]
    public void KTG102_DotDotTopicName()
        => Expect("KTG102", "'..' is not a valid Kafka topic name: a topic name must not be '.' or '..'",
            """
            [KafkaTopic([|".."|])]
            public partial class M { }
            """);

    [Fact]
    public void KTG103_GenericMessage()
        => Expect("KTG103", "The message type 'M<T>' is generic (or nested in a generic type); a [KafkaTopic] type must be a closed, non-generic type",
            """
            [KafkaTopic("t")]
            public partial class [|M|]<T> { }
            """);

    [Fact]
    public void KTG104_AbstractMessage()
        => Expect("KTG104", "The message type 'M' is abstract; a [KafkaTopic] type must be a concrete class, record or struct (not a ref struct)",
            """
            [KafkaTopic("t")]
            public abstract partial class [|M|] { }
            """);

    /// <summary>A ref struct cannot be a generic type argument: the generated code did not compile (CS9244).</summary>
    [Fact]
    public void KTG104_RefStructMessage()
        => Expect("KTG104", "The message type 'M' is a ref struct; a [KafkaTopic] type must be a concrete class, record or struct (not a ref struct)",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public ref partial struct [|M|] { public int N { get; set; } }
            """);

    [Fact]
    public void KTG105_InaccessibleMessage()
        => Expect("KTG105", "The type 'Outer.M' is private; Kafka.Typed types must be public or internal (as must every type containing them)",
            """
            public partial class Outer
            {
                [KafkaTopic("t")]
                private partial class [|M|] { }
            }
            """);

    [Fact]
    public void KTG106_MultipleKeys()
        => Expect("KTG106", "The message type 'M' has more than one [KafkaKey] member ('A' and 'B'); a record has one key",
            """
            [KafkaTopic("t")]
            public partial class M
            {
                [KafkaKey] public string A { get; set; } = "";
                [[|KafkaKey|]] public string B { get; set; } = "";
            }
            """);

    [Fact]
    public void KTG107_UnsupportedKeyType()
        => Expect("KTG107", "The key member 'Id' has type 'double'; a [KafkaKey] member must be string, byte[], Guid, short, int or long (or a nullable form)",
            """
            [KafkaTopic("t")]
            public partial record M([property: [|KafkaKey|]] double Id);
            """);

    [Fact]
    public void KTG108_UnsupportedMemberType()
        => Expect("KTG108", "The member 'Link' of 'M' has type 'Uri?', which the generated JSON codec cannot map; use a supported type, mark it [JsonIgnore], or set [KafkaTopic(Serializer = ...)]",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                public Uri? [|Link|] { get; set; }
            }
            """);

    [Fact]
    public void KTG109_NoUsableConstructor()
        => Expect("KTG109", "The message type 'M' has no constructor the generated JSON codec can call: it has several public constructors; mark one [JsonConstructor] or add a public parameterless one",
            """
            [KafkaTopic("t")]
            public partial class [|M|]
            {
                public M(int a) { A = a; }
                public M(string b) { A = b.Length; }
                public int A { get; }
            }
            """);

    [Fact]
    public void KTG110_InvalidSerializer()
        => Expect("KTG110", "The serializer 'string' must be a non-abstract class implementing IKafkaSerializer<M> with a public parameterless constructor",
            """
            [KafkaTopic("t", Serializer = [|typeof(string)|])]
            public partial class M { }
            """);

    [Fact]
    public void KTG111_UnreadableKey()
        => Expect("KTG111", "The key member 'Id' of 'M' is not public; a [KafkaKey] member must be a public instance property with a public getter",
            """
            [KafkaTopic("t")]
            public partial class M { [[|KafkaKey|]] internal string Id { get; set; } = ""; }
            """);

    [Fact]
    public void KTG112_DuplicateJsonName()
        => Expect("KTG112", "The members 'Id' and 'OrderId' of 'M' both map to the JSON name 'id'; give one another name with [JsonPropertyName] or mark it [JsonIgnore]",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                [System.Text.Json.Serialization.JsonPropertyName("id")] public string OrderId { get; set; } = "";
                public string [|Id|] { get; set; } = "";
            }
            """);

    [Fact]
    public void KTG108_UnsupportedMemberTypeInANestedTypeNamesThePath()
        => Expect("KTG108", "The member 'Customer.Home.Geo' of 'M' has type 'object?', which the generated JSON codec cannot map; use a supported type, mark it [JsonIgnore], or set [KafkaTopic(Serializer = ...)]",
            """
            public sealed class Address { public object? Geo { get; set; } }
            public sealed class Customer { public Address? Home { get; set; } }
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                public Customer? [|Customer|] { get; set; }
            }
            """);

    [Fact]
    public void KTG108_DictionaryWithNonStringKeys()
        => Expect("KTG108", "The member 'Counts' of 'M' has type 'Dictionary<int, string>', which the generated JSON codec cannot map; use a supported type, mark it [JsonIgnore], or set [KafkaTopic(Serializer = ...)]",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                public System.Collections.Generic.Dictionary<int, string> [|Counts|] { get; set; } = new();
            }
            """);

    [Fact]
    public void KTG113_JsonContextWithoutTheType()
        => Expect("KTG113", "The JSON context 'Ctx' named for 'M' cannot serialize it: it does not list the type with [JsonSerializable(typeof(M))]",
            """
            [System.Text.Json.Serialization.JsonSerializable(typeof(string))]
            public partial class Ctx : System.Text.Json.Serialization.JsonSerializerContext
            {
                public Ctx() : base(null) { }
                protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(Type type) => null;
            }
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            [KafkaJson(Context = [|typeof(Ctx)|])]
            public partial class M { public int A { get; set; } }
            """);

    [Fact]
    public void KTG113_JsonContextNotAContext()
        => Expect("KTG113", "The JSON context 'string' named for 'M' cannot serialize it: it is not a non-generic, non-abstract class deriving from System.Text.Json.Serialization.JsonSerializerContext",
            """
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            [KafkaJson(Context = [|typeof(string)|])]
            public partial class M { public int A { get; set; } }
            """);

    [Fact]
    public void KTG201_HandlerInterfaceMissing()
        => Expect("KTG201", "The [KafkaConsumer] type 'H' does not implement IKafkaHandler<T> or IKafkaBatchHandler<T>",
            """
            [[|KafkaConsumer("t")|]]
            public sealed class H { }
            """);

    [Fact]
    public void KTG202_HandledTypeNotTopic()
        => Expect("KTG202", "'H' handles 'M', which has no [KafkaTopic] attribute",
            $$"""
            public sealed class M { }

            [[|KafkaConsumer("t")|]]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG203_TopicMismatch()
        => Expect("KTG203", "'H' consumes topic 'orders' but its message type 'M' is written to topic 't'",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer([|"orders"|])]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG204_EmptyGroupId()
        => Expect("KTG204", "The GroupId of 'H' is empty; set a group id or leave GroupId unset to take it from configuration",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", GroupId = [|" "|])]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG205_DuplicateHandler()
        => Expect("KTG205", "'H2' and 'H1' both handle topic 't' in consumer group 'billing'; each message would reach only one of them",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", GroupId = "billing")]
            public sealed class H1 : IKafkaHandler<M> { {{Handler}} }

            [KafkaConsumer("t", GroupId = "audit")]
            [[|KafkaConsumer("t", GroupId = "billing")|]]
            public sealed class H2 : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG206_NegativeRetries()
        => Expect("KTG206", "MaxRetries = -1 on 'H' is invalid: must be from 0 to 1000",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxRetries = [|-1|])]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG206_InFlightPerPartitionOutOfRange()
        => Expect("KTG206", "MaxInFlightPerPartition = 0 on 'H' is invalid: must be from 1 to 10,000",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", Concurrency = ConsumerConcurrency.PerKey, MaxInFlightPerPartition = [|0|])]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG206_ParallelismOutOfRange()
        => Expect("KTG206", "MaxDegreeOfParallelism = 0 on 'H' is invalid: must be from 1 to 1024",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxDegreeOfParallelism = [|0|])]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG207_AbstractHandler()
        => Expect("KTG207", "The handler 'H' is abstract; a [KafkaConsumer] type must be a non-abstract, non-generic class",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t")]
            public abstract class [|H|] : IKafkaHandler<M> { {{Handler}} }
            """);

    [Fact]
    public void KTG208_AmbiguousHandler()
        => Expect("KTG208", "'H' implements IKafkaHandler<T> for several types and none (or more than one) is written to topic 'x'",
            """
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaTopic("u")]
            public partial class N { }

            [[|KafkaConsumer("x")|]]
            public sealed class H : IKafkaHandler<M>, IKafkaHandler<N>
            {
                public Task HandleAsync(KafkaMessage<M> message, CancellationToken cancellationToken) => Task.CompletedTask;
                public Task HandleAsync(KafkaMessage<N> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);

    [Fact]
    public void PragmaWarningDisableSuppresses()
    {
        var compilation = TestCompilation.Create(Usings + """
            #pragma warning disable KTG102
            [KafkaTopic("orders placed")]
            #pragma warning restore KTG102
            public partial class M { }

            [KafkaTopic("also bad")]
            public partial class N { }
            """);
        var diagnostics = TestCompilation.Analyze(compilation);
        var only = Assert.Single(diagnostics);
        Assert.Equal("KTG102", only.Id);
        Assert.Contains("also bad", only.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidSourcesReportNothingAndInvalidTypesGenerateNothing()
    {
        var compilation = TestCompilation.Create(Usings + $$"""
            [KafkaTopic("t")]
            public partial record M([property: KafkaKey] string Id);

            [KafkaTopic("bad topic")]
            public partial record Bad(string Id);

            [KafkaConsumer("t", GroupId = "g", MaxRetries = 0, MaxDegreeOfParallelism = 1024)]
            public sealed class H : IKafkaHandler<M> { {{Handler}} }
            """);
        var diagnostics = TestCompilation.Analyze(compilation);
        Assert.Equal(["KTG102"], diagnostics.Select(d => d.Id));
        var (result, _) = TestCompilation.Run(compilation);
        Assert.Equal(["KafkaTyped.AsyncApi.g.cs", "KafkaTyped.Registration.g.cs", "M.AvroSpecificRecord.g.cs", "M.KafkaProducer.g.cs"], result.Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    internal static void Expect(string id, string message, string markedSource, LanguageVersion version = LanguageVersion.CSharp13)
    {
        var source = Usings + markedSource;
        var start = source.IndexOf("[|", StringComparison.Ordinal);
        var end = source.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the test source needs one [|...|] span");
        source = source.Remove(end, 2).Remove(start, 2);
        var expectedSpan = new TextSpan(start, end - start - 2);

        var diagnostics = TestCompilation.Analyze(TestCompilation.Create(version, source));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        Assert.Equal($"https://github.com/kafka-typed/kafka-typed/blob/main/docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
    }
}
