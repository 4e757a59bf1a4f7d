using System.Buffers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Json;

/// <summary>JSON message types through the generated producer, a real (embedded) broker and the generated serializer.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class JsonEndToEndTests(SharedCluster shared)
{
    private static readonly JsonSerializerOptions Camel = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private KafkaProducerHost Host()
    {
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci", ConnectTimeout = TimeSpan.FromSeconds(10) };
        options.BootstrapServers.Add(shared.Cluster.BootstrapServers);
        return new KafkaProducerHost(Microsoft.Extensions.Options.Options.Create(options), []);
    }

    private static T Read<T>(byte[] bytes)
        where T : IKafkaMessage<T>
        => T.Serializer.Deserialize(bytes, new KafkaSerializationContext(T.Topic));

    private static byte[] Write<T>(T value)
        where T : IKafkaMessage<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        T.Serializer.Serialize(value, buffer, new KafkaSerializationContext(T.Topic));
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task A_nested_event_goes_through_the_broker_as_System_Text_Json_writes_it()
    {
        var referrer = new Party("Grace", null, null);
        var order = new JsonOrderPlaced(
            "o-42",
            new Party("Ada", "ada@example.com", referrer),
            [new Line("sku-1", 2, new Amount(9.99m, "EUR")), new Line("sku-2", 1, new Amount(0.01m, "EUR"))],
            new Dictionary<string, string> { ["channel"] = "app" },
            new Dictionary<string, Amount> { ["net"] = new Amount(20m, "EUR") },
            Priority.Urgent,
            null);

        await using var host = Host();
        var producer = new JsonOrderPlacedProducer(host);
        shared.Cluster.CreateTopic("json.orders", 1);
        await producer.SendAsync(order);

        var record = Assert.Single(Kit.ReadAll(shared.Cluster, "json.orders", 1));
        Assert.Equal("o-42", Encoding.UTF8.GetString(record.Message.Key!));
        Assert.Equal(JsonSerializer.Serialize(order, Camel), Encoding.UTF8.GetString(record.Message.Value!));
        Assert.Contains("\"priority\":\"urgent!\"", Encoding.UTF8.GetString(record.Message.Value!), StringComparison.Ordinal);

        var back = Read<JsonOrderPlaced>(record.Message.Value!);
        Assert.Equal(order.Customer, back.Customer);
        Assert.Equal(order.Lines, back.Lines);
        Assert.Equal(order.Tags, back.Tags);
        Assert.Equal(order.Totals, back.Totals);
        Assert.Equal(order.Priority, back.Priority);
        Assert.Null(back.Discount);
    }

    [Fact]
    public async Task A_type_naming_a_JsonSerializerContext_is_serialized_by_its_source_generated_metadata()
    {
        var audit = new AuditEvent
        {
            Id = "a-1",
            Link = new Uri("https://example.com/orders/42?x=1"),
            Shape = new Square(2.5),
            Payload = JsonDocument.Parse("""{"free":["form",1,true]}""").RootElement,
            ByCode = new() { [404] = "missing", [200] = "ok" },
            Priority = Priority.Urgent,
        };

        // The bytes are exactly those of the context's JsonTypeInfo<T> (snake_case and enum names from its options).
        var expected = JsonSerializer.Serialize(audit, AuditJsonContext.Default.AuditEvent);
        Assert.Equal(expected, Encoding.UTF8.GetString(Write(audit)));
        Assert.Contains("\"by_code\":{\"404\":\"missing\",\"200\":\"ok\"}", expected, StringComparison.Ordinal);
        Assert.Contains("\"shape\":{\"kind\":\"square\",\"side\":2.5}", expected, StringComparison.Ordinal);

        await using var host = Host();
        shared.Cluster.CreateTopic("json.audit", 1);
        await new AuditEventProducer(host).SendAsync(audit);
        var record = Assert.Single(Kit.ReadAll(shared.Cluster, "json.audit", 1));
        Assert.Equal(expected, Encoding.UTF8.GetString(record.Message.Value!));

        var back = Read<AuditEvent>(record.Message.Value!);
        Assert.Equal(audit.Link, back.Link);
        Assert.Equal(new Square(2.5), back.Shape);
        Assert.Equal(audit.ByCode, back.ByCode);
        Assert.Equal(audit.Priority, back.Priority);
        Assert.Equal(audit.Payload.GetRawText(), back.Payload.GetRawText());

        // A bad payload is a KafkaSerializationException (dead-lettered by consumers), naming System.Text.Json's path.
        var error = Assert.Throws<KafkaSerializationException>(() => Read<AuditEvent>(Encoding.UTF8.GetBytes("""{"id":"a","priority":"Nope"}""")));
        Assert.Contains("$.priority", error.Message, StringComparison.Ordinal);
        Assert.Throws<KafkaSerializationException>(() => Read<AuditEvent>("null"u8.ToArray()));
    }
}
