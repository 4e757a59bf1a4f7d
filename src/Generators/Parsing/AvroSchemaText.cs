using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Kafka.Typed.Generators.Model;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Writes a message's Avro schema as compact JSON: each named type defined where it first appears and referred to by
/// its full name after that, every record and enum with an explicit namespace.
/// </summary>
internal static class AvroSchemaText
{
    public static string Write(IReadOnlyList<AvroRecordSpec> records, IReadOnlyList<AvroEnumSpec> enums, IReadOnlyList<AvroTypeMapper.RecordExtras> extras, int root)
    {
        var builder = new StringBuilder();
        var defined = new HashSet<string>();
        var context = new Context(records, enums, extras, defined);
        WriteRecord(builder, root, context);
        return builder.ToString();
    }

    private sealed class Context
    {
        public Context(IReadOnlyList<AvroRecordSpec> records, IReadOnlyList<AvroEnumSpec> enums, IReadOnlyList<AvroTypeMapper.RecordExtras> extras, HashSet<string> defined)
        {
            Records = records;
            Enums = enums;
            Extras = extras;
            Defined = defined;
        }

        public IReadOnlyList<AvroRecordSpec> Records { get; }

        public IReadOnlyList<AvroEnumSpec> Enums { get; }

        public IReadOnlyList<AvroTypeMapper.RecordExtras> Extras { get; }

        public HashSet<string> Defined { get; }
    }

    private static void WriteRecord(StringBuilder b, int index, Context context)
    {
        var record = context.Records[index];
        var extras = context.Extras[index];
        context.Defined.Add(record.Key);
        b.Append("{\"type\":\"record\",\"name\":").Append(Quote(extras.Name));
        if (extras.Namespace.Length > 0 || context.Defined.Count > 1)
        {
            // Nested definitions always carry their namespace, an empty one too: otherwise a type from the global
            // namespace would take the enclosing record's.
            b.Append(",\"namespace\":").Append(Quote(extras.Namespace));
        }

        b.Append(",\"fields\":[");
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var field = record.Fields[i];
            if (i > 0)
            {
                b.Append(',');
            }

            b.Append("{\"name\":").Append(Quote(field.Name)).Append(",\"type\":");
            WriteType(b, field.Type, context);
            if (i < extras.Defaults.Count && extras.Defaults[i] is { } json)
            {
                b.Append(",\"default\":").Append(json);
            }

            b.Append('}');
        }

        b.Append("]}");
    }

    private static void WriteType(StringBuilder b, AvroTypeSpec type, Context context)
    {
        if (type.IsNullable)
        {
            b.Append("[\"null\",");
            WriteNonNull(b, type, context);
            b.Append(']');
        }
        else
        {
            WriteNonNull(b, type, context);
        }
    }

    private static void WriteNonNull(StringBuilder b, AvroTypeSpec type, Context context)
    {
        switch (type.Kind)
        {
            case AvroKind.Boolean: b.Append("\"boolean\""); break;
            case AvroKind.Int: b.Append("\"int\""); break;
            case AvroKind.Long: b.Append("\"long\""); break;
            case AvroKind.Float: b.Append("\"float\""); break;
            case AvroKind.Double: b.Append("\"double\""); break;
            case AvroKind.String: b.Append("\"string\""); break;
            case AvroKind.Bytes: b.Append("\"bytes\""); break;
            case AvroKind.Uuid: b.Append("{\"type\":\"string\",\"logicalType\":\"uuid\"}"); break;
            case AvroKind.TimestampMillis: b.Append("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}"); break;
            case AvroKind.TimestampMicros: b.Append("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}"); break;
            case AvroKind.Date: b.Append("{\"type\":\"int\",\"logicalType\":\"date\"}"); break;
            case AvroKind.TimeMicros: b.Append("{\"type\":\"long\",\"logicalType\":\"time-micros\"}"); break;
            case AvroKind.Decimal:
                b.Append("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":")
                    .Append(type.Precision.ToString(CultureInfo.InvariantCulture))
                    .Append(",\"scale\":").Append(type.Scale.ToString(CultureInfo.InvariantCulture)).Append('}');
                break;
            case AvroKind.Array:
                b.Append("{\"type\":\"array\",\"items\":");
                WriteType(b, type.Item!, context);
                b.Append('}');
                break;
            case AvroKind.Map:
                b.Append("{\"type\":\"map\",\"values\":");
                WriteType(b, type.Item!, context);
                b.Append('}');
                break;
            case AvroKind.Enum:
                var e = context.Enums.First(x => x.Key == type.Named);
                if (!context.Defined.Add(e.Key))
                {
                    b.Append(Quote(e.FullName));
                    break;
                }

                var dot = e.FullName.LastIndexOf('.');
                b.Append("{\"type\":\"enum\",\"name\":").Append(Quote(dot < 0 ? e.FullName : e.FullName.Substring(dot + 1)));
                b.Append(",\"namespace\":").Append(Quote(dot > 0 ? e.FullName.Substring(0, dot) : string.Empty));

                b.Append(",\"symbols\":[").Append(string.Join(",", e.Symbols.Select(Quote))).Append(']');
                if (e.Default is { } symbol)
                {
                    b.Append(",\"default\":").Append(Quote(symbol));
                }

                b.Append('}');
                break;
            case AvroKind.Record:
                var index = IndexOf(context.Records, type.Named!);
                if (context.Defined.Contains(type.Named!))
                {
                    b.Append(Quote(context.Records[index].FullName));
                }
                else
                {
                    WriteRecord(b, index, context);
                }

                break;
        }
    }

    private static int IndexOf(IReadOnlyList<AvroRecordSpec> records, string key)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A JSON string literal.</summary>
    public static string Quote(string text)
    {
        var b = new StringBuilder(text.Length + 2);
        WriteString(b, text);
        return b.ToString();
    }

    /// <summary>A JSON string literal: quotes, backslashes and control characters escaped, everything else as is (UTF-8 when saved).</summary>
    private static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
