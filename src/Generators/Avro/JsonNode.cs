using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Kafka.Typed.Generators.Avro;

/// <summary>The kind of a <see cref="JsonNode"/>.</summary>
internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// An immutable JSON value with the position it was read at. A minimal, strict reader (RFC 8259: no comments,
/// no trailing commas, no duplicate keys) for the generator, which cannot load System.Text.Json or Newtonsoft.
/// </summary>
internal abstract class JsonNode
{
    protected JsonNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public abstract JsonKind Kind { get; }

    /// <summary>1-based line of the value's first character (0 for nodes built in code).</summary>
    public int Line { get; }

    /// <summary>1-based column of the value's first character (0 for nodes built in code).</summary>
    public int Column { get; }

    /// <summary>The position as " (line L, column C)", or empty when unknown.</summary>
    public string Position => Line == 0 ? string.Empty : " (line " + Line.ToString(CultureInfo.InvariantCulture) + ", column " + Column.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>Parses one JSON document; anything but whitespace after it is an error.</summary>
    /// <exception cref="AvroSchemaException">The text is not valid JSON; the message gives line and column.</exception>
    public static JsonNode Parse(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        return new JsonReader(text).ReadDocument();
    }

    /// <summary>A short description for messages: the string in quotes, the number, or the kind.</summary>
    public abstract string Describe();
}

/// <summary>A JSON object; properties keep their order and names are unique.</summary>
internal sealed class JsonObject : JsonNode
{
    private readonly KeyValuePair<string, JsonNode>[] _properties;

    public JsonObject(IReadOnlyList<KeyValuePair<string, JsonNode>> properties, int line = 0, int column = 0)
        : base(line, column)
    {
        _properties = new KeyValuePair<string, JsonNode>[properties.Count];
        for (var i = 0; i < _properties.Length; i++)
        {
            _properties[i] = properties[i];
        }
    }

    public override JsonKind Kind => JsonKind.Object;

    /// <summary>The properties in the order they were written.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode>> Properties => _properties;

    /// <summary>The value of property <paramref name="name"/>, or <see langword="null"/> when absent.</summary>
    public JsonNode? Get(string name)
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

    public override string Describe() => "an object";
}

/// <summary>A JSON array.</summary>
internal sealed class JsonArray : JsonNode
{
    private readonly JsonNode[] _items;

    public JsonArray(IReadOnlyList<JsonNode> items, int line = 0, int column = 0)
        : base(line, column)
    {
        _items = new JsonNode[items.Count];
        for (var i = 0; i < _items.Length; i++)
        {
            _items[i] = items[i];
        }
    }

    public override JsonKind Kind => JsonKind.Array;

    public IReadOnlyList<JsonNode> Items => _items;

    public override string Describe() => "an array";
}

/// <summary>A JSON string, unescaped.</summary>
internal sealed class JsonString : JsonNode
{
    public JsonString(string value, int line = 0, int column = 0)
        : base(line, column)
    {
        Value = value;
    }

    public override JsonKind Kind => JsonKind.String;

    public string Value { get; }

    public override string Describe() => "the string \"" + Value + "\"";
}

/// <summary>A JSON number, kept as its text so no precision is lost.</summary>
internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(string text, int line = 0, int column = 0)
        : base(line, column)
    {
        Text = text;
    }

    public override JsonKind Kind => JsonKind.Number;

    /// <summary>The number exactly as written (valid JSON number syntax).</summary>
    public string Text { get; }

    /// <summary>True when the number has no fraction or exponent part.</summary>
    public bool IsInteger => Text.IndexOf('.') < 0 && Text.IndexOf('e') < 0 && Text.IndexOf('E') < 0;

    /// <summary>The value as a 64-bit integer when it is an integer literal in range.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        return IsInteger && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public override string Describe() => "the number " + Text;
}

/// <summary>JSON <c>true</c>, <c>false</c> or <c>null</c>.</summary>
internal sealed class JsonLiteral : JsonNode
{
    public JsonLiteral(JsonKind kind, int line = 0, int column = 0)
        : base(line, column)
    {
        if (kind != JsonKind.True && kind != JsonKind.False && kind != JsonKind.Null)
        {
            throw new ArgumentOutOfRangeException(nameof(kind));
        }

        Kind = kind;
    }

    public override JsonKind Kind { get; }

    public override string Describe() => Kind == JsonKind.True ? "true" : Kind == JsonKind.False ? "false" : "null";
}

/// <summary>The recursive-descent reader behind <see cref="JsonNode.Parse"/>.</summary>
internal sealed class JsonReader
{
    /// <summary>Nesting deeper than this is refused, so hostile input cannot overflow the compiler's stack.</summary>
    public const int MaxDepth = 512;

    private readonly string _text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public JsonReader(string text)
    {
        _text = text;
    }

    public JsonNode ReadDocument()
    {
        if (_text.Length > 0 && _text[0] == '\uFEFF')
        {
            _pos = _lineStart = 1; // a byte order mark (editors save .avsc files with one) is ignored, as RFC 8259 allows
        }

        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("expected a JSON value but the text is empty");
        }

        var value = ReadValue(0);
        SkipWhitespace();
        if (_pos < _text.Length)
        {
            throw Error("unexpected " + DescribeChar(_text[_pos]) + " after the end of the JSON value");
        }

        return value;
    }

    private JsonNode ReadValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("JSON nested more than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels deep");
        }

        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of JSON, expected a value");
        }

        var c = _text[_pos];
        switch (c)
        {
            case '{':
                return ReadObject(depth);
            case '[':
                return ReadArray(depth);
            case '"':
                {
                    var line = _line;
                    var column = Column;
                    return new JsonString(ReadString(), line, column);
                }

            case 't':
                return ReadLiteral("true", JsonKind.True);
            case 'f':
                return ReadLiteral("false", JsonKind.False);
            case 'n':
                return ReadLiteral("null", JsonKind.Null);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ReadNumber();
                }

                throw Error("unexpected " + DescribeChar(c) + ", expected a value");
        }
    }

    private JsonObject ReadObject(int depth)
    {
        var line = _line;
        var column = Column;
        _pos++; // '{'
        var properties = new List<KeyValuePair<string, JsonNode>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return new JsonObject(properties, line, column);
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error(AtEnd ? "unexpected end of JSON inside an object, expected a property name" : "expected a property name in double quotes but found " + DescribeChar(_text[_pos]));
            }

            var nameLine = _line;
            var nameColumn = Column;
            var name = ReadString();
            if (!names.Add(name))
            {
                throw new AvroSchemaException("invalid JSON: duplicate property \"" + name + "\" in a JSON object" + At(nameLine, nameColumn), nameLine, nameColumn);
            }

            SkipWhitespace();
            if (Peek() != ':')
            {
                throw Error(AtEnd ? "unexpected end of JSON, expected ':'" : "expected ':' after property name \"" + name + "\" but found " + DescribeChar(_text[_pos]));
            }

            _pos++;
            SkipWhitespace();
            properties.Add(new KeyValuePair<string, JsonNode>(name, ReadValue(depth + 1)));
            SkipWhitespace();
            var next = Peek();
            if (next == ',')
            {
                _pos++;
                SkipWhitespace();
                if (Peek() == '}')
                {
                    throw Error("trailing comma before '}'");
                }

                continue;
            }

            if (next == '}')
            {
                _pos++;
                return new JsonObject(properties, line, column);
            }

            throw Error(AtEnd ? "unexpected end of JSON inside an object, expected ',' or '}'" : "expected ',' or '}' but found " + DescribeChar(_text[_pos]));
        }
    }

    private JsonArray ReadArray(int depth)
    {
        var line = _line;
        var column = Column;
        _pos++; // '['
        var items = new List<JsonNode>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _pos++;
            return new JsonArray(items, line, column);
        }

        while (true)
        {
            SkipWhitespace();
            items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            var next = Peek();
            if (next == ',')
            {
                _pos++;
                SkipWhitespace();
                if (Peek() == ']')
                {
                    throw Error("trailing comma before ']'");
                }

                continue;
            }

            if (next == ']')
            {
                _pos++;
                return new JsonArray(items, line, column);
            }

            throw Error(AtEnd ? "unexpected end of JSON inside an array, expected ',' or ']'" : "expected ',' or ']' but found " + DescribeChar(_text[_pos]));
        }
    }

    private string ReadString()
    {
        var startLine = _line;
        var startColumn = Column;
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new AvroSchemaException("invalid JSON: unterminated string starting" + At(startLine, startColumn), startLine, startColumn);
            }

            var c = _text[_pos];
            if (c == '"')
            {
                _pos++;
                return sb.ToString();
            }

            if (c < 0x20)
            {
                throw Error("unescaped " + DescribeChar(c) + " inside a string");
            }

            if (c != '\\')
            {
                sb.Append(c);
                _pos++;
                continue;
            }

            if (_pos + 1 >= _text.Length)
            {
                throw new AvroSchemaException("invalid JSON: unterminated string starting" + At(startLine, startColumn), startLine, startColumn);
            }

            var e = _text[_pos + 1];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    {
                        var code = 0;
                        for (var i = 0; i < 4; i++)
                        {
                            var index = _pos + 2 + i;
                            var digit = index < _text.Length ? HexValue(_text[index]) : -1;
                            if (digit < 0)
                            {
                                throw Error("invalid \\u escape: expected 4 hexadecimal digits");
                            }

                            code = (code * 16) + digit;
                        }

                        sb.Append((char)code);
                        _pos += 6;
                        continue;
                    }

                default:
                    throw Error("invalid escape '\\" + e + "' in a string");
            }

            _pos += 2;
        }
    }

    private JsonNumber ReadNumber()
    {
        var line = _line;
        var column = Column;
        var start = _pos;
        if (Peek() == '-')
        {
            _pos++;
        }

        if (Peek() == '0')
        {
            _pos++;
            if (IsDigit(Peek()))
            {
                throw Error("leading zeros are not allowed in a JSON number");
            }
        }
        else if (IsDigit(Peek()))
        {
            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }
        else
        {
            throw Error("invalid number: expected a digit after '-'");
        }

        if (Peek() == '.')
        {
            _pos++;
            if (!IsDigit(Peek()))
            {
                throw Error("invalid number: expected a digit after '.'");
            }

            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        if (Peek() == 'e' || Peek() == 'E')
        {
            _pos++;
            if (Peek() == '+' || Peek() == '-')
            {
                _pos++;
            }

            if (!IsDigit(Peek()))
            {
                throw Error("invalid number: expected a digit in the exponent");
            }

            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        return new JsonNumber(_text.Substring(start, _pos - start), line, column);
    }

    private JsonLiteral ReadLiteral(string word, JsonKind kind)
    {
        var line = _line;
        var column = Column;
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0 || (_pos + word.Length < _text.Length && char.IsLetterOrDigit(_text[_pos + word.Length])))
        {
            var end = _pos;
            while (end < _text.Length && char.IsLetterOrDigit(_text[end]))
            {
                end++;
            }

            throw Error("unexpected token '" + _text.Substring(_pos, Math.Max(1, end - _pos)) + "', expected a value (strings need double quotes)");
        }

        _pos += word.Length;
        return new JsonLiteral(kind, line, column);
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c == ' ' || c == '\t' || c == '\r')
            {
                _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private bool AtEnd => _pos >= _text.Length;

    private int Column => _pos - _lineStart + 1;

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static int HexValue(char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }

        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }

        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }

        return -1;
    }

    private static string DescribeChar(char c)
    {
        if (c < 0x20 || c == 0x7F)
        {
            return "character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        }

        return "'" + c + "'";
    }

    private static string At(int line, int column) => " at line " + line.ToString(CultureInfo.InvariantCulture) + ", column " + column.ToString(CultureInfo.InvariantCulture);

    private AvroSchemaException Error(string problem)
    {
        var column = Column;
        return new AvroSchemaException("invalid JSON: " + problem + At(_line, column), _line, column);
    }
}
