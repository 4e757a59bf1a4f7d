using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>Several message types on one topic: the diagnostics KTG114–KTG116 and the generated code (golden files).</summary>
public sealed class MultiTypeTopicTests
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Kafka.Typed;\n";

    private const string Shared = "SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName";

    [Fact]
    public void KTG114_a_type_with_TopicName_on_a_topic_with_another_type()
        => DiagnosticTests.Expect("KTG114", "The types 'A' and 'B' are both written to topic 'orders', but 'A' uses SubjectNameStrategy TopicName, which gives the topic to one type (one schema subject 'orders-value', no way for a consumer to tell the types apart); set SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName (or RecordName) on the [KafkaTopic] of every type of the topic, or give each type its own topic",
            $$"""
            [[|KafkaTopic("orders")|]]
            public partial record A(string Id);

            [KafkaTopic("orders", {{Shared}})]
            public partial record B(string Id);
            """);

    [Fact]
    public void KTG114_is_reported_on_every_type_with_TopicName_and_not_for_versions_of_one_record()
    {
        var two = Analyze("""
            [KafkaTopic("orders")] public partial record A(string Id);
            [KafkaTopic("orders", Format = KafkaFormat.Json)] public partial record B(string Id);
            """);
        Assert.Equal(["KTG114", "KTG114"], two.Select(d => d.Id));
        Assert.Contains(two, d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).StartsWith("The types 'B' and 'A'", StringComparison.Ordinal));

        // Two C# types of one Avro record (versions, as the evolution tests use) still share a TopicName topic.
        Assert.Empty(Analyze("""
            [KafkaTopic("prices"), AvroName("Price", Namespace = "shop")] public partial record PriceV1(int Amount);
            [KafkaTopic("prices"), AvroName("Price", Namespace = "shop")] public partial record PriceV2(long Amount);
            """));

        // Every type with a shared strategy: no error, whatever the mix of formats and strategies.
        Assert.Empty(Analyze("""
            [KafkaTopic("orders", SubjectNameStrategy = KafkaSubjectNameStrategy.RecordName)] public partial record A(string Id);
            [KafkaTopic("orders", SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)] public partial record B(string Id);
            [KafkaTopic("orders", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)] public partial record C(string Id);
            """));
    }

    [Fact]
    public void KTG115_MessageTypeName_on_an_Avro_type()
        => DiagnosticTests.Expect("KTG115", "'M': MessageTypeName names the header of a type that is not Avro; an Avro type is named by its record's full name (change it with [AvroName(..., Namespace = ...)])",
            $$"""
            [KafkaTopic("orders", {{Shared}}, MessageTypeName = [|"m"|])]
            public partial record M(string Id);
            """);

    [Fact]
    public void KTG115_MessageTypeName_without_a_shared_strategy()
        => DiagnosticTests.Expect("KTG115", "'M': MessageTypeName is only written with a SubjectNameStrategy other than TopicName (a topic of one type needs no type header); set SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName or remove MessageTypeName",
            """
            [KafkaTopic("orders", Format = KafkaFormat.Json, MessageTypeName = [|"m"|])]
            public partial record M(string Id);
            """);

    [Fact]
    public void KTG115_MessageTypeName_with_white_space()
        => DiagnosticTests.Expect("KTG115", "'M': MessageTypeName 'order placed' must be 1 to 249 characters without white space or control characters",
            $$"""
            [KafkaTopic("orders", Format = KafkaFormat.Json, {{Shared}}, MessageTypeName = [|"order placed"|])]
            public partial record M(string Id);
            """);

    [Fact]
    public void KTG115_undefined_strategy()
        => DiagnosticTests.Expect("KTG115", "'M': SubjectNameStrategy = 7 is not a KafkaSubjectNameStrategy (TopicName, RecordName or TopicRecordName)",
            """
            [KafkaTopic("orders", SubjectNameStrategy = [|(KafkaSubjectNameStrategy)7|])]
            public partial record M(string Id);
            """);

    [Fact]
    public void KTG116_two_handled_types_with_one_name_in_one_group()
        => DiagnosticTests.Expect("KTG116", "'H2' and 'H1' handle 'B' and 'A' on topic 'orders' in consumer group 'billing', but both types are named 'order' there (Avro record full name or kt-message-type header), so their group member cannot tell their records apart; rename one (MessageTypeName, or [AvroName(..., Namespace = ...)] for Avro) or give one handler another group",
            $$"""
            [KafkaTopic("orders", Format = KafkaFormat.Json, {{Shared}}, MessageTypeName = "order")] public partial record A(string Id);
            [KafkaTopic("orders", Format = KafkaFormat.Json, {{Shared}}, MessageTypeName = "order")] public partial record B(string Id);

            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class H1 : IKafkaHandler<A> { public Task HandleAsync(KafkaMessage<A> m, CancellationToken ct) => Task.CompletedTask; }

            [[|KafkaConsumer("orders", GroupId = "billing")|]]
            public sealed class H2 : IKafkaHandler<B> { public Task HandleAsync(KafkaMessage<B> m, CancellationToken ct) => Task.CompletedTask; }
            """);

    [Fact]
    public void Handlers_of_different_types_of_a_shared_topic_in_one_group_are_not_duplicates_but_two_of_one_type_are()
    {
        const string Types = $$"""
            [KafkaTopic("orders", {{Shared}})] public partial record A(string Id);
            [KafkaTopic("orders", {{Shared}})] public partial record B(string Id);
            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class H1 : IKafkaHandler<A> { public Task HandleAsync(KafkaMessage<A> m, CancellationToken ct) => Task.CompletedTask; }
            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class H2 : IKafkaHandler<B> { public Task HandleAsync(KafkaMessage<B> m, CancellationToken ct) => Task.CompletedTask; }
            """;
        Assert.Empty(Analyze(Types));
        var duplicate = Analyze(Types + """
            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class H3 : IKafkaHandler<A> { public Task HandleAsync(KafkaMessage<A> m, CancellationToken ct) => Task.CompletedTask; }
            """);
        Assert.Equal("KTG205", Assert.Single(duplicate).Id);
    }

    [Fact]
    public void SharedTopicAvroAndJson()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders", SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
            public partial record OrderPlaced([property: KafkaKey] string OrderId, int Amount);

            [KafkaTopic("orders", SubjectNameStrategy = KafkaSubjectNameStrategy.RecordName), AvroName("OrderCancelled", Namespace = "com.acme")]
            public partial record OrderCancelled([property: KafkaKey] string OrderId);

            [KafkaTopic("orders", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName, MessageTypeName = "order-noted")]
            public partial record OrderNoted([property: KafkaKey] string OrderId, string Note);

            [KafkaTopic("orders", Format = KafkaFormat.JsonSchema, SubjectNameStrategy = KafkaSubjectNameStrategy.RecordName)]
            public partial record OrderAudited([property: KafkaKey] string OrderId);

            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class PlacedHandler : IKafkaHandler<OrderPlaced> { public Task HandleAsync(KafkaMessage<OrderPlaced> m, CancellationToken ct) => Task.CompletedTask; }

            [KafkaConsumer("orders", GroupId = "billing")]
            public sealed class NotedHandler : IKafkaHandler<OrderNoted> { public Task HandleAsync(KafkaMessage<OrderNoted> m, CancellationToken ct) => Task.CompletedTask; }
            """);
        Snapshot.Match(nameof(SharedTopicAvroAndJson), files);
    }

    private static IReadOnlyList<Diagnostic> Analyze(string source)
        => [.. TestCompilation.Analyze(TestCompilation.Create(Usings + source)).OrderBy(d => d.Location.SourceSpan.Start)];
}
