using System.Net;
using System.Net.Sockets;
using Confluent.SchemaRegistry;
using Kafka.Typed.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Avro;

/// <summary>
/// A Schema Registry outage is not the record's fault: it surfaces as <see cref="KafkaSchemaRegistryException"/>, which the
/// typed consumer retries with backoff, while a corrupt payload is non-retriable and dead-lettered at once.
/// </summary>
public sealed class AvroRegistryOutageTests
{
    [Fact]
    public void UnreachableRegistryIsRetriableAndCorruptPayloadIsNot()
    {
        using var serde = new AvroSerde<Sample>(SampleCodec.Instance, new AvroSerdeOptions
        {
            Registry = new SchemaRegistryConfig { Url = "http://127.0.0.1:" + FreePort(), RequestTimeoutMs = 2000, MaxRetries = 0 },
            RegistryTimeout = TimeSpan.FromSeconds(3),
        });

        // A record written with a schema id this serde has never seen: the writer schema must be fetched, and cannot be.
        byte[] unknownWriter = [0, 0, 0, 0, 42, 2];
        var outage = Assert.Throws<KafkaSchemaRegistryException>(() => serde.Deserialize(unknownWriter, "orders", 3, 17));
        Assert.Contains("42", outage.Message, StringComparison.Ordinal);

        var passedThrough = Assert.Throws<KafkaSchemaRegistryException>(
            () => KafkaConsumerService<TypedSample, NoHandler>.Deserialize(new TypedSampleSerializer(serde), "orders", 3, 17, unknownWriter, null, "TypedSample"));
        Assert.Same(typeof(KafkaSchemaRegistryException), passedThrough.GetType());

        var corrupt = Assert.Throws<NonRetriableMessageException>(
            () => KafkaConsumerService<TypedSample, NoHandler>.Deserialize(new TypedSampleSerializer(serde), "orders", 3, 17, [1, 2, 3], null, "TypedSample"));
        Assert.Contains("offset 17", corrupt.Message, StringComparison.Ordinal);
        Assert.IsType<KafkaAvroException>(corrupt.InnerException);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A hand-written message type over <see cref="Sample"/>'s codec, so the consumer service's deserialization can be driven directly.</summary>
    public sealed class TypedSample : IKafkaMessage<TypedSample>
    {
        public static string Topic => "orders";

        public static IKafkaSerializer<TypedSample> Serializer => throw new NotSupportedException("the test passes its serializer explicitly");

        public static byte[]? SerializeKey(TypedSample message) => null;
    }

    public sealed class NoHandler : IKafkaHandler<TypedSample>
    {
        public Task HandleAsync(KafkaMessage<TypedSample> message, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class TypedSampleSerializer(AvroSerde<Sample> serde) : IKafkaSerializer<TypedSample>
    {
        public void Serialize(TypedSample value, System.Buffers.IBufferWriter<byte> output, in KafkaSerializationContext context) => throw new NotSupportedException();

        public TypedSample Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context)
        {
            serde.Deserialize(data, context.Topic, 3, 17);
            return new TypedSample();
        }
    }
}
