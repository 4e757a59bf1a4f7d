// Generated message types for the key and tombstone tests: one keyed by a member (whose consumers read the key typed with
// the generated GetKey()), one without a key member (whose producer takes explicit keys). JSON: no Schema Registry needed.
namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>A compacted-topic style entity: keyed by its id; a tombstone deletes it.</summary>
[KafkaTopic("typed.profiles", Format = KafkaFormat.Json)]
public partial record CustomerProfile([property: KafkaKey] string CustomerId, string Name);

/// <summary>Keyed by a big-endian long.</summary>
[KafkaTopic("typed.shipments", Format = KafkaFormat.Json)]
public partial record ShipmentState([property: KafkaKey] long ShipmentId, string State);

/// <summary>No key member: each send names its key.</summary>
[KafkaTopic("typed.audit", Format = KafkaFormat.Json)]
public partial record AuditEntry(string What);
