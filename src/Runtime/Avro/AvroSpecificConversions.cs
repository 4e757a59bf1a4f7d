using System.Collections;
using System.ComponentModel;
using System.Numerics;
using Avro;

namespace Kafka.Typed.Avro;

/// <summary>
/// Conversions between a message type's members and the values Apache.Avro's specific reader and writer exchange
/// through <c>ISpecificRecord.Get</c>/<c>Put</c> (logical types as <see cref="AvroDecimal"/>, <see cref="DateTime"/> and
/// <see cref="TimeSpan"/>; arrays as <see cref="IList"/>; maps as <see cref="IDictionary"/>). Called by generated code;
/// not meant for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AvroSpecificConversions
{
    /// <summary>
    /// Parses a generated <c>ISpecificRecord</c>'s schema after replacing Apache.Avro's floating-point
    /// <c>timestamp-millis</c> conversion with an exact one (see the remarks of <see cref="AvroSerde{T}"/>).
    /// </summary>
    /// <param name="json">The schema.</param>
    public static Schema ParseSchema(string json)
    {
        AvroExactLogicalTypes.EnsureRegistered();
        return Schema.Parse(json);
    }

    /// <summary>A <c>decimal</c> logical value with exactly <paramref name="scale"/>, checked like the generated codec checks it.</summary>
    /// <param name="value">The value.</param>
    /// <param name="scale">The schema's scale.</param>
    /// <param name="precision">The schema's precision.</param>
    /// <exception cref="KafkaAvroException">The value has more fractional digits than the scale or more digits than the precision.</exception>
    public static object Decimal(decimal value, int scale, int precision)
        => new AvroDecimal((BigInteger)AvroDecimalConversions.Unscale(value, scale, precision), scale);

    /// <summary>A <see cref="decimal"/> from a <c>decimal</c> logical value.</summary>
    /// <param name="value">An <see cref="AvroDecimal"/> (or a number).</param>
    public static decimal ToDecimal(object value) => value switch
    {
        AvroDecimal d => (decimal)d,
        decimal m => m,
        _ => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A timestamp logical value (UTC <see cref="DateTime"/>).</summary>
    /// <param name="value">The instant.</param>
    public static object Timestamp(DateTimeOffset value) => value.UtcDateTime;

    /// <summary>A timestamp logical value (UTC <see cref="DateTime"/>).</summary>
    /// <param name="value">The instant (converted with <see cref="DateTime.ToUniversalTime"/>).</param>
    public static object Timestamp(DateTime value) => value.ToUniversalTime();

    /// <summary>A <see cref="DateTimeOffset"/> (offset zero) from a timestamp logical value.</summary>
    /// <param name="value">A <see cref="DateTime"/> or <see cref="DateTimeOffset"/>.</param>
    public static DateTimeOffset ToDateTimeOffset(object value) => value switch
    {
        DateTimeOffset o => o.ToUniversalTime(),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d, DateTimeKind.Utc), TimeSpan.Zero),
        _ => throw Unexpected(value, "a timestamp"),
    };

    /// <summary>A UTC <see cref="DateTime"/> from a timestamp logical value.</summary>
    /// <param name="value">A <see cref="DateTime"/> or <see cref="DateTimeOffset"/>.</param>
    public static DateTime ToDateTime(object value) => ToDateTimeOffset(value).UtcDateTime;

    /// <summary>A <c>date</c> logical value (<see cref="DateTime"/> at midnight).</summary>
    /// <param name="value">The date.</param>
    public static object Date(DateOnly value) => value.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>A <see cref="DateOnly"/> from a <c>date</c> logical value.</summary>
    /// <param name="value">A <see cref="DateTime"/>.</param>
    public static DateOnly ToDateOnly(object value) => value switch
    {
        DateTime d => DateOnly.FromDateTime(d),
        DateOnly d => d,
        _ => throw Unexpected(value, "a date"),
    };

    /// <summary>A <c>time-micros</c> logical value (<see cref="TimeSpan"/> after midnight).</summary>
    /// <param name="value">The time of day.</param>
    public static object Time(TimeOnly value) => value.ToTimeSpan();

    /// <summary>A <see cref="TimeOnly"/> from a <c>time-micros</c> logical value.</summary>
    /// <param name="value">A <see cref="TimeSpan"/>.</param>
    public static TimeOnly ToTimeOnly(object value) => value switch
    {
        TimeSpan t => TimeOnly.FromTimeSpan(t),
        TimeOnly t => t,
        _ => throw Unexpected(value, "a time of day"),
    };

    /// <summary>A <see cref="Guid"/> from a <c>uuid</c> logical value.</summary>
    /// <param name="value">A <see cref="Guid"/> or its string.</param>
    public static Guid ToGuid(object value) => value switch
    {
        Guid g => g,
        string s when Guid.TryParse(s, out var g) => g,
        _ => throw Unexpected(value, "a uuid"),
    };

    /// <summary>An enum value from what the specific reader produced (the enum, or its symbol).</summary>
    /// <typeparam name="TEnum">The enum.</typeparam>
    /// <param name="value">The value.</param>
    public static TEnum ToEnum<TEnum>(object value)
        where TEnum : struct, Enum
        => value is TEnum e ? e
            : Enum.TryParse<TEnum>(value.ToString(), ignoreCase: false, out var parsed) ? parsed
            : throw Unexpected(value, "a symbol of " + typeof(TEnum).Name);

    /// <summary>
    /// A new <see cref="IList"/> for the specific writer (a copy: the specific reader may clear and refill the list it gets
    /// from <c>Get</c>, which read-only or fixed-size collections do not allow), or <see langword="null"/>.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items, or <see langword="null"/> (a record the reader has just created).</param>
    /// <param name="convert">Converts each item; <see langword="null"/> when items are written as they are.</param>
    public static IList? List<T>(IEnumerable<T>? items, Func<T, object?>? convert)
    {
        if (items is null)
        {
            return null;
        }

        var result = new List<object?>();
        foreach (var item in items)
        {
            result.Add(convert is null ? item : convert(item));
        }

        return result;
    }

    /// <summary>A <see cref="List{T}"/> from what the specific reader produced for an array.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="value">An <see cref="IEnumerable"/>.</param>
    /// <param name="convert">Converts each item.</param>
    public static List<T> ToList<T>(object value, Func<object, T> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        if (value is not IEnumerable items)
        {
            throw Unexpected(value, "an array");
        }

        var result = new List<T>();
        foreach (var item in items)
        {
            result.Add(convert(item!));
        }

        return result;
    }

    /// <summary>A new <see cref="IDictionary"/> for the specific writer (a copy, as for <see cref="List{T}"/>), or <see langword="null"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="map">The entries, or <see langword="null"/>.</param>
    /// <param name="convert">Converts each value; <see langword="null"/> when values are written as they are.</param>
    public static IDictionary? Map<T>(IEnumerable<KeyValuePair<string, T>>? map, Func<T, object?>? convert)
    {
        if (map is null)
        {
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, item) in map)
        {
            result[key] = convert is null ? item : convert(item);
        }

        return result;
    }

    /// <summary>A <see cref="Dictionary{TKey, TValue}"/> from what the specific reader produced for a map.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">An <see cref="IDictionary"/>.</param>
    /// <param name="convert">Converts each value.</param>
    public static Dictionary<string, T> ToDictionary<T>(object value, Func<object, T> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        if (value is not IDictionary map)
        {
            throw Unexpected(value, "a map");
        }

        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in map)
        {
            result[(string)entry.Key] = convert(entry.Value!);
        }

        return result;
    }

    /// <summary>The exception for a field position that the record does not have.</summary>
    /// <param name="type">The record type.</param>
    /// <param name="position">The position.</param>
    /// <param name="method"><c>Get</c> or <c>Put</c>.</param>
    public static AvroRuntimeException BadPosition(string type, int position, string method)
        => new($"Bad index {position} in {type}.{method}()");

    /// <summary>The exception for an enum symbol position the enum does not have.</summary>
    /// <param name="enumType">The enum type.</param>
    /// <param name="position">The position Apache.Avro's reader passed.</param>
    public static KafkaAvroException BadSymbol(string enumType, int position)
        => new(AvroErrorKind.Corrupt, $"enum symbol position {position} is outside the symbols of {enumType}");

    private static KafkaAvroException Unexpected(object? value, string expected)
        => new(AvroErrorKind.InvalidValue, $"expected {expected} from Apache.Avro's specific reader, got {(value is null ? "null" : value.GetType().Name)}");
}
