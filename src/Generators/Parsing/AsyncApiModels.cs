using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Kafka.Typed.Generators.Avro;
using Kafka.Typed.Generators.Emit;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// The AsyncAPI pipeline's models: this assembly's <see cref="AsyncApiModule"/> from the message and handler specs, the
/// modules of referenced assemblies read from their generated <c>KafkaTypedAsyncApiModel_{Assembly}.Model</c> constant,
/// and the module's text form in that constant.
/// </summary>
internal static class AsyncApiModels
{
    /// <summary>The namespace of the generated classes.</summary>
    public const string Namespace = "Kafka.Typed.Generated";

    /// <summary>The internal document class, <c>Kafka.Typed.Generated.KafkaTypedAsyncApi</c> (suffixed when another assembly's is visible).</summary>
    public const string DocumentClass = "KafkaTypedAsyncApi";

    /// <summary>The public constant of a module class holding its model.</summary>
    public const string ModelField = "Model";

    /// <summary>The version of the model's text form; a referenced module of another version is read as absent.</summary>
    public const int FormatVersion = 1;

    /// <summary>The public class holding an assembly's module: <c>KafkaTypedAsyncApiModel_</c> and the assembly name with every other character than a letter or digit as <c>_</c>.</summary>
    public static string ModelClassName(string assemblyName) => KafkaTypedGenerator.AssemblyClassName("KafkaTypedAsyncApiModel_", assemblyName);

    /// <summary>This assembly's messages and consumers (the consumers the registration registers), sorted; its name is set later.</summary>
    public static AsyncApiModule Own(ImmutableArray<MessageSpec> messages, ImmutableArray<ImmutableEquatableArray<HandlerSpec>> handlers)
    {
        var byFqn = new Dictionary<string, string>(StringComparer.Ordinal);
        var own = new List<AsyncApiMessage>();
        foreach (var spec in messages)
        {
            var message = Message(spec);
            if (!byFqn.ContainsKey(spec.FullyQualifiedName))
            {
                byFqn.Add(spec.FullyQualifiedName, message.FullName);
                own.Add(message);
            }
        }

        var consumers = new List<AsyncApiConsumer>();
        foreach (var handler in handlers.SelectMany(static h => h))
        {
            // As the registration does: a handler of an own message type that did not parse is not registered.
            var known = byFqn.TryGetValue(handler.MessageFullyQualifiedName, out var messageName);
            if (!known && !handler.MessageIsExternal)
            {
                continue;
            }

            consumers.Add(new AsyncApiConsumer(
                handler.HandlerDisplayName,
                known ? messageName! : handler.MessageDisplayName,
                handler.Topic,
                handler.GroupId,
                handler.FailurePolicy,
                handler.DeadLetterTopic));
        }

        return new AsyncApiModule(
            string.Empty,
            own.OrderBy(static m => m.FullName, StringComparer.Ordinal).ToEquatableArray(),
            consumers
                .OrderBy(static c => c.Handler, StringComparer.Ordinal)
                .ThenBy(static c => c.Topic, StringComparer.Ordinal)
                .ThenBy(static c => c.GroupId ?? string.Empty, StringComparer.Ordinal)
                .ToEquatableArray());
    }

    private static AsyncApiMessage Message(MessageSpec spec)
    {
        var fullName = string.Join(".", new[] { spec.Namespace }.Concat(spec.ContainingTypes.Select(static c => c.Name)).Concat(new[] { spec.Name }).Where(static p => p.Length > 0));
        AsyncApiPayloadKind kind;
        string? schema = null;
        string? codec = null;
        if (spec.SerializerTypeName is { } serializer)
        {
            kind = AsyncApiPayloadKind.Custom;
            codec = Plain(serializer);
        }
        else if (spec.Avro is { } avro)
        {
            kind = AsyncApiPayloadKind.Avro;
            schema = avro.Schema;
        }
        else if (spec.Json is { ContextTypeName: { } context })
        {
            kind = AsyncApiPayloadKind.JsonContext;
            codec = Plain(context);
        }
        else if (spec.Json is { Schema: { } registered })
        {
            kind = AsyncApiPayloadKind.JsonSchema;
            schema = registered;
        }
        else if (spec.Json is { } json && json.Objects.Count > 0)
        {
            // The same derivation as the JSON Schema format registers, over the same codecs.
            kind = AsyncApiPayloadKind.Json;
            schema = JsonSchemaText.Derive(json.Objects, json.Enums, json.Objects.Select(static o => ShortName(o.TypeName)).ToList());
        }
        else
        {
            kind = AsyncApiPayloadKind.Json;
        }

        return new AsyncApiMessage(fullName, spec.Name, spec.Topic, kind, schema, codec, spec.KeyMember, spec.KeyKind, spec.KeyIsNullable, spec.SubjectNameStrategy, spec.MessageTypeName);
    }

    private static string Plain(string fullyQualified)
        => fullyQualified.StartsWith("global::", StringComparison.Ordinal) ? fullyQualified.Substring(8) : fullyQualified;

    /// <summary>A type's own name from its fully qualified name: no namespace, containing types or type arguments.</summary>
    internal static string ShortName(string fullyQualified)
    {
        var name = Plain(fullyQualified);
        var generic = name.IndexOf('<');
        if (generic >= 0)
        {
            name = name.Substring(0, generic);
        }

        var dot = name.LastIndexOf('.');
        return dot >= 0 ? name.Substring(dot + 1) : name;
    }

    /// <summary>
    /// Reads, from the compilation, its name and version, whether another assembly's document class is visible here, and
    /// the modules of the referenced assemblies (their public <c>KafkaTypedAsyncApiModel_{Assembly}.Model</c> constants).
    /// </summary>
    public static AsyncApiReferences ReadReferences(Compilation compilation, CancellationToken cancellationToken)
    {
        var modules = new List<AsyncApiModule>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!assembly.Modules.Any(static m => m.ReferencedAssemblies.Any(static a => a.Name == "Kafka.Typed")))
            {
                continue;
            }

            if (assembly.GetTypeByMetadataName(Namespace + "." + ModelClassName(assembly.Name)) is { } type
                && compilation.IsSymbolAccessibleWithin(type, compilation.Assembly)
                && type.GetMembers(ModelField).OfType<IFieldSymbol>().FirstOrDefault() is { HasConstantValue: true, ConstantValue: string text }
                && Parsed.GetValue(text, static t => new ParsedModule(Deserialize(t))).Module is { } module)
            {
                modules.Add(module with { AssemblyName = assembly.Name });
            }
        }

        var visible = false;
        foreach (var type in compilation.GetTypesByMetadataName(Namespace + "." + DocumentClass))
        {
            if (!SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly) && compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
            {
                visible = true;
            }
        }

        var version = compilation.Assembly.Identity.Version;
        return new AsyncApiReferences(
            compilation.AssemblyName ?? "Assembly",
            version.Major.ToString(CultureInfo.InvariantCulture) + "." + version.Minor.ToString(CultureInfo.InvariantCulture) + "." + version.Build.ToString(CultureInfo.InvariantCulture),
            visible,
            modules.OrderBy(static m => m.AssemblyName, StringComparer.Ordinal).ToEquatableArray());
    }

    /// <summary>
    /// Modules already read, by the constant's string: Roslyn keeps a referenced assembly's symbols (and so that string)
    /// across the compilations of an edit session, so a keystroke does not parse every referenced module again.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, ParsedModule> Parsed = new System.Runtime.CompilerServices.ConditionalWeakTable<string, ParsedModule>();

    private sealed class ParsedModule
    {
        public ParsedModule(AsyncApiModule? module)
        {
            Module = module;
        }

        public AsyncApiModule? Module { get; }
    }

    /// <summary>The generated file's spec, or <see langword="null"/> when neither this assembly nor a referenced one has Kafka.Typed types.</summary>
    public static AsyncApiSpec? Spec(AsyncApiModule own, AsyncApiReferences references)
    {
        if (own.IsEmpty && references.Modules.Count == 0)
        {
            return null;
        }

        var className = DocumentClass + (references.OtherDocumentVisible ? KafkaTypedGenerator.IdentifierPart(references.AssemblyName) : string.Empty);
        return new AsyncApiSpec(references.AssemblyName, references.Version, className, own with { AssemblyName = references.AssemblyName }, references.Modules);
    }

    /// <summary>The module's text form: compact JSON, versioned by <see cref="FormatVersion"/> (the assembly name is not part of it).</summary>
    public static string Serialize(AsyncApiModule module)
    {
        var messages = new List<object?>();
        foreach (var m in module.Messages)
        {
            messages.Add(new JsonOut()
                .Set("fullName", m.FullName)
                .Set("name", m.Name)
                .Set("topic", m.Topic)
                .Set("kind", (int)m.Kind)
                .Set("schema", m.Schema)
                .Set("codec", m.Codec)
                .Set("keyMember", m.KeyMember)
                .Set("keyKind", (int)m.KeyKind)
                .Set("keyIsNullable", m.KeyIsNullable)
                .Set("subjectNameStrategy", m.SubjectNameStrategy)
                .Set("messageTypeName", m.MessageTypeName));
        }

        var consumers = new List<object?>();
        foreach (var c in module.Consumers)
        {
            consumers.Add(new JsonOut()
                .Set("handler", c.Handler)
                .Set("message", c.MessageFullName)
                .Set("topic", c.Topic)
                .Set("groupId", c.GroupId)
                .Set("failurePolicy", c.FailurePolicy)
                .Set("deadLetterTopic", c.DeadLetterTopic));
        }

        return JsonText.Write(new JsonOut().Set("version", FormatVersion).Set("messages", messages).Set("consumers", consumers), indented: false);
    }

    /// <summary>Reads <see cref="Serialize"/>'s text; <see langword="null"/> when it is not that (another version, damaged).</summary>
    public static AsyncApiModule? Deserialize(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject root || Int(root, "version") != FormatVersion
                || root.Get("messages") is not JsonArray messages || root.Get("consumers") is not JsonArray consumers)
            {
                return null;
            }

            var readMessages = new List<AsyncApiMessage>();
            foreach (var item in messages.Items)
            {
                if (item is not JsonObject m || Str(m, "fullName") is not { } fullName || Str(m, "name") is not { } name || Str(m, "topic") is not { } topic
                    || Int(m, "kind") is not { } kind || kind < 0 || kind > (int)AsyncApiPayloadKind.Custom
                    || Int(m, "keyKind") is not { } keyKind || keyKind < 0 || keyKind > (int)KeyKind.Int64)
                {
                    return null;
                }

                readMessages.Add(new AsyncApiMessage(fullName, name, topic, (AsyncApiPayloadKind)kind, Str(m, "schema"), Str(m, "codec"), Str(m, "keyMember"), (KeyKind)keyKind, m.Get("keyIsNullable")?.Kind == JsonKind.True,
                    Int(m, "subjectNameStrategy") is { } strategy and >= 0 and <= 2 ? strategy : 0, Str(m, "messageTypeName")));
            }

            var readConsumers = new List<AsyncApiConsumer>();
            foreach (var item in consumers.Items)
            {
                if (item is not JsonObject c || Str(c, "handler") is not { } handler || Str(c, "message") is not { } message || Str(c, "topic") is not { } topic)
                {
                    return null;
                }

                readConsumers.Add(new AsyncApiConsumer(handler, message, topic, Str(c, "groupId"), Int(c, "failurePolicy"), Str(c, "deadLetterTopic")));
            }

            return new AsyncApiModule(string.Empty, readMessages.ToEquatableArray(), readConsumers.ToEquatableArray());
        }
        catch (AvroSchemaException)
        {
            return null;
        }
    }

    private static string? Str(JsonObject obj, string name) => obj.Get(name) is JsonString s ? s.Value : null;

    private static int? Int(JsonObject obj, string name)
        => obj.Get(name) is JsonNumber n && n.TryGetInt64(out var value) && value >= int.MinValue && value <= int.MaxValue ? (int)value : null;
}
