using System;
using System.Collections.Generic;
using System.Globalization;

namespace Kafka.Typed.Generators.Avro;

/// <summary>Turns JSON into an <see cref="AvroSchema"/>, checking the Avro 1.11 rules.</summary>
internal sealed class AvroSchemaParser
{
    private readonly Dictionary<string, AvroNamedSchema> _named = new Dictionary<string, AvroNamedSchema>(StringComparer.Ordinal);

    private AvroSchemaParser()
    {
    }

    /// <summary>Parses a schema from JSON.</summary>
    /// <exception cref="AvroSchemaException">The schema breaks a rule of the Avro specification.</exception>
    public static AvroSchema Parse(JsonNode json) => new AvroSchemaParser().ParseSchema(json, null, string.Empty);

    /// <summary>Whether <paramref name="name"/> is a legal Avro name: <c>[A-Za-z_][A-Za-z0-9_]*</c>.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="fullName"/> is dot-separated legal names.</summary>
    public static bool IsValidFullName(string fullName)
    {
        foreach (var part in fullName.Split('.'))
        {
            if (!IsValidName(part))
            {
                return false;
            }
        }

        return true;
    }

    private static AvroType? PrimitiveType(string name)
    {
        switch (name)
        {
            case "null": return AvroType.Null;
            case "boolean": return AvroType.Boolean;
            case "int": return AvroType.Int;
            case "long": return AvroType.Long;
            case "float": return AvroType.Float;
            case "double": return AvroType.Double;
            case "bytes": return AvroType.Bytes;
            case "string": return AvroType.String;
            default: return null;
        }
    }

    private AvroSchema ParseSchema(JsonNode json, string? enclosingNamespace, string path)
    {
        switch (json)
        {
            case JsonString name:
                return Resolve(name.Value, enclosingNamespace, path, json);
            case JsonArray union:
                return ParseUnion(union, enclosingNamespace, path);
            case JsonObject obj:
                return ParseObject(obj, enclosingNamespace, path);
            default:
                throw Error(path, "a schema must be a type name, an object or a union array, not " + json.Describe(), json);
        }
    }

    private AvroSchema Resolve(string name, string? enclosingNamespace, string path, JsonNode at)
    {
        var primitive = PrimitiveType(name);
        if (primitive is not null)
        {
            return new AvroPrimitiveSchema(primitive.Value, at);
        }

        if (name.IndexOf('.') < 0 && enclosingNamespace is not null && _named.TryGetValue(enclosingNamespace + "." + name, out var inNamespace))
        {
            return inNamespace;
        }

        if (_named.TryGetValue(name, out var named))
        {
            return named;
        }

        if (name == "record" || name == "enum" || name == "array" || name == "map" || name == "fixed" || name == "error")
        {
            throw Error(path, "type '" + name + "' must be written as an object, e.g. {\"type\": \"" + name + "\", …}", at);
        }

        var full = name.IndexOf('.') < 0 && enclosingNamespace is not null ? enclosingNamespace + "." + name : name;
        throw Error(path, "unknown type name '" + name + "'" + (full != name ? " (looked for '" + full + "' and '" + name + "')" : string.Empty) + "; a named type must be defined before it is used", at);
    }

    private AvroUnionSchema ParseUnion(JsonArray json, string? enclosingNamespace, string path)
    {
        var branches = new List<AvroSchema>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < json.Items.Count; i++)
        {
            var item = json.Items[i];
            var branchPath = path + "|" + i.ToString(CultureInfo.InvariantCulture);
            if (item is JsonArray)
            {
                throw Error(branchPath, "a union may not directly contain another union", item);
            }

            var branch = ParseSchema(item, enclosingNamespace, branchPath);
            var key = branch is AvroNamedSchema named ? named.FullName : AvroSchema.PrimitiveName(branch.Type);
            if (!seen.Add(key))
            {
                throw Error(path, "the union has '" + key + "' twice; a union may hold each type (and each named type) only once", item);
            }

            branches.Add(branch);
        }

        return new AvroUnionSchema(branches, json);
    }

    private AvroSchema ParseObject(JsonObject json, string? enclosingNamespace, string path)
    {
        var typeNode = json.Get("type");
        if (typeNode is null)
        {
            throw Error(path, "a schema object needs a \"type\"", json);
        }

        if (typeNode is not JsonString typeString)
        {
            throw Error(path, "\"type\" of a schema object must be a string, not " + typeNode.Describe(), typeNode);
        }

        var type = typeString.Value;
        AvroSchema schema;
        switch (type)
        {
            case "record":
            case "error":
                return ParseRecord(json, type == "error", enclosingNamespace, path);
            case "enum":
                return ParseEnum(json, enclosingNamespace, path);
            case "fixed":
                schema = ParseFixed(json, enclosingNamespace, path);
                break;
            case "array":
                {
                    var items = json.Get("items") ?? throw Error(path, "an array needs \"items\"", json);
                    schema = new AvroArraySchema(ParseSchema(items, enclosingNamespace, path + "[]"), json);
                    break;
                }

            case "map":
                {
                    var values = json.Get("values") ?? throw Error(path, "a map needs \"values\"", json);
                    schema = new AvroMapSchema(ParseSchema(values, enclosingNamespace, path + "{}"), json);
                    break;
                }

            default:
                var primitive = PrimitiveType(type);
                if (primitive is not null)
                {
                    schema = new AvroPrimitiveSchema(primitive.Value, json);
                    break;
                }

                // {"type": "SomeName"} refers to a named type (Java and C# Avro accept it); logical types do not apply to it.
                return Resolve(type, enclosingNamespace, path, typeNode);
        }

        ApplyLogicalType(schema, json, path);
        return schema;
    }

    private AvroRecordSchema ParseRecord(JsonObject json, bool isError, string? enclosingNamespace, string path)
    {
        var fullName = ParseName(json, enclosingNamespace, path, "record");
        var ns = NamespaceOf(fullName);
        var record = new AvroRecordSchema(fullName, ParseAliases(json, ns, path), isError, json);
        Register(record, path, json);
        var recordPath = path.Length == 0 ? record.Name : path;

        var fieldsNode = json.Get("fields");
        if (fieldsNode is null)
        {
            throw Error(recordPath, "record '" + fullName + "' needs \"fields\"", json);
        }

        if (fieldsNode is not JsonArray fields)
        {
            throw Error(recordPath, "\"fields\" of record '" + fullName + "' must be an array, not " + fieldsNode.Describe(), fieldsNode);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Items.Count; i++)
        {
            if (fields.Items[i] is not JsonObject field)
            {
                throw Error(recordPath, "field #" + (i + 1).ToString(CultureInfo.InvariantCulture) + " of record '" + fullName + "' must be an object, not " + fields.Items[i].Describe(), fields.Items[i]);
            }

            var nameNode = field.Get("name");
            if (nameNode is null)
            {
                throw Error(recordPath, "field #" + (i + 1).ToString(CultureInfo.InvariantCulture) + " of record '" + fullName + "' has no \"name\"", field);
            }

            if (nameNode is not JsonString nameString || !IsValidName(nameString.Value))
            {
                throw Error(recordPath, "field name " + nameNode.Describe() + " is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*)", nameNode);
            }

            var name = nameString.Value;
            var fieldPath = recordPath + "." + name;
            if (!names.Add(name))
            {
                throw Error(fieldPath, "record '" + fullName + "' has two fields named '" + name + "'", nameNode);
            }

            var typeNode = field.Get("type") ?? throw Error(fieldPath, "the field has no \"type\"", field);
            var fieldType = ParseSchema(typeNode, ns, fieldPath);

            var order = field.Get("order");
            if (order is not null && !(order is JsonString o && (o.Value == "ascending" || o.Value == "descending" || o.Value == "ignore")))
            {
                throw Error(fieldPath, "\"order\" must be \"ascending\", \"descending\" or \"ignore\", not " + order.Describe(), order);
            }

            var fieldAliases = new List<string>();
            var aliasesNode = field.Get("aliases");
            if (aliasesNode is not null)
            {
                foreach (var alias in StringArray(aliasesNode, fieldPath, "aliases"))
                {
                    if (!IsValidName(alias.Value))
                    {
                        throw Error(fieldPath, "field alias '" + alias.Value + "' is not a valid Avro name", alias);
                    }

                    fieldAliases.Add(alias.Value);
                }
            }

            var defaultValue = field.Get("default");
            if (defaultValue is not null)
            {
                var problem = CheckDefault(fieldType, defaultValue);
                if (problem is not null)
                {
                    throw Error(fieldPath, "the default " + defaultValue.Describe() + " is not valid for type '" + fieldType.Describe() + "': " + problem, defaultValue);
                }
            }

            record.AddField(new AvroField(name, fieldType, defaultValue, fieldAliases, i));
        }

        return record;
    }

    private AvroEnumSchema ParseEnum(JsonObject json, string? enclosingNamespace, string path)
    {
        var fullName = ParseName(json, enclosingNamespace, path, "enum");
        var here = path.Length == 0 ? fullName : path;
        var symbolsNode = json.Get("symbols") ?? throw Error(here, "enum '" + fullName + "' needs \"symbols\"", json);
        var symbols = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var symbol in StringArray(symbolsNode, here, "symbols"))
        {
            if (!IsValidName(symbol.Value))
            {
                throw Error(here, "enum symbol '" + symbol.Value + "' is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*)", symbol);
            }

            if (!seen.Add(symbol.Value))
            {
                throw Error(here, "enum '" + fullName + "' has symbol '" + symbol.Value + "' twice", symbol);
            }

            symbols.Add(symbol.Value);
        }

        string? defaultSymbol = null;
        var defaultNode = json.Get("default");
        if (defaultNode is not null)
        {
            if (defaultNode is not JsonString d || !seen.Contains(d.Value))
            {
                throw Error(here, "the default of enum '" + fullName + "' must be one of its symbols, not " + defaultNode.Describe(), defaultNode);
            }

            defaultSymbol = d.Value;
        }

        var schema = new AvroEnumSchema(fullName, ParseAliases(json, NamespaceOf(fullName), here), symbols, defaultSymbol, json);
        Register(schema, here, json);
        return schema;
    }

    private AvroFixedSchema ParseFixed(JsonObject json, string? enclosingNamespace, string path)
    {
        var fullName = ParseName(json, enclosingNamespace, path, "fixed");
        var here = path.Length == 0 ? fullName : path;
        var sizeNode = json.Get("size") ?? throw Error(here, "fixed '" + fullName + "' needs \"size\"", json);
        if (sizeNode is not JsonNumber number || !number.TryGetInt64(out var size) || size < 0 || size > int.MaxValue)
        {
            throw Error(here, "\"size\" of fixed '" + fullName + "' must be a non-negative integer, not " + sizeNode.Describe(), sizeNode);
        }

        var schema = new AvroFixedSchema(fullName, ParseAliases(json, NamespaceOf(fullName), here), (int)size, json);
        Register(schema, here, json);
        return schema;
    }

    private static void ApplyLogicalType(AvroSchema schema, JsonObject json, string path)
    {
        if (json.Get("logicalType") is not JsonString logical)
        {
            return; // absent, or not a string: not a logical type the spec knows, so ignored.
        }

        var name = logical.Value;
        var type = schema.Type;
        bool valid;
        switch (name)
        {
            case "decimal":
                valid = type == AvroType.Bytes || type == AvroType.Fixed;
                if (valid)
                {
                    valid = TryDecimal(schema, json);
                }

                break;
            case "uuid":
                valid = type == AvroType.String || (schema is AvroFixedSchema f && f.Size == 16);
                break;
            case "date":
            case "time-millis":
                valid = type == AvroType.Int;
                break;
            case "time-micros":
            case "timestamp-millis":
            case "timestamp-micros":
            case "timestamp-nanos":
            case "local-timestamp-millis":
            case "local-timestamp-micros":
            case "local-timestamp-nanos":
                valid = type == AvroType.Long;
                break;
            case "duration":
                valid = schema is AvroFixedSchema d && d.Size == 12;
                break;
            default:
                valid = true; // unknown logical types are kept as a name and read as their underlying type
                break;
        }

        if (valid)
        {
            schema.LogicalType = name;
        }
    }

    private static bool TryDecimal(AvroSchema schema, JsonObject json)
    {
        if (json.Get("precision") is not JsonNumber p || !p.TryGetInt64(out var precision) || precision <= 0 || precision > int.MaxValue)
        {
            return false;
        }

        long scale = 0;
        var scaleNode = json.Get("scale");
        if (scaleNode is not null && (scaleNode is not JsonNumber s || !s.TryGetInt64(out scale) || scale < 0 || scale > precision))
        {
            return false;
        }

        if (schema is AvroFixedSchema fixedSchema && fixedSchema.Size < 128)
        {
            var max = Math.Floor(Math.Log10(Math.Pow(2, (8 * fixedSchema.Size) - 1) - 1));
            if (precision > max)
            {
                return false;
            }
        }

        schema.Precision = (int)precision;
        schema.Scale = (int)scale;
        return true;
    }

    private string ParseName(JsonObject json, string? enclosingNamespace, string path, string kind)
    {
        var nameNode = json.Get("name");
        if (nameNode is null)
        {
            throw Error(path, "a " + kind + " needs a \"name\"", json);
        }

        if (nameNode is not JsonString nameString || !IsValidFullName(nameString.Value))
        {
            throw Error(path, kind + " name " + nameNode.Describe() + " is not a valid Avro name (dot-separated [A-Za-z_][A-Za-z0-9_]*)", nameNode);
        }

        var name = nameString.Value;
        if (name.IndexOf('.') >= 0)
        {
            return name;
        }

        var ns = enclosingNamespace;
        var nsNode = json.Get("namespace");
        if (nsNode is not null)
        {
            if (nsNode is JsonLiteral { Kind: JsonKind.Null })
            {
                ns = null;
            }
            else if (nsNode is not JsonString nsString || (nsString.Value.Length > 0 && !IsValidFullName(nsString.Value)))
            {
                throw Error(path, "namespace " + nsNode.Describe() + " is not valid (dot-separated [A-Za-z_][A-Za-z0-9_]*)", nsNode);
            }
            else
            {
                ns = nsString.Value.Length == 0 ? null : nsString.Value;
            }
        }

        return ns is null ? name : ns + "." + name;
    }

    private IReadOnlyList<string> ParseAliases(JsonObject json, string? ns, string path)
    {
        var node = json.Get("aliases");
        if (node is null)
        {
            return Array.Empty<string>();
        }

        var aliases = new List<string>();
        foreach (var alias in StringArray(node, path, "aliases"))
        {
            if (!IsValidFullName(alias.Value))
            {
                throw Error(path, "alias '" + alias.Value + "' is not a valid Avro name", alias);
            }

            aliases.Add(alias.Value.IndexOf('.') >= 0 || ns is null ? alias.Value : ns + "." + alias.Value);
        }

        return aliases;
    }

    private List<JsonString> StringArray(JsonNode node, string path, string property)
    {
        if (node is not JsonArray array)
        {
            throw Error(path, "\"" + property + "\" must be an array of strings, not " + node.Describe(), node);
        }

        var result = new List<JsonString>();
        foreach (var item in array.Items)
        {
            if (item is not JsonString s)
            {
                throw Error(path, "\"" + property + "\" must contain only strings, not " + item.Describe(), item);
            }

            result.Add(s);
        }

        return result;
    }

    private void Register(AvroNamedSchema schema, string path, JsonNode at)
    {
        if (PrimitiveType(schema.Name) is not null && schema.Namespace is null)
        {
            throw Error(path, "'" + schema.Name + "' is a primitive type and cannot be used as a type name", at);
        }

        if (_named.ContainsKey(schema.FullName))
        {
            throw Error(path, "type '" + schema.FullName + "' is defined twice", at);
        }

        _named.Add(schema.FullName, schema);
    }

    private static string? NamespaceOf(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return dot < 0 ? null : fullName.Substring(0, dot);
    }

    /// <summary>Returns <see langword="null"/> when <paramref name="value"/> is a valid default for <paramref name="schema"/>, else why not.</summary>
    private static string? CheckDefault(AvroSchema schema, JsonNode value)
    {
        switch (schema)
        {
            case AvroUnionSchema union:
                // Avro 1.11: a union's default must match the union's first branch.
                return union.Branches.Count == 0
                    ? "an empty union has no values"
                    : CheckDefault(union.Branches[0], value) is null ? null : "a union's default must match its first branch, '" + union.Branches[0].Describe() + "'";
            case AvroRecordSchema record:
                if (value is not JsonObject obj)
                {
                    return "expected an object";
                }

                foreach (var field in record.Fields)
                {
                    var fieldValue = obj.Get(field.Name);
                    if (fieldValue is null)
                    {
                        if (!field.HasDefault)
                        {
                            return "field '" + field.Name + "' is missing";
                        }

                        continue;
                    }

                    var problem = CheckDefault(field.Type, fieldValue);
                    if (problem is not null)
                    {
                        return "field '" + field.Name + "': " + problem;
                    }
                }

                return null;
            case AvroEnumSchema enumSchema:
                if (value is JsonString symbol)
                {
                    foreach (var s in enumSchema.Symbols)
                    {
                        if (s == symbol.Value)
                        {
                            return null;
                        }
                    }
                }

                return "expected one of the enum's symbols";
            case AvroFixedSchema fixedSchema:
                return value is JsonString f && f.Value.Length == fixedSchema.Size && IsByteString(f.Value)
                    ? null
                    : "expected a string of " + fixedSchema.Size.ToString(CultureInfo.InvariantCulture) + " characters in U+0000..U+00FF";
            case AvroArraySchema array:
                if (value is not JsonArray items)
                {
                    return "expected an array";
                }

                foreach (var item in items.Items)
                {
                    var problem = CheckDefault(array.Items, item);
                    if (problem is not null)
                    {
                        return "array item: " + problem;
                    }
                }

                return null;
            case AvroMapSchema map:
                if (value is not JsonObject entries)
                {
                    return "expected an object";
                }

                foreach (var entry in entries.Properties)
                {
                    var problem = CheckDefault(map.Values, entry.Value);
                    if (problem is not null)
                    {
                        return "map value '" + entry.Key + "': " + problem;
                    }
                }

                return null;
        }

        switch (schema.Type)
        {
            case AvroType.Null:
                return value.Kind == JsonKind.Null ? null : "expected null";
            case AvroType.Boolean:
                return value.Kind == JsonKind.True || value.Kind == JsonKind.False ? null : "expected true or false";
            case AvroType.Int:
                return value is JsonNumber i && i.TryGetInt64(out var n) && n >= int.MinValue && n <= int.MaxValue ? null : "expected a 32-bit integer";
            case AvroType.Long:
                return value is JsonNumber l && l.TryGetInt64(out _) ? null : "expected a 64-bit integer";
            case AvroType.Float:
            case AvroType.Double:
                return value is JsonNumber ? null : "expected a number";
            case AvroType.Bytes:
                return value is JsonString b && IsByteString(b.Value) ? null : "expected a string of characters in U+0000..U+00FF";
            default:
                return value is JsonString ? null : "expected a string";
        }
    }

    private static bool IsByteString(string value)
    {
        foreach (var c in value)
        {
            if (c > 0xFF)
            {
                return false;
            }
        }

        return true;
    }

    private static AvroSchemaException Error(string path, string problem, JsonNode at)
    {
        var where = path.Length == 0 ? string.Empty : " at '" + path + "'";
        return new AvroSchemaException("invalid Avro schema" + where + ": " + problem + at.Position, at.Line, at.Column);
    }
}
