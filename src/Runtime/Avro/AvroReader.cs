using System.Buffers.Binary;
using System.Text;

namespace Kafka.Typed.Avro;

/// <summary>
/// Reads Avro binary encoding from a span: the building blocks a generated <see cref="IAvroCodec{T}"/> calls. Every read
/// is bounds-checked; truncated or malformed input throws <see cref="KafkaAvroException"/> (kind
/// <see cref="AvroErrorKind.Truncated"/> or <see cref="AvroErrorKind.Corrupt"/>) and never reads out of range. Lengths and
/// collection sizes are capped by the bytes left, so corrupt input cannot make a codec allocate or loop without bound.
/// </summary>
/// <remarks>
/// Collections: <c>for (var n = r.ReadArrayStart(); n != 0; n = r.ReadArrayNext()) for (var i = 0; i &lt; n; i++) …</c>
/// (the same with <see cref="ReadMapStart"/>/<see cref="ReadMapNext"/>, reading the key string before each value).
/// </remarks>
public ref struct AvroReader
{
    /// <summary>The most items a block may claim when its items can be zero bytes long (for example <c>null</c> items).</summary>
    public const int MaxZeroSizeItems = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>How deeply records may nest (see <see cref="EnterRecord"/>).</summary>
    public const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private int _depth;

    /// <summary>Creates a reader over an Avro body (without the wire-format header).</summary>
    /// <param name="data">The bytes.</param>
    public AvroReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
        _depth = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _pos;

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _data.Length - _pos;

    /// <summary>Throws unless every byte was consumed (trailing bytes mean the payload does not match the schema).</summary>
    /// <exception cref="KafkaAvroException">Bytes are left.</exception>
    public readonly void EnsureEnd()
    {
        if (_pos != _data.Length)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"{_data.Length - _pos} trailing byte(s) after the value (read {_pos} of {_data.Length})");
        }
    }

    /// <summary>Reads an Avro <c>null</c> (no bytes).</summary>
#pragma warning disable CA1822 // Part of the codec-facing API, for symmetry with the writer.
    public void ReadNull()
#pragma warning restore CA1822
    {
    }

    /// <summary>Reads an Avro <c>boolean</c>; a byte other than 0 or 1 is corrupt.</summary>
    public bool ReadBoolean()
    {
        Need(1);
        var b = _data[_pos];
        if (b > 1)
        {
            throw Corrupt($"boolean byte 0x{b:X2} is neither 0 nor 1");
        }

        _pos++;
        return b == 1;
    }

    /// <summary>Reads an Avro <c>int</c>; a varint longer than 5 bytes or outside the 32-bit range is corrupt.</summary>
    public int ReadInt()
    {
        var start = _pos;
        var value = ReadLong();
        if (value is < int.MinValue or > int.MaxValue || _pos - start > 5)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the int at byte {start} is out of the 32-bit range ({value})");
        }

        return (int)value;
    }

    /// <summary>Reads an Avro <c>long</c>; a varint longer than 10 bytes is corrupt.</summary>
    public long ReadLong()
    {
        ulong result = 0;
        var shift = 0;
        var start = _pos;
        while (true)
        {
            if (_pos >= _data.Length)
            {
                throw new KafkaAvroException(AvroErrorKind.Truncated, $"the varint at byte {start} is cut off at byte {_pos} of {_data.Length}");
            }

            var b = _data[_pos++];
            if (shift == 63 && b > 1)
            {
                throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the varint at byte {start} overflows 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the varint at byte {start} is longer than 10 bytes");
            }
        }

        return (long)(result >> 1) ^ -(long)(result & 1);
    }

    /// <summary>Reads an Avro <c>float</c>.</summary>
    public float ReadFloat()
    {
        Need(4);
        var value = BinaryPrimitives.ReadSingleLittleEndian(_data[_pos..]);
        _pos += 4;
        return value;
    }

    /// <summary>Reads an Avro <c>double</c>.</summary>
    public double ReadDouble()
    {
        Need(8);
        var value = BinaryPrimitives.ReadDoubleLittleEndian(_data[_pos..]);
        _pos += 8;
        return value;
    }

    /// <summary>Reads an Avro <c>bytes</c> value without copying; the span is valid as long as the input.</summary>
    public ReadOnlySpan<byte> ReadBytesSpan()
    {
        var length = ReadLength("bytes");
        var value = _data.Slice(_pos, length);
        _pos += length;
        return value;
    }

    /// <summary>Reads an Avro <c>bytes</c> value into a new array.</summary>
    public byte[] ReadBytes() => ReadBytesSpan().ToArray();

    /// <summary>Reads an Avro <c>fixed</c> value of <paramref name="size"/> bytes without copying.</summary>
    /// <param name="size">The schema's size.</param>
    public ReadOnlySpan<byte> ReadFixedSpan(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Need(size);
        var value = _data.Slice(_pos, size);
        _pos += size;
        return value;
    }

    /// <summary>Reads an Avro <c>fixed</c> value of <paramref name="size"/> bytes into a new array.</summary>
    /// <param name="size">The schema's size.</param>
    public byte[] ReadFixed(int size) => ReadFixedSpan(size).ToArray();

    /// <summary>Reads an Avro <c>string</c>; invalid UTF-8 is corrupt.</summary>
    public string ReadString()
    {
        var start = _pos;
        var bytes = ReadBytesSpan();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the string at byte {start} is not valid UTF-8", e);
        }
    }

    /// <summary>Reads an enum symbol's index and checks it against the symbol count.</summary>
    /// <param name="symbolCount">How many symbols the schema's enum has.</param>
    public int ReadEnum(int symbolCount)
    {
        var start = _pos;
        var index = ReadLong();
        if (index < 0 || index >= symbolCount)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"enum index {index} at byte {start} is outside 0 to {symbolCount - 1}");
        }

        return (int)index;
    }

    /// <summary>Reads a union's branch index and checks it against the branch count.</summary>
    /// <param name="branchCount">How many branches the union has.</param>
    public int ReadUnionIndex(int branchCount)
    {
        var start = _pos;
        var index = ReadLong();
        if (index < 0 || index >= branchCount)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"union index {index} at byte {start} is outside 0 to {branchCount - 1}");
        }

        return (int)index;
    }

    /// <summary>Reads the first block count of an array (0: the array is empty).</summary>
    /// <param name="minItemSize">The fewest bytes one item takes (0 for items that can be empty, such as <c>null</c>); caps the count.</param>
    public int ReadArrayStart(int minItemSize = 1) => ReadBlockCount(minItemSize);

    /// <summary>Reads the next block count of an array (0: the array ended).</summary>
    /// <param name="minItemSize">As for <see cref="ReadArrayStart"/>.</param>
    public int ReadArrayNext(int minItemSize = 1) => ReadBlockCount(minItemSize);

    /// <summary>Reads the first block count of a map (0: the map is empty). Each entry is a key string then a value.</summary>
    /// <param name="minValueSize">The fewest bytes one value takes (0 for values that can be empty).</param>
    public int ReadMapStart(int minValueSize = 0) => ReadBlockCount(minValueSize + 1);

    /// <summary>Reads the next block count of a map (0: the map ended).</summary>
    /// <param name="minValueSize">As for <see cref="ReadMapStart"/>.</param>
    public int ReadMapNext(int minValueSize = 0) => ReadBlockCount(minValueSize + 1);

    /// <summary>Reads a <c>decimal</c> logical type over <c>bytes</c>.</summary>
    /// <param name="scale">The schema's scale (0 to 28).</param>
    public decimal ReadDecimal(int scale)
    {
        var start = _pos;
        var bytes = ReadBytesSpan();
        return ToDecimal(bytes, scale, start);
    }

    /// <summary>Reads a <c>decimal</c> logical type over <c>fixed</c>.</summary>
    /// <param name="scale">The schema's scale (0 to 28).</param>
    /// <param name="size">The fixed type's size.</param>
    public decimal ReadDecimalFixed(int scale, int size)
    {
        var start = _pos;
        return ToDecimal(ReadFixedSpan(size), scale, start);
    }

    /// <summary>Reads a <c>uuid</c> logical type (a string); text that is not a UUID is corrupt.</summary>
    public Guid ReadUuid()
    {
        var start = _pos;
        var bytes = ReadBytesSpan();
        Span<char> text = stackalloc char[64];
        if (bytes.Length > 64 || !Encoding.UTF8.TryGetChars(bytes, text, out var chars) || !Guid.TryParse(text[..chars], out var value))
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the uuid at byte {start} is not a UUID string");
        }

        return value;
    }

    /// <summary>Reads a <c>timestamp-millis</c> logical type.</summary>
    public DateTimeOffset ReadTimestampMillis()
    {
        var start = _pos;
        var ms = ReadLong();
        if (ms < -62135596800000L || ms > 253402300799999L)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"timestamp-millis {ms} at byte {start} is outside the range of DateTimeOffset");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>Reads a <c>timestamp-micros</c> logical type.</summary>
    public DateTimeOffset ReadTimestampMicros()
    {
        var start = _pos;
        var us = ReadLong();
        if (us < -62135596800000000L || us > 253402300799999999L)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"timestamp-micros {us} at byte {start} is outside the range of DateTimeOffset");
        }

        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + (us * 10), TimeSpan.Zero);
    }

    /// <summary>Reads a <c>date</c> logical type.</summary>
    public DateOnly ReadDate()
    {
        var start = _pos;
        var days = (long)ReadInt() + AvroDecimalConversions.EpochDayNumber;
        if (days < DateOnly.MinValue.DayNumber || days > DateOnly.MaxValue.DayNumber)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"date at byte {start} is outside the range of DateOnly");
        }

        return DateOnly.FromDayNumber((int)days);
    }

    /// <summary>Reads a <c>time-micros</c> logical type (microseconds after midnight).</summary>
    public TimeOnly ReadTimeMicros()
    {
        var start = _pos;
        var us = ReadLong();
        if (us < 0 || us >= 86_400_000_000L)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"time-micros {us} at byte {start} is outside 0 to 86,399,999,999");
        }

        return new TimeOnly(us * 10);
    }

    /// <summary>Reads an Avro <c>int</c> into a <see cref="short"/>; a value out of its range is invalid.</summary>
    public short ReadInt16() => (short)ReadIntIn(short.MinValue, short.MaxValue, "short");

    /// <summary>Reads an Avro <c>int</c> into a <see cref="ushort"/>; a value out of its range is invalid.</summary>
    public ushort ReadUInt16() => (ushort)ReadIntIn(ushort.MinValue, ushort.MaxValue, "ushort");

    /// <summary>Reads an Avro <c>int</c> into a <see cref="byte"/>; a value out of its range is invalid.</summary>
    public byte ReadByte() => (byte)ReadIntIn(byte.MinValue, byte.MaxValue, "byte");

    /// <summary>Reads an Avro <c>int</c> into an <see cref="sbyte"/>; a value out of its range is invalid.</summary>
    public sbyte ReadSByte() => (sbyte)ReadIntIn(sbyte.MinValue, sbyte.MaxValue, "sbyte");

    /// <summary>Reads an Avro <c>long</c> into a <see cref="uint"/>; a value out of its range is invalid.</summary>
    public uint ReadUInt32()
    {
        var start = _pos;
        var value = ReadLong();
        if (value < uint.MinValue || value > uint.MaxValue)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"long {value} at byte {start} does not fit a uint");
        }

        return (uint)value;
    }

    /// <summary>
    /// Enters a nested record; generated codecs call it for every record below the top level, so a payload that nests a
    /// recursive type deeper than <see cref="MaxDepth"/> fails as corrupt instead of overflowing the stack.
    /// </summary>
    /// <exception cref="KafkaAvroException">Nesting is deeper than <see cref="MaxDepth"/>.</exception>
    public void EnterRecord()
    {
        if (++_depth > MaxDepth)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"records nest deeper than {MaxDepth} levels at byte {_pos}");
        }
    }

    /// <summary>Leaves a nested record entered with <see cref="EnterRecord"/>.</summary>
    public void ExitRecord() => _depth--;

    private int ReadIntIn(int min, int max, string type)
    {
        var start = _pos;
        var value = ReadInt();
        if (value < min || value > max)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"int {value} at byte {start} does not fit a {type}");
        }

        return value;
    }

    /// <summary>The exception for a null where none is allowed, naming <paramref name="member"/>.</summary>
    /// <param name="member">The field (or path) that was null.</param>
    public static KafkaAvroException UnexpectedNull(string member)
        => new(AvroErrorKind.UnexpectedNull, $"field '{member}' is null but its type is not nullable");

    private static decimal ToDecimal(ReadOnlySpan<byte> bytes, int scale, int start)
    {
        if (bytes.Length == 0)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"the decimal at byte {start} has no bytes");
        }

        try
        {
            return AvroDecimalConversions.Scale(bytes, scale);
        }
        catch (KafkaAvroException e)
        {
            throw new KafkaAvroException(e.Kind, $"the decimal at byte {start}: {e.Detail}");
        }
    }

    private int ReadBlockCount(int minItemSize)
    {
        var start = _pos;
        var count = ReadLong();
        if (count < 0)
        {
            // A negative count is followed by the block's size in bytes (which lets readers skip the block).
            if (count == long.MinValue)
            {
                throw new KafkaAvroException(AvroErrorKind.Corrupt, $"block count at byte {start} is out of range");
            }

            count = -count;
            var size = ReadLong();
            if (size < 0 || size > Remaining)
            {
                throw new KafkaAvroException(size < 0 ? AvroErrorKind.Corrupt : AvroErrorKind.Truncated, $"block at byte {start} claims {size} bytes; {Remaining} are left");
            }
        }

        var cap = minItemSize > 0 ? Remaining / minItemSize : MaxZeroSizeItems;
        if (count > cap)
        {
            throw new KafkaAvroException(
                minItemSize > 0 ? AvroErrorKind.Truncated : AvroErrorKind.Corrupt,
                $"block at byte {start} claims {count} items; at most {cap} fit in the {Remaining} byte(s) left");
        }

        return (int)count;
    }

    private int ReadLength(string what)
    {
        var start = _pos;
        var length = ReadLong();
        if (length < 0)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"{what} length {length} at byte {start} is negative");
        }

        if (length > Remaining)
        {
            throw new KafkaAvroException(AvroErrorKind.Truncated, $"{what} at byte {start} claims {length} bytes; {Remaining} are left");
        }

        return (int)length;
    }

    private readonly void Need(int count)
    {
        if (_data.Length - _pos < count)
        {
            throw new KafkaAvroException(AvroErrorKind.Truncated, $"needed {count} byte(s) at byte {_pos}; {_data.Length - _pos} are left");
        }
    }

    private readonly KafkaAvroException Corrupt(string detail) => new(AvroErrorKind.Corrupt, detail);
}
