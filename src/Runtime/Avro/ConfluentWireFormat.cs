using System.Buffers;
using System.Buffers.Binary;

namespace Kafka.Typed.Avro;

/// <summary>
/// Confluent's wire format for Schema Registry payloads: byte 0 is the magic byte 0, bytes 1 to 4 the schema id
/// (big-endian, signed 32-bit), then the serialized body (Avro binary for Avro).
/// </summary>
public static class ConfluentWireFormat
{
    /// <summary>The magic byte that starts every payload.</summary>
    public const byte MagicByte = 0;

    /// <summary>The header's length: the magic byte and the 4-byte schema id.</summary>
    public const int HeaderLength = 5;

    /// <summary>Writes the header into the first <see cref="HeaderLength"/> bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="HeaderLength"/> bytes.</param>
    /// <param name="schemaId">The schema id.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the header.</exception>
    public static void WriteHeader(Span<byte> destination, int schemaId)
    {
        if (destination.Length < HeaderLength)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; the header needs {HeaderLength}.", nameof(destination));
        }

        destination[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(destination[1..], schemaId);
    }

    /// <summary>Writes the header to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="schemaId">The schema id.</param>
    public static void WriteHeader(IBufferWriter<byte> output, int schemaId)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteHeader(output.GetSpan(HeaderLength), schemaId);
        output.Advance(HeaderLength);
    }

    /// <summary>Reads and validates the header; returns the schema id and the body after the header.</summary>
    /// <param name="payload">The whole record value.</param>
    /// <param name="body">The bytes after the header.</param>
    /// <returns>The schema id.</returns>
    /// <exception cref="KafkaAvroException">The payload is shorter than the header, or byte 0 is not the magic byte.</exception>
    public static int ReadHeader(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> body)
    {
        if (!TryReadHeader(payload, out var schemaId, out body, out var error))
        {
            throw error!;
        }

        return schemaId;
    }

    /// <summary>Reads the header without throwing.</summary>
    /// <param name="payload">The whole record value.</param>
    /// <param name="schemaId">The schema id, when valid.</param>
    /// <param name="body">The bytes after the header, when valid.</param>
    /// <param name="error">Why the header is invalid, when it is.</param>
    /// <returns>Whether the header is valid.</returns>
    public static bool TryReadHeader(ReadOnlySpan<byte> payload, out int schemaId, out ReadOnlySpan<byte> body, out KafkaAvroException? error)
    {
        schemaId = 0;
        body = default;
        if (payload.Length > 0 && payload[0] != MagicByte)
        {
            error = new KafkaAvroException(AvroErrorKind.WrongMagicByte, $"byte 0 is 0x{payload[0]:X2}, expected 0x00 (is the value in Confluent's wire format, written by a Schema Registry serializer?)");
            return false;
        }

        if (payload.Length < HeaderLength)
        {
            error = new KafkaAvroException(AvroErrorKind.TooShort, $"the payload has {payload.Length} byte(s); the header alone needs {HeaderLength}");
            return false;
        }

        schemaId = BinaryPrimitives.ReadInt32BigEndian(payload[1..]);
        body = payload[HeaderLength..];
        error = null;
        return true;
    }
}
