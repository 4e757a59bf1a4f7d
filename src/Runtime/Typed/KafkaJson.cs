using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;

namespace Kafka.Typed;

/// <summary>Helpers the generated JSON codecs call. Not meant for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KafkaJson
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>A thread-cached writer reset to <paramref name="output"/>; give it back with <see cref="ReturnWriter"/>.</summary>
    /// <param name="output">Where the JSON goes.</param>
    public static Utf8JsonWriter RentWriter(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null)
        {
            return new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
        }

        t_writer = null;
        writer.Reset(output);
        return writer;
    }

    /// <summary>Flushes the writer and caches it for the thread.</summary>
    /// <param name="writer">A writer from <see cref="RentWriter"/>.</param>
    public static void ReturnWriter(Utf8JsonWriter writer)
    {
        writer.Flush();
        writer.Reset(Stream.Null);
        t_writer = writer;
    }

    /// <summary>Starts reading a JSON object.</summary>
    /// <param name="data">The payload.</param>
    public static Utf8JsonReader StartObject(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read())
        {
            throw new KafkaSerializationException("the payload is empty");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new KafkaSerializationException($"expected a JSON object, found {reader.TokenType}");
        }

        return reader;
    }

    /// <summary>Moves to the next property name of the current object; <see langword="false"/> at its end.</summary>
    /// <param name="reader">The reader.</param>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new KafkaSerializationException("the JSON object is not closed");
        }

        return reader.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>Moves from a property name to its value.</summary>
    /// <param name="reader">The reader.</param>
    public static void Value(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new KafkaSerializationException("a property has no value");
        }
    }

    /// <summary>Skips the value of an unknown property.</summary>
    /// <param name="reader">The reader, on a property name.</param>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        Value(ref reader);
        reader.Skip();
    }

    /// <summary>Whether the current value is JSON <c>null</c>.</summary>
    /// <param name="reader">The reader.</param>
    public static bool IsNull(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null;

    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="member"/> when it is <see langword="null"/>.</summary>
    /// <typeparam name="T">The member type.</typeparam>
    /// <param name="value">The value read (or not).</param>
    /// <param name="member">The JSON name of the member.</param>
    public static T Required<T>(T? value, string member)
        where T : class
        => value ?? throw new KafkaSerializationException($"member '{member}' is missing or null but its type is not nullable");

    /// <summary>Wraps a failure while reading <paramref name="member"/>.</summary>
    /// <param name="member">The JSON name of the member being read.</param>
    /// <param name="inner">The failure.</param>
    public static KafkaSerializationException Failed(string member, Exception inner)
        => inner is KafkaSerializationException k && member.Length == 0
            ? k
            : new KafkaSerializationException(member.Length == 0 ? inner.Message : $"member '{member}': {inner.Message}", inner);

    /// <summary>Starts a JSON array value (or returns <see langword="false"/> for <c>null</c>).</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static bool StartArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new KafkaSerializationException($"expected a JSON array, found {reader.TokenType}");
        }

        return true;
    }

    /// <summary>Moves to the next array element; <see langword="false"/> at the array's end.</summary>
    /// <param name="reader">The reader.</param>
    public static bool NextElement(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new KafkaSerializationException("a JSON array is not closed");
        }

        return reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Reads a <see cref="TimeSpan"/> written by <see cref="WriteTimeSpan"/> (constant format <c>c</c>).</summary>
    /// <param name="reader">The reader.</param>
    public static TimeSpan GetTimeSpan(ref Utf8JsonReader reader)
        => TimeSpan.ParseExact(reader.GetString() ?? string.Empty, "c", CultureInfo.InvariantCulture);

    /// <summary>Writes a <see cref="TimeSpan"/> in the constant format <c>c</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeSpan(Utf8JsonWriter writer, TimeSpan value)
        => writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));

    /// <summary>Reads a <see cref="DateOnly"/> (<c>yyyy-MM-dd</c>).</summary>
    /// <param name="reader">The reader.</param>
    public static DateOnly GetDateOnly(ref Utf8JsonReader reader)
        => DateOnly.ParseExact(reader.GetString() ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Writes a <see cref="DateOnly"/> as <c>yyyy-MM-dd</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateOnly(Utf8JsonWriter writer, DateOnly value)
        => writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    /// <summary>Reads a <see cref="TimeOnly"/> (ISO 8601 <c>HH:mm:ss.fffffff</c>).</summary>
    /// <param name="reader">The reader.</param>
    public static TimeOnly GetTimeOnly(ref Utf8JsonReader reader)
        => TimeOnly.Parse(reader.GetString() ?? string.Empty, CultureInfo.InvariantCulture);

    /// <summary>Writes a <see cref="TimeOnly"/> as <c>HH:mm:ss.fffffff</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeOnly(Utf8JsonWriter writer, TimeOnly value)
        => writer.WriteStringValue(value.ToString("HH:mm:ss.fffffff", CultureInfo.InvariantCulture));

    /// <summary>Reads a single character (a one-character string).</summary>
    /// <param name="reader">The reader.</param>
    public static char GetChar(ref Utf8JsonReader reader)
    {
        var text = reader.GetString();
        return text is { Length: 1 } ? text[0] : throw new KafkaSerializationException($"expected a one-character string, found '{text}'");
    }
}

/// <summary>Helpers the generated key readers call: the byte forms of record keys. Not meant for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class KafkaKeys
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
}
