using System.Buffers;
using Confluent.SchemaRegistry;
using Kafka.Typed.Avro;
using Kafka.Typed.Generator.Tests.Harness;
using Kafka.Typed.Testing;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests.Edge;

[AvroDefault(Unknown)]
public enum Stage { Unknown, Placed, Shipped }

/// <summary>Members set only through non-public or init-only setters still round-trip through the generated codec.</summary>
[KafkaTopic("edge.status")]
public partial class StatusEvent
{
    public string Id { get; set; } = "";

    public string Status { get; private set; } = "new";

    public Stage Stage { get; internal set; }

    public StatusEvent? Previous { get; set; }

    public void Ship()
    {
        Status = "shipped";
        Stage = Stage.Shipped;
    }
}

[KafkaTopic("edge.price"), AvroName("Price", Namespace = "edge")]
public partial record PriceV1([property: AvroDecimal(12, 2)] decimal Amount);

[KafkaTopic("edge.price"), AvroName("Price", Namespace = "edge")]
public partial record PriceV2([property: AvroDecimal(12, 4)] decimal Amount);

public sealed class AvroEdgeCaseTests
{
    private static T RoundTrip<T>(IAvroCodec<T> codec, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        codec.Write(ref writer, value);
        writer.Flush();
        var reader = new AvroReader(buffer.WrittenSpan);
        var back = codec.Read(ref reader);
        reader.EnsureEnd();
        return back;
    }

    [Fact]
    public void NonPublicSettersRoundTripEnumDefaultsAndGlobalNamespaceRecordsNeedANamespace()
    {
        var value = new StatusEvent { Id = "e-1" };
        value.Ship();
        var back = RoundTrip(StatusEvent.AvroCodec.Instance, value);
        Assert.Equal(("e-1", "shipped", Stage.Shipped), (back.Id, back.Status, back.Stage));

        var schema = (global::Avro.RecordSchema)global::Avro.Schema.Parse(StatusEvent.AvroCodec.SchemaJson);
        Assert.Equal("Unknown", ((global::Avro.EnumSchema)schema["Stage"].Schema).Default);

        // A global-namespace record under a namespaced one cannot be named in Avro (Apache.Avro reads an empty namespace
        // as "inherit"): KTG302 asks for an explicit namespace.
        var diagnostic = Assert.Single(TestCompilation.Analyze(TestCompilation.Create("""
            using Kafka.Typed;
            public class Audit { public int N { get; set; } }
            namespace Shop
            {
                [KafkaTopic("audited")]
                public partial record Audited(string Id, Audit Audit);
            }
            """)));
        Assert.Equal("KTG302", diagnostic.Id);
        Assert.Contains("global namespace", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void WritingACycleFailsInsteadOfOverflowingTheStack()
    {
        var cyclic = new StatusEvent { Id = "loop" };
        cyclic.Previous = cyclic;
        var error = Assert.Throws<KafkaAvroException>(() => RoundTrip(StatusEvent.AvroCodec.Instance, cyclic));
        Assert.Equal(AvroErrorKind.InvalidValue, error.Kind);
    }

    [Fact]
    public void ADecimalOverItsPrecisionIsRefusedOnWrite()
    {
        var error = Assert.Throws<KafkaAvroException>(() => RoundTrip(PriceV1.AvroCodec.Instance, new PriceV1(12_345_678_901.5m)));
        Assert.Contains("precision", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChangedDecimalScaleIsRefusedNotMisread()
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync(new InProcessSchemaRegistryOptions { Compatibility = "NONE" });
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        using var v1 = new AvroSerde<PriceV1>(PriceV1.AvroCodec.Instance, client);
        using var v2 = new AvroSerde<PriceV2>(PriceV2.AvroCodec.Instance, client);

        // Same parsing canonical form (it ignores logical types), different scale: reading v1 bytes as v2 directly, or
        // through Apache.Avro's resolution (which decodes by the reader's scale), would turn 12.34 into 0.1234.
        var bytes = v1.Serialize(new PriceV1(12.34m), "edge.price");
        var error = Assert.Throws<KafkaAvroException>(() => v2.Deserialize(bytes, "edge.price", 0, 0));
        Assert.Equal(AvroErrorKind.IncompatibleSchema, error.Kind);
        Assert.Contains("decimal(12,2)", error.Message, StringComparison.Ordinal);
        Assert.Equal(12.34m, v1.Deserialize(bytes, "edge.price", 0, 0).Amount);
    }

    [Fact]
    public void KeywordIdentifiersAndNonAsciiNames()
    {
        const string keywords = """
            using Kafka.Typed;
            namespace Shop.@event;

            public enum Kind { @default, @class }

            [KafkaTopic("keywords")]
            public partial class @record
            {
                public string @class { get; set; } = "";
                public Kind @default { get; set; }
                public int @int { get; private set; }
            }
            """;
        Assert.Empty(TestCompilation.Analyze(TestCompilation.Create(keywords)));
        var files = TestCompilation.GenerateAndCompile(keywords);
        Assert.Contains(files.Values, text => text.Contains("v.@class", StringComparison.Ordinal));
        Assert.Contains(files.Values, text => text.Contains("global::Shop.@event.Kind.@default", StringComparison.Ordinal));

        var diagnostics = TestCompilation.Analyze(TestCompilation.Create("""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("sizes")]
            public partial class Box { public int Größe { get; set; } [AvroDefault(300)] public byte Level { get; set; } }
            """));
        Assert.Equal(["KTG302", "KTG302"], diagnostics.Select(d => d.Id));
        Assert.Contains(diagnostics, d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("'Größe' is not a valid Avro name", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("the default 300 does not fit", StringComparison.Ordinal));
    }
}
