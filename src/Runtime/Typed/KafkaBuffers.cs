using System.Buffers;

namespace Kafka.Typed;

/// <summary>Thread-cached serialization buffers.</summary>
internal static class KafkaBuffers
{
    private const int MaxCachedCapacity = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        t_buffer = null;
        return buffer;
    }

    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxCachedCapacity)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
    }
}
