using System.Runtime.CompilerServices;
using System.Text.Json;
using Kafka.Typed.Avro;
using Xunit;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.Avro;

/// <summary>The writer's order, under Java's usual namespace, with its nested types in namespaces of their own.</summary>
[KafkaTopic("gen.ns.acme")]
[AvroName("NsOrder", Namespace = "com.acme")]
public partial record AcmeNsOrder(string Id, AcmeNsLine Line, AcmeNsLevel Level);

[AvroName("NsLine", Namespace = "org.other")]
public sealed record AcmeNsLine(string Sku, int Quantity);

[AvroName("NsLevel", Namespace = "net.third")]
public enum AcmeNsLevel
{
    Low,
    High,
}

/// <summary>The writer's order after it added an enum symbol (the reader's enum has no default).</summary>
[KafkaTopic("gen.ns.acme.wider")]
[AvroName("NsOrder", Namespace = "com.acme")]
public partial record AcmeNsOrderWider(string Id, AcmeNsLine Line, AcmeNsLevelWider Level);

[AvroName("NsLevel", Namespace = "net.third")]
public enum AcmeNsLevelWider
{
    Low,
    High,
    Urgent,
}

/// <summary>The same shape in the reader's namespace.</summary>
[KafkaTopic("gen.ns.shop")]
[AvroName("NsOrder", Namespace = "shop")]
public partial record ShopNsOrder(string Id, ShopNsLine Line, ShopNsLevel Level);

/// <summary>The reader's next version: a field added with a default (so data is resolved, not read directly).</summary>
[KafkaTopic("gen.ns.shop2")]
[AvroName("NsOrder", Namespace = "shop")]
public partial record ShopNsOrderV2(string Id, ShopNsLine Line, ShopNsLevel Level, int Priority = 2);

/// <summary>A reader that added a field without a default: it cannot read the writer's data.</summary>
[KafkaTopic("gen.ns.shop3")]
[AvroName("NsOrder", Namespace = "shop")]
public partial record ShopNsOrderNoDefault(string Id, ShopNsLine Line, ShopNsLevel Level, int Priority);

[AvroName("NsLine", Namespace = "shop")]
public sealed record ShopNsLine(string Sku, int Quantity);

[AvroName("NsLevel", Namespace = "shop")]
public enum ShopNsLevel
{
    Low,
    High,
}

/// <summary>
/// Issue 9 item 4: named types match by unqualified name and aliases (Avro 1.10+, Java), at run time as in the build-time
/// check KTG304; the cases in <c>AvroNameResolutionCases.json</c> are shared with the generator tests. Issue 10 item 8:
/// a refusal names the field and the rule.
/// </summary>
public sealed class AvroNameResolutionTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var item in LoadCases())
        {
            data.Add(item.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static List<JsonElement> LoadCases([CallerFilePath] string source = "")
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(source)!, "AvroNameResolutionCases.json")));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_runtime_decides_each_shared_case_as_the_build_time_check_does(string name)
    {
        var item = LoadCases().Single(c => c.GetProperty("name").GetString() == name);
        var readerJson = item.GetProperty("reader").GetRawText();
        var writerJson = item.GetProperty("writer").GetRawText();
        var readable = item.GetProperty("readable").GetBoolean();
        var reader = Schema.Parse(readerJson);
        var aligned = AvroNameAlignment.Align(reader, Schema.Parse(writerJson));
        var why = AvroNameAlignment.Refusal(reader, readerJson, aligned, writerJson);
        Assert.True(readable == (why is null), $"{name}: expected {(readable ? "readable" : "refused")}, got {why ?? "readable"}");

        // Apache.Avro's resolver reads the data: over the aligned writer schema it must decide the same.
        Assert.Equal(readable, reader.CanRead(aligned));
    }

    [Fact]
    public void Data_written_under_other_namespaces_is_read_directly_when_only_the_namespaces_differ()
    {
        var topic = TestNames.Unique("ns-direct");
        using var writer = new AvroSerde<AcmeNsOrder>(AcmeNsOrder.AvroCodec.Instance, fixture.Client);
        using var reader = new AvroSerde<ShopNsOrder>(ShopNsOrder.AvroCodec.Instance, fixture.Client);
        var values = Enumerable.Range(0, 10).Select(i => new AcmeNsOrder("o" + i, new AcmeNsLine("sku" + i, i), i % 2 == 0 ? AcmeNsLevel.Low : AcmeNsLevel.High)).ToList();
        for (var i = 0; i < values.Count; i++)
        {
            var read = reader.Deserialize(writer.Serialize(values[i], topic), topic, 0, i);
            Assert.Equal(new ShopNsOrder("o" + i, new ShopNsLine("sku" + i, i), i % 2 == 0 ? ShopNsLevel.Low : ShopNsLevel.High), read);
        }

        Assert.Equal(0, reader.GenericResolutions + reader.SpecificResolutions);
    }

    [Fact]
    public void Data_written_under_other_namespaces_is_resolved_when_the_reader_added_a_field()
    {
        var topic = TestNames.Unique("ns-resolved");
        using var writer = new AvroSerde<AcmeNsOrder>(AcmeNsOrder.AvroCodec.Instance, fixture.Client);
        using var reader = new AvroSerde<ShopNsOrderV2>(ShopNsOrderV2.AvroCodec.Instance, fixture.Client);
        for (var i = 0; i < 10; i++)
        {
            var bytes = writer.Serialize(new AcmeNsOrder("o" + i, new AcmeNsLine("sku" + i, -i), AcmeNsLevel.High), topic);
            Assert.Equal(new ShopNsOrderV2("o" + i, new ShopNsLine("sku" + i, -i), ShopNsLevel.High, 2), reader.Deserialize(bytes, topic, 0, i));
        }

        Assert.Equal(10, reader.GenericResolutions + reader.SpecificResolutions);
    }

    [Fact]
    public void A_refusal_names_the_field_and_the_rule()
    {
        var topic = TestNames.Unique("ns-refused");
        using var writer = new AvroSerde<AcmeNsOrder>(AcmeNsOrder.AvroCodec.Instance, fixture.Client);
        using var reader = new AvroSerde<ShopNsOrderNoDefault>(ShopNsOrderNoDefault.AvroCodec.Instance, fixture.Client);
        var bytes = writer.Serialize(new AcmeNsOrder("o", new AcmeNsLine("s", 1), AcmeNsLevel.Low), topic);
        var e = Assert.Throws<KafkaAvroException>(() => reader.Deserialize(bytes, topic, 3, 42));
        Assert.Equal(AvroErrorKind.IncompatibleSchema, e.Kind);
        Assert.Contains("field 'NsOrder.Priority' is not in the writer's schema and has no default", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseLatest_writes_with_the_subjects_schema_when_only_the_namespaces_differ()
    {
        var topic = TestNames.Unique("ns-latest");
        using var acme = new AvroSerde<AcmeNsOrder>(AcmeNsOrder.AvroCodec.Instance, fixture.Client);
        var registered = await acme.PrepareAsync(topic);
        using var shop = new AvroSerde<ShopNsOrder>(ShopNsOrder.AvroCodec.Instance, fixture.Client, new AvroSerdeOptions { Registration = AvroSchemaRegistration.UseLatest });
        var bytes = shop.Serialize(new ShopNsOrder("o", new ShopNsLine("s", 4), ShopNsLevel.High), topic);
        Assert.Equal(registered, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)));
        Assert.Equal(new AcmeNsOrder("o", new AcmeNsLine("s", 4), AcmeNsLevel.High), acme.Deserialize(bytes, topic, 0, 0));
    }

    [Fact]
    public void A_writer_enum_with_a_symbol_the_reader_lacks_fails_only_the_records_that_use_it()
    {
        // As the Avro specification says (and Apache.Avro does): the error is signalled when a value needs the symbol.
        // KTG304 refuses such a schema at build time; at run time the other records still read.
        var topic = TestNames.Unique("ns-wider-enum");
        using var writer = new AvroSerde<AcmeNsOrderWider>(AcmeNsOrderWider.AvroCodec.Instance, fixture.Client);
        using var reader = new AvroSerde<ShopNsOrder>(ShopNsOrder.AvroCodec.Instance, fixture.Client);
        var known = writer.Serialize(new AcmeNsOrderWider("o1", new AcmeNsLine("s", 1), AcmeNsLevelWider.High), topic);
        var unknown = writer.Serialize(new AcmeNsOrderWider("o2", new AcmeNsLine("s", 2), AcmeNsLevelWider.Urgent), topic);
        Assert.Equal(new ShopNsOrder("o1", new ShopNsLine("s", 1), ShopNsLevel.High), reader.Deserialize(known, topic, 0, 0));
        var e = Assert.Throws<KafkaAvroException>(() => reader.Deserialize(unknown, topic, 0, 1));
        Assert.NotEqual(AvroErrorKind.IncompatibleSchema, e.Kind);

        var problems = Kafka.Typed.Generators.Avro.AvroCompatibility.CanRead(ShopNsOrder.AvroCodec.SchemaJson, AcmeNsOrderWider.AvroCodec.SchemaJson);
        Assert.Contains(problems, p => p.Contains("'Urgent'", StringComparison.Ordinal));
    }
}
