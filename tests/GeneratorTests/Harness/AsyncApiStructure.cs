using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kafka.Typed.Generator.Tests.Harness;

/// <summary>
/// Structural checks of an AsyncAPI 3.0 document, written from the specification's object model (no copy of its text or
/// JSON Schema): the required fields, the fixed fields each object may have (plus <c>x-</c> extensions), the id pattern of
/// map keys, operations' actions and channel references, operation messages taken from their channel, Kafka binding
/// fields, multi-format schemas, and every local <c>$ref</c> resolving. Returns the problems found, each with its path.
/// </summary>
internal static partial class AsyncApiStructure
{
    private static readonly string[] RootFields = ["asyncapi", "id", "info", "servers", "defaultContentType", "channels", "operations", "components"];
    private static readonly string[] InfoFields = ["title", "version", "description", "termsOfService", "contact", "license", "tags", "externalDocs"];
    private static readonly string[] ChannelFields = ["address", "messages", "title", "summary", "description", "servers", "parameters", "tags", "externalDocs", "bindings"];
    private static readonly string[] OperationFields = ["action", "channel", "title", "summary", "description", "security", "tags", "externalDocs", "bindings", "traits", "messages", "reply"];
    private static readonly string[] MessageFields = ["headers", "payload", "correlationId", "contentType", "name", "title", "summary", "description", "tags", "externalDocs", "bindings", "examples", "traits"];
    private static readonly string[] ComponentFields = ["schemas", "servers", "channels", "operations", "messages", "securitySchemes", "serverVariables", "parameters", "correlationIds", "replies", "replyAddresses", "externalDocs", "tags", "operationTraits", "messageTraits", "serverBindings", "channelBindings", "operationBindings", "messageBindings"];
    private static readonly string[] KafkaChannelBinding = ["topic", "partitions", "replicas", "topicConfiguration", "bindingVersion"];
    private static readonly string[] KafkaOperationBinding = ["groupId", "clientId", "bindingVersion"];
    private static readonly string[] KafkaMessageBinding = ["key", "schemaIdLocation", "schemaIdPayloadEncoding", "schemaLookupStrategy", "bindingVersion"];

    [GeneratedRegex(@"^[\w\d\.\-_]+$", RegexOptions.ECMAScript)]
    private static partial Regex IdPattern();

    public static List<string> Check(string json)
    {
        var problems = new List<string>();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add("$: not an object");
            return problems;
        }

        Fields(root, "$", RootFields, problems);
        if (!root.TryGetProperty("asyncapi", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "3.0.0")
        {
            problems.Add("$.asyncapi: not \"3.0.0\"");
        }

        if (!root.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            problems.Add("$.info: missing");
        }
        else
        {
            Fields(info, "$.info", InfoFields, problems);
            RequiredString(info, "title", "$.info", problems);
            RequiredString(info, "version", "$.info", problems);
        }

        if (root.TryGetProperty("channels", out var channels))
        {
            foreach (var (id, channel) in Map(channels, "$.channels", problems))
            {
                var path = "$.channels." + id;
                Fields(channel, path, ChannelFields, problems);
                if (channel.TryGetProperty("address", out var address) && address.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    problems.Add(path + ".address: neither a string nor null");
                }

                if (channel.TryGetProperty("messages", out var messages))
                {
                    foreach (var (messageId, message) in Map(messages, path + ".messages", problems))
                    {
                        if (!message.TryGetProperty("$ref", out _))
                        {
                            Message(message, path + ".messages." + messageId, problems);
                        }
                    }
                }

                Bindings(channel, path, KafkaChannelBinding, problems);
            }
        }

        if (root.TryGetProperty("operations", out var operations))
        {
            foreach (var (id, operation) in Map(operations, "$.operations", problems))
            {
                var path = "$.operations." + id;
                Fields(operation, path, OperationFields, problems);
                if (!operation.TryGetProperty("action", out var action) || action.GetString() is not ("send" or "receive"))
                {
                    problems.Add(path + ".action: not send or receive");
                }

                string? channelPointer = null;
                if (!operation.TryGetProperty("channel", out var channel) || !channel.TryGetProperty("$ref", out var channelRef) || channelRef.GetString() is not { } pointer)
                {
                    problems.Add(path + ".channel: not a $ref");
                }
                else if (!pointer.StartsWith("#/channels/", StringComparison.Ordinal) || pointer.IndexOf('/', "#/channels/".Length) >= 0)
                {
                    problems.Add(path + ".channel: " + pointer + " is not a channel of this document");
                }
                else
                {
                    channelPointer = pointer;
                }

                if (operation.TryGetProperty("messages", out var opMessages))
                {
                    if (opMessages.ValueKind != JsonValueKind.Array)
                    {
                        problems.Add(path + ".messages: not an array");
                    }
                    else
                    {
                        foreach (var item in opMessages.EnumerateArray())
                        {
                            if (!item.TryGetProperty("$ref", out var messageRef) || channelPointer is null
                                || !(messageRef.GetString() ?? string.Empty).StartsWith(channelPointer + "/messages/", StringComparison.Ordinal))
                            {
                                problems.Add(path + ".messages: " + item + " is not a message of the operation's channel");
                            }
                        }
                    }
                }

                Bindings(operation, path, KafkaOperationBinding, problems);
            }
        }

        if (root.TryGetProperty("components", out var components))
        {
            Fields(components, "$.components", ComponentFields, problems);
            foreach (var section in components.EnumerateObject().Where(static p => !p.Name.StartsWith("x-", StringComparison.Ordinal)))
            {
                foreach (var (id, value) in Map(section.Value, "$.components." + section.Name, problems))
                {
                    var path = "$.components." + section.Name + "." + id;
                    if (section.Name == "messages" && !value.TryGetProperty("$ref", out _))
                    {
                        Message(value, path, problems);
                    }

                    if (section.Name == "schemas")
                    {
                        Schema(value, path, problems);
                    }
                }
            }
        }

        Refs(root, root, "$", problems);
        return problems;
    }

    private static void Message(JsonElement message, string path, List<string> problems)
    {
        Fields(message, path, MessageFields, problems);
        if (message.TryGetProperty("payload", out var payload))
        {
            Schema(payload, path + ".payload", problems);
        }

        if (message.TryGetProperty("headers", out var headers))
        {
            Schema(headers, path + ".headers", problems);
            if (!headers.TryGetProperty("$ref", out _) && !headers.TryGetProperty("schemaFormat", out _)
                && (!headers.TryGetProperty("type", out var type) || type.GetString() != "object"))
            {
                problems.Add(path + ".headers: not a schema of type object");
            }
        }

        Bindings(message, path, KafkaMessageBinding, problems);
        if (message.TryGetProperty("bindings", out var bindings) && bindings.TryGetProperty("kafka", out var kafka)
            && kafka.TryGetProperty("schemaIdLocation", out var location) && location.GetString() is not ("header" or "payload"))
        {
            problems.Add(path + ".bindings.kafka.schemaIdLocation: not header or payload");
        }
    }

    /// <summary>A schema: a reference, a multi-format schema (with its format and schema), or a JSON Schema object or boolean.</summary>
    private static void Schema(JsonElement schema, string path, List<string> problems)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False || schema.TryGetProperty("$ref", out _))
        {
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path + ": not a schema");
            return;
        }

        if (schema.TryGetProperty("schemaFormat", out var format))
        {
            Fields(schema, path, ["schemaFormat", "schema"], problems, extensions: false);
            if (format.ValueKind != JsonValueKind.String || !schema.TryGetProperty("schema", out var inner))
            {
                problems.Add(path + ": a multi-format schema without its format string or its schema");
                return;
            }

            var text = format.GetString()!;
            if (text.StartsWith("application/vnd.apache.avro", StringComparison.Ordinal) && inner.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String))
            {
                problems.Add(path + ".schema: not an Avro schema");
            }

            if (text.StartsWith("application/schema+json", StringComparison.Ordinal) && inner.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            {
                problems.Add(path + ".schema: not a JSON Schema");
            }
        }
    }

    private static void Bindings(JsonElement owner, string path, string[] kafkaFields, List<string> problems)
    {
        if (!owner.TryGetProperty("bindings", out var bindings))
        {
            return;
        }

        if (bindings.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path + ".bindings: not an object");
            return;
        }

        if (bindings.TryGetProperty("kafka", out var kafka) && !kafka.TryGetProperty("$ref", out _))
        {
            Fields(kafka, path + ".bindings.kafka", kafkaFields, problems);
        }
    }

    private static IEnumerable<(string Id, JsonElement Value)> Map(JsonElement map, string path, List<string> problems)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path + ": not an object");
            yield break;
        }

        foreach (var property in map.EnumerateObject())
        {
            if (!IdPattern().IsMatch(property.Name))
            {
                problems.Add(path + ": key '" + property.Name + "' is not an id ([A-Za-z0-9_.-]+)");
            }

            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                problems.Add(path + "." + property.Name + ": not an object");
                continue;
            }

            yield return (property.Name, property.Value);
        }
    }

    private static void Fields(JsonElement obj, string path, string[] allowed, List<string> problems, bool extensions = true)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path + ": not an object");
            return;
        }

        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name == "$ref")
            {
                continue;
            }

            if (!allowed.Contains(property.Name) && !(extensions && property.Name.StartsWith("x-", StringComparison.Ordinal)))
            {
                problems.Add(path + ": unknown field '" + property.Name + "'");
            }
        }
    }

    private static void RequiredString(JsonElement obj, string name, string path, List<string> problems)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            problems.Add(path + "." + name + ": missing or empty");
        }
    }

    /// <summary>Every <c>$ref</c> string that is a local JSON pointer must resolve in the document.</summary>
    private static void Refs(JsonElement root, JsonElement node, string path, List<string> problems)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        var pointer = property.Value.GetString()!;
                        if (!pointer.StartsWith('#') || Resolve(root, pointer) is null)
                        {
                            problems.Add(path + ".$ref: " + pointer + " does not resolve");
                        }
                    }
                    else
                    {
                        Refs(root, property.Value, path + "." + property.Name, problems);
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in node.EnumerateArray())
                {
                    Refs(root, item, path + "[" + i++ + "]", problems);
                }

                break;
        }
    }

    /// <summary>The element a local JSON pointer (<c>#/a/b</c>, with <c>~0</c>/<c>~1</c> escapes) names, or <see langword="null"/>.</summary>
    public static JsonElement? Resolve(JsonElement root, string pointer)
    {
        if (pointer == "#")
        {
            return root;
        }

        if (!pointer.StartsWith("#/", StringComparison.Ordinal))
        {
            return null;
        }

        var current = root;
        foreach (var raw in pointer[2..].Split('/'))
        {
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current;
    }
}
