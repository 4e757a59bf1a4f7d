using System.Buffers.Binary;
using System.ComponentModel;
using System.Text;

namespace Kafka.Typed;

/// <summary>Helpers the generated key readers call: the byte forms of record keys. Not meant for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KafkaKeys
{
    /// <summary>UTF-8 bytes of <paramref name="value"/>, or <see langword="null"/>.</summary>
    /// <param name="value">The key.</param>
    public static byte[]? Utf8(string? value) => value is null ? null : System.Text.Encoding.UTF8.GetBytes(value);

    /// <summary>UTF-8 bytes of the <c>D</c> format of <paramref name="value"/>.</summary>
    /// <param name="value">The key.</param>
    public static byte[] Guid(Guid value) => System.Text.Encoding.UTF8.GetBytes(value.ToString("D"));

    /// <summary>Big-endian bytes (the Java/Confluent <c>ShortSerializer</c> form).</summary>
    /// <param name="value">The key.</param>
    public static byte[] BigEndian(short value)
    {
        var bytes = new byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Big-endian bytes (the Java/Confluent <c>IntegerSerializer</c> form).</summary>
    /// <param name="value">The key.</param>
    public static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Big-endian bytes (the Java/Confluent <c>LongSerializer</c> form).</summary>
    /// <param name="value">The key.</param>
    public static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    // The readers of record keys, the inverse of the writers: what a generated GetKey() calls.

    /// <summary>The key as UTF-8 text, or <see langword="null"/> when the record has no key.</summary>
    /// <param name="key">The key bytes.</param>
    /// <param name="record">The record, named in the error (its <c>ToString()</c>: topic, partition, offset).</param>
    /// <exception cref="NonRetriableMessageException">The bytes are not UTF-8.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static string? ReadUtf8(byte[]? key, object record)
    {
        if (key is null)
        {
            return null;
        }

        try
        {
            return StrictUtf8.GetString(key);
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed(record, "string", $"the {key.Length} bytes are not valid UTF-8", e);
        }
    }

    /// <summary>The key as a <see cref="System.Guid"/> written as text, or <see langword="null"/> when the record has no key.</summary>
    /// <param name="key">The key bytes.</param>
    /// <param name="record">The record, named in the error.</param>
    /// <exception cref="NonRetriableMessageException">The bytes are not a GUID's text.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Guid? ReadGuid(byte[]? key, object record)
    {
        if (key is null)
        {
            return null;
        }

        Span<char> text = stackalloc char[68];
        if (key.Length <= 68 && Encoding.UTF8.TryGetChars(key, text, out var written) && System.Guid.TryParse(text[..written], out var value))
        {
            return value;
        }

        throw Malformed(record, "Guid", $"the {key.Length} bytes are not the text of a GUID", null);
    }

    /// <summary>The key as a big-endian 16-bit integer, or <see langword="null"/> when the record has no key.</summary>
    /// <param name="key">The key bytes.</param>
    /// <param name="record">The record, named in the error.</param>
    /// <exception cref="NonRetriableMessageException">The key is not 2 bytes long.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static short? ReadInt16(byte[]? key, object record)
        => key is null ? null : key.Length == 2 ? BinaryPrimitives.ReadInt16BigEndian(key) : throw WrongLength(record, "short", 2, key.Length);

    /// <summary>The key as a big-endian 32-bit integer, or <see langword="null"/> when the record has no key.</summary>
    /// <param name="key">The key bytes.</param>
    /// <param name="record">The record, named in the error.</param>
    /// <exception cref="NonRetriableMessageException">The key is not 4 bytes long.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int? ReadInt32(byte[]? key, object record)
        => key is null ? null : key.Length == 4 ? BinaryPrimitives.ReadInt32BigEndian(key) : throw WrongLength(record, "int", 4, key.Length);

    /// <summary>The key as a big-endian 64-bit integer, or <see langword="null"/> when the record has no key.</summary>
    /// <param name="key">The key bytes.</param>
    /// <param name="record">The record, named in the error.</param>
    /// <exception cref="NonRetriableMessageException">The key is not 8 bytes long.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static long? ReadInt64(byte[]? key, object record)
        => key is null ? null : key.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(key) : throw WrongLength(record, "long", 8, key.Length);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static NonRetriableMessageException WrongLength(object record, string type, int expected, int actual)
        => Malformed(record, type, $"it is {actual} bytes, and a big-endian {type} is {expected}", null);

    private static NonRetriableMessageException Malformed(object record, string type, string reason, Exception? inner)
        => new($"The key of the record at {record} cannot be read as a {type} key: {reason}.", inner);
}
