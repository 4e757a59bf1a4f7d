using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Kafka.Typed.Avro;
using Kafka.Typed.Integration.Tests.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Json;

public enum SchemaStatus { Placed, Shipped }

public sealed class SchemaCustomer
{
    public string Name { get; set; } = "";
    public int Age { get; set; }
    public SchemaCustomer? Referrer { get; set; }
}

public sealed class SchemaLine
{
    public string Sku { get; set; } = "";
    public int Quantity { get; set; }
}

/// <summary>
/// A nested event in Confluent's JSON Schema wire format. Member names as declared: Confluent's .NET serializer writes
/// them so (Newtonsoft.Json without a naming policy); a camelCase type interoperates with writers that use camelCase.
/// </summary>
[KafkaTopic("json.schema.orders", Format = KafkaFormat.JsonSchema)]
[KafkaJson(Naming = KafkaJsonNaming.AsDeclared)]
public partial class SchemaOrder
{
    public string OrderId { get; set; } = "";
    public SchemaCustomer Customer { get; set; } = new();
    public List<SchemaLine> Lines { get; set; } = new();
    public Dictionary<string, string> Tags { get; set; } = new();
    public SchemaStatus Status { get; set; }
    public decimal Total { get; set; }
    public string? Note { get; set; }
}

/// <summary>KafkaFormat.JsonSchema against Confluent.SchemaRegistry.Serdes.Json 2.16 through the in-process Schema Registry.</summary>
[Collection(KafkaAvroDefaultsCollection.Name)]
public sealed class JsonSchemaInteropTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private static SchemaOrder Sample() => new()
    {
        OrderId = "o-7",
        Customer = new SchemaCustomer { Name = "Ada", Age = 36, Referrer = new SchemaCustomer { Name = "Grace", Age = 45 } },
        Lines = [new SchemaLine { Sku = "sku-1", Quantity = 2 }, new SchemaLine { Sku = "sku-2", Quantity = 1 }],
        Tags = new() { ["channel"] = "app" },
        Status = SchemaStatus.Shipped,
        Total = 19.98m,
        Note = null,
    };

    private static void AssertSame(SchemaOrder expected, SchemaOrder actual)
        => Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    private static IKafkaSerializer<T> Serializer<T>()
        where T : IKafkaMessage<T>
        => T.Serializer;

    private T WithRegistry<T>(Func<T> action)
    {
        KafkaAvroDefaults.Configure(fixture.Client);
        try
        {
            return action();
        }
        finally
        {
            KafkaAvroDefaults.Reset();
        }
    }

    [Fact]
    public async Task Confluents_serializer_writes_and_ours_reads()
    {
        var topic = TestNames.Unique("jsonschema-theirs");
        var theirs = new JsonSerializer<SchemaOrder>(fixture.Client);
        var bytes = await theirs.SerializeAsync(Sample(), new SerializationContext(MessageComponentType.Value, topic));
        Assert.Equal(0, bytes[0]);

        var back = WithRegistry(() => Serializer<SchemaOrder>().Deserialize(bytes, new KafkaSerializationContext(topic)));
        AssertSame(Sample(), back);
    }

    [Fact]
    public async Task Ours_writes_registers_a_draft7_schema_under_the_topic_subject_and_Confluents_deserializer_reads()
    {
        var topic = TestNames.Unique("jsonschema-ours");
        var bytes = WithRegistry(() =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            Serializer<SchemaOrder>().Serialize(Sample(), buffer, new KafkaSerializationContext(topic));
            return buffer.WrittenSpan.ToArray();
        });

        Assert.Equal(0, bytes[0]);
        var id = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1));
        var registered = await fixture.Client.GetLatestSchemaAsync(topic + "-value");
        Assert.Equal(id, registered.Id);
        Assert.Equal(SchemaType.Json, registered.SchemaType);
        Assert.Equal(((JsonSchemaKafkaSerializer<SchemaOrder>)Serializer<SchemaOrder>()).Schema, registered.SchemaString);
        Assert.StartsWith("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"title\":\"SchemaOrder\",\"type\":\"object\"", registered.SchemaString, StringComparison.Ordinal);
        Assert.Contains("\"Referrer\":{\"oneOf\":[{\"type\":\"null\"},{\"$ref\":\"#/definitions/SchemaCustomer\"}]}", registered.SchemaString, StringComparison.Ordinal);

        // The body is the plain JSON codec's output: the same bytes as System.Text.Json with the type's options.
        var options = new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        Assert.Equal(JsonSerializer.Serialize(Sample(), options), Encoding.UTF8.GetString(bytes.AsSpan(5)));

        // Confluent's deserializer reads our frame and body.
        var deserializer = new JsonDeserializer<SchemaOrder>(fixture.Client);
        var theirs = await deserializer.DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, topic));
        AssertSame(Sample(), theirs);

        // The schema is valid draft 7 as NJsonSchema (what Confluent's serdes validate with) reads it: our payloads
        // conform, and one without a required member does not.
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync(registered.SchemaString);
        Assert.Empty(schema.Validate(Encoding.UTF8.GetString(bytes.AsSpan(5))));
        var missing = schema.Validate("{\"Customer\":{\"Name\":\"x\",\"Age\":1,\"Referrer\":null},\"Lines\":[],\"Tags\":{},\"Status\":1,\"Total\":1,\"Note\":null}");
        Assert.Contains(missing, e => e.Kind == NJsonSchema.Validation.ValidationErrorKind.PropertyRequired && e.Property == "OrderId");
        Assert.NotEmpty(schema.Validate("{\"OrderId\":\"x\",\"Customer\":{\"Name\":\"x\",\"Age\":\"old\",\"Referrer\":null},\"Lines\":[],\"Tags\":{},\"Status\":\"Lost\",\"Total\":1,\"Note\":null}"));
    }

    [Fact]
    public void The_frame_is_checked_on_read()
    {
        var topic = TestNames.Unique("jsonschema-frame");
        var plain = Encoding.UTF8.GetBytes("{\"OrderId\":\"x\"}");
        var wrongMagic = WithRegistry(() => Assert.Throws<KafkaSerializationException>(() => Serializer<SchemaOrder>().Deserialize(plain, new KafkaSerializationContext(topic))));
        Assert.Contains("not in Confluent's JSON Schema wire format", wrongMagic.Message, StringComparison.Ordinal);

        var unknownId = new byte[] { 0, 0x7F, 0, 0, 1 }.Concat(plain).ToArray();
        var unknown = WithRegistry(() => Assert.Throws<KafkaSerializationException>(() => Serializer<SchemaOrder>().Deserialize(unknownId, new KafkaSerializationContext(topic))));
        Assert.Contains("is not in the Schema Registry", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_id_of_another_schema_type_is_refused()
    {
        var topic = TestNames.Unique("jsonschema-avro");
        var avroId = await fixture.Client.RegisterSchemaAsync(topic + "-value", new Schema("\"string\"", SchemaType.Avro));
        var payload = new byte[5 + 2];
        payload[0] = 0;
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(1), avroId);
        payload[5] = (byte)'{';
        payload[6] = (byte)'}';
        var error = WithRegistry(() => Assert.Throws<KafkaSerializationException>(() => Serializer<SchemaOrder>().Deserialize(payload, new KafkaSerializationContext(topic))));
        Assert.Contains("is a Avro schema, not a JSON Schema", error.Message, StringComparison.Ordinal);
    }
}
