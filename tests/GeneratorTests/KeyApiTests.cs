using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// What user code can and cannot write with record keys: explicit keys only for types without a [KafkaKey] member (a keyed
/// type's key is never silently overridden: it does not compile), typed GetKey() on consumed messages and tombstones.
/// </summary>
public sealed class KeyApiTests
{
    private const string Types = """
        using System;
        using System.Threading.Tasks;
        using Kafka.Typed;
        namespace Shop;

        [KafkaTopic("audit")]
        public partial record AuditEvent(string What);

        [KafkaTopic("orders")]
        public partial record Order([property: KafkaKey] int OrderId, string Item);
        """;

    [Fact]
    public void ExplicitKeysOfEverySupportedKeyTypeCompileForATypeWithoutKafkaKey()
    {
        var compilation = TestCompilation.Create(Types, """
            using System;
            using System.Threading.Tasks;
            using Confluent.Kafka;
            using Kafka.Typed;
            namespace Shop;

            public static class Uses
            {
                public static async Task Send(IKafkaExplicitKeyProducer<AuditEvent> p, AuditEventProducer generated, AuditEvent e, int? maybe)
                {
                    await p.SendAsync("tenant-1", e);
                    await p.SendAsync("tenant-1", e, new Headers());
                    await p.SendAsync(Guid.NewGuid(), e);
                    await p.SendAsync((short)1, e);
                    await p.SendAsync(42, e);
                    await p.SendAsync(42L, e);
                    await p.SendAsync(new byte[] { 1 }, e);
                    await p.SendAsync(maybe, e);
                    await p.SendAsync(KafkaRecordKey.None, e);
                    await p.EnqueueAsync("tenant-1", e, state: 5);
                    await generated.SendAsync("tenant-1", e);
                    await generated.EnqueueAsync(7L, e);

                    // The forms without a key still bind as before, a null literal included.
                    await p.SendAsync(e);
                    await p.SendAsync(e, null);
                    await p.SendAsync(e, (Headers?)null);
                    await p.EnqueueAsync(e);
                    await p.EnqueueAsync(e, null);
                    await generated.SendAsync(e, null);
                    await p.FlushAsync();
                }

                public static async Task Untyped(SyncProducer sync, AsyncProducer queued, byte[] value)
                {
                    // The untyped producers take a string (or any supported key type) as the key, and a null key still binds to the bytes form.
                    await sync.SendAsync("t", value, "order-1");
                    await sync.SendAsync("t", value, 42);
                    await sync.SendAsync("t", value, null);
                    await sync.SendAsync("t", value, new byte[] { 1 });
                    await sync.SendAsync("t", null, "deleted-key");
                    await queued.SendAsync("t", value, "order-1");
                    await queued.SendAsync("t", value, null);
                    _ = new ProducerMessage("t", value, "order-1");
                    _ = new ProducerMessage("t", value, null);
                }
            }
            """);
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
    }

    [Fact]
    public void AnExplicitKeyForATypeWithKafkaKeyDoesNotCompile()
    {
        var compilation = TestCompilation.Create(Types, """
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            public static class Uses
            {
                public static Task ByInterface(IKafkaExplicitKeyProducer<Order> p, Order o) => p.SendAsync(5, o);

                public static Task ByProducer(IKafkaProducer<Order> p, Order o) => p.SendAsync(5, o);

                public static Task ByGenerated(OrderProducer p, Order o) => p.SendAsync(5, o);
            }
            """);
        var (_, output) = TestCompilation.Run(compilation);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        // The interface's constraint names the requirement; the producers simply have no overload taking a key.
        Assert.Contains(errors, d => d.Id == "CS0311" && d.GetMessage().Contains("IKafkaKeylessMessage<Shop.Order>", StringComparison.Ordinal));
        Assert.Equal(2, errors.Where(d => d.Id == "CS1503").Select(d => d.Location.GetLineSpan().StartLinePosition.Line).Distinct().Count());
        Assert.All(errors, d => Assert.True(d.Id is "CS0311" or "CS1503", d.ToString()));
    }

    [Fact]
    public void A_tombstone_handler_is_a_consumer_like_any_other()
    {
        var compilation = TestCompilation.Create(Types, """
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaConsumer("orders", GroupId = "index")]
            public sealed class OrderIndex : IKafkaTombstoneHandler<Order>
            {
                public Task HandleAsync(KafkaMessage<Order> message, CancellationToken ct) => Task.CompletedTask;

                public Task HandleTombstoneAsync(KafkaTombstone<Order> tombstone, CancellationToken ct) => Task.FromResult(tombstone.GetKey());
            }
            """);
        var (result, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Empty(TestCompilation.Analyze(compilation));
        var registration = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("KafkaTyped.Registration.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("AddConsumer<global::Shop.Order, global::Shop.OrderIndex>", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void GetKeyReadsTheRecordKeyAsTheKeyMembersType()
    {
        var compilation = TestCompilation.Create(Types, """
            using Kafka.Typed;
            namespace Shop;

            public static class Uses
            {
                public static int? FromMessage(KafkaMessage<Order> m) => m.GetKey();

                public static int? FromTombstone(KafkaTombstone<Order> t) => t.GetKey();

                public static byte[]? Raw(KafkaTombstone<AuditEvent> t) => t.Key;
            }
            """);
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);

        var assembly = TestCompilation.Load(output);
        var fromTombstone = assembly.GetType("Shop.Uses")!.GetMethod("FromTombstone")!;
        var tombstoneType = typeof(KafkaTombstone<>).MakeGenericType(assembly.GetType("Shop.Order")!);
        object Tombstone(byte[]? key) => Activator.CreateInstance(tombstoneType, "orders", key, 2, 9L, null, default(DateTimeOffset), 1, "g")!;

        // Big-endian, as the producer (and Java's IntegerSerializer) writes an int key.
        Assert.Equal(256, fromTombstone.Invoke(null, [Tombstone([0, 0, 1, 0])]));
        Assert.Null(fromTombstone.Invoke(null, [Tombstone(null)]));

        // Another writer's key that is not an int: a named, non-retriable error rather than a wrong number.
        var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => fromTombstone.Invoke(null, [Tombstone([1, 2, 3])]));
        var malformed = Assert.IsType<NonRetriableMessageException>(error.InnerException);
        Assert.Contains("orders [2] @9", malformed.Message, StringComparison.Ordinal);
        Assert.Contains("it is 3 bytes, and a big-endian int is 4", malformed.Message, StringComparison.Ordinal);
    }
}

/// <summary>A key member kept out of the value with [JsonIgnore] / [AvroIgnore] (the README's recipe): the key is still written, the payload and schema leave it out.</summary>
public sealed class IgnoredKeyMemberTests
{
    [Fact]
    public void A_key_member_marked_ignored_is_the_record_key_and_not_part_of_the_value()
    {
        var compilation = TestCompilation.Create("""
            using System.Text.Json.Serialization;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.json", Format = KafkaFormat.Json)]
            public partial class JsonOrder
            {
                [KafkaKey, JsonIgnore] public string OrderId { get; set; } = "";
                public decimal Amount { get; set; }
            }

            [KafkaTopic("orders.avro")]
            public partial class AvroOrder
            {
                [KafkaKey, AvroIgnore] public string OrderId { get; set; } = "";
                public decimal Amount { get; set; }
            }

            public static class Probe
            {
                public static byte[]? JsonKey() => Key(new JsonOrder { OrderId = "o-1", Amount = 5m });

                public static string JsonValue()
                {
                    var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                    Serializer<JsonOrder>().Serialize(new JsonOrder { OrderId = "o-1", Amount = 5m }, buffer, new KafkaSerializationContext("orders.json"));
                    return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
                }

                public static string AvroSchema() => AvroOrder.AvroCodec.SchemaJson;

                private static byte[]? Key<T>(T message) where T : IKafkaMessage<T> => T.SerializeKey(message);

                private static IKafkaSerializer<T> Serializer<T>() where T : IKafkaMessage<T> => T.Serializer;
            }
            """);
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Empty(TestCompilation.Analyze(compilation));

        var probe = TestCompilation.Load(output).GetType("Shop.Probe")!;
        Assert.Equal("o-1"u8.ToArray(), (byte[]?)probe.GetMethod("JsonKey")!.Invoke(null, null));
        Assert.Equal("""{"amount":5}""", (string)probe.GetMethod("JsonValue")!.Invoke(null, null)!);
        Assert.DoesNotContain("OrderId", (string)probe.GetMethod("AvroSchema")!.Invoke(null, null)!, StringComparison.Ordinal);
    }
}
