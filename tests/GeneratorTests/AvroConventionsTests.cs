using System.Reflection;
using System.Runtime.Loader;
using Avro;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Kafka.Typed.Generator.Tests.Harness;
using Kafka.Typed.Generators.Parsing;
using Kafka.Typed.Testing;
using Microsoft.CodeAnalysis;
using Xunit;
using Schema = Avro.Schema;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Issue 10 item 5: <c>[assembly: KafkaAvroConventions]</c> sets the field naming and the namespace of every Avro schema the
/// generator derives in the assembly; <c>[AvroName]</c> still overrides. Schema, codec, ISpecificRecord and KTG304 follow,
/// and a camelCase schema written by Confluent's own serializer is read by the generated codec.
/// </summary>
public sealed class AvroConventionsTests
{
    private const string Contracts = """
        using System;
        using System.Collections.Generic;
        using Kafka.Typed;

        [assembly: KafkaAvroConventions(FieldNaming = AvroFieldNaming.CamelCase, Namespace = "com.acme.orders")]

        namespace Shop;

        public enum OrderStatus { Open, Shipped }

        public sealed partial class Line
        {
            public string Sku { get; set; } = "";
            public int Quantity { get; set; }
        }

        [AvroName("Party", Namespace = "com.acme.parties")]
        public sealed partial class Customer
        {
            public string CustomerId { get; set; } = "";
        }

        [KafkaTopic("orders.placed")]
        public partial record OrderPlaced(
            string OrderId,
            long TotalCents,
            DateTimeOffset PlacedAt,
            OrderStatus Status,
            List<Line> Lines,
            Customer Buyer,
            [property: AvroName("legacy_code")] string LegacyCode,
            string? URLPath = null);
        """;

    private const string JavaSchema = """
        {"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
          {"name":"orderId","type":"string"},
          {"name":"totalCents","type":"long"},
          {"name":"placedAt","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"status","type":{"type":"enum","name":"OrderStatus","symbols":["Open","Shipped"]}},
          {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"quantity","type":"int"}]}}},
          {"name":"buyer","type":{"type":"record","name":"Party","namespace":"com.acme.parties","fields":[{"name":"customerId","type":"string"}]}},
          {"name":"legacy_code","type":"string"},
          {"name":"urlPath","type":["null","string"],"default":null}]}
        """;

    [Theory]
    [InlineData("OrderId", 0, "OrderId")]
    [InlineData("OrderId", 1, "orderId")]
    [InlineData("URLPath", 1, "urlPath")]
    [InlineData("ID", 1, "id")]
    [InlineData("X", 1, "x")]
    [InlineData("already", 1, "already")]
    [InlineData("IOStream", 1, "ioStream")]
    [InlineData("OrderId", 2, "order_id")]
    [InlineData("URLPath", 2, "url_path")]
    [InlineData("Line2Total", 2, "line2_total")]
    [InlineData("ID", 2, "id")]
    [InlineData("already_snake", 2, "already_snake")]
    [InlineData("Total_Cents", 2, "total_cents")]
    public void Field_naming_converts_member_names(string member, int naming, string expected)
        => Assert.Equal(expected, AvroTypeMapper.ApplyNaming(member, naming));

    [Fact]
    public void AvroConventionsCamelCaseAndNamespace()
    {
        var files = TestCompilation.GenerateAndCompile(Contracts);
        Snapshot.Match(nameof(AvroConventionsCamelCaseAndNamespace), files);
    }

    [Fact]
    public void AvroConventionsSnakeCase()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            [assembly: KafkaAvroConventions(FieldNaming = AvroFieldNaming.SnakeCase)]
            namespace Shop;

            [KafkaTopic("payments")]
            public partial record PaymentTaken(string PaymentId, long AmountCents, [property: AvroName("Currency")] string CurrencyCode);
            """);
        Snapshot.Match(nameof(AvroConventionsSnakeCase), files);
    }

    [Fact]
    public void The_generated_schema_is_the_java_schema()
    {
        var type = Load(Contracts).GetType("Shop.OrderPlaced", throwOnError: true)!;
        var schema = (string)type.GetNestedType("AvroCodec")!.GetField("SchemaJson", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.Equal(SchemaNormalization.ToParsingForm(Schema.Parse(JavaSchema)), SchemaNormalization.ToParsingForm(Schema.Parse(schema)));
    }

    [Fact]
    public void KTG304_compares_the_schema_under_the_conventions()
    {
        var files = new[] { ("schemas/orders.placed-value.avsc", JavaSchema) };
        Assert.Empty(TestCompilation.Analyze(TestCompilation.Create(Contracts), files, null));

        // Without the assembly conventions the same type is not compatible with the Java schema: every field is renamed.
        var withoutConventions = Contracts.Replace("[assembly: KafkaAvroConventions(FieldNaming = AvroFieldNaming.CamelCase, Namespace = \"com.acme.orders\")]", string.Empty, StringComparison.Ordinal);
        var diagnostic = Assert.Single(TestCompilation.Analyze(TestCompilation.Create(withoutConventions), files, null));
        Assert.Equal("KTG304", diagnostic.Id);
        Assert.Contains("OrderId", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void KTG302_an_invalid_assembly_namespace_is_named()
    {
        var diagnostics = TestCompilation.Analyze(TestCompilation.Create("""
            using Kafka.Typed;
            [assembly: KafkaAvroConventions(Namespace = "com..acme")]
            namespace Shop;
            [KafkaTopic("orders")]
            public partial record Order(string Id);
            """));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("KTG302", diagnostic.Id);
        Assert.Contains("[assembly: KafkaAvroConventions] Namespace 'com..acme'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confluents_serializer_writes_the_camelCase_schema_and_the_generated_codec_reads_it_and_back()
    {
        var type = Load(Contracts).GetType("Shop.OrderPlaced", throwOnError: true)!;
        var run = typeof(AvroConventionsTests).GetMethod(nameof(Interop), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        await (Task)run.Invoke(null, [type])!;
    }

    private static async Task Interop<T>(Type type)
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync();
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        var codec = (IAvroCodec<T>)type.GetNestedType("AvroCodec")!.GetField("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        using var serde = new AvroSerde<T>(codec, client);
        const string topic = "orders.placed";
        var context = new SerializationContext(MessageComponentType.Value, topic);

        // Java's schema, registered and written by Confluent's serializer from a GenericRecord.
        var schema = (RecordSchema)Schema.Parse(JavaSchema);
        var placedAt = new DateTime(2026, 12, 3, 10, 11, 12, 345, DateTimeKind.Utc);
        var record = new GenericRecord(schema);
        record.Add("orderId", "o-1");
        record.Add("totalCents", 12_345L);
        record.Add("placedAt", placedAt);
        record.Add("status", new GenericEnum((EnumSchema)schema["status"].Schema, "Shipped"));
        var lineSchema = (RecordSchema)((ArraySchema)schema["lines"].Schema).ItemSchema;
        var line = new GenericRecord(lineSchema);
        line.Add("sku", "sku-9");
        line.Add("quantity", 3);
        record.Add("lines", new object[] { line });
        var buyer = new GenericRecord((RecordSchema)schema["buyer"].Schema);
        buyer.Add("customerId", "c-7");
        record.Add("buyer", buyer);
        record.Add("legacy_code", "L1");
        record.Add("urlPath", "/x");
        var theirs = await new AvroSerializer<GenericRecord>(client, new AvroSerializerConfig { AutoRegisterSchemas = true }).SerializeAsync(record, context);

        dynamic read = serde.Deserialize(theirs, topic, 0, 0)!;
        Assert.Equal("o-1", (string)read.OrderId);
        Assert.Equal(12_345L, (long)read.TotalCents);
        Assert.Equal(new DateTimeOffset(placedAt), (DateTimeOffset)read.PlacedAt);
        Assert.Equal("Shipped", read.Status.ToString());
        Assert.Equal("sku-9", (string)read.Lines[0].Sku);
        Assert.Equal(3, (int)read.Lines[0].Quantity);
        Assert.Equal("c-7", (string)read.Buyer.CustomerId);
        Assert.Equal("L1", (string)read.LegacyCode);
        Assert.Equal("/x", (string)read.URLPath);

        // The same schema (canonical form): the generated codec writes the same body (the id is its registration's).
        var ours = serde.Serialize((T)(object)read, topic);
        Assert.Equal(Convert.ToHexString(theirs.AsSpan(5)), Convert.ToHexString(ours.AsSpan(5)));

        // Round trip through the generated codec.
        dynamic again = serde.Deserialize(ours, topic, 0, 1)!;
        Assert.Equal("o-1", (string)again.OrderId);
        Assert.Equal(new DateTimeOffset(placedAt), (DateTimeOffset)again.PlacedAt);
        Assert.Equal("sku-9", (string)again.Lines[0].Sku);
        Assert.Equal("c-7", (string)again.Buyer.CustomerId);
        Assert.Equal("/x", (string)again.URLPath);

        // And Confluent's deserializer reads ours back by the camelCase names.
        var back = await new AvroDeserializer<GenericRecord>(client).DeserializeAsync(ours, isNull: false, context);
        Assert.Equal("o-1", back["orderId"]);
        Assert.Equal("c-7", ((GenericRecord)back["buyer"])["customerId"]);

        // Confluent's serializer over the generated ISpecificRecord writes the same bytes as well.
        var specific = await new AvroSerializer<T>(client, new AvroSerializerConfig { AutoRegisterSchemas = true }).SerializeAsync((T)(object)read, context);
        Assert.Equal(Convert.ToHexString(theirs.AsSpan(5)), Convert.ToHexString(specific.AsSpan(5)));
    }

    /// <summary>Generates, compiles and loads <paramref name="source"/> (in a load context of its own; the runtime is shared).</summary>
    private static Assembly Load(string source)
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create(source));
        TestCompilation.AssertClean(output);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext("conventions-" + Guid.NewGuid().ToString("N")).LoadFromStream(image);
    }
}
