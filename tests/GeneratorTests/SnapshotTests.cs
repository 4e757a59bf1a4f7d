using Kafka.Typed.Generator.Tests.Harness;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>Golden files of the generated source; every case also compiles with zero diagnostics against the real runtime.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void OneMessage()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed")]
            public partial class OrderPlaced
            {
                [KafkaKey]
                public string OrderId { get; set; } = "";
                public decimal Amount { get; set; }
            }
            """);
        Snapshot.Match(nameof(OneMessage), files);
    }

    [Fact]
    public void RecordWithPositionalKey()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed")]
            public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount, DateTimeOffset PlacedAt, string? Note = null);
            """);
        Snapshot.Match(nameof(RecordWithPositionalKey), files);
    }

    [Fact]
    public void ClassInGlobalNamespace()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;

            [KafkaTopic("pings")]
            internal sealed partial class Ping
            {
                public int Sequence { get; init; }
            }
            """);
        Snapshot.Match(nameof(ClassInGlobalNamespace), files);
    }

    [Fact]
    public void NestedNamespacesAndContainingTypes()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System;
            using Kafka.Typed;
            namespace Company.Billing
            {
                namespace Events
                {
                    public static partial class Invoices
                    {
                        [KafkaTopic("billing.invoice-issued")]
                        public partial record struct InvoiceIssued([KafkaKey] Guid InvoiceId, long AmountCents);
                    }
                }
            }
            """);
        Snapshot.Match(nameof(NestedNamespacesAndContainingTypes), files);
    }

    [Fact]
    public void SeveralMessagesAndHandlersInStableOrder()
    {
        // Declared out of order across files: the registration sorts by fully qualified name.
        var files = TestCompilation.GenerateAndCompile(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaConsumer("shipments", GroupId = "tracking")]
            public sealed class TrackingHandler : IKafkaHandler<Shipment>
            {
                // Two public constructors: DI activates the handler (no generated factory).
                public TrackingHandler() { }

                public TrackingHandler(IClock clock) { }

                public Task HandleAsync(KafkaMessage<Shipment> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }

            [KafkaTopic("shipments")]
            public partial record Shipment([property: KafkaKey] long ShipmentId, string Carrier);
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed")]
            public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);

            public interface IClock { }

            [KafkaConsumer("orders.placed", GroupId = "billing", MaxRetries = 3)]
            public sealed class BillingHandler(Microsoft.Extensions.Logging.ILogger<BillingHandler> log, IClock? clock) : IKafkaHandler<OrderPlaced>
            {
                public object? Dependencies => (log, clock);

                public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }

            [KafkaConsumer("orders.placed", GroupId = "audit")]
            [KafkaConsumer("shipments", GroupId = "audit")]
            public sealed class AuditHandler : IKafkaHandler<OrderPlaced>, IKafkaHandler<Shipment>
            {
                public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;

                public Task HandleAsync(KafkaMessage<Shipment> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);
        Snapshot.Match(nameof(SeveralMessagesAndHandlersInStableOrder), files);
    }

    [Fact]
    public void ConsumerOptionsAllSet()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed")]
            public partial record OrderPlaced(string OrderId);

            [KafkaConsumer("orders.placed", GroupId = "billing", MaxRetries = 5, RetryBackoffMilliseconds = 100, MaxRetryBackoffMilliseconds = 5000,
                MaxDegreeOfParallelism = 4, FailurePolicy = FailurePolicy.Skip, StartOffset = StartOffset.Newest, DeadLetterTopic = "orders.placed.billing-dlq",
                Concurrency = ConsumerConcurrency.PerKey, MaxInFlightPerPartition = 32)]
            public sealed class BillingHandler : IKafkaHandler<OrderPlaced>
            {
                public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);
        Snapshot.Match(nameof(ConsumerOptionsAllSet), files);
    }

    [Fact]
    public void ConsumerOptionsNoneSet()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed")]
            public partial record OrderPlaced(string OrderId);

            [KafkaConsumer("orders.placed", MaxRetries = KafkaConsumerAttribute.FromConfiguration)]
            public sealed class BillingHandler : IKafkaHandler<OrderPlaced>
            {
                public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);
        Snapshot.Match(nameof(ConsumerOptionsNoneSet), files);
    }

    [Fact]
    public void CustomSerializerAndNoKey()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System;
            using System.Buffers;
            using Kafka.Typed;
            namespace Shop;

            public sealed class RawSerializer : IKafkaSerializer<Blob>
            {
                public void Serialize(Blob value, IBufferWriter<byte> output, in KafkaSerializationContext context) => output.Write(value.Data);

                public Blob Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context) => new(data.ToArray());
            }

            [KafkaTopic("blobs", Serializer = typeof(RawSerializer))]
            public partial record Blob(byte[] Data);
            """);
        Snapshot.Match(nameof(CustomSerializerAndNoKey), files);
    }

    [Fact]
    public void EveryMemberShape()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System;
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using Kafka.Typed;
            namespace Shop;

            public enum Status : byte { New, Done }

            [KafkaTopic("everything", Format = KafkaFormat.Json)]
            public partial class Everything
            {
                [KafkaKey] public int? Id { get; set; }
                public bool Flag { get; set; }
                public byte B { get; set; }
                public short S { get; set; }
                public uint U { get; set; }
                public ulong UL { get; set; }
                public float F { get; set; }
                public double D { get; set; }
                public char C { get; set; }
                public Guid G { get; set; }
                public DateTime When { get; set; }
                public TimeSpan Span { get; set; }
                public DateOnly Day { get; set; }
                public TimeOnly Time { get; set; }
                public byte[]? Bytes { get; set; }
                public Status State { get; set; }
                public Status? MaybeState { get; set; }
                public required string Name { get; init; }
                [JsonPropertyName("display_name")] public string? Display { get; set; }
                [JsonIgnore] public object? Ignored { get; set; }
                public List<string> Tags { get; set; } = new();
                public int[]? Numbers { get; set; }
                public IReadOnlyList<Guid?> Refs { get; init; } = [];
                public string Computed => Name + "!";
            }
            """);
        Snapshot.Match(nameof(EveryMemberShape), files);
    }
    [Fact]
    public void AvroRecordWithNestedTypesEnumsCollectionsAndRecursion()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System;
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            public enum Channel { Web = 1, Store = 5, Phone = 9 }

            public partial record Line(string Sku, [property: AvroDecimal(10, 2)] decimal Price, short Quantity);

            public sealed class Category
            {
                public string Name { get; set; } = "";
                public List<Category> Children { get; set; } = [];
                public Category? Parent { get; set; }
            }

            [KafkaTopic("orders.placed")]
            [AvroName("OrderPlaced", Namespace = "com.acme.orders")]
            public partial record Order(
                [property: KafkaKey] Guid Id,
                DateTimeOffset PlacedAt,
                [property: AvroTimestampMicros] DateTime Updated,
                DateOnly Day,
                TimeOnly At,
                Channel Channel,
                IReadOnlyList<Line> Lines,
                Dictionary<string, string?> Tags,
                Category Category,
                int?[] Scores,
                byte[] Signature,
                [property: AvroName("note_text")] string? Note = null,
                int Priority = 3,
                Channel Fallback = Channel.Store)
            {
                [AvroIgnore]
                public string Display => Id + "@" + PlacedAt;
            }
            """);
        Snapshot.Match(nameof(AvroRecordWithNestedTypesEnumsCollectionsAndRecursion), files);
    }
}
