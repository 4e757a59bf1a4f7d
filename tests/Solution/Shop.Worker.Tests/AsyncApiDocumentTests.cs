using System.Text.Json;
using Xunit;

namespace Shop.Worker.Tests;

/// <summary>
/// The AsyncAPI document generated in a project of a solution of several (issue 12, item 7): this test project composes the
/// Contracts' and the Worker's modules (the Api declares no Kafka.Typed types), so its document has the Contracts' topics
/// and schemas and the Worker's consumer groups, as its AddKafkaTyped registers them.
/// </summary>
public sealed class AsyncApiDocumentTests
{
    [Fact]
    public void DocumentComposesTheContractsAndTheWorker()
    {
        using var document = JsonDocument.Parse(Kafka.Typed.Generated.KafkaTypedAsyncApi.Document);
        var root = document.RootElement;
        Assert.Equal("3.0.0", root.GetProperty("asyncapi").GetString());
        Assert.Equal("Shop.Worker.Tests", root.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal(["Shop.Contracts", "Shop.Worker"], root.GetProperty("info").GetProperty("x-kafka-typed-assemblies").EnumerateArray().Select(static e => e.GetString()!).ToArray());

        var channels = root.GetProperty("channels").EnumerateObject().Select(static c => c.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["orders.placed", "orders.placed.dlq", "shipments.requested", "shipments.requested.dlq"], channels);

        var operations = root.GetProperty("operations");
        Assert.Equal("receive", operations.GetProperty("OrderHandler.receive.OrderPlaced").GetProperty("action").GetString());
        Assert.Equal("Shop.Worker.ShipmentHandler", operations.GetProperty("ShipmentHandler.receive.ShipmentRequested").GetProperty("x-kafka-typed-handler").GetString());
        Assert.Equal("send", operations.GetProperty("ShipmentRequested.send").GetProperty("action").GetString());

        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.Equal("application/vnd.apache.avro;version=1.9.0", schemas.GetProperty("ShipmentRequested").GetProperty("schemaFormat").GetString());
        Assert.Equal("application/schema+json;version=draft-07", schemas.GetProperty("OrderPlaced").GetProperty("schemaFormat").GetString());
    }
}
