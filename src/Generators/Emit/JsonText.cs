using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Kafka.Typed.Generators.Avro;

namespace Kafka.Typed.Generators.Emit;

/// <summary>A JSON object under construction: properties in the order added, names unique (a second add replaces).</summary>
internal sealed class JsonOut
{
    private readonly List<KeyValuePair<string, object?>> _properties = new List<KeyValuePair<string, object?>>();

    public IReadOnlyList<KeyValuePair<string, object?>> Properties => _properties;

    /// <summary>Sets <paramref name="name"/>; a <see langword="null"/> <paramref name="value"/> leaves the property out.</summary>
    public JsonOut Set(string name, object? value)
    {
        if (value is null)
        {
            return this;
        }

        for (var i = 0; i < _properties.Count; i++)
        {
            if (_properties[i].Key == name)
            {
                _properties[i] = new KeyValuePair<string, object?>(name, value);
                return this;
            }
        }

        _properties.Add(new KeyValuePair<string, object?>(name, value));
        return this;
    }

    public object? Get(string name)
    {
        foreach (var property in _properties)
        {
            if (property.Key == name)
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>The object at <paramref name="name"/>, added empty when absent.</summary>
    public JsonOut Object(string name)
    {
        if (Get(name) is JsonOut existing)
        {
            return existing;
        }

        var created = new JsonOut();
        Set(name, created);
        return created;
    }

    public static JsonOut Ref(string pointer) => new JsonOut().Set("$ref", pointer);
}

/// <summary>
/// Writes JSON text from <see cref="JsonOut"/> objects, <see cref="List{T}"/> arrays, strings, numbers, booleans and parsed
/// <see cref="JsonNode"/> values: indented by two spaces with <c>\n</c> line ends, or compact.
/// </summary>
internal static class JsonText
{
    public static string Write(object value, bool indented)
    {
        var text = new StringBuilder(4096);
        Value(text, value, indented, 0);
        if (indented)
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A parsed value as a <see cref="JsonOut"/> tree, every <c>$ref</c> string passed through <paramref name="mapRef"/>.</summary>
    public static object? From(JsonNode node, System.Func<string, string>? mapRef = null)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonOut();
                foreach (var property in obj.Properties)
                {
                    var value = property.Key == "$ref" && mapRef is not null && property.Value is JsonString reference
                        ? mapRef(reference.Value)
                        : From(property.Value, mapRef);
                    result.Set(property.Key, value ?? (object)JsonNull.Instance);
                }

                return result;
            case JsonArray array:
                var items = new List<object?>();
                foreach (var item in array.Items)
                {
                    items.Add(From(item, mapRef) ?? JsonNull.Instance);
                }

                return items;
            case JsonString s:
                return s.Value;
            case JsonNumber n:
                return new JsonRawNumber(n.Text);
            case JsonLiteral literal:
                return literal.Kind == JsonKind.True ? true : literal.Kind == JsonKind.False ? (object)false : JsonNull.Instance;
            default:
                return JsonNull.Instance;
        }
    }

    private static void Value(StringBuilder text, object? value, bool indented, int depth)
    {
        switch (value)
        {
            case null:
            case JsonNull:
                text.Append("null");
                break;
            case string s:
                String(text, s);
                break;
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case int i:
                text.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case long l:
                text.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case JsonRawNumber n:
                text.Append(n.Text);
                break;
            case JsonNode node:
                Value(text, From(node), indented, depth);
                break;
            case JsonOut obj:
                if (obj.Properties.Count == 0)
                {
                    text.Append("{}");
                    break;
                }

                text.Append('{');
                for (var p = 0; p < obj.Properties.Count; p++)
                {
                    if (p > 0)
                    {
                        text.Append(',');
                    }

                    NewLine(text, indented, depth + 1);
                    String(text, obj.Properties[p].Key);
                    text.Append(indented ? ": " : ":");
                    Value(text, obj.Properties[p].Value, indented, depth + 1);
                }

                NewLine(text, indented, depth);
                text.Append('}');
                break;
            case List<object?> list:
                if (list.Count == 0)
                {
                    text.Append("[]");
                    break;
                }

                text.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    NewLine(text, indented, depth + 1);
                    Value(text, list[i], indented, depth + 1);
                }

                NewLine(text, indented, depth);
                text.Append(']');
                break;
            default:
                throw new System.ArgumentException("Cannot write a " + value.GetType().Name + " as JSON.", nameof(value));
        }
    }

    private static void NewLine(StringBuilder text, bool indented, int depth)
    {
        if (indented)
        {
            text.Append('\n').Append(' ', depth * 2);
        }
    }

    public static void String(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < ' ' || c == '\u2028' || c == '\u2029')
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}

/// <summary>JSON <c>null</c> inside an array or a parsed object (a <see langword="null"/> property value means "left out").</summary>
internal sealed class JsonNull
{
    public static readonly JsonNull Instance = new JsonNull();

    private JsonNull()
    {
    }
}

/// <summary>A number kept as the text it was read as.</summary>
internal sealed class JsonRawNumber
{
    public JsonRawNumber(string text)
    {
        Text = text;
    }

    public string Text { get; }
}
