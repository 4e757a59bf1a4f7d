using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

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
        writer.Reset(DetachedOutput.Instance); // lets go of the caller's buffer; resetting to a Stream allocated a buffer writer each time
        t_writer = writer;
    }

    /// <summary>The output of a cached writer between uses: never written to.</summary>
    internal sealed class DetachedOutput : IBufferWriter<byte>
    {
        public static readonly DetachedOutput Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("A cached JSON writer was used without being rented.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("A cached JSON writer was used without being rented.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("A cached JSON writer was used without being rented.");
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
        => value ?? throw WithPath(member, " is missing or null but its type is not nullable", null);

    /// <summary>
    /// Wraps a failure while reading <paramref name="member"/>. A failure inside a nested object, collection or dictionary
    /// comes out as one message naming the whole path (<c>member 'customer.address.city': ...</c>).
    /// </summary>
    /// <param name="member">The JSON name of the member being read; empty when the failure is not in a member.</param>
    /// <param name="inner">The failure.</param>
    public static KafkaSerializationException Failed(string member, Exception inner)
    {
        if (member.Length == 0)
        {
            return inner as KafkaSerializationException ?? new KafkaSerializationException(inner.Message, inner);
        }

        if (inner is KafkaSerializationException { Data: var data } nested && data[PathKey] is string path && data[TailKey] is string tail)
        {
            return WithPath(member + (path.StartsWith('[') ? string.Empty : ".") + path, tail, nested.InnerException ?? nested);
        }

        return WithPath(member, ": " + inner.Message, inner);
    }

    private const string PathKey = "Kafka.Typed.Json.Path";
    private const string TailKey = "Kafka.Typed.Json.Tail";

    private static KafkaSerializationException WithPath(string path, string tail, Exception? inner)
    {
        var exception = new KafkaSerializationException($"member '{path}'{tail}", inner);
        exception.Data[PathKey] = path;
        exception.Data[TailKey] = tail;
        return exception;
    }

    /// <summary>Starts reading a nested JSON object: the reader must be on its start.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static void ExpectObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new KafkaSerializationException($"expected a JSON object, found {reader.TokenType}");
        }
    }

    /// <summary>Starts a JSON object read as a dictionary (or returns <see langword="false"/> for <c>null</c>).</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static bool StartDictionary(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        ExpectObject(ref reader);
        return true;
    }

    /// <summary>
    /// Writes a <c>[Flags]</c> value that is no single member: its comma-separated member names when every bit has one
    /// (as System.Text.Json's <c>JsonStringEnumConverter</c> writes); <see langword="false"/>, writing nothing, when
    /// some bit has no name (the caller writes the number).
    /// </summary>
    /// <typeparam name="TEnum">The enum type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static bool TryWriteFlagNames<TEnum>(Utf8JsonWriter writer, TEnum value)
        where TEnum : struct, Enum
    {
        var text = value.ToString();
        if (text.Length == 0 || char.IsAsciiDigit(text[0]) || text[0] == '-')
        {
            return false;
        }

        writer.WriteStringValue(text);
        return true;
    }

    /// <summary>The failure of reading an enum from a string that names none of its members.</summary>
    /// <param name="text">The string read.</param>
    /// <param name="enumType">The enum's name.</param>
    public static KafkaSerializationException UnknownEnumName(string? text, string enumType)
        => new($"'{text}' is not a member of {enumType}");

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
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out var written, "c", CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a <see cref="DateOnly"/> (<c>yyyy-MM-dd</c>).</summary>
    /// <param name="reader">The reader.</param>
    public static DateOnly GetDateOnly(ref Utf8JsonReader reader)
        => DateOnly.ParseExact(reader.GetString() ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Writes a <see cref="DateOnly"/> as <c>yyyy-MM-dd</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateOnly(Utf8JsonWriter writer, DateOnly value)
    {
        Span<char> text = stackalloc char[16];
        value.TryFormat(text, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a <see cref="TimeOnly"/> (ISO 8601 <c>HH:mm:ss[.fffffff]</c>).</summary>
    /// <param name="reader">The reader.</param>
    public static TimeOnly GetTimeOnly(ref Utf8JsonReader reader)
        => TimeOnly.Parse(reader.GetString() ?? string.Empty, CultureInfo.InvariantCulture);

    /// <summary>Writes a <see cref="TimeOnly"/> as <c>HH:mm:ss</c>, with <c>.fffffff</c> only when there is a fraction (as System.Text.Json does).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeOnly(Utf8JsonWriter writer, TimeOnly value)
    {
        Span<char> text = stackalloc char[16];
        value.ToTimeSpan().TryFormat(text, out var written, "c", CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a single character (a one-character string).</summary>
    /// <param name="reader">The reader.</param>
    public static char GetChar(ref Utf8JsonReader reader)
    {
        var text = reader.GetString();
        return text is { Length: 1 } ? text[0] : throw new KafkaSerializationException($"expected a one-character string, found '{text}'");
    }
}

/// <summary>
/// The serializer of a JSON message type that names a <c>JsonSerializerContext</c> (<c>[KafkaJson(Context = ...)]</c>):
/// System.Text.Json with the context's source-generated <see cref="JsonTypeInfo{T}"/>, reflection-free. Created by the
/// generated code; not meant for direct use.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class KafkaJsonContextSerializer<T> : IKafkaSerializer<T>
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly JsonTypeInfo<T> _typeInfo;
    private readonly JsonWriterOptions _writerOptions;

    /// <summary>Serializes with <paramref name="typeInfo"/>.</summary>
    /// <param name="typeInfo">The context's metadata of <typeparamref name="T"/> (<c>GetTypeInfo(typeof(T))</c>).</param>
    /// <param name="contextName">The context's name, for the error when it has no metadata of <typeparamref name="T"/>.</param>
    public KafkaJsonContextSerializer(JsonTypeInfo? typeInfo, string contextName)
    {
        _typeInfo = typeInfo as JsonTypeInfo<T>
            ?? throw new InvalidOperationException($"The JSON context '{contextName}' has no metadata of {typeof(T)}; add [JsonSerializable(typeof({typeof(T).Name}))] to it.");
        var options = _typeInfo.Options;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            MaxDepth = options.MaxDepth == 0 ? 64 : options.MaxDepth,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
        };
    }

    /// <inheritdoc />
    public void Serialize(T value, IBufferWriter<byte> output, in KafkaSerializationContext context)
    {
        var writer = t_writer;
        if (writer is null || !WriterFits(writer))
        {
            writer = new Utf8JsonWriter(output, _writerOptions);
        }
        else
        {
            t_writer = null;
            writer.Reset(output);
        }

        try
        {
            JsonSerializer.Serialize(writer, value, _typeInfo);
        }
        finally
        {
            writer.Flush();
            writer.Reset(KafkaJson.DetachedOutput.Instance);
            t_writer = writer;
        }
    }

    private bool WriterFits(Utf8JsonWriter writer)
        => writer.Options.Indented == _writerOptions.Indented && ReferenceEquals(writer.Options.Encoder, _writerOptions.Encoder)
           && writer.Options.MaxDepth == _writerOptions.MaxDepth;

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context)
    {
        try
        {
            return JsonSerializer.Deserialize(data, _typeInfo) ?? throw new KafkaSerializationException("the payload is JSON null");
        }
        catch (JsonException e)
        {
            throw new KafkaSerializationException(e.Message, e);
        }
    }
}
