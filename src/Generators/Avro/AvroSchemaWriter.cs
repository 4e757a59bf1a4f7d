using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Kafka.Typed.Generators.Avro
{
    /// <summary>
    /// Writes schemas as text: pretty-printed JSON for committed <c>.avsc</c> files, and the Avro "Parsing Canonical
    /// Form" used to tell whether two schemas describe the same data.
    /// </summary>
    internal static class AvroSchemaWriter
    {
        /// <summary>
        /// Checks that <paramref name="schemaJson"/> is a valid schema and pretty-prints it: 2-space indent, '\n' line
        /// ends, property order kept, arrays of scalars (e.g. unions of type names, enum symbols) on one line, no
        /// trailing newline.
        /// </summary>
        /// <exception cref="AvroSchemaException">Bad JSON or an invalid schema.</exception>
        public static string Format(string schemaJson)
        {
            var json = JsonNode.Parse(schemaJson);
            AvroSchema.Parse(json);
            return Format(json);
        }

        /// <summary>Pretty-prints any JSON value the same way as <see cref="Format(string)"/>.</summary>
        public static string Format(JsonNode json)
        {
            var sb = new StringBuilder();
            WritePretty(sb, json, 0);
            return sb.ToString();
        }

        /// <summary>The Parsing Canonical Form of the schema in <paramref name="schemaJson"/>.</summary>
        /// <exception cref="AvroSchemaException">Bad JSON or an invalid schema.</exception>
        public static string CanonicalForm(string schemaJson) => CanonicalForm(AvroSchema.Parse(schemaJson));

        /// <summary>
        /// The Parsing Canonical Form (Avro spec): primitives as plain names, full names without namespaces, only
        /// type/name/fields/symbols/items/values/size in that order, no whitespace; a named type already written is
        /// written again as its full name. Doc, aliases, defaults, order and logical types are dropped.
        /// </summary>
        public static string CanonicalForm(AvroSchema schema)
        {
            var sb = new StringBuilder();
            WriteCanonical(sb, schema, new HashSet<string>(System.StringComparer.Ordinal));
            return sb.ToString();
        }

        /// <summary>Whether two schemas have the same Parsing Canonical Form (describe the same binary data).</summary>
        /// <exception cref="AvroSchemaException">Either is bad JSON or an invalid schema.</exception>
        public static bool AreSame(string schemaJsonA, string schemaJsonB) => CanonicalForm(schemaJsonA) == CanonicalForm(schemaJsonB);

        private static void WriteCanonical(StringBuilder sb, AvroSchema schema, HashSet<string> written)
        {
            switch (schema)
            {
                case AvroNamedSchema named when written.Contains(named.FullName):
                    WriteString(sb, named.FullName);
                    return;
                case AvroRecordSchema record:
                    written.Add(record.FullName);
                    sb.Append("{\"name\":");
                    WriteString(sb, record.FullName);
                    sb.Append(",\"type\":");
                    sb.Append(record.IsError ? "\"error\"" : "\"record\"");
                    sb.Append(",\"fields\":[");
                    for (var i = 0; i < record.Fields.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        sb.Append("{\"name\":");
                        WriteString(sb, record.Fields[i].Name);
                        sb.Append(",\"type\":");
                        WriteCanonical(sb, record.Fields[i].Type, written);
                        sb.Append('}');
                    }

                    sb.Append("]}");
                    return;
                case AvroEnumSchema enumSchema:
                    written.Add(enumSchema.FullName);
                    sb.Append("{\"name\":");
                    WriteString(sb, enumSchema.FullName);
                    sb.Append(",\"type\":\"enum\",\"symbols\":[");
                    for (var i = 0; i < enumSchema.Symbols.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        WriteString(sb, enumSchema.Symbols[i]);
                    }

                    sb.Append("]}");
                    return;
                case AvroFixedSchema fixedSchema:
                    written.Add(fixedSchema.FullName);
                    sb.Append("{\"name\":");
                    WriteString(sb, fixedSchema.FullName);
                    sb.Append(",\"type\":\"fixed\",\"size\":");
                    sb.Append(fixedSchema.Size.ToString(CultureInfo.InvariantCulture));
                    sb.Append('}');
                    return;
                case AvroArraySchema array:
                    sb.Append("{\"type\":\"array\",\"items\":");
                    WriteCanonical(sb, array.Items, written);
                    sb.Append('}');
                    return;
                case AvroMapSchema map:
                    sb.Append("{\"type\":\"map\",\"values\":");
                    WriteCanonical(sb, map.Values, written);
                    sb.Append('}');
                    return;
                case AvroUnionSchema union:
                    sb.Append('[');
                    for (var i = 0; i < union.Branches.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        WriteCanonical(sb, union.Branches[i], written);
                    }

                    sb.Append(']');
                    return;
                default:
                    WriteString(sb, AvroSchema.PrimitiveName(schema.Type));
                    return;
            }
        }

        private static void WritePretty(StringBuilder sb, JsonNode node, int indent)
        {
            switch (node)
            {
                case JsonObject obj:
                    if (obj.Properties.Count == 0)
                    {
                        sb.Append("{}");
                        return;
                    }

                    sb.Append("{\n");
                    for (var i = 0; i < obj.Properties.Count; i++)
                    {
                        Indent(sb, indent + 1);
                        WriteString(sb, obj.Properties[i].Key);
                        sb.Append(": ");
                        WritePretty(sb, obj.Properties[i].Value, indent + 1);
                        sb.Append(i + 1 < obj.Properties.Count ? ",\n" : "\n");
                    }

                    Indent(sb, indent);
                    sb.Append('}');
                    return;
                case JsonArray array:
                    if (array.Items.Count == 0)
                    {
                        sb.Append("[]");
                        return;
                    }

                    var flat = true;
                    foreach (var item in array.Items)
                    {
                        if (item is JsonObject || item is JsonArray)
                        {
                            flat = false;
                            break;
                        }
                    }

                    if (flat)
                    {
                        sb.Append('[');
                        for (var i = 0; i < array.Items.Count; i++)
                        {
                            if (i > 0)
                            {
                                sb.Append(", ");
                            }

                            WritePretty(sb, array.Items[i], indent);
                        }

                        sb.Append(']');
                        return;
                    }

                    sb.Append("[\n");
                    for (var i = 0; i < array.Items.Count; i++)
                    {
                        Indent(sb, indent + 1);
                        WritePretty(sb, array.Items[i], indent + 1);
                        sb.Append(i + 1 < array.Items.Count ? ",\n" : "\n");
                    }

                    Indent(sb, indent);
                    sb.Append(']');
                    return;
                case JsonString s:
                    WriteString(sb, s.Value);
                    return;
                case JsonNumber n:
                    sb.Append(n.Text);
                    return;
                default:
                    sb.Append(node.Describe()); // true, false, null
                    return;
            }
        }

        private static void Indent(StringBuilder sb, int level) => sb.Append(' ', level * 2);

        /// <summary>A JSON string literal: quotes, backslashes and control characters escaped, everything else as is (UTF-8 when saved).</summary>
        internal static void WriteString(StringBuilder sb, string value)
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
}
