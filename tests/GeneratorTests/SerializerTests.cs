using System.Buffers;
using System.Text.Json.Serialization;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

public sealed record JsonDto(string Name, int Count);

[JsonSerializable(typeof(JsonDto))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>The runtime serializer pieces the generated code and users plug in.</summary>
public sealed class SerializerTests
{
    [Fact]
    public void JsonKafkaSerializerRoundTripsWithSourceGeneratedMetadata()
    {
        var serializer = new JsonKafkaSerializer<JsonDto>(TestJsonContext.Default.JsonDto);
        var context = new KafkaSerializationContext("dtos");
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(new JsonDto("a", 2), buffer, context);
        serializer.Serialize(new JsonDto("b", 3), new ArrayBufferWriter<byte>(), context); // the cached writer is reused safely
        Assert.Equal("""{"Name":"a","Count":2}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(new JsonDto("a", 2), serializer.Deserialize(buffer.WrittenSpan, context));
        Assert.Throws<KafkaSerializationException>(() => serializer.Deserialize("null"u8, context));
    }

    [Fact]
    public void KeysUseTheJavaAndConfluentByteForms()
    {
        Assert.Equal([0x00, 0x00, 0x01, 0x02], KafkaKeys.BigEndian(258));
        Assert.Equal([0x01, 0x02], KafkaKeys.BigEndian((short)258));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0x01, 0x02], KafkaKeys.BigEndian(258L));
        Assert.Equal("o-1"u8.ToArray(), KafkaKeys.Utf8("o-1"));
        Assert.Null(KafkaKeys.Utf8(null));
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e"u8.ToArray(), KafkaKeys.Guid(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")));
    }
}
