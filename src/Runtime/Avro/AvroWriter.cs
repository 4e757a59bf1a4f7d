using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Kafka.Typed.Avro;

/// <summary>
/// Writes Avro binary encoding to an <see cref="IBufferWriter{T}"/>: the building blocks a generated
/// <see cref="IAvroCodec{T}"/> calls. It buffers into the writer's span and advances in chunks; call <see cref="Flush"/>
/// when done (<see cref="AvroSerde{T}"/> does). Allocation-free except for what the buffer writer allocates.
/// </summary>
/// <remarks>
/// Collections are written as one block: <see cref="WriteArrayStart"/> (or <see cref="WriteMapStart"/>) with the item
/// count, the items (for a map: key string then value), then <see cref="WriteArrayEnd"/> (or <see cref="WriteMapEnd"/>).
/// Unions: <see cref="WriteUnionIndex"/> then the branch's value. Records: the fields in schema order, nothing else.
/// </remarks>
public ref struct AvroWriter
{
    private const int MinChunk = 256;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _pos;
    private int _depth;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    public AvroWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _pos = 0;
        _depth = 0;
    }

    /// <summary>
    /// Enters a record; generated codecs call it for every record, so an object graph with a cycle (or nesting deeper than
    /// <see cref="AvroReader.MaxDepth"/>, which no reader would accept) fails with <see cref="AvroErrorKind.InvalidValue"/>
    /// instead of overflowing the stack.
    /// </summary>
    /// <exception cref="KafkaAvroException">Nesting is deeper than <see cref="AvroReader.MaxDepth"/>.</exception>
    public void EnterRecord()
    {
        if (++_depth > AvroReader.MaxDepth)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"records nest deeper than {AvroReader.MaxDepth} levels (a cycle in the object graph?); readers refuse such data");
        }
    }

    /// <summary>Leaves a record entered with <see cref="EnterRecord"/>.</summary>
    public void ExitRecord() => _depth--;

    /// <summary>Commits the buffered bytes to the underlying writer. Call it once after the last value.</summary>
    public void Flush()
    {
        if (_pos > 0)
        {
            _output.Advance(_pos);
        }

        _pos = 0;
        _span = default;
    }

    /// <summary>Writes an Avro <c>null</c> (no bytes).</summary>
#pragma warning disable CA1822 // Part of the codec-facing API: a generated codec calls it for symmetry with the reader.
    public void WriteNull()
#pragma warning restore CA1822
    {
    }

    /// <summary>Writes an Avro <c>boolean</c> (one byte, 0 or 1).</summary>
    /// <param name="value">The value.</param>
    public void WriteBoolean(bool value)
    {
        Ensure(1);
        _span[_pos++] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Writes an Avro <c>int</c> (zig-zag varint).</summary>
    /// <param name="value">The value.</param>
    public void WriteInt(int value) => WriteLong(value);

    /// <summary>Writes an Avro <c>long</c> (zig-zag varint, at most 10 bytes).</summary>
    /// <param name="value">The value.</param>
    public void WriteLong(long value)
    {
        Ensure(10);
        var n = (ulong)((value << 1) ^ (value >> 63));
        while (n >= 0x80)
        {
            _span[_pos++] = (byte)(n | 0x80);
            n >>= 7;
        }

        _span[_pos++] = (byte)n;
    }

    /// <summary>Writes an Avro <c>float</c> (4 bytes, little-endian IEEE 754).</summary>
    /// <param name="value">The value.</param>
    public void WriteFloat(float value)
    {
        Ensure(4);
        BinaryPrimitives.WriteSingleLittleEndian(_span[_pos..], value);
        _pos += 4;
    }

    /// <summary>Writes an Avro <c>double</c> (8 bytes, little-endian IEEE 754).</summary>
    /// <param name="value">The value.</param>
    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_span[_pos..], value);
        _pos += 8;
    }

    /// <summary>Writes an Avro <c>bytes</c> value (length, then the bytes).</summary>
    /// <param name="value">The bytes.</param>
    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        WriteLong(value.Length);
        WriteFixed(value);
    }

    /// <summary>Writes an Avro <c>fixed</c> value (the bytes only; the schema fixes the size).</summary>
    /// <param name="value">The bytes.</param>
    public void WriteFixed(scoped ReadOnlySpan<byte> value)
    {
        if (value.Length <= MinChunk * 16)
        {
            Ensure(value.Length);
            value.CopyTo(_span[_pos..]);
            _pos += value.Length;
            return;
        }

        Flush();
        _output.Write(value);
    }

    /// <summary>Writes an Avro <c>string</c> (length, then UTF-8).</summary>
    /// <param name="value">The text.</param>
    /// <exception cref="KafkaAvroException">The text has an unpaired surrogate (not valid UTF-16).</exception>
    public void WriteString(scoped ReadOnlySpan<char> value)
    {
        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, "a string has an unpaired surrogate and cannot be encoded as UTF-8", e);
        }

        WriteLong(byteCount);
        Ensure(byteCount);
        _pos += StrictUtf8.GetBytes(value, _span[_pos..]);
    }

    /// <summary>Writes an Avro <c>string</c>; <see langword="null"/> is rejected (use a union with <c>null</c>).</summary>
    /// <param name="value">The text.</param>
    /// <exception cref="KafkaAvroException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public void WriteString(string value)
    {
        if (value is null)
        {
            throw new KafkaAvroException(AvroErrorKind.UnexpectedNull, "a non-nullable string is null");
        }

        WriteString(value.AsSpan());
    }

    /// <summary>Writes an enum symbol's index (an Avro <c>int</c>).</summary>
    /// <param name="index">The symbol's position in the schema's <c>symbols</c>.</param>
    public void WriteEnum(int index) => WriteLong(index);

    /// <summary>Writes the branch index of a union; the branch's value follows.</summary>
    /// <param name="index">The branch's position in the union, from 0.</param>
    public void WriteUnionIndex(int index) => WriteLong(index);

    /// <summary>Starts an array of <paramref name="count"/> items (nothing is written for 0: call <see cref="WriteArrayEnd"/>).</summary>
    /// <param name="count">The number of items that follow.</param>
    public void WriteArrayStart(int count)
    {
        if (count > 0)
        {
            WriteLong(count);
        }
    }

    /// <summary>Ends an array (the 0 block count).</summary>
    public void WriteArrayEnd() => WriteLong(0);

    /// <summary>Starts a map of <paramref name="count"/> entries; each entry is a key string then the value.</summary>
    /// <param name="count">The number of entries that follow.</param>
    public void WriteMapStart(int count) => WriteArrayStart(count);

    /// <summary>Ends a map (the 0 block count).</summary>
    public void WriteMapEnd() => WriteLong(0);

    /// <summary>Writes a <c>decimal</c> logical type over <c>bytes</c>: the unscaled value, big-endian two's complement, minimal length.</summary>
    /// <param name="value">The value.</param>
    /// <param name="scale">The schema's scale (0 to 28).</param>
    /// <exception cref="KafkaAvroException">The value has more fractional digits than <paramref name="scale"/> allows.</exception>
    public void WriteDecimal(decimal value, int scale) => WriteDecimal(value, scale, AvroDecimalConversions.MaxPrecision);

    /// <summary>
    /// Writes a <c>decimal</c> logical type over <c>bytes</c>, checking the schema's precision: the unscaled value, big-endian
    /// two's complement, minimal length. Allocation-free.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="scale">The schema's scale (0 to 28).</param>
    /// <param name="precision">The schema's precision (1 to 29): the most digits the unscaled value may have.</param>
    /// <exception cref="KafkaAvroException">The value has more fractional digits than <paramref name="scale"/>, more digits than
    /// <paramref name="precision"/>, or an unscaled value that <see cref="decimal"/> could not read back.</exception>
    public void WriteDecimal(decimal value, int scale, int precision)
    {
        var unscaled = AvroDecimalConversions.Unscale(value, scale, precision);
        Span<byte> bytes = stackalloc byte[16];
        var length = AvroDecimalConversions.ToBigEndian(unscaled, bytes);
        WriteLong(length);
        Ensure(length);
        bytes[(16 - length)..].CopyTo(_span[_pos..]);
        _pos += length;
    }

    /// <summary>Writes a <c>decimal</c> logical type over <c>fixed</c>: the unscaled value sign-extended to <paramref name="size"/> bytes.</summary>
    /// <param name="value">The value.</param>
    /// <param name="scale">The schema's scale (0 to 28).</param>
    /// <param name="size">The fixed type's size.</param>
    /// <exception cref="KafkaAvroException">The value does not fit the scale or the size.</exception>
    public void WriteDecimalFixed(decimal value, int scale, int size)
    {
        var unscaled = AvroDecimalConversions.Unscale(value, scale, AvroDecimalConversions.MaxPrecision);
        Span<byte> bytes = stackalloc byte[16];
        var length = AvroDecimalConversions.ToBigEndian(unscaled, bytes);
        if (length > size)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"the decimal {value} needs {length} bytes; the fixed type has {size}");
        }

        Ensure(size);
        var target = _span.Slice(_pos, size);
        target[..(size - length)].Fill(unscaled < 0 ? (byte)0xFF : (byte)0);
        bytes[(16 - length)..].CopyTo(target[(size - length)..]);
        _pos += size;
    }

    /// <summary>Writes a <c>uuid</c> logical type (a string in the 36-character <c>D</c> format, lower case).</summary>
    /// <param name="value">The value.</param>
    public void WriteUuid(Guid value)
    {
        Span<char> text = stackalloc char[36];
        value.TryFormat(text, out _, "D");
        WriteString(text);
    }

    /// <summary>Writes a <c>timestamp-millis</c> logical type (a <c>long</c>: milliseconds since the Unix epoch, UTC).</summary>
    /// <param name="value">The instant.</param>
    public void WriteTimestampMillis(DateTimeOffset value) => WriteLong(value.ToUnixTimeMilliseconds());

    /// <summary>Writes a <c>timestamp-micros</c> logical type (a <c>long</c>: microseconds since the Unix epoch, UTC).</summary>
    /// <param name="value">The instant.</param>
    public void WriteTimestampMicros(DateTimeOffset value) => WriteLong((value.UtcTicks / 10) - (DateTimeOffset.UnixEpoch.UtcTicks / 10)); // floor, as for millis

    /// <summary>Writes a <c>date</c> logical type (an <c>int</c>: days since 1970-01-01).</summary>
    /// <param name="value">The date.</param>
    public void WriteDate(DateOnly value) => WriteInt(value.DayNumber - AvroDecimalConversions.EpochDayNumber);

    /// <summary>Writes a <c>time-micros</c> logical type (microseconds after midnight, a <c>long</c>).</summary>
    /// <param name="value">The time of day.</param>
    public void WriteTimeMicros(TimeOnly value) => WriteLong(value.Ticks / 10);

    /// <summary>Writes a <c>timestamp-millis</c> logical type from a <see cref="DateTime"/> (converted with <see cref="DateTime.ToUniversalTime"/>, as Apache.Avro does: unspecified kinds count as local time).</summary>
    /// <param name="value">The instant.</param>
    public void WriteTimestampMillis(DateTime value) => WriteTimestampMillis(new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero));

    /// <summary>Writes a <c>timestamp-micros</c> logical type from a <see cref="DateTime"/> (converted with <see cref="DateTime.ToUniversalTime"/>).</summary>
    /// <param name="value">The instant.</param>
    public void WriteTimestampMicros(DateTime value) => WriteTimestampMicros(new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero));

    private void Ensure(int count)
    {
        if (_span.Length - _pos >= count)
        {
            return;
        }

        Flush();
        _span = _output.GetSpan(Math.Max(count, MinChunk));
    }
}

/// <summary>Conversions between <see cref="decimal"/> and Avro's unscaled big-endian form.</summary>
internal static class AvroDecimalConversions
{
    public static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>The most digits an unscaled <see cref="decimal"/> can have.</summary>
    public const int MaxPrecision = 29;

    private static readonly UInt128 DecimalMantissaLimit = (UInt128)1 << 96;

    /// <summary>
    /// The unscaled value of <paramref name="value"/> at <paramref name="scale"/>, checked against
    /// <paramref name="precision"/> and against what <see cref="decimal"/> can read back (a 96-bit magnitude).
    /// </summary>
    public static Int128 Unscale(decimal value, int scale, int precision)
    {
        if (scale is < 0 or > 28)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"decimal scale {scale} is outside 0 to 28 (System.Decimal's range)");
        }

        if (precision is < 1 or > MaxPrecision || scale > precision)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"decimal precision {precision} is outside {Math.Max(1, scale)} to {MaxPrecision}");
        }

        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = (UInt128)(uint)bits[0] | ((UInt128)(uint)bits[1] << 32) | ((UInt128)(uint)bits[2] << 64);
        var own = value.Scale;
        if (own > scale)
        {
            var divisor = Pow10(own - scale);
            var quotient = UInt128.DivRem(magnitude, divisor);
            if (quotient.Remainder != 0)
            {
                throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"the decimal {value} has more than {scale} fractional digit(s), the schema's scale");
            }

            magnitude = quotient.Quotient;
        }
        else if (own < scale)
        {
            var factor = Pow10(scale - own);
            if (magnitude > UInt128.MaxValue / factor)
            {
                throw TooManyDigits(value, scale, precision);
            }

            magnitude *= factor;
        }

        if (magnitude >= Pow10(precision))
        {
            throw TooManyDigits(value, scale, precision);
        }

        if (magnitude >= DecimalMantissaLimit)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"the decimal {value} at scale {scale} has an unscaled value over 96 bits, which no System.Decimal reader could read back");
        }

        var signed = (Int128)magnitude;
        return value < 0 ? -signed : signed;
    }

    /// <summary>Writes <paramref name="value"/> as minimal big-endian two's complement at the end of <paramref name="buffer"/> (16 bytes); returns the length.</summary>
    public static int ToBigEndian(Int128 value, Span<byte> buffer)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt128BigEndian(buffer, value);
        var start = 0;

        // Drop leading bytes that only repeat the sign, keeping one whose top bit still carries it.
        while (start < 15
               && ((buffer[start] == 0 && (buffer[start + 1] & 0x80) == 0) || (buffer[start] == 0xFF && (buffer[start + 1] & 0x80) != 0)))
        {
            start++;
        }

        return 16 - start;
    }

    private static UInt128 Pow10(int exponent)
    {
        UInt128 result = 1;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }

    private static KafkaAvroException TooManyDigits(decimal value, int scale, int precision)
        => new(AvroErrorKind.InvalidValue, $"the decimal {value} at scale {scale} has more than {precision} digit(s), the schema's precision");

    public static decimal Scale(ReadOnlySpan<byte> bigEndianTwosComplement, int scale)
    {
        if (scale is < 0 or > 28)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"decimal scale {scale} is outside 0 to 28 (System.Decimal's range)");
        }

        var unscaled = new BigInteger(bigEndianTwosComplement, isUnsigned: false, isBigEndian: true);
        var negative = unscaled.Sign < 0;
        var magnitude = BigInteger.Abs(unscaled);
        if (magnitude.GetBitLength() > 96)
        {
            throw new KafkaAvroException(AvroErrorKind.InvalidValue, $"the decimal's unscaled value has {magnitude.GetBitLength()} bits; System.Decimal holds 96");
        }

        var lo = (int)(uint)(magnitude & uint.MaxValue);
        var mid = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var hi = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        return new decimal(lo, mid, hi, negative, (byte)scale);
    }
}
