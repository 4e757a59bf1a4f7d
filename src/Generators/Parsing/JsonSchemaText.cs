using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Kafka.Typed.Generators.Emit;
using Kafka.Typed.Generators.Model;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Derives the draft-7 JSON Schema of a <c>KafkaFormat.JsonSchema</c> message from its JSON codecs, so the schema
/// registered describes exactly what the codec writes: the message is the root object, every other class, struct or
/// record a definition (<c>#/definitions/{Name}</c>, the root itself <c>#</c>, so recursion is a reference), members
/// written always are required, nullable ones accept <c>null</c>, extra properties are allowed (as the codec skips them).
/// </summary>
internal static class JsonSchemaText
{
    public static string Derive(ImmutableEquatableArray<JsonObjectSpec> objects, ImmutableEquatableArray<JsonEnumSpec> enums, List<string> shortNames)
    {
        var names = new List<string>();
        var used = new HashSet<string>(System.StringComparer.Ordinal);
        for (var i = 0; i < objects.Count; i++)
        {
            var name = shortNames[i];
            if (!used.Add(name))
            {
                name = name + i.ToString(CultureInfo.InvariantCulture);
                used.Add(name);
            }

            names.Add(name);
        }

        var text = new StringBuilder();
        text.Append("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"title\":");
        JsonText.String(text, names[0]);
        text.Append(',');
        ObjectBody(text, objects[0], enums, names);
        if (objects.Count > 1)
        {
            text.Append(",\"definitions\":{");
            for (var i = 1; i < objects.Count; i++)
            {
                if (i > 1)
                {
                    text.Append(',');
                }

                JsonText.String(text, names[i]);
                text.Append(":{");
                ObjectBody(text, objects[i], enums, names);
                text.Append('}');
            }

            text.Append('}');
        }

        text.Append('}');
        return text.ToString();
    }

    private static void ObjectBody(StringBuilder text, JsonObjectSpec spec, ImmutableEquatableArray<JsonEnumSpec> enums, List<string> names)
    {
        text.Append("\"type\":\"object\",\"properties\":{");
        var required = new List<string>();
        var first = true;
        foreach (var member in spec.Members)
        {
            if (member.Write == JsonWriteCondition.Never)
            {
                continue;
            }

            if (!first)
            {
                text.Append(',');
            }

            first = false;
            JsonText.String(text, member.JsonName);
            text.Append(':');
            Shape(text, member.Shape, enums, names);
            if (member.Write == JsonWriteCondition.Always)
            {
                required.Add(member.JsonName);
            }
        }

        text.Append('}');
        if (required.Count > 0)
        {
            text.Append(",\"required\":[");
            for (var i = 0; i < required.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                JsonText.String(text, required[i]);
            }

            text.Append(']');
        }
    }

    private static void Shape(StringBuilder text, JsonShape shape, ImmutableEquatableArray<JsonEnumSpec> enums, List<string> names)
    {
        var nullable = shape.CanBeNull && !shape.IsNonNullableReference;
        if (nullable)
        {
            text.Append("{\"oneOf\":[{\"type\":\"null\"},");
        }

        switch (shape.Kind)
        {
            case JsonShapeKind.Value:
                text.Append(Value(shape.Value));
                break;
            case JsonShapeKind.Enum:
                var spec = enums[shape.Index];
                if (spec.AsNumbers)
                {
                    text.Append("{\"type\":\"integer\"}");
                }
                else if (spec.IsFlags)
                {
                    // A combination is written as "A, B"; a value with unnamed bits as its number.
                    text.Append("{\"type\":[\"string\",\"integer\"]}");
                }
                else
                {
                    // A value that names no member is written as its number.
                    text.Append("{\"anyOf\":[{\"type\":\"string\",\"enum\":[");
                    for (var i = 0; i < spec.Members.Count; i++)
                    {
                        if (i > 0)
                        {
                            text.Append(',');
                        }

                        JsonText.String(text, spec.Members[i].JsonName);
                    }

                    text.Append("]},{\"type\":\"integer\"}]}");
                }

                break;
            case JsonShapeKind.Object:
                text.Append("{\"$ref\":");
                JsonText.String(text, shape.Index == 0 ? "#" : "#/definitions/" + names[shape.Index]);
                text.Append('}');
                break;
            case JsonShapeKind.Sequence:
                text.Append("{\"type\":\"array\",\"items\":");
                Shape(text, shape.Element!, enums, names);
                text.Append('}');
                break;
            case JsonShapeKind.Dictionary:
                text.Append("{\"type\":\"object\",\"additionalProperties\":");
                Shape(text, shape.Element!, enums, names);
                text.Append('}');
                break;
        }

        if (nullable)
        {
            text.Append("]}");
        }
    }

    private static string Value(ValueKind kind)
    {
        switch (kind)
        {
            case ValueKind.Boolean:
                return "{\"type\":\"boolean\"}";
            case ValueKind.Byte:
            case ValueKind.SByte:
            case ValueKind.Int16:
            case ValueKind.UInt16:
            case ValueKind.Int32:
            case ValueKind.UInt32:
            case ValueKind.Int64:
            case ValueKind.UInt64:
                return "{\"type\":\"integer\"}";
            case ValueKind.Single:
            case ValueKind.Double:
            case ValueKind.Decimal:
                return "{\"type\":\"number\"}";
            case ValueKind.Char:
                return "{\"type\":\"string\",\"minLength\":1,\"maxLength\":1}";
            case ValueKind.Bytes:
                return "{\"type\":\"string\",\"contentEncoding\":\"base64\"}";
            default:
                return "{\"type\":\"string\"}";
        }
    }
}
