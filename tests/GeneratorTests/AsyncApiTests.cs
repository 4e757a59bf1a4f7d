using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using Kafka.Typed.Generator.Tests.Harness;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// The generated AsyncAPI 3.0 document (issue 12, item 7): its structure, that it says what the code says (topics, keys,
/// schemas, groups, dead-letter topics and headers), its golden file, <c>Write</c>, and its composition across the
/// assemblies of a solution.
/// </summary>
public sealed class AsyncApiTests
{
    private const string Shop = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        [assembly: System.Reflection.AssemblyVersion("2.3.4.5")]
        namespace Shop;

        [KafkaTopic("orders.placed")]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount, DateTimeOffset PlacedAt);

        public enum Carrier { Post, Courier }

        [KafkaTopic("shipments", Format = KafkaFormat.Json)]
        public partial class Shipment
        {
            [KafkaKey] public long ShipmentId { get; set; }
            public Carrier Carrier { get; set; }
            public List<Parcel> Parcels { get; set; } = [];
        }

        public sealed class Parcel
        {
            public int Grams { get; set; }
            public Parcel? Inner { get; set; }
        }

        [KafkaTopic("pings", Format = KafkaFormat.JsonSchema)]
        public partial record Ping(int Sequence);

        [KafkaConsumer("orders.placed", GroupId = "billing")]
        public sealed class BillingHandler : IKafkaHandler<OrderPlaced>
        {
            public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        [KafkaConsumer("orders.placed", FailurePolicy = FailurePolicy.Skip)]
        [KafkaConsumer("shipments", GroupId = "tracking", DeadLetterTopic = "shipments.failed")]
        public sealed class AuditHandler : IKafkaHandler<OrderPlaced>, IKafkaHandler<Shipment>
        {
            public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;

            public Task HandleAsync(KafkaMessage<Shipment> message, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """;

    [Fact]
    public void GeneratedFileMatchesItsGoldenFile()
    {
        var files = TestCompilation.GenerateAndCompileAll(Shop);

        // The document is one compact line in the generated file: its indented form is kept beside it for review.
        using var document = JsonDocument.Parse(DocumentOf(Build("TestApp", [Shop]).Assembly));
        var indented = JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
        Snapshot.Match(nameof(AsyncApiTests) + "." + nameof(GeneratedFileMatchesItsGoldenFile), new Dictionary<string, string>
        {
            [TestCompilation.AsyncApiHintName] = files[TestCompilation.AsyncApiHintName],
            ["TestApp.asyncapi.indented.json"] = indented,
        });
    }

    [Fact]
    public void DocumentIsStructurallyValidAsyncApi3()
    {
        var json = DocumentOf(Build("Shop.Service", [Shop]).Assembly);
        Assert.Empty(AsyncApiStructure.Check(json));
    }

    [Fact]
    public void DocumentSaysWhatTheCodeSays()
    {
        using var document = JsonDocument.Parse(DocumentOf(Build("Shop.Service", [Shop]).Assembly));
        var root = document.RootElement;
        Assert.Equal("Shop.Service", root.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal("2.3.4", root.GetProperty("info").GetProperty("version").GetString());

        // Channels: the three topics, the default dead-letter topic of the billing group, the audit's named one; the skipping
        // consumer has none.
        var channels = root.GetProperty("channels");
        Assert.Equal(["orders.placed", "pings", "shipments", "shipments.failed", "orders.placed.dlq"], channels.EnumerateObject().Select(static c => c.Name).ToArray());
        Assert.All(channels.EnumerateObject(), c => Assert.Equal(c.Name, c.Value.GetProperty("address").GetString()));
        var orders = channels.GetProperty("orders.placed");
        Assert.Contains("Kafka:Topics:OrderPlaced", orders.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("Kafka:TopicTemplate", orders.GetProperty("description").GetString(), StringComparison.Ordinal);

        // Send operations for every type; receive operations per consumer with its group.
        var operations = root.GetProperty("operations");
        Assert.Equal("send", operations.GetProperty("OrderPlaced.send").GetProperty("action").GetString());
        var billing = operations.GetProperty("BillingHandler.receive.OrderPlaced");
        Assert.Equal("receive", billing.GetProperty("action").GetString());
        Assert.Equal("#/channels/orders.placed", billing.GetProperty("channel").GetProperty("$ref").GetString());
        Assert.Equal("billing", billing.GetProperty("bindings").GetProperty("kafka").GetProperty("groupId").GetProperty("enum")[0].GetString());
        var audit = operations.GetProperty("AuditHandler.receive.OrderPlaced");
        Assert.False(audit.GetProperty("bindings").GetProperty("kafka").GetProperty("groupId").TryGetProperty("enum", out _));
        Assert.Contains("Kafka:Consumers:AuditHandler:GroupId", audit.GetProperty("bindings").GetProperty("kafka").GetProperty("groupId").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("FailurePolicy.Skip", audit.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(operations.TryGetProperty("AuditHandler.deadLetter.OrderPlaced", out _));
        Assert.Equal("#/channels/orders.placed.dlq", operations.GetProperty("BillingHandler.deadLetter.OrderPlaced").GetProperty("channel").GetProperty("$ref").GetString());
        Assert.Equal("#/channels/shipments.failed", operations.GetProperty("AuditHandler.deadLetter.Shipment").GetProperty("channel").GetProperty("$ref").GetString());

        // Messages: Avro with the schema the codec registers, JSON with the JSON Schema of the codec, keys as Kafka bindings.
        var messages = root.GetProperty("components").GetProperty("messages");
        var schemas = root.GetProperty("components").GetProperty("schemas");
        var orderPlaced = messages.GetProperty("OrderPlaced");
        Assert.Equal("avro/binary", orderPlaced.GetProperty("contentType").GetString());
        Assert.Equal("string", orderPlaced.GetProperty("bindings").GetProperty("kafka").GetProperty("key").GetProperty("type").GetString());
        Assert.Equal("confluent", orderPlaced.GetProperty("bindings").GetProperty("kafka").GetProperty("schemaIdPayloadEncoding").GetString());
        var avro = schemas.GetProperty("OrderPlaced");
        Assert.Equal("application/vnd.apache.avro;version=1.9.0", avro.GetProperty("schemaFormat").GetString());
        var parsed = global::Avro.Schema.Parse(avro.GetProperty("schema").GetRawText());
        Assert.Equal("Shop.OrderPlaced", parsed.Fullname);
        Assert.Equal(["OrderId", "Amount", "PlacedAt"], ((global::Avro.RecordSchema)parsed).Fields.Select(static f => f.Name).ToArray());

        var shipmentKey = messages.GetProperty("Shipment").GetProperty("bindings").GetProperty("kafka").GetProperty("key");
        Assert.Equal("integer", shipmentKey.GetProperty("type").GetString());
        Assert.Equal("int64", shipmentKey.GetProperty("format").GetString());
        Assert.False(messages.GetProperty("Shipment").GetProperty("bindings").GetProperty("kafka").TryGetProperty("schemaIdLocation", out _));
        var shipment = schemas.GetProperty("Shipment");
        Assert.Equal("application/schema+json;version=draft-07", shipment.GetProperty("schemaFormat").GetString());
        Assert.Equal(["shipmentId", "carrier", "parcels"], shipment.GetProperty("schema").GetProperty("properties").EnumerateObject().Select(static p => p.Name).ToArray());

        // The recursive Parcel refers to itself through a pointer rebased into this document.
        var inner = shipment.GetProperty("schema").GetProperty("definitions").GetProperty("Parcel").GetProperty("properties").GetProperty("inner").GetProperty("oneOf")[1].GetProperty("$ref").GetString()!;
        Assert.Equal("#/components/schemas/Shipment/schema/definitions/Parcel", inner);
        Assert.NotNull(AsyncApiStructure.Resolve(root, inner));

        // The keyless JSON Schema type: its registered schema, no key member.
        var ping = messages.GetProperty("Ping");
        Assert.Equal("payload", ping.GetProperty("bindings").GetProperty("kafka").GetProperty("schemaIdLocation").GetString());
        Assert.False(ping.GetProperty("bindings").GetProperty("kafka").GetProperty("key").TryGetProperty("type", out _));
    }

    [Fact]
    public void DeadLetterMessagesCarryTheRuntimesHeaders()
    {
        using var document = JsonDocument.Parse(DocumentOf(Build("Shop.Service", [Shop]).Assembly));
        var deadLetter = document.RootElement.GetProperty("components").GetProperty("messages").GetProperty("OrderPlaced.DeadLetter");
        var headers = AsyncApiStructure.Resolve(document.RootElement, deadLetter.GetProperty("headers").GetProperty("$ref").GetString()!)!.Value;
        Assert.Equal("#/components/schemas/KafkaTypedDeadLetterHeaders", document.RootElement.GetProperty("components").GetProperty("messages").GetProperty("Shipment.DeadLetter").GetProperty("headers").GetProperty("$ref").GetString());
        var described = headers.GetProperty("properties").EnumerateObject().Select(static p => p.Name).Order(StringComparer.Ordinal).ToArray();

        // Every kt-dlq-* header the runtime writes, read from its public constants: a header added there must be described here.
        var written = typeof(DeadLetterHeaders).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.IsLiteral && f.GetRawConstantValue() is string s && s.StartsWith("kt-dlq-", StringComparison.Ordinal))
            .Select(static f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(written, described);
        Assert.Equal("#/components/schemas/OrderPlaced", deadLetter.GetProperty("payload").GetProperty("$ref").GetString());
        Assert.DoesNotContain("kt-dlq-reference", headers.GetProperty("required").EnumerateArray().Select(static e => e.GetString()));
        Assert.Contains("kt-dlq-error", headers.GetProperty("required").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public void WriteCreatesTheFileWithTheDocument()
    {
        var assembly = Build("Shop.Service", [Shop]).Assembly;
        var type = assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApi")!;
        Assert.Equal("Shop.Service.asyncapi.json", type.GetField("FileName")!.GetRawConstantValue());
        var directory = Path.Combine(Path.GetTempPath(), "kafka-typed-asyncapi-" + Guid.NewGuid().ToString("N"));
        try
        {
            var target = Path.Combine(directory, "nested", "doc.json");
            var written = (string)type.GetMethod("Write")!.Invoke(null, [target])!;
            Assert.Equal(Path.GetFullPath(target), written);
            var bytes = File.ReadAllBytes(written);
            Assert.NotEqual(0xEF, bytes[0]); // no byte order mark
            Assert.Equal(DocumentOf(assembly), System.Text.Encoding.UTF8.GetString(bytes));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private const string Contracts = """
        using Kafka.Typed;
        namespace Shop.Contracts;
        [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);
        [KafkaTopic("shipments.requested")]
        public partial record ShipmentRequested([property: KafkaKey] string OrderId);
        """;

    private const string Worker = """
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        using Shop.Contracts;
        namespace Shop.Worker;
        [KafkaConsumer("orders.placed", GroupId = "worker")]
        internal sealed class OrderHandler(IKafkaProducer<ShipmentRequested> shipments) : IKafkaHandler<OrderPlaced>
        {
            public async Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken)
                => await shipments.SendAsync(new ShipmentRequested(message.Value.OrderId), cancellationToken);
        }
        """;

    private const string Api = """
        namespace Shop.Api;
        public static class Program
        {
            public static int Main() => 0;
        }
        """;

    [Fact]
    public void EachAssemblyOfASolutionDescribesWhatItsAddKafkaTypedRegisters()
    {
        var contracts = Build("Shop.Contracts", [Contracts]);
        var worker = Build("Shop.Worker", [Worker], contracts.Image);
        var api = Build("Shop.Api", [Api], contracts.Image);

        foreach (var built in new[] { contracts, worker, api })
        {
            Assert.Empty(AsyncApiStructure.Check(DocumentOf(built.Assembly)));
        }

        // The Api declares nothing: its document is the Contracts' types it can send, with their schemas.
        using var apiDocument = JsonDocument.Parse(DocumentOf(api.Assembly));
        var apiRoot = apiDocument.RootElement;
        Assert.Equal(["Shop.Contracts"], apiRoot.GetProperty("info").GetProperty("x-kafka-typed-assemblies").EnumerateArray().Select(static e => e.GetString()!).ToArray());
        Assert.Equal(["OrderPlaced.send", "ShipmentRequested.send"], apiRoot.GetProperty("operations").EnumerateObject().Select(static o => o.Name).ToArray());
        Assert.Equal("application/vnd.apache.avro;version=1.9.0", apiRoot.GetProperty("components").GetProperty("schemas").GetProperty("ShipmentRequested").GetProperty("schemaFormat").GetString());

        // The Worker: the Contracts' channels and messages, and its own consumer of a Contracts type with its dead-letter topic.
        using var workerDocument = JsonDocument.Parse(DocumentOf(worker.Assembly));
        var workerRoot = workerDocument.RootElement;
        Assert.Equal(["Shop.Contracts", "Shop.Worker"], workerRoot.GetProperty("info").GetProperty("x-kafka-typed-assemblies").EnumerateArray().Select(static e => e.GetString()!).ToArray());
        var receive = workerRoot.GetProperty("operations").GetProperty("OrderHandler.receive.OrderPlaced");
        Assert.Equal("Shop.Worker.OrderHandler", receive.GetProperty("x-kafka-typed-handler").GetString());
        Assert.Equal("#/channels/orders.placed/messages/OrderPlaced", receive.GetProperty("messages")[0].GetProperty("$ref").GetString());
        Assert.True(workerRoot.GetProperty("components").GetProperty("schemas").TryGetProperty("OrderPlaced", out _));
        Assert.True(workerRoot.GetProperty("channels").TryGetProperty("orders.placed.dlq", out _));

        // The Contracts' own document has no consumers; the Worker's module carries only its consumer.
        using var contractsDocument = JsonDocument.Parse(DocumentOf(contracts.Assembly));
        Assert.DoesNotContain(contractsDocument.RootElement.GetProperty("operations").EnumerateObject(), static o => o.Value.GetProperty("action").GetString() == "receive");
        var workerModule = AsyncApiModels.Deserialize((string)worker.Assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApiModel_Shop_Worker")!.GetField("Model")!.GetRawConstantValue()!)!;
        Assert.Empty(workerModule.Messages);
        Assert.Equal("Shop.Contracts.OrderPlaced", Assert.Single(workerModule.Consumers).MessageFullName);
        Assert.Null(api.Assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApiModel_Shop_Api"));
    }

    [Fact]
    public void AConsumerOfATypeFromAnAssemblyWithoutAModuleStillGetsItsChannel()
    {
        // The Contracts built without the generator's AsyncAPI module (as an older Kafka.Typed would have): the Worker's
        // document still has the channel, a message without payload schema, and a valid structure.
        var stripped = ContractsWithoutModule();
        var worker = Build("Shop.Worker", [Worker], stripped);
        var json = DocumentOf(worker.Assembly);
        Assert.Empty(AsyncApiStructure.Check(json));
        using var document = JsonDocument.Parse(json);
        var message = document.RootElement.GetProperty("components").GetProperty("messages").GetProperty("OrderPlaced");
        Assert.False(message.TryGetProperty("payload", out _));
        Assert.Equal("#/components/messages/OrderPlaced", document.RootElement.GetProperty("channels").GetProperty("orders.placed").GetProperty("messages").GetProperty("OrderPlaced").GetProperty("$ref").GetString());
    }

    [Fact]
    public void AnotherAssemblysVisibleDocumentClassGetsThisOneASuffixedName()
    {
        var worker = Build("Shop.Worker", [Contracts, Worker, "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Shop.Worker.Tests\")]"]);
        var tests = Build("Shop.Worker.Tests", ["namespace T; public static class C { public static string D => Kafka.Typed.Generated.KafkaTypedAsyncApi.Document; }"], worker.Image);
        Assert.NotNull(tests.Assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApiShopWorkerTests"));
        Assert.Empty(AsyncApiStructure.Check((string)tests.Assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApiShopWorkerTests")!.GetField("Document")!.GetRawConstantValue()!));
    }

    [Fact]
    public void ModuleTextRoundTripsAndRejectsWhatItDidNotWrite()
    {
        var module = new AsyncApiModule(
            string.Empty,
            new[] { new AsyncApiMessage("Shop.A", "A", "a", AsyncApiPayloadKind.Avro, "{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}", null, "Id", KeyKind.Int64, true, 2, "Shop.A") }.ToEquatableArray(),
            new[] { new AsyncApiConsumer("Shop.H", "Shop.A", "a", null, 1, "a.failed") }.ToEquatableArray());
        Assert.Equal(module, AsyncApiModels.Deserialize(AsyncApiModels.Serialize(module)));
        Assert.Null(AsyncApiModels.Deserialize("not json"));
        Assert.Null(AsyncApiModels.Deserialize(AsyncApiModels.Serialize(module).Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal)));
        Assert.Null(AsyncApiModels.Deserialize("{\"version\":1,\"messages\":[{\"name\":\"A\"}],\"consumers\":[]}"));
    }

    [Fact]
    public void StructureCheckFindsBrokenDocuments()
    {
        var json = DocumentOf(Build("Shop.Service", [Shop]).Assembly);
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"asyncapi\":\"3.0.0\"", "\"asyncapi\":\"2.6.0\"", StringComparison.Ordinal)), static p => p.StartsWith("$.asyncapi", StringComparison.Ordinal));
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"#/components/messages/Ping\"", "\"#/components/messages/Pong\"", StringComparison.Ordinal)), static p => p.Contains("#/components/messages/Pong does not resolve", StringComparison.Ordinal));
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"action\":\"send\"", "\"action\":\"publish\"", StringComparison.Ordinal)), static p => p.EndsWith(".action: not send or receive", StringComparison.Ordinal));
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"version\":\"2.3.4\"", "\"release\":\"2.3.4\"", StringComparison.Ordinal)), static p => p == "$.info.version: missing or empty");
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"#/channels/shipments/messages/Shipment\"", "\"#/channels/pings/messages/Ping\"", StringComparison.Ordinal)), static p => p.Contains("is not a message of the operation's channel", StringComparison.Ordinal));
        Assert.Contains(AsyncApiStructure.Check(json.Replace("\"groupId\":", "\"group\":", StringComparison.Ordinal)), static p => p.Contains("unknown field 'group'", StringComparison.Ordinal));
    }

    [Fact]
    public void EditingATopicReemitsTheDocument()
    {
        var compilation = TestCompilation.Create(Shop);
        var driver = TestCompilation.Driver().RunGenerators(compilation);
        var before = driver.GetRunResult().Results.Single().GeneratedSources.Single(static s => s.HintName == TestCompilation.AsyncApiHintName).SourceText.ToString();
        var tree = compilation.SyntaxTrees.Single();
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Shop.Replace("\"pings\"", "\"heartbeats\"", StringComparison.Ordinal)))));
        var result = driver.GetRunResult().Results.Single();
        var after = result.GeneratedSources.Single(static s => s.HintName == TestCompilation.AsyncApiHintName).SourceText.ToString();
        Assert.Contains("\\\"heartbeats\\\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain("\\\"pings\\\"", after, StringComparison.Ordinal);
        Assert.Contains("\\\"pings\\\"", before, StringComparison.Ordinal);
        Assert.All(result.TrackedSteps[Generators.TrackingNames.AsyncApi].SelectMany(static r => r.Outputs), static o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
    }

    [Fact]
    public void ATopicOfSeveralTypesSaysHowEachIsToldApart()
    {
        // Several message types on one topic (issue 11, item 3): Avro types are found by their writer schema under their
        // subject strategy, JSON types by the kt-message-type header.
        var app = Build("Shop.Events", ["""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("order-events", SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
            public partial record OrderOpened(string OrderId);
            [KafkaTopic("order-events", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName, MessageTypeName = "order-noted")]
            public partial record OrderNoted(string OrderId, string Text);
            """]);
        var json = DocumentOf(app.Assembly);
        Assert.Empty(AsyncApiStructure.Check(json));
        using var document = JsonDocument.Parse(json);
        var messages = document.RootElement.GetProperty("components").GetProperty("messages");
        var opened = messages.GetProperty("OrderOpened");
        Assert.Equal("TopicRecordNameStrategy", opened.GetProperty("bindings").GetProperty("kafka").GetProperty("schemaLookupStrategy").GetString());
        Assert.False(opened.TryGetProperty("headers", out _));
        var noted = messages.GetProperty("OrderNoted");
        Assert.Equal("order-noted", noted.GetProperty("headers").GetProperty("properties").GetProperty("kt-message-type").GetProperty("const").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("channels").GetProperty("order-events").GetProperty("messages").EnumerateObject().Count());
    }

    private static string DocumentOf(Assembly assembly)
        => (string)assembly.GetType("Kafka.Typed.Generated.KafkaTypedAsyncApi")!.GetField("Document")!.GetRawConstantValue()!;

    private static (Assembly Assembly, ImmutableArray<byte> Image) Build(string name, string[] sources, params ImmutableArray<byte>[] references)
    {
        var compilation = TestCompilation.Create(sources).WithAssemblyName(name).AddReferences(references.Select(static r => MetadataReference.CreateFromImage(r)));
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        var image = TestCompilation.Image(output);
        return (TestCompilation.Load(image), image);
    }

    /// <summary>The Contracts compiled from the same sources with the generator's AsyncAPI module class removed.</summary>
    private static ImmutableArray<byte> ContractsWithoutModule()
    {
        var compilation = TestCompilation.Create(Contracts).WithAssemblyName("Shop.Contracts");
        var (result, _) = TestCompilation.Run(compilation);
        var generated = result.Results.Single().GeneratedSources.Where(static s => s.HintName != TestCompilation.AsyncApiHintName).Select(static s => s.SyntaxTree);
        return TestCompilation.Image(compilation.AddSyntaxTrees(generated));
    }
}
