using System.Buffers.Binary;
using System.ComponentModel;
using System.Text;

namespace Kafka.Typed;

/// <summary>
/// A record key given with a send, in one of the key types Kafka.Typed writes: <see cref="string"/> (UTF-8),
/// <see cref="byte"/>[] (as is), <see cref="Guid"/> (its text), <see cref="short"/>, <see cref="int"/>, <see cref="long"/>
/// (big-endian, as Java's serializers write them), and their nullable forms (<see langword="null"/> means no key). Each
/// converts implicitly, so a call reads <c>producer.SendAsync("customer-42", message)</c>; the bytes are the ones a
/// <see cref="KafkaKeyAttribute"/> member of that type would give.
/// </summary>
public readonly struct KafkaRecordKey : IEquatable<KafkaRecordKey>
{
    private KafkaRecordKey(byte[]? bytes) => Bytes = bytes;

    /// <summary>No key (the partitioner then spreads records; a compacted topic refuses them).</summary>
    public static KafkaRecordKey None => default;

    /// <summary>The key bytes, or <see langword="null"/> for no key.</summary>
    public byte[]? Bytes { get; }

    /// <summary>Whether this is no key at all.</summary>
    public bool IsNone => Bytes is null;

    /// <summary>A UTF-8 string key; <see langword="null"/> for no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(string? key) => FromString(key);

    /// <summary>A key of raw bytes (not copied: do not change the array until the send completes); <see langword="null"/> for no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(byte[]? key) => FromBytes(key);

    /// <summary>A <see cref="Guid"/> key, written as its text (<c>D</c> format).</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(Guid key) => FromGuid(key);

    /// <summary>A <see cref="Guid"/> key, or no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(Guid? key) => key is { } k ? FromGuid(k) : None;

    /// <summary>A big-endian 16-bit key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(short key) => FromInt16(key);

    /// <summary>A big-endian 16-bit key, or no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(short? key) => key is { } k ? FromInt16(k) : None;

    /// <summary>A big-endian 32-bit key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(int key) => FromInt32(key);

    /// <summary>A big-endian 32-bit key, or no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(int? key) => key is { } k ? FromInt32(k) : None;

    /// <summary>A big-endian 64-bit key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(long key) => FromInt64(key);

    /// <summary>A big-endian 64-bit key, or no key.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator KafkaRecordKey(long? key) => key is { } k ? FromInt64(k) : None;

    /// <summary>Whether two keys have the same bytes.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator ==(KafkaRecordKey left, KafkaRecordKey right) => left.Equals(right);

    /// <summary>Whether two keys differ.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator !=(KafkaRecordKey left, KafkaRecordKey right) => !left.Equals(right);

    /// <summary>A UTF-8 string key; <see langword="null"/> for no key.</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromString(string? key) => new(KafkaKeys.Utf8(key));

    /// <summary>A key of raw bytes; <see langword="null"/> for no key.</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromBytes(byte[]? key) => new(key);

    /// <summary>A <see cref="Guid"/> key, written as its text (<c>D</c> format).</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromGuid(Guid key) => new(KafkaKeys.Guid(key));

    /// <summary>A big-endian 16-bit key.</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromInt16(short key) => new(KafkaKeys.BigEndian(key));

    /// <summary>A big-endian 32-bit key.</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromInt32(int key) => new(KafkaKeys.BigEndian(key));

    /// <summary>A big-endian 64-bit key.</summary>
    /// <param name="key">The key.</param>
    public static KafkaRecordKey FromInt64(long key) => new(KafkaKeys.BigEndian(key));

    /// <inheritdoc />
    public bool Equals(KafkaRecordKey other)
        => Bytes is null ? other.Bytes is null : other.Bytes is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KafkaRecordKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        if (Bytes is null)
        {
            return 0;
        }

        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => Bytes is null ? "(no key)" : $"{Bytes.Length} bytes";
}

// The readers of record keys, the inverse of the writers: what a generated GetKey() calls.
public static partial class KafkaKeys
{
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
