using Kafka.Typed;

namespace Shop.Contracts;

/// <summary>An order was placed (JSON: no registry needed).</summary>
[KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);

/// <summary>A shipment is requested for an order (Avro, the default: needs the Schema Registry).</summary>
[KafkaTopic("shipments.requested")]
public partial record ShipmentRequested([property: KafkaKey] string OrderId, string Warehouse);
