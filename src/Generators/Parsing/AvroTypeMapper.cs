using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Derives the Avro model of a message type: its schema, and every record and enum type reachable from it, reporting
/// members that have no Avro mapping (KTG301), invalid Avro attributes (KTG302) and name clashes (KTG303).
/// It maps C# symbols to Avro specs; reading Avro schema JSON is <see cref="Avro.AvroSchemaParser"/>'s job.
/// </summary>
internal sealed class AvroTypeMapper
{
    /// <summary>The decimal precision without <c>[AvroDecimal]</c>.</summary>
    public const int DefaultPrecision = 29;

    /// <summary>The decimal scale without <c>[AvroDecimal]</c>.</summary>
    public const int DefaultScale = 14;

    private const string AvroNameAttribute = "Kafka.Typed.AvroNameAttribute";
    private const string AvroDecimalAttribute = "Kafka.Typed.AvroDecimalAttribute";
    private const string AvroTimestampMicrosAttribute = "Kafka.Typed.AvroTimestampMicrosAttribute";
    private const string AvroDefaultAttribute = "Kafka.Typed.AvroDefaultAttribute";
    private const string AvroIgnoreAttribute = "Kafka.Typed.AvroIgnoreAttribute";
    private const string ConventionsAttribute = "Kafka.Typed.KafkaAvroConventionsAttribute";

    private readonly Compilation _compilation;
    private readonly DiagnosticSink _sink;
    private readonly CancellationToken _cancellationToken;
    private readonly Location? _fallbackLocation;
    private readonly Dictionary<ITypeSymbol, int> _recordIndex = new Dictionary<ITypeSymbol, int>(SymbolEqualityComparer.Default);
    private readonly List<AvroRecordSpec?> _records = new List<AvroRecordSpec?>();
    private readonly List<RecordExtras> _recordExtras = new List<RecordExtras>();
    private readonly Dictionary<ITypeSymbol, int> _enumIndex = new Dictionary<ITypeSymbol, int>(SymbolEqualityComparer.Default);
    private readonly List<AvroEnumSpec> _enums = new List<AvroEnumSpec>();
    private readonly List<Dictionary<string, string>> _enumValues = new List<Dictionary<string, string>>();
    private readonly Dictionary<string, ITypeSymbol> _names = new Dictionary<string, ITypeSymbol>(StringComparer.Ordinal);
    private bool _ok = true;
    private string _rootNamespace = string.Empty;

    /// <summary><c>[assembly: KafkaAvroConventions]</c>: 0 as declared, 1 camelCase, 2 snake_case.</summary>
    private int _fieldNaming;

    /// <summary><c>[assembly: KafkaAvroConventions(Namespace = …)]</c>, or <see langword="null"/>.</summary>
    private string? _defaultNamespace;

    private AvroTypeMapper(Compilation compilation, DiagnosticSink sink, Location? fallbackLocation, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _sink = sink;
        _fallbackLocation = fallbackLocation;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Builds the model of <paramref name="type"/>; <see langword="null"/> when an error was reported.</summary>
    public static AvroModel? Parse(INamedTypeSymbol type, Compilation compilation, DiagnosticSink sink, CancellationToken cancellationToken)
    {
        var mapper = new AvroTypeMapper(compilation, sink, SymbolHelpers.IdentifierLocation(type), cancellationToken);
        mapper.ReadConventions(type);
        mapper.Record(type, type.Name, isRoot: true);
        if (!mapper._ok || mapper._records.Any(r => r is null))
        {
            return null;
        }

        var records = mapper._records.Select(r => r!).ToList();
        var enums = mapper._enums.ToEquatableArray();
        for (var i = 0; i < records.Count; i++)
        {
            records[i] = records[i] with { Schema = AvroSchemaText.Write(records, enums, mapper._recordExtras, i) };
        }

        return new AvroModel(records[0].Schema, records.ToEquatableArray(), enums);
    }

    /// <summary>Reads <c>[assembly: KafkaAvroConventions]</c> of the message type's assembly (it applies to every type the message reaches).</summary>
    private void ReadConventions(INamedTypeSymbol type)
    {
        var attribute = type.ContainingAssembly?.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ConventionsAttribute);
        if (attribute is null)
        {
            return;
        }

        var location = SymbolHelpers.AttributeLocation(attribute) ?? _fallbackLocation;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "FieldNaming" && named.Value.Value is int naming)
            {
                if (naming >= 0 && naming <= 2)
                {
                    _fieldNaming = naming;
                }
                else
                {
                    Invalid(location, type.Name, "[assembly: KafkaAvroConventions] FieldNaming " + naming.ToString(CultureInfo.InvariantCulture) + " is not an AvroFieldNaming value");
                }
            }
            else if (named.Key == "Namespace" && named.Value.Value is string space)
            {
                if (space.Length == 0 || space.Split('.').All(IsAvroName))
                {
                    _defaultNamespace = space;
                }
                else
                {
                    Invalid(location, type.Name, "[assembly: KafkaAvroConventions] Namespace '" + space + "' must be names matching [A-Za-z_][A-Za-z0-9_]* joined by dots");
                }
            }
        }
    }

    /// <summary>A member name under the assembly's field naming.</summary>
    internal static string ApplyNaming(string name, int naming)
    {
        switch (naming)
        {
            case 1:
                return CamelCase(name);
            case 2:
                return SnakeCase(name);
            default:
                return name;
        }
    }

    /// <summary><c>OrderId</c> → <c>orderId</c>; a leading run of capitals is lowered except a last one that starts the next word (<c>URLPath</c> → <c>urlPath</c>, <c>ID</c> → <c>id</c>).</summary>
    private static string CamelCase(string name)
    {
        var run = 0;
        while (run < name.Length && char.IsUpper(name[run]))
        {
            run++;
        }

        if (run == 0)
        {
            return name;
        }

        // "URLPath": the run "URLP" ends with the 'P' of "Path", which stays a capital.
        var lower = run > 1 && run < name.Length && char.IsLower(name[run]) ? run - 1 : run;
        return name.Substring(0, lower).ToLowerInvariant() + name.Substring(lower);
    }

    /// <summary><c>OrderId</c> → <c>order_id</c>, <c>URLPath</c> → <c>url_path</c>, <c>Line2Total</c> → <c>line2_total</c>.</summary>
    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previous = i > 0 ? name[i - 1] : '_';
                var startsWord = previous != '_' && (char.IsLower(previous) || char.IsDigit(previous)
                    || (char.IsUpper(previous) && i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (startsWord)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Per-record schema details that the emitters do not need (defaults), kept out of the model.</summary>
    internal sealed class RecordExtras
    {
        public string Name = string.Empty;
        public string Namespace = string.Empty;
        public List<string?> Defaults = new List<string?>();
    }

    private int Record(INamedTypeSymbol type, string path, bool isRoot)
    {
        if (_recordIndex.TryGetValue(type, out var existing))
        {
            return existing;
        }

        var index = _records.Count;
        _recordIndex[type] = index;
        _records.Add(null);
        var extras = new RecordExtras();
        _recordExtras.Add(extras);
        _cancellationToken.ThrowIfCancellationRequested();

        var (name, ns) = NameOf(type);
        extras.Name = name;
        extras.Namespace = ns;
        RequireNamespace(type, ns, isRoot);
        var fullName = ns.Length == 0 ? name : ns + "." + name;
        Claim(fullName, type, path);

        var properties = MessageParser.CollectProperties(type)
            .Where(p => SymbolHelpers.FindAttribute(p, AvroIgnoreAttribute) is null)
            .ToList();
        if (!MessageParser.TryBindConstructor(type, properties, _sink, out var arguments, out var byConstructor))
        {
            _ok = false;
            _records[index] = null;
            return index;
        }

        var primary = MessageParser.FindPrimaryConstructor(type);
        var fields = new List<AvroFieldSpec>();
        var fieldNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in properties)
        {
            // Constructor binding matches names ignoring case, so attributes and defaults on the parameter are found the same way.
            var parameter = primary?.Parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            var location = property.Locations.FirstOrDefault(l => l.IsInSource) ?? _fallbackLocation;
            var memberPath = type.Name + "." + property.Name;
            var fieldName = ApplyNaming(property.Name, _fieldNaming);
            if (MemberAttribute(property, parameter, AvroNameAttribute) is { } rename)
            {
                if (rename.ConstructorArguments.Length == 1 && rename.ConstructorArguments[0].Value is string n && IsAvroName(n))
                {
                    fieldName = n;
                }
                else
                {
                    Invalid(location, memberPath, "[AvroName] needs a name matching [A-Za-z_][A-Za-z0-9_]*");
                }
            }
            else if (!IsAvroName(fieldName))
            {
                Invalid(location, memberPath, "the field name '" + fieldName + "' is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*); give it one with [AvroName]");
            }

            if (!fieldNames.Add(fieldName))
            {
                Invalid(location, memberPath, "another field of '" + type.Name + "' is already named '" + fieldName + "'");
            }

            var avroType = Map(property.Type, property, parameter, memberPath, location, depth: 0);
            if (avroType is null)
            {
                continue;
            }

            var assign = byConstructor.Contains(property.Name)
                ? AssignKind.Constructor
                : property.SetMethod is { DeclaredAccessibility: Accessibility.Public } setter
                    ? (setter.IsInitOnly || property.IsRequired ? AssignKind.Initializer : AssignKind.Setter)
                    : AssignKind.None;
            fields.Add(new AvroFieldSpec(property.Name, fieldName, avroType, assign, SetterOf(property), property.ContainingType.Fqn()));
            extras.Defaults.Add(DefaultJson(property, parameter, avroType, memberPath, location));
        }

        // Apache.Avro's specific reader creates the object first and sets fields through Put: a value only a constructor
        // can take (no setter, no backing field) would be lost, so such a type gets no ISpecificRecord (evolution then
        // uses the generic resolver).
        var specific = fields.Any(f => f.Assign == AssignKind.Constructor && f.Setter == SetterKind.None) ? null : SpecificOf(type, isRoot);
        if (specific is not null && !GeneratedNames.CheckSpecificRecord(type, _sink))
        {
            _ok = false;
        }
        _records[index] = new AvroRecordSpec(
            type.Fqn(),
            fullName,
            "R" + index.ToString(CultureInfo.InvariantCulture) + "_" + Sanitize(type.Name),
            type.IsValueType,
            fields.ToEquatableArray(),
            arguments.ToEquatableArray(),
            specific,
            string.Empty);
        return index;
    }

    private static SetterKind SetterOf(IPropertySymbol property)
    {
        if (property.SetMethod is { } setter)
        {
            return setter.DeclaredAccessibility == Accessibility.Public && !setter.IsInitOnly ? SetterKind.Public : SetterKind.Accessor;
        }

        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return SetterKind.BackingField;
            }
        }

        return SetterKind.None;
    }

    private static SpecificRecordSpec? SpecificOf(INamedTypeSymbol type, bool isRoot)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!SymbolHelpers.IsPartial(current) || current.IsGenericType)
            {
                return null;
            }
        }

        if (!isRoot && type.Locations.All(l => !l.IsInSource))
        {
            return null;
        }

        var containing = new List<ContainingTypeSpec>();
        for (var current = type.ContainingType; current is not null; current = current.ContainingType)
        {
            containing.Insert(0, new ContainingTypeSpec(SymbolHelpers.Keyword(current), current.Name));
        }

        // A type that is an ISpecificRecord already (for example avrogen output) keeps its own implementation.
        if (type.AllInterfaces.Any(i => i.ToDisplayString() == "Avro.Specific.ISpecificRecord") || type.GetMembers("_SCHEMA").Length > 0)
        {
            return null;
        }

        var parameterless = type.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0 && !c.IsImplicitlyDeclared);
        if (parameterless is not null && parameterless.DeclaredAccessibility != Accessibility.Public)
        {
            // Apache.Avro needs a public one and the type has a non-public one: adding another is impossible.
            return null;
        }

        var hasParameterless = type.IsValueType || type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);
        ImmutableEquatableArray<string>? chain = null;
        var obsolete = true;
        if (!hasParameterless)
        {
            // `new T()` may already compile against a constructor whose parameters are all optional: the generated
            // parameterless constructor then takes over that call, so it must do the same (pass the same defaults).
            var allOptional = type.InstanceConstructors.FirstOrDefault(c => c.DeclaredAccessibility == Accessibility.Public
                && c.Parameters.Length > 0 && c.Parameters.All(p => p.HasExplicitDefaultValue || p.IsParams));
            var target = allOptional ?? MessageParser.FindPrimaryConstructor(type);
            if (target is not null)
            {
                chain = target.Parameters.Select(DefaultArgument).ToEquatableArray();
                obsolete = allOptional is null;
            }
            else if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType
                     && !baseType.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                // `public T() { }` would need a parameterless base constructor.
                return null;
            }
        }

        var ns = SymbolHelpers.RawNamespace(type);
        return new SpecificRecordSpec(SymbolHelpers.HintBase(type), ns, containing.ToEquatableArray(), SymbolHelpers.Keyword(type), type.Name, hasParameterless, chain, obsolete);
    }

    /// <summary>The argument a generated parameterless constructor passes for <paramref name="parameter"/>: its default, or <c>default(T)</c> (<c>default(T)!</c> for a non-nullable reference type).</summary>
    internal static string DefaultArgument(IParameterSymbol parameter)
    {
        var type = parameter.Type.ToDisplayString(SymbolHelpers.FullyQualified);
        if (parameter.IsParams)
        {
            return "global::System.Array.Empty<" + ((IArrayTypeSymbol)parameter.Type).ElementType.ToDisplayString(SymbolHelpers.FullyQualified) + ">()";
        }

        if (!parameter.HasExplicitDefaultValue || parameter.ExplicitDefaultValue is null)
        {
            // `!` only where the default is a null the type does not allow: never on a value type or a `T?`.
            var allowsNull = parameter.Type.IsValueType || parameter.Type.NullableAnnotation == NullableAnnotation.Annotated;
            return "default(" + type + ")" + (allowsNull ? string.Empty : "!");
        }

        var literal = Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatPrimitive(parameter.ExplicitDefaultValue, quoteStrings: true, useHexadecimalNumbers: false);
        if (parameter.ExplicitDefaultValue is double d && (double.IsNaN(d) || double.IsInfinity(d)))
        {
            literal = double.IsNaN(d) ? "double.NaN" : d > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }
        else if (parameter.ExplicitDefaultValue is float f && (float.IsNaN(f) || float.IsInfinity(f)))
        {
            literal = float.IsNaN(f) ? "float.NaN" : f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        }

        var underlying = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : parameter.Type;
        return "(" + underlying.ToDisplayString(SymbolHelpers.FullyQualified) + ")(" + literal + ")";
    }

    private AvroTypeSpec? Map(ITypeSymbol type, IPropertySymbol property, IParameterSymbol? parameter, string path, Location? location, int depth)
    {
        var nullableValue = false;
        var nullable = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            nullableValue = true;
            nullable = true;
            type = n.TypeArguments[0];
        }
        else if (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated)
        {
            nullable = true;
        }

        // Keeps annotations inside (List<string?>), drops the outer one (carried by IsNullable).
        var clrType = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolHelpers.FullyQualified);
        var isReference = type.IsReferenceType;

        AvroTypeSpec Simple(AvroKind kind, AvroClr clr = AvroClr.Natural, int precision = 0, int scale = 0)
            => new AvroTypeSpec(kind, clrType, nullable, nullableValue, isReference, clr, AvroCollection.None, null, null, precision, scale);

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return Simple(AvroKind.Boolean);
            case SpecialType.System_Byte: return Simple(AvroKind.Int, AvroClr.Byte);
            case SpecialType.System_SByte: return Simple(AvroKind.Int, AvroClr.SByte);
            case SpecialType.System_Int16: return Simple(AvroKind.Int, AvroClr.Int16);
            case SpecialType.System_UInt16: return Simple(AvroKind.Int, AvroClr.UInt16);
            case SpecialType.System_Int32: return Simple(AvroKind.Int);
            case SpecialType.System_UInt32: return Simple(AvroKind.Long, AvroClr.UInt32);
            case SpecialType.System_Int64: return Simple(AvroKind.Long);
            case SpecialType.System_Single: return Simple(AvroKind.Float);
            case SpecialType.System_Double: return Simple(AvroKind.Double);
            case SpecialType.System_String: return Simple(AvroKind.String);
            case SpecialType.System_DateTime:
                return Simple(Micros(property, parameter) ? AvroKind.TimestampMicros : AvroKind.TimestampMillis, AvroClr.DateTime);
            case SpecialType.System_Decimal:
                var (precision, scale) = DecimalOf(property, parameter, path, location);
                return Simple(AvroKind.Decimal, AvroClr.Natural, precision, scale);
            case SpecialType.System_Char:
                return Unsupported(path, type, location, "char has no Avro type; use string");
            case SpecialType.System_UInt64:
                return Unsupported(path, type, location, "ulong does not fit Avro's long; use long or decimal");
            case SpecialType.System_Object:
                return Unsupported(path, type, location, "object has no fixed Avro type");
        }

        if (type is IArrayTypeSymbol array)
        {
            if (array.Rank != 1)
            {
                return Unsupported(path, type, location, "multi-dimensional arrays have no Avro type; use an array of arrays");
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                return Simple(AvroKind.Bytes);
            }

            var items = Map(array.ElementType, property, parameter, path + "[]", location, depth + 1);
            return items is null ? null : new AvroTypeSpec(AvroKind.Array, clrType, nullable, nullableValue, true, AvroClr.Natural, AvroCollection.Array, items, null, 0, 0);
        }

        if (type is INamedTypeSymbol named)
        {
            if (named.TypeKind == TypeKind.Enum)
            {
                var e = Enum(named, path, location);
                return e is null ? null : new AvroTypeSpec(AvroKind.Enum, clrType, nullable, nullableValue, false, AvroClr.Natural, AvroCollection.None, null, e, 0, 0, _enums[_enumIndex[named]].Symbols);
            }

            if (named.ContainingType is null && named.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true })
            {
                switch (named.MetadataName)
                {
                    case "Guid": return Simple(AvroKind.Uuid);
                    case "DateTimeOffset": return Simple(Micros(property, parameter) ? AvroKind.TimestampMicros : AvroKind.TimestampMillis);
                    case "DateOnly": return Simple(AvroKind.Date);
                    case "TimeOnly": return Simple(AvroKind.TimeMicros);
                    case "TimeSpan": return Unsupported(path, type, location, "TimeSpan has no Avro logical type; use a long of ticks or milliseconds");
                }
            }

            if (named.IsGenericType && named.OriginalDefinition.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic")
            {
                var definition = named.OriginalDefinition.MetadataName;
                switch (definition)
                {
                    case "List`1":
                    case "IList`1":
                    case "IReadOnlyList`1":
                    case "ICollection`1":
                    case "IReadOnlyCollection`1":
                        var items = Map(named.TypeArguments[0], property, parameter, path + "[]", location, depth + 1);
                        var shape = definition == "ICollection`1" || definition == "IReadOnlyCollection`1" ? AvroCollection.List : AvroCollection.IndexedList;
                        return items is null ? null : new AvroTypeSpec(AvroKind.Array, clrType, nullable, nullableValue, true, AvroClr.Natural, shape, items, null, 0, 0);
                    case "Dictionary`2":
                    case "IDictionary`2":
                    case "IReadOnlyDictionary`2":
                        if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                        {
                            return Unsupported(path, type, location, "Avro map keys are strings; use Dictionary<string, T>");
                        }

                        var values = Map(named.TypeArguments[1], property, parameter, path + "{}", location, depth + 1);
                        return values is null ? null : new AvroTypeSpec(AvroKind.Map, clrType, nullable, nullableValue, true, AvroClr.Natural, AvroCollection.Dictionary, values, null, 0, 0);
                }
            }

            if ((named.TypeKind == TypeKind.Class || named.TypeKind == TypeKind.Struct)
                && !named.IsAbstract && !named.IsStatic && !named.IsGenericType && !named.IsTupleType && !named.IsAnonymousType
                && !IsFrameworkType(named))
            {
                if (SymbolHelpers.Inaccessibility(named) is { } inaccessible)
                {
                    return Unsupported(path, type, location, "the type is " + inaccessible + " and the generated codec cannot reach it");
                }

                var index = Record(named, path, isRoot: false);
                var key = named.Fqn();
                return new AvroTypeSpec(AvroKind.Record, clrType, nullable, nullableValue, isReference, AvroClr.Natural, AvroCollection.None, null, key, 0, 0);
            }

            var reason = named.TypeKind == TypeKind.Interface || named.IsAbstract
                ? "interfaces and abstract types have no single Avro record"
                : named.IsGenericType ? "generic types other than lists and Dictionary<string, T> have no Avro mapping" : "the type has no Avro mapping";
            return Unsupported(path, type, location, reason);
        }

        return Unsupported(path, type, location, "the type has no Avro mapping");
    }

    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        var root = type.ContainingNamespace;
        while (root is { ContainingNamespace.IsGlobalNamespace: false })
        {
            root = root.ContainingNamespace;
        }

        return root is { Name: "System" or "Microsoft" };
    }

    private string? Enum(INamedTypeSymbol type, string path, Location? location)
    {
        var key = type.Fqn();
        if (_enumIndex.ContainsKey(type))
        {
            return key;
        }

        var symbols = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.HasConstantValue || field.ConstantValue is null)
            {
                continue;
            }

            var value = Convert.ToString(field.ConstantValue, CultureInfo.InvariantCulture) ?? string.Empty;
            if (values.ContainsKey(value))
            {
                continue;
            }

            if (!IsAvroName(field.Name))
            {
                Invalid(location, path, "the enum member '" + type.Name + "." + field.Name + "' is not a valid Avro symbol ([A-Za-z_][A-Za-z0-9_]*)");
                return null;
            }

            values[value] = field.Name;
            symbols.Add(field.Name);
        }

        if (symbols.Count == 0)
        {
            Unsupported(path, type, location, "an Avro enum needs at least one symbol");
            return null;
        }

        string? defaultSymbol = null;
        if (SymbolHelpers.FindAttribute(type, AvroDefaultAttribute) is { ConstructorArguments.Length: 1 } enumDefault)
        {
            var raw = enumDefault.ConstructorArguments[0].Value;
            if (raw is not null && values.TryGetValue(Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty, out var symbol))
            {
                defaultSymbol = symbol;
            }
            else
            {
                Invalid(SymbolHelpers.AttributeLocation(enumDefault) ?? location, type.Name, "[AvroDefault] on an enum needs one of its members");
            }
        }

        var (name, ns) = NameOf(type);
        RequireNamespace(type, ns, isRoot: false);
        var fullName = ns.Length == 0 ? name : ns + "." + name;
        Claim(fullName, type, path);
        _enumIndex[type] = _enums.Count;
        _enums.Add(new AvroEnumSpec(key, fullName, "E" + _enums.Count.ToString(CultureInfo.InvariantCulture) + "_" + Sanitize(type.Name), symbols.ToEquatableArray(), defaultSymbol));
        _enumValues.Add(values);
        return key;
    }

    /// <summary>
    /// A named type without a namespace inside a message that has one cannot be written so that every Avro library reads
    /// it back in the null namespace (Apache.Avro takes an empty namespace as "inherit the enclosing one").
    /// </summary>
    private void RequireNamespace(INamedTypeSymbol type, string ns, bool isRoot)
    {
        if (isRoot)
        {
            _rootNamespace = ns;
        }
        else if (ns.Length == 0 && _rootNamespace.Length > 0)
        {
            Invalid(SymbolHelpers.IdentifierLocation(type) ?? _fallbackLocation, type.Name, "the type is in the global namespace but the message's Avro record is in '" + _rootNamespace + "'; Avro cannot name it there: give it [AvroName(\"" + type.Name + "\", Namespace = \"...\")] or move it into a namespace");
        }
    }

    private (string Name, string Namespace) NameOf(INamedTypeSymbol type)
    {
        var name = type.Name;
        var ns = _defaultNamespace ?? SymbolHelpers.RawNamespace(type);
        var attribute = SymbolHelpers.FindAttribute(type, AvroNameAttribute);
        if (attribute is null && (!IsAvroName(name) || (ns.Length > 0 && !ns.Split('.').All(IsAvroName))))
        {
            Invalid(SymbolHelpers.IdentifierLocation(type), type.Name, "'" + (ns.Length == 0 ? name : ns + "." + name) + "' is not a valid Avro name (ASCII letters, digits and '_', dot-separated); give the type one with [AvroName(\"Name\", Namespace = \"ns\")]");
        }

        if (attribute is not null)
        {
            var location = SymbolHelpers.AttributeLocation(attribute) ?? _fallbackLocation;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string given && IsAvroName(given))
            {
                name = given;
            }
            else
            {
                Invalid(location, type.Name, "[AvroName] needs a name matching [A-Za-z_][A-Za-z0-9_]*");
            }

            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Namespace" && named.Value.Value is string space)
                {
                    if (space.Length == 0 || space.Split('.').All(IsAvroName))
                    {
                        ns = space;
                    }
                    else
                    {
                        Invalid(location, type.Name, "[AvroName] Namespace '" + space + "' must be names matching [A-Za-z_][A-Za-z0-9_]* joined by dots");
                    }
                }
            }
        }

        return (name, ns);
    }

    private void Claim(string fullName, ITypeSymbol type, string path)
    {
        if (_names.TryGetValue(fullName, out var other))
        {
            if (!SymbolEqualityComparer.Default.Equals(other, type))
            {
                _sink.Report(DiagnosticDescriptors.AvroNameClash, type.Locations.FirstOrDefault(l => l.IsInSource) ?? _fallbackLocation, fullName, other.Display(), type.Display(), path);
                _ok = false;
            }

            return;
        }

        _names[fullName] = type;
    }

    private static AttributeData? MemberAttribute(IPropertySymbol property, IParameterSymbol? parameter, string name)
        => SymbolHelpers.FindAttribute(property, name) ?? (parameter is null ? null : SymbolHelpers.FindAttribute(parameter, name));

    private static bool Micros(IPropertySymbol property, IParameterSymbol? parameter)
        => MemberAttribute(property, parameter, AvroTimestampMicrosAttribute) is not null;

    private (int Precision, int Scale) DecimalOf(IPropertySymbol property, IParameterSymbol? parameter, string path, Location? location)
    {
        if (MemberAttribute(property, parameter, AvroDecimalAttribute) is not { } attribute)
        {
            return (DefaultPrecision, DefaultScale);
        }

        if (attribute.ConstructorArguments.Length == 2
            && attribute.ConstructorArguments[0].Value is int precision
            && attribute.ConstructorArguments[1].Value is int scale
            && precision >= 1 && precision <= 29 && scale >= 0 && scale <= 28 && scale <= precision)
        {
            return (precision, scale);
        }

        Invalid(SymbolHelpers.AttributeLocation(attribute) ?? location, path, "[AvroDecimal] needs a precision from 1 to 29 and a scale from 0 to 28, at most the precision");
        return (DefaultPrecision, DefaultScale);
    }

    private string? DefaultJson(IPropertySymbol property, IParameterSymbol? parameter, AvroTypeSpec type, string path, Location? location)
    {
        if (MemberAttribute(property, parameter, AvroDefaultAttribute) is { } attribute)
        {
            var attributeLocation = SymbolHelpers.AttributeLocation(attribute) ?? location;
            if (attribute.ConstructorArguments.Length != 1)
            {
                return null;
            }

            var argument = attribute.ConstructorArguments[0];
            if (argument.IsNull)
            {
                if (!type.IsNullable)
                {
                    Invalid(attributeLocation, path, "the default is null but the member is not nullable");
                }

                return "null";
            }

            if (type.IsNullable)
            {
                Invalid(attributeLocation, path, "a nullable member's Avro default can only be null (the union lists null first)");
                return "null";
            }

            var value = argument.Kind == TypedConstantKind.Enum && argument.Type is INamedTypeSymbol enumType ? new EnumConstant(enumType, argument.Value) : argument.Value;
            var json = ConstantJson(type, value);
            if (json is null)
            {
                Invalid(attributeLocation, path, "the default " + Describe(argument.Value) + " does not fit the member's Avro type " + type.Kind.ToString().ToLowerInvariant());
            }

            return json;
        }

        if (type.IsNullable)
        {
            return "null";
        }

        if (parameter is { HasExplicitDefaultValue: true })
        {
            var value = parameter.ExplicitDefaultValue;
            if (value is not null && parameter.Type.TypeKind == TypeKind.Enum && parameter.Type is INamedTypeSymbol parameterEnum)
            {
                value = new EnumConstant(parameterEnum, value);
            }

            return value is null ? null : ConstantJson(type, value);
        }

        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(_cancellationToken) is PropertyDeclarationSyntax { Initializer: { } initializer })
            {
                return InitializerJson(initializer.Value, type);
            }
        }

        return null;
    }

    private string? InitializerJson(ExpressionSyntax expression, AvroTypeSpec type)
    {
        if (type.Kind == AvroKind.Array || type.Kind == AvroKind.Map)
        {
            var empty = expression switch
            {
                CollectionExpressionSyntax c => c.Elements.Count == 0,
                ImplicitObjectCreationExpressionSyntax o => (o.ArgumentList?.Arguments.Count ?? 0) == 0 && o.Initializer is null,
                ObjectCreationExpressionSyntax o => (o.ArgumentList?.Arguments.Count ?? 0) == 0 && o.Initializer is null,
                _ => false,
            };
            return empty ? (type.Kind == AvroKind.Array ? "[]" : "{}") : null;
        }

        if (!_compilation.ContainsSyntaxTree(expression.SyntaxTree))
        {
            return null;
        }

        var model = _compilation.GetSemanticModel(expression.SyntaxTree);
        var constant = model.GetConstantValue(expression, _cancellationToken);
        if (!constant.HasValue || constant.Value is null)
        {
            return null;
        }

        var value = constant.Value;
        if (type.Kind == AvroKind.Enum && model.GetTypeInfo(expression, _cancellationToken).Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
        {
            value = new EnumConstant(enumType, value);
        }

        return ConstantJson(type, value);
    }

    private sealed class EnumConstant
    {
        public EnumConstant(INamedTypeSymbol type, object? value)
        {
            Type = type;
            Value = value;
        }

        public INamedTypeSymbol Type { get; }

        public object? Value { get; }
    }

    private string? ConstantJson(AvroTypeSpec type, object? value)
    {
        switch (type.Kind)
        {
            case AvroKind.Boolean:
                return value is bool b ? (b ? "true" : "false") : null;
            case AvroKind.Int:
            case AvroKind.Long:
                if (value is not (sbyte or byte or short or ushort or int or uint or long or ulong or char))
                {
                    return null;
                }

                var number = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                var (min, max) = type.Clr switch
                {
                    AvroClr.Byte => (byte.MinValue, byte.MaxValue),
                    AvroClr.SByte => (sbyte.MinValue, sbyte.MaxValue),
                    AvroClr.Int16 => (short.MinValue, short.MaxValue),
                    AvroClr.UInt16 => (ushort.MinValue, ushort.MaxValue),
                    AvroClr.UInt32 => (uint.MinValue, uint.MaxValue),
                    _ => type.Kind == AvroKind.Int ? ((decimal)int.MinValue, (decimal)int.MaxValue) : ((decimal)long.MinValue, (decimal)long.MaxValue),
                };
                return number >= min && number <= max ? number.ToString(CultureInfo.InvariantCulture) : null;
            case AvroKind.Float:
            case AvroKind.Double:
                if (value is sbyte or byte or short or ushort or int or uint or long)
                {
                    return Convert.ToString(value, CultureInfo.InvariantCulture);
                }

                var d = value is float f ? f : value is double dd ? dd : double.NaN;
                return double.IsNaN(d) || double.IsInfinity(d) ? null : d.ToString("R", CultureInfo.InvariantCulture);
            case AvroKind.String:
                return value is string s ? AvroSchemaText.Quote(s) : null;
            case AvroKind.Uuid:
                return value is string g && Guid.TryParse(g, out _) ? AvroSchemaText.Quote(g) : null;
            case AvroKind.Enum:
                if (type.Named is { } key && _enums.FindIndex(e => e.Key == key) is var i && i >= 0)
                {
                    if (value is string symbol && _enums[i].Symbols.Contains(symbol))
                    {
                        return AvroSchemaText.Quote(symbol);
                    }

                    if (value is EnumConstant { Value: { } raw }
                        && _enumValues[i].TryGetValue(Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty, out var name))
                    {
                        return AvroSchemaText.Quote(name);
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    private AvroTypeSpec? Unsupported(string path, ITypeSymbol type, Location? location, string reason)
    {
        _sink.Report(DiagnosticDescriptors.UnsupportedAvroMember, location ?? _fallbackLocation, path, type.Display(), reason);
        _ok = false;
        return null;
    }

    private void Invalid(Location? location, string path, string problem)
    {
        _sink.Report(DiagnosticDescriptors.InvalidAvroAttribute, location ?? _fallbackLocation, path, problem);
        _ok = false;
    }

    /// <summary>Whether <paramref name="name"/> is a valid Avro name (<c>[A-Za-z_][A-Za-z0-9_]*</c>).</summary>
    public static bool IsAvroName(string name) => Avro.AvroSchemaParser.IsValidName(name);

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }
}
