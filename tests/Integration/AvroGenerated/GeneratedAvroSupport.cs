using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using Avro;
using Avro.Generic;
using Kafka.Typed.Avro;
using Xunit;
using AvroDecimal = Avro.AvroDecimal;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>Structural equality for the tests' message values, failing with the member path.</summary>
public static class Deep
{
    public static void Equal(object? expected, object? actual, string path = "value")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        switch (expected)
        {
            case string s:
                Assert.True(actual is string a && string.Equals(s, a, StringComparison.Ordinal), $"{path}: expected \"{s}\", got {Show(actual)}");
                return;
            case double d:
                Assert.True(actual is double ad && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(ad), $"{path}: expected {d:R}, got {Show(actual)}");
                return;
            case float f:
                Assert.True(actual is float af && BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits(af), $"{path}: expected {f:R}, got {Show(actual)}");
                return;
            case DateTime dt:
                // Avro timestamps are instants; the codec reads them back as UTC.
                Assert.True(actual is DateTime adt && adt.Kind == DateTimeKind.Utc && adt == dt.ToUniversalTime(), $"{path}: expected {dt:O} ({dt.Kind}), got {Show(actual)}");
                return;
            case DateTimeOffset dto:
                Assert.True(actual is DateTimeOffset adto && adto.UtcTicks == dto.UtcTicks, $"{path}: expected instant {dto:O}, got {Show(actual)}");
                return;
            case IDictionary map:
                var other = Assert.IsAssignableFrom<IDictionary>(actual);
                Assert.True(map.Count == other.Count, $"{path}: expected {map.Count} entries, got {other.Count}");
                foreach (DictionaryEntry entry in map)
                {
                    Assert.True(other.Contains(entry.Key), $"{path}: key '{entry.Key}' missing");
                    Equal(entry.Value, other[entry.Key], $"{path}[\"{entry.Key}\"]");
                }

                return;
            case IEnumerable sequence:
                var left = sequence.Cast<object?>().ToList();
                var right = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
                Assert.True(left.Count == right.Count, $"{path}: expected {left.Count} items, got {right.Count}");
                for (var i = 0; i < left.Count; i++)
                {
                    Equal(left[i], right[i], $"{path}[{i}]");
                }

                return;
        }

        var type = expected.GetType();
        if (type.IsPrimitive || type.IsEnum || expected is decimal or Guid or DateOnly or TimeOnly)
        {
            Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        Assert.Equal(type, actual.GetType());
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                Equal(property.GetValue(expected), property.GetValue(actual), path + "." + property.Name);
            }
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        DateTime dt => $"{dt:O} ({dt.Kind})",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture) + $" ({value.GetType().Name})",
        _ => value.ToString() ?? value.GetType().Name,
    };
}

/// <summary>Converts a message value to the Apache.Avro generic form Confluent's serializer takes, driven by the schema; and compares generic values.</summary>
public static class GenericOf
{
    public static GenericRecord Record(object value, RecordSchema schema) => (GenericRecord)Convert(value, schema)!;

    public static object? Convert(object? value, Schema schema)
    {
        switch (schema)
        {
            case UnionSchema union:
                Assert.Equal(Schema.Type.Null, union.Schemas[0].Tag);
                return value is null ? null : Convert(value, union.Schemas[1]);
            case RecordSchema record:
            {
                Assert.NotNull(value);
                var result = new GenericRecord(record);
                foreach (var field in record.Fields)
                {
                    result.Add(field.Name, Convert(PropertyFor(value!.GetType(), field.Name).GetValue(value), field.Schema));
                }

                return result;
            }

            case EnumSchema e:
                return new GenericEnum(e, value!.ToString());
            case ArraySchema array:
                return ((IEnumerable)value!).Cast<object?>().Select(item => Convert(item, array.ItemSchema)).ToArray();
            case MapSchema map:
            {
                var result = new Dictionary<string, object?>();
                foreach (DictionaryEntry entry in (IDictionary)value!)
                {
                    result[(string)entry.Key] = Convert(entry.Value, map.ValueSchema);
                }

                return result;
            }

            case LogicalSchema logical:
                return logical.LogicalTypeName switch
                {
                    "decimal" => Decimal((decimal)value!, System.Convert.ToInt32(logical.GetProperty("scale"), CultureInfo.InvariantCulture)),
                    "uuid" => (Guid)value!,
                    "timestamp-millis" or "timestamp-micros" => value is DateTimeOffset o ? o.UtcDateTime : ((DateTime)value!).ToUniversalTime(),
                    "date" => ((DateOnly)value!).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                    "time-micros" => ((TimeOnly)value!).ToTimeSpan(),
                    _ => throw new NotSupportedException(logical.LogicalTypeName),
                };
            case PrimitiveSchema primitive:
                return primitive.Tag switch
                {
                    Schema.Type.Int => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
                    Schema.Type.Long => System.Convert.ToInt64(value, CultureInfo.InvariantCulture),
                    _ => value,
                };
            default:
                throw new NotSupportedException(schema.ToString());
        }
    }

    public static AvroDecimal Decimal(decimal value, int scale)
    {
        var text = value.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).Replace(".", "", StringComparison.Ordinal);
        return new AvroDecimal(BigInteger.Parse(text, CultureInfo.InvariantCulture), scale);
    }

    /// <summary>Asserts that a generic value read by Confluent equals the one converted from the message value.</summary>
    public static void Equal(object? expected, object? actual, string path = "record")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        switch (expected)
        {
            case GenericRecord record:
                var other = Assert.IsType<GenericRecord>(actual);
                Assert.Equal(record.Schema.Fullname, other.Schema.Fullname);
                foreach (var field in record.Schema.Fields)
                {
                    Assert.True(other.TryGetValue(field.Name, out var value), $"{path}.{field.Name} missing");
                    Equal(record[field.Name], value, path + "." + field.Name);
                }

                return;
            case GenericEnum e:
                Assert.True(actual is GenericEnum ae && ae.Value == e.Value, $"{path}: expected {e.Value}, got {actual}");
                return;
            case AvroDecimal d:
                Assert.True(actual is AvroDecimal ad && ad.UnscaledValue == d.UnscaledValue && ad.Scale == d.Scale, $"{path}: expected {d}, got {actual}");
                return;
            case DateTime dt:
                Assert.True(actual is DateTime adt && adt.ToUniversalTime().Ticks == dt.Ticks, $"{path}: expected {dt:O}, got {actual}");
                return;
            case string s:
                Assert.True(actual is string a && a == s, $"{path}: expected \"{s}\", got {actual}");
                return;
            case IDictionary map:
                var otherMap = Assert.IsAssignableFrom<IDictionary>(actual);
                Assert.Equal(map.Count, otherMap.Count);
                foreach (DictionaryEntry entry in map)
                {
                    Equal(entry.Value, otherMap[entry.Key], $"{path}[\"{entry.Key}\"]");
                }

                return;
            case IEnumerable sequence:
                var left = sequence.Cast<object?>().ToList();
                var right = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
                Assert.True(left.Count == right.Count, $"{path}: expected {left.Count} items, got {right.Count}");
                for (var i = 0; i < left.Count; i++)
                {
                    Equal(left[i], right[i], $"{path}[{i}]");
                }

                return;
            default:
                Assert.True(expected.GetType() == actual.GetType() && expected.Equals(actual), $"{path}: expected {expected} ({expected.GetType().Name}), got {actual} ({actual.GetType().Name})");
                return;
        }
    }

    private static PropertyInfo PropertyFor(Type type, string field)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<AvroIgnoreAttribute>() is not null)
            {
                continue;
            }

            var rename = property.GetCustomAttribute<AvroNameAttribute>()?.Name
                ?? type.GetConstructors().SelectMany(c => c.GetParameters()).FirstOrDefault(p => p.Name == property.Name)?.GetCustomAttribute<AvroNameAttribute>()?.Name;
            if ((rename ?? property.Name) == field)
            {
                return property;
            }
        }

        throw new InvalidOperationException($"{type.Name} has no property for Avro field '{field}'");
    }
}

/// <summary>Bytes of the Avro body only (no header), through the generated codec.</summary>
public static class Body
{
    public static byte[] Of<T>(IAvroCodec<T> codec, T value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        codec.Write(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static T Read<T>(IAvroCodec<T> codec, ReadOnlySpan<byte> body)
    {
        var reader = new AvroReader(body);
        var value = codec.Read(ref reader);
        reader.EnsureEnd();
        return value;
    }
}
