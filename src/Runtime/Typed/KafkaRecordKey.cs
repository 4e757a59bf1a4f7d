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
