using Avro;
using Avro.Util;
using Newtonsoft.Json.Linq;

namespace Kafka.Typed.Avro;

/// <summary>
/// Integer-exact replacements for the Apache.Avro logical-type conversions that go through floating point, and a way to
/// take logical types out of a schema so a resolver moves the stored numbers untouched.
/// </summary>
/// <remarks>
/// Apache.Avro 1.12's <c>timestamp-millis</c> conversion turns a <see cref="DateTime"/> into milliseconds through
/// <see cref="TimeSpan.TotalMilliseconds"/> (a <see cref="double"/>), which lands one millisecond early for about one
/// instant in twenty between the years 1 and 9999 (9999-12-31T23:59:59.999Z becomes .998). Its specific writer, so
/// Confluent's <c>AvroSerializer&lt;T&gt;</c> over a generated <c>ISpecificRecord</c>, converts every timestamp that way.
/// <see cref="EnsureRegistered"/> replaces that conversion in Apache.Avro's <see cref="LogicalTypeFactory"/> (process-wide,
/// once) by one in integer arithmetic that floors like the generated codec and Java's <c>Instant.toEpochMilli</c>. A
/// schema Apache.Avro parsed before the replacement keeps the conversion it was parsed with, so the serdes and the
/// generated <c>_SCHEMA</c> fields call <see cref="EnsureRegistered"/> before parsing.
/// </remarks>
internal static class AvroExactLogicalTypes
{
    /// <summary>
    /// Replaces Apache.Avro's <c>timestamp-millis</c> conversion (floating point) and <c>timestamp-micros</c> conversion
    /// (rounds toward zero, where the codec floors a sub-microsecond instant before the epoch) by exact, flooring ones,
    /// once per process. Returns only after they are registered (a type initializer, so a second caller waits for the first).
    /// </summary>
    public static void EnsureRegistered() => Registration.Done();

    private static class Registration
    {
#pragma warning disable CA1810 // The registration is the point of the type initializer: it runs exactly once, and callers wait for it.
        static Registration()
        {
            LogicalTypeFactory.Instance.Register(new ExactTimestampMillis());
            LogicalTypeFactory.Instance.Register(new ExactTimestampMicros());
        }
#pragma warning restore CA1810

        public static void Done()
        {
        }
    }

    /// <summary>
    /// <paramref name="schema"/> with every <c>logicalType</c> removed (defaults untouched), so Apache.Avro's generic
    /// reader and writer pass the underlying longs, ints and bytes through unconverted.
    /// </summary>
    public static Schema WithoutLogicalTypes(Schema schema)
    {
        var json = JToken.Parse(schema.ToString());
        StripType(json);
        return Schema.Parse(json.ToString(Newtonsoft.Json.Formatting.None));
    }

    private static void StripType(JToken type)
    {
        switch (type)
        {
            case JArray union:
                foreach (var branch in union)
                {
                    StripType(branch);
                }

                break;
            case JObject node:
                node.Remove("logicalType");
                if (node["type"] is { Type: JTokenType.Object or JTokenType.Array } inner)
                {
                    StripType(inner);
                }

                if (node["items"] is { } items)
                {
                    StripType(items);
                }

                if (node["values"] is { } values)
                {
                    StripType(values);
                }

                if (node["fields"] is JArray fields)
                {
                    foreach (var field in fields.OfType<JObject>())
                    {
                        // A field's default is data, not schema: only its type is walked.
                        if (field["type"] is { } fieldType)
                        {
                            StripType(fieldType);
                        }
                    }
                }

                break;
        }
    }

    /// <summary>Apache.Avro's <c>timestamp-millis</c> with the conversion in integer arithmetic (floor, like the codec).</summary>
    private sealed class ExactTimestampMillis : TimestampMillisecond
    {
        public override object ConvertToBaseValue(object logicalValue, LogicalSchema schema)
        {
            // As Apache.Avro: the instant of the DateTime (Local and Unspecified converted with ToUniversalTime).
            var utc = ((DateTime)logicalValue).ToUniversalTime();
            return (utc.Ticks / TimeSpan.TicksPerMillisecond) - (DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMillisecond);
        }

        public override object ConvertToLogicalValue(object baseValue, LogicalSchema schema)
            => new DateTime(DateTime.UnixEpoch.Ticks + ((long)baseValue * TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>Apache.Avro's <c>timestamp-micros</c> with the codec's rounding (floor) for sub-microsecond instants.</summary>
    private sealed class ExactTimestampMicros : TimestampMicrosecond
    {
        public override object ConvertToBaseValue(object logicalValue, LogicalSchema schema)
        {
            var utc = ((DateTime)logicalValue).ToUniversalTime();
            return (utc.Ticks / 10) - (DateTime.UnixEpoch.Ticks / 10);
        }

        public override object ConvertToLogicalValue(object baseValue, LogicalSchema schema)
            => new DateTime(DateTime.UnixEpoch.Ticks + ((long)baseValue * 10), DateTimeKind.Utc);
    }
}
