using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Builds the <see cref="JsonModel"/> of a <c>Format = KafkaFormat.Json</c> message type: an object codec for the
/// message and for every class, struct or record reached through its members (each type once, so recursive types
/// reuse theirs), an enum codec per enum, the JSON names under the naming policy in force; or the user's
/// <c>JsonSerializerContext</c> when <c>[KafkaJson(Context = ...)]</c> names one.
/// </summary>
internal static class JsonParser
{
    private const string JsonSerializerContext = "System.Text.Json.Serialization.JsonSerializerContext";
    private const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";

    /// <summary>Builds the model; <see langword="false"/> when an error was reported (then <paramref name="model"/> is <see langword="null"/>).</summary>
    public static bool TryBuild(INamedTypeSymbol type, List<IPropertySymbol> properties, Compilation compilation, bool jsonSchema, DiagnosticSink sink, CancellationToken cancellationToken, out JsonModel? model)
    {
        model = null;
        var messageOptions = SymbolHelpers.FindAttribute(type, KnownNames.KafkaJsonAttribute);
        var assemblyOptions = compilation.Assembly.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } c && SymbolHelpers.IsNamed(c, KnownNames.KafkaJsonAttribute));

        var (context, contextAttribute) = Context(messageOptions) is { } own ? (own, messageOptions) : (Context(assemblyOptions), assemblyOptions);
        if (context is not null && !jsonSchema)
        {
            if (ContextProblem(context, type) is { } problem)
            {
                var location = contextAttribute == messageOptions ? SymbolHelpers.AttributeLocation(contextAttribute!, "Context") : SymbolHelpers.IdentifierLocation(type);
                sink.Report(DiagnosticDescriptors.InvalidJsonContext, location, context.Display(), type.Name, problem);
                return false;
            }

            model = new JsonModel(ImmutableEquatableArray<JsonObjectSpec>.Empty, ImmutableEquatableArray<JsonEnumSpec>.Empty, context.Fqn());
            return true;
        }

        var builder = new Builder(type, compilation, sink, cancellationToken, messageOptions, assemblyOptions);
        var ok = builder.Run(properties);
        if (ok)
        {
            var objects = builder.Objects.ToEquatableArray();
            var enums = builder.Enums.ToEquatableArray();
            model = new JsonModel(objects, enums, null, jsonSchema ? JsonSchemaText.Derive(objects, enums, builder.ShortNames) : null);
        }

        return ok;
    }

    private static INamedTypeSymbol? Context(AttributeData? options)
        => options?.NamedArguments.FirstOrDefault(a => a.Key == "Context").Value.Value as INamedTypeSymbol;

    private static string? ContextProblem(INamedTypeSymbol context, INamedTypeSymbol message)
    {
        var derives = false;
        for (var current = context.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolHelpers.IsNamed(current, JsonSerializerContext))
            {
                derives = true;
            }
        }

        if (!derives || context.IsAbstract || context.IsGenericType)
        {
            return "it is not a non-generic, non-abstract class deriving from System.Text.Json.Serialization.JsonSerializerContext";
        }

        var listed = context.GetAttributes().Any(a => a.AttributeClass is { } c && SymbolHelpers.IsNamed(c, JsonSerializableAttribute)
            && a.ConstructorArguments.Length >= 1 && a.ConstructorArguments[0].Value is ITypeSymbol t
            && SymbolEqualityComparer.Default.Equals(t, message));
        return listed ? null : "it does not list the type with [JsonSerializable(typeof(" + message.Name + "))]";
    }

    /// <summary>
    /// The JSON name of a member under <paramref name="naming"/>, by the rules of System.Text.Json's naming policies
    /// (so that both write the same names for the same options).
    /// </summary>
    internal static string ApplyNaming(string name, JsonNaming naming)
    {
        switch (naming)
        {
            case JsonNaming.AsDeclared: return name;
            case JsonNaming.SnakeCaseLower: return Separated(name, '_', lower: true);
            case JsonNaming.SnakeCaseUpper: return Separated(name, '_', lower: false);
            case JsonNaming.KebabCaseLower: return Separated(name, '-', lower: true);
            case JsonNaming.KebabCaseUpper: return Separated(name, '-', lower: false);
            default: return CamelCase(name);
        }
    }

    /// <summary>Lower-cases the leading run of capitals, keeping the last one of a run that starts a word (<c>URLValue</c> → <c>urlValue</c>).</summary>
    private static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            var nextIsLower = i + 1 < chars.Length && !char.IsUpper(chars[i + 1]);
            if (i > 0 && nextIsLower)
            {
                // The capital that starts the next word stays, unless a space follows it.
                if (chars[i + 1] == ' ')
                {
                    chars[i] = char.ToLowerInvariant(chars[i]);
                }

                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    private enum WordState
    {
        Start,
        Upper,
        LowerOrDigit,
        Space,
    }

    /// <summary>
    /// Words split at lower-to-upper changes, before the last capital of a run followed by a lower-case letter, and at
    /// spaces (dropped); joined by <paramref name="separator"/> in one case. Other characters pass through and start over.
    /// </summary>
    private static string Separated(string name, char separator, bool lower)
    {
        var result = new StringBuilder(name.Length + 8);
        var state = WordState.Start;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.UppercaseLetter:
                    if (state == WordState.LowerOrDigit || state == WordState.Space
                        || (state == WordState.Upper && i + 1 < name.Length && char.IsLower(name[i + 1])))
                    {
                        result.Append(separator);
                    }

                    result.Append(lower ? char.ToLowerInvariant(c) : c);
                    state = WordState.Upper;
                    break;
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.DecimalDigitNumber:
                    if (state == WordState.Space)
                    {
                        result.Append(separator);
                    }

                    result.Append(!lower && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.LowercaseLetter ? char.ToUpperInvariant(c) : c);
                    state = WordState.LowerOrDigit;
                    break;
                case UnicodeCategory.SpaceSeparator:
                    if (state != WordState.Start)
                    {
                        state = WordState.Space;
                    }

                    break;
                default:
                    result.Append(c);
                    state = WordState.Start;
                    break;
            }
        }

        return result.ToString();
    }

    private sealed class Builder
    {
        private readonly INamedTypeSymbol _message;
        private readonly Compilation _compilation;
        private readonly DiagnosticSink _sink;
        private readonly CancellationToken _cancellationToken;
        private readonly AttributeData? _messageOptions;
        private readonly AttributeData? _assemblyOptions;
        private readonly List<(INamedTypeSymbol Type, string Path, Location Origin)> _pending = new();
        private readonly Dictionary<ITypeSymbol, int> _objectIndex = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ITypeSymbol, int> _enumIndex = new(SymbolEqualityComparer.Default);
        private readonly HashSet<(AttributeData, string)> _undefined = new();

        public Builder(INamedTypeSymbol message, Compilation compilation, DiagnosticSink sink, CancellationToken cancellationToken, AttributeData? messageOptions, AttributeData? assemblyOptions)
        {
            _message = message;
            _compilation = compilation;
            _sink = sink;
            _cancellationToken = cancellationToken;
            _messageOptions = messageOptions;
            _assemblyOptions = assemblyOptions;
        }

        public List<JsonObjectSpec> Objects { get; } = new();

        public List<JsonEnumSpec> Enums { get; } = new();

        /// <summary>The C# name of each object codec's type (its title in a JSON Schema).</summary>
        public List<string> ShortNames { get; } = new();

        public bool Run(List<IPropertySymbol> messageProperties)
        {
            var ok = true;
            _objectIndex.Add(_message, 0);
            _pending.Add((_message, string.Empty, SymbolHelpers.IdentifierLocation(_message) ?? Location.None));
            for (var i = 0; i < _pending.Count; i++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var (type, path, origin) = _pending[i];
                var properties = i == 0 ? messageProperties : MessageParser.CollectProperties(type);
                ShortNames.Add(type.Name);
                var spec = BuildObject(type, properties, path, i == 0 ? null : origin);
                if (spec is null)
                {
                    ok = false;
                    Objects.Add(new JsonObjectSpec(type.Fqn(), type.IsValueType, ImmutableEquatableArray<MemberSpec>.Empty, ImmutableEquatableArray<string>.Empty));
                }
                else
                {
                    Objects.Add(spec);
                }
            }

            return ok && _undefined.Count == 0;
        }

        private JsonNaming Naming(INamedTypeSymbol type)
        {
            foreach (var options in new[] { SymbolHelpers.FindAttribute(type, KnownNames.KafkaJsonAttribute), _messageOptions, _assemblyOptions })
            {
                if (DefinedArgument(options, "Naming", 6, "KafkaJsonNaming", "KafkaJsonNaming.Default, CamelCase, AsDeclared, SnakeCaseLower, SnakeCaseUpper, KebabCaseLower or KebabCaseUpper") is { } value and > 0)
                {
                    return (JsonNaming)(value - 1);
                }
            }

            return JsonNaming.CamelCase;
        }

        private bool EnumsAsNumbers(INamedTypeSymbol type)
        {
            foreach (var options in new[] { SymbolHelpers.FindAttribute(type, KnownNames.KafkaJsonAttribute), _messageOptions, _assemblyOptions })
            {
                if (DefinedArgument(options, "Enums", 2, "KafkaJsonEnumFormat", "KafkaJsonEnumFormat.Default, Names or Numbers") is { } value and > 0)
                {
                    return value == 2;
                }
            }

            return false;
        }

        /// <summary>
        /// An enum-typed argument of <c>[KafkaJson]</c>; a value outside 0..<paramref name="max"/> (a cast such as
        /// <c>(KafkaJsonNaming)9</c>) is reported once (KTG117) and fails the model instead of quietly meaning another.
        /// </summary>
        private int? DefinedArgument(AttributeData? attribute, string name, int max, string enumName, string allowed)
        {
            var value = IntArgument(attribute, name);
            if (value is { } number && (number < 0 || number > max))
            {
                if (_undefined.Add((attribute!, name)))
                {
                    _sink.Report(DiagnosticDescriptors.UndefinedEnumValue, SymbolHelpers.AttributeLocation(attribute!, name), name, number.ToString(CultureInfo.InvariantCulture), enumName, allowed);
                }

                return null;
            }

            return value;
        }

        private static int? IntArgument(AttributeData? attribute, string name)
        {
            if (attribute is null)
            {
                return null;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Value is int value)
                {
                    return value;
                }
            }

            return null;
        }

        /// <summary>
        /// The codec of one type; <paramref name="origin"/>, for a type reached through members, is where its problems are
        /// reported (the message's member that reaches it), and <paramref name="path"/> the member path that reaches it.
        /// </summary>
        private JsonObjectSpec? BuildObject(INamedTypeSymbol type, List<IPropertySymbol> properties, string path, Location? origin)
        {
            var ok = true;
            var included = new List<IPropertySymbol>();
            var conditions = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var property in properties)
            {
                if (SymbolHelpers.FindAttribute(property, KnownNames.JsonIgnoreAttribute) is { } ignore)
                {
                    var condition = IntArgument(ignore, "Condition") ?? 1;
                    if (condition == 1)
                    {
                        continue; // Always
                    }

                    conditions.Add(property.Name, condition);
                }

                included.Add(property);
            }

            if (!MessageParser.TryBindConstructor(type, included, _sink, out var arguments, out var byConstructor))
            {
                return null;
            }

            var naming = Naming(type);
            var constructorParameters = MessageParser.ChooseConstructor(type, out _)?.Parameters ?? System.Collections.Immutable.ImmutableArray<IParameterSymbol>.Empty;
            var specs = new List<MemberSpec>();
            var jsonNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in included)
            {
                var here = origin ?? property.Locations.FirstOrDefault(l => l.IsInSource) ?? SymbolHelpers.IdentifierLocation(type) ?? Location.None;
                var jsonName = JsonName(property, naming);
                if (jsonNames.TryGetValue(jsonName, out var first))
                {
                    // The writer would emit the name twice and the reader fill only the first member.
                    _sink.Report(DiagnosticDescriptors.DuplicateJsonName, here, property.Name, first, type.Name, jsonName);
                    ok = false;
                    continue;
                }

                jsonNames.Add(jsonName, property.Name);
                conditions.TryGetValue(property.Name, out var condition);
                AssignKind assign;
                string? absentDefault = null;
                if (byConstructor.Contains(property.Name))
                {
                    assign = AssignKind.Constructor;
                    var position = arguments.IndexOf(property.Name);
                    if (position >= 0 && position < constructorParameters.Length && constructorParameters[position].HasExplicitDefaultValue)
                    {
                        absentDefault = AvroTypeMapper.DefaultArgument(constructorParameters[position]);
                    }
                }
                else if (condition == 5)
                {
                    assign = AssignKind.None; // WhenReading: written only
                }
                else if (property.SetMethod is { DeclaredAccessibility: Accessibility.Public } setter)
                {
                    assign = property.IsRequired ? AssignKind.Initializer
                        : !setter.IsInitOnly ? AssignKind.Setter
                        : property.ContainingType.IsGenericType ? AssignKind.Initializer // an UnsafeAccessor cannot name a member of a generic type here
                        : MessageParser.IsUninitializedNonNullableReference(property, _cancellationToken) ? AssignKind.Initializer // absent, it would stay null: read as missing
                        : AssignKind.InitAccessor;
                }
                else
                {
                    assign = AssignKind.None;
                }

                var memberPath = path.Length == 0 ? property.Name : path + "." + property.Name;
                var shape = Shape(property.Type, memberPath, here, out var unmapped);
                if (shape is null)
                {
                    _sink.Report(DiagnosticDescriptors.UnsupportedMemberType, here, memberPath, _message.Name, unmapped);
                    ok = false;
                    continue;
                }

                var write = condition switch
                {
                    2 => JsonWriteCondition.WhenNotDefault,
                    3 when shape.CanBeNull => JsonWriteCondition.WhenNotNull,
                    4 => JsonWriteCondition.Never,
                    _ => JsonWriteCondition.Always,
                };
                specs.Add(new MemberSpec(property.Name, jsonName, shape, assign, property.ContainingType.Fqn(), absentDefault, write));
            }

            return ok ? new JsonObjectSpec(type.Fqn(), type.IsValueType, specs.ToEquatableArray(), arguments.ToEquatableArray()) : null;
        }

        /// <summary>The shape of <paramref name="type"/>, registering the object and enum codecs it needs; <see langword="null"/> with the type that cannot be mapped.</summary>
        private JsonShape? Shape(ITypeSymbol type, string path, Location origin, out string unmapped)
        {
            unmapped = type.Display();
            var nullableValue = false;
            var inner = type;
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                nullableValue = true;
                inner = nullable.TypeArguments[0];
            }

            var isReference = inner.IsReferenceType;
            var nonNullable = isReference && type.NullableAnnotation == NullableAnnotation.NotAnnotated;
            var annotated = isReference && type.NullableAnnotation == NullableAnnotation.Annotated;
            var declared = type.ToDisplayString(SymbolHelpers.FullyQualified);
            JsonShape Make(JsonShapeKind kind, ValueKind value = ValueKind.Int32, int index = -1, CollectionKind collection = CollectionKind.None, JsonShape? element = null)
                => new(kind, declared, nullableValue, isReference, nonNullable, annotated, value, index, collection, element);

            if (TypeShapes.ValueKindOf(inner) is { } value)
            {
                return Make(JsonShapeKind.Value, value);
            }

            if (inner is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } enumType)
            {
                if (!_enumIndex.TryGetValue(enumType, out var index))
                {
                    index = Enums.Count;
                    _enumIndex.Add(enumType, index);
                    Enums.Add(EnumSpec(enumType, TypeShapes.ValueKindOf(underlying) ?? ValueKind.Int32));
                }

                return Make(JsonShapeKind.Enum, TypeShapes.ValueKindOf(underlying) ?? ValueKind.Int32, index);
            }

            if (TypeShapes.CollectionElement(inner, out var collection) is { } element)
            {
                var elementShape = Shape(element, path + "[]", origin, out unmapped);
                return elementShape is null ? null : Make(JsonShapeKind.Sequence, collection: collection, element: elementShape);
            }

            if (TypeShapes.DictionaryValue(inner) is { } dictionaryValue)
            {
                var valueShape = Shape(dictionaryValue, path + "[]", origin, out unmapped);
                return valueShape is null ? null : Make(JsonShapeKind.Dictionary, element: valueShape);
            }

            if (inner is INamedTypeSymbol named && ObjectProblem(named) is null)
            {
                if (!_objectIndex.TryGetValue(named, out var index))
                {
                    index = _pending.Count;
                    _objectIndex.Add(named, index);
                    _pending.Add((named, path, origin));
                }

                return Make(JsonShapeKind.Object, index: index);
            }

            return null;
        }

        private string? ObjectProblem(INamedTypeSymbol type)
        {
            if ((type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct) || type.IsAbstract || type.IsStatic || type.IsRefLikeType
                || type.SpecialType != SpecialType.None || type.IsGenericType || type.IsAnonymousType || type.IsTupleType)
            {
                return "kind";
            }

            var ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
            if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal))
            {
                return "framework";
            }

            return _compilation.IsSymbolAccessibleWithin(type, _message) ? null : "inaccessible";
        }

        private JsonEnumSpec EnumSpec(INamedTypeSymbol type, ValueKind underlying)
        {
            var members = new List<JsonEnumMember>();
            var values = new HashSet<object>();
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } constant } field && values.Add(constant))
                {
                    var name = SymbolHelpers.FindAttribute(field, KnownNames.JsonStringEnumMemberNameAttribute) is { ConstructorArguments.Length: 1 } rename
                        && rename.ConstructorArguments[0].Value is string given
                        ? given
                        : field.Name;
                    members.Add(new JsonEnumMember(field.Name, name));
                }
            }

            var flags = type.GetAttributes().Any(a => a.AttributeClass is { } c && SymbolHelpers.IsNamed(c, "System.FlagsAttribute"));
            return new JsonEnumSpec(type.Fqn(), underlying, EnumsAsNumbers(type), flags, members.ToEquatableArray());
        }

        private static string JsonName(IPropertySymbol property, JsonNaming naming)
        {
            if (SymbolHelpers.FindAttribute(property, KnownNames.JsonPropertyNameAttribute) is { ConstructorArguments.Length: 1 } attribute
                && attribute.ConstructorArguments[0].Value is string { Length: > 0 } name)
            {
                return name;
            }

            return ApplyNaming(property.Name, naming);
        }
    }
}
