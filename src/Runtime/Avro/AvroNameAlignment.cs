using Newtonsoft.Json.Linq;
using AvroSchema = Avro.Schema;

namespace Kafka.Typed.Avro;

/// <summary>
/// Gives a writer schema's named types (records, enums, fixed) the full names of the reader's types they resolve to, as
/// the Avro specification (1.10+) and Java's resolver match them: by unqualified name, or by one of the reader type's
/// aliases. Apache.Avro's .NET resolver compares full names only, so a writer schema whose namespace differs
/// (<c>com.acme.Order</c> for <c>Shop.Order</c>) would be refused; names do not change the binary encoding, so the
/// renamed writer schema reads the same bytes.
/// </summary>
internal static class AvroNameAlignment
{
    private static readonly HashSet<string> Primitives = new(StringComparer.Ordinal) { "null", "boolean", "int", "long", "float", "double", "bytes", "string" };

    /// <summary>
    /// <paramref name="writer"/> with each named type that matches a reader type (same unqualified name, or named by one
    /// of its aliases) renamed to that type's full name; <paramref name="writer"/> itself when nothing needs renaming or
    /// the renamed schema would not be valid (two writer types mapped to one name).
    /// </summary>
    public static AvroSchema Align(AvroSchema reader, AvroSchema writer)
    {
        var readerJson = JToken.Parse(reader.ToString());
        var aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        CollectAliases(readerJson, null, aliases);
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        Collect(reader, writer, aliases, renames, new HashSet<(string, string)>());
        if (renames.Count == 0)
        {
            return writer;
        }

        var writerJson = JToken.Parse(writer.ToString());
        Rewrite(writerJson, null, renames);
        try
        {
            return AvroSchema.Parse(writerJson.ToString(Newtonsoft.Json.Formatting.None));
        }
        catch (global::Avro.AvroException)
        {
            return writer;
        }
    }

    /// <summary>
    /// Why a reader cannot read data of a writer schema, or <see langword="null"/> when it can. Apache.Avro's check over the
    /// aligned writer schema decides (its resolver reads the data); a refusal is worded as the build-time check KTG304
    /// words it, each problem naming the field and the rule. Where the Avro specification signals an error only when a
    /// value needs it (an enum symbol or union branch the reader lacks), Apache.Avro's check, like the specification, lets
    /// the schema through and only such values fail, while KTG304 refuses the schema at build time.
    /// </summary>
    /// <param name="reader">The reader schema.</param>
    /// <param name="readerJson">Its JSON.</param>
    /// <param name="alignedWriter">The writer schema after <see cref="Align"/>.</param>
    /// <param name="writerJson">The writer schema's JSON as registered.</param>
    public static string? Refusal(AvroSchema reader, string readerJson, AvroSchema alignedWriter, string writerJson)
    {
        if (reader.CanRead(alignedWriter))
        {
            return null;
        }

        IReadOnlyList<string> problems;
        try
        {
            problems = Kafka.Typed.Generators.Avro.AvroCompatibility.CanRead(readerJson, writerJson);
        }
        catch (Kafka.Typed.Generators.Avro.AvroSchemaException)
        {
            // A schema Apache.Avro accepted and the build-time parser does not.
            problems = [];
        }

        return problems.Count > 0 ? string.Join("; ", problems) : "Apache.Avro's schema resolution refused it";
    }

    /// <summary>Same unqualified name, or the writer's full or unqualified name is one of the reader type's aliases.</summary>
    internal static bool NamesMatch(string readerFullName, string writerFullName, IReadOnlyDictionary<string, List<string>> aliases)
    {
        if (Unqualified(readerFullName) == Unqualified(writerFullName))
        {
            return true;
        }

        return aliases.TryGetValue(readerFullName, out var list)
            && list.Any(a => a == writerFullName || Unqualified(a) == Unqualified(writerFullName));
    }

    private static string Unqualified(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    private static AvroSchema Plain(AvroSchema schema) => schema is global::Avro.LogicalSchema logical ? logical.BaseSchema : schema;

    private static void Collect(AvroSchema reader, AvroSchema writer, Dictionary<string, List<string>> aliases, Dictionary<string, string> renames, HashSet<(string, string)> seen)
    {
        reader = Plain(reader);
        writer = Plain(writer);
        if (writer is global::Avro.UnionSchema writerUnion)
        {
            foreach (var branch in writerUnion.Schemas)
            {
                Collect(reader, branch, aliases, renames, seen);
            }

            return;
        }

        if (reader is global::Avro.UnionSchema readerUnion)
        {
            var chosen = readerUnion.Schemas.Select(Plain).FirstOrDefault(b => b.Tag == writer.Tag
                && (b is not global::Avro.NamedSchema named || NamesMatch(named.Fullname, ((global::Avro.NamedSchema)writer).Fullname, aliases)));
            if (chosen is null)
            {
                return;
            }

            reader = chosen;
        }

        if (reader.Tag != writer.Tag)
        {
            return;
        }

        switch (reader, writer)
        {
            case (global::Avro.NamedSchema r, global::Avro.NamedSchema w):
                if (!NamesMatch(r.Fullname, w.Fullname, aliases) || !seen.Add((r.Fullname, w.Fullname)))
                {
                    return;
                }

                if (r.Fullname != w.Fullname)
                {
                    renames.TryAdd(w.Fullname, r.Fullname);
                }

                if (r is global::Avro.RecordSchema readerRecord && w is global::Avro.RecordSchema writerRecord)
                {
                    foreach (var field in readerRecord.Fields)
                    {
                        if (WriterField(writerRecord, field) is { } other)
                        {
                            Collect(field.Schema, other.Schema, aliases, renames, seen);
                        }
                    }
                }

                return;
            case (global::Avro.ArraySchema r, global::Avro.ArraySchema w):
                Collect(r.ItemSchema, w.ItemSchema, aliases, renames, seen);
                return;
            case (global::Avro.MapSchema r, global::Avro.MapSchema w):
                Collect(r.ValueSchema, w.ValueSchema, aliases, renames, seen);
                return;
        }
    }

    /// <summary>The writer's field a reader field reads: the one of the same name, else the first named by one of its aliases.</summary>
    internal static global::Avro.Field? WriterField(global::Avro.RecordSchema writer, global::Avro.Field readerField)
    {
        if (writer.TryGetField(readerField.Name, out var same))
        {
            return same;
        }

        foreach (var alias in readerField.Aliases ?? [])
        {
            if (writer.TryGetField(alias, out var aliased))
            {
                return aliased;
            }
        }

        return null;
    }

    /// <summary>Full name → aliases (as full names, relative to the type's namespace) of every named type defined in <paramref name="json"/>.</summary>
    private static void CollectAliases(JToken json, string? ns, Dictionary<string, List<string>> aliases)
    {
        Walk(json, ns, onDefinition: (node, fullName, space) =>
        {
            if (node["aliases"] is JArray list)
            {
                aliases[fullName] = list.Values<string>().Where(a => a is not null).Select(a => Qualify(a!, space)).ToList();
            }
        }, onReference: null);
    }

    /// <summary>Renames definitions (explicit namespace on each) and makes every reference a full name, renamed where mapped.</summary>
    private static void Rewrite(JToken json, string? ns, Dictionary<string, string> renames)
    {
        Walk(
            json,
            ns,
            onDefinition: (node, fullName, _) =>
            {
                var target = renames.TryGetValue(fullName, out var renamed) ? renamed : fullName;
                var dot = target.LastIndexOf('.');
                node["name"] = target[(dot + 1)..];
                node["namespace"] = dot < 0 ? string.Empty : target[..dot];
            },
            onReference: fullName => renames.TryGetValue(fullName, out var renamed) ? renamed : fullName);
    }

    private static string Qualify(string name, string? ns) => name.Contains('.', StringComparison.Ordinal) || string.IsNullOrEmpty(ns) ? name : ns + "." + name;

    /// <summary>Walks the types of a schema (never field defaults): definitions with their full name and namespace, references by full name.</summary>
    private static void Walk(JToken json, string? ns, Action<JObject, string, string?>? onDefinition, Func<string, string>? onReference)
    {
        switch (json)
        {
            case JValue { Type: JTokenType.String } value:
                var name = (string)value!;
                if (!Primitives.Contains(name) && onReference is not null)
                {
                    value.Value = onReference(Qualify(name, ns));
                }

                return;
            case JArray union:
                foreach (var branch in union)
                {
                    Walk(branch, ns, onDefinition, onReference);
                }

                return;
            case JObject node:
                var type = node["type"];
                if (type is JValue { Type: JTokenType.String } typeName)
                {
                    switch ((string)typeName!)
                    {
                        case "record" or "error" or "enum" or "fixed":
                            var declared = (string?)node["name"] ?? string.Empty;
                            var space = declared.Contains('.', StringComparison.Ordinal) ? declared[..declared.LastIndexOf('.')] : (string?)node["namespace"] ?? ns;
                            var fullName = Qualify(declared, space);
                            var inner = fullName.Contains('.', StringComparison.Ordinal) ? fullName[..fullName.LastIndexOf('.')] : null;
                            onDefinition?.Invoke(node, fullName, inner);
                            if (node["fields"] is JArray fields)
                            {
                                foreach (var field in fields.OfType<JObject>())
                                {
                                    if (field["type"] is { } fieldType)
                                    {
                                        Walk(fieldType, inner, onDefinition, onReference);
                                    }
                                }
                            }

                            return;
                        case "array":
                            if (node["items"] is { } items)
                            {
                                Walk(items, ns, onDefinition, onReference);
                            }

                            return;
                        case "map":
                            if (node["values"] is { } values)
                            {
                                Walk(values, ns, onDefinition, onReference);
                            }

                            return;
                        default:
                            // A primitive with attributes, or {"type": "SomeName"}.
                            Walk(typeName, ns, onDefinition, onReference);
                            return;
                    }
                }

                if (type is not null)
                {
                    Walk(type, ns, onDefinition, onReference);
                }

                return;
        }
    }
}
