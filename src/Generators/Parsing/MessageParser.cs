using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>Turns a <c>[KafkaTopic]</c> type into a <see cref="MessageSpec"/>, reporting every problem to a sink.</summary>
internal static class MessageParser
{
    /// <summary>Parses <paramref name="type"/>; returns <see langword="null"/> when an error was reported.</summary>
    public static MessageSpec? Parse(INamedTypeSymbol type, AttributeData attribute, LanguageVersion languageVersion, Compilation compilation, DiagnosticSink sink, CancellationToken cancellationToken)
    {
        var typeLocation = SymbolHelpers.IdentifierLocation(type);
        var valid = true;
        if (languageVersion < LanguageVersion.CSharp11)
        {
            sink.Report(DiagnosticDescriptors.LanguageVersionTooLow, SymbolHelpers.AttributeLocation(attribute), languageVersion.ToDisplayString());
            valid = false;
        }

        if (type.Name.Length == 0)
        {
            // A declaration still being typed (`partial class { }`): the compiler reports it.
            return null;
        }

        if (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
        {
            sink.Report(DiagnosticDescriptors.AbstractMessage, typeLocation, type.Display(), "not a class or struct");
            return null;
        }

        if (type.IsAbstract || type.IsStatic || type.IsRefLikeType)
        {
            // A ref struct cannot be the type argument of IKafkaMessage<T>, IKafkaSerializer<T> or the producer.
            sink.Report(DiagnosticDescriptors.AbstractMessage, typeLocation, type.Display(), type.IsStatic ? "static" : type.IsAbstract ? "abstract" : "a ref struct");
            valid = false;
        }

        if (SymbolHelpers.IsOrInGeneric(type))
        {
            sink.Report(DiagnosticDescriptors.GenericMessage, typeLocation, type.Display());
            valid = false;
        }

        if (SymbolHelpers.Inaccessibility(type) is { } inaccessible)
        {
            sink.Report(DiagnosticDescriptors.InaccessibleType, typeLocation, type.Display(), inaccessible);
            valid = false;
        }

        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!SymbolHelpers.IsPartial(current))
            {
                sink.Report(DiagnosticDescriptors.TypeNotPartial, SymbolHelpers.IdentifierLocation(current), current.Display(), type.Name);
                valid = false;
            }
        }

        var topic = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        if (TopicRules.Check(topic) is { } topicProblem)
        {
            sink.Report(DiagnosticDescriptors.InvalidTopic, SymbolHelpers.AttributeLocation(attribute, constructorArgument: 0), topic ?? string.Empty, topicProblem);
            valid = false;
        }

        string? serializerName = null;
        var format = MessageFormat.Avro;
        var jsonSchema = false;
        var subjectStrategy = 0;
        string? messageTypeName = null;
        var messageTypeNameSet = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "SubjectNameStrategy" && named.Value.Value is int strategyValue)
            {
                if (strategyValue is < 0 or > 2)
                {
                    sink.Report(DiagnosticDescriptors.InvalidMessageTypeOption, SymbolHelpers.AttributeLocation(attribute, named.Key), type.Display(), "SubjectNameStrategy = " + strategyValue.ToString(System.Globalization.CultureInfo.InvariantCulture) + " is not a KafkaSubjectNameStrategy (TopicName, RecordName or TopicRecordName)");
                    valid = false;
                }

                subjectStrategy = strategyValue;
            }

            if (named.Key == "MessageTypeName")
            {
                messageTypeName = named.Value.Value as string;
                messageTypeNameSet = true;
            }

            if (named.Key == "Format" && named.Value.Value is int formatValue)
            {
                if (formatValue is < 0 or > 2)
                {
                    // A cast (KafkaFormat)7 compiles; it must not quietly become Avro.
                    sink.Report(DiagnosticDescriptors.UndefinedEnumValue, SymbolHelpers.AttributeLocation(attribute, "Format"), "Format", formatValue.ToString(System.Globalization.CultureInfo.InvariantCulture), "KafkaFormat", "KafkaFormat.Avro, KafkaFormat.Json or KafkaFormat.JsonSchema");
                    valid = false;
                }

                format = formatValue is 1 or 2 ? MessageFormat.Json : MessageFormat.Avro;
                jsonSchema = formatValue == 2;
            }

            if (named.Key == "Serializer" && named.Value.Value is INamedTypeSymbol serializer)
            {
                if (!IsValidSerializer(serializer, type))
                {
                    sink.Report(DiagnosticDescriptors.InvalidSerializer, SymbolHelpers.AttributeLocation(attribute, "Serializer"), serializer.Display(), type.Name);
                    valid = false;
                }

                serializerName = serializer.Fqn();
            }
        }

        if (messageTypeNameSet)
        {
            var location = SymbolHelpers.AttributeLocation(attribute, "MessageTypeName");
            if (serializerName is null && format == MessageFormat.Avro)
            {
                sink.Report(DiagnosticDescriptors.InvalidMessageTypeOption, location, type.Display(), "MessageTypeName names the header of a type that is not Avro; an Avro type is named by its record's full name (change it with [AvroName(..., Namespace = ...)])");
                valid = false;
            }
            else if (subjectStrategy == 0)
            {
                sink.Report(DiagnosticDescriptors.InvalidMessageTypeOption, location, type.Display(), "MessageTypeName is only written with a SubjectNameStrategy other than TopicName (a topic of one type needs no type header); set SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName or remove MessageTypeName");
                valid = false;
            }
            else if (string.IsNullOrWhiteSpace(messageTypeName) || messageTypeName!.Length > 249 || messageTypeName.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                sink.Report(DiagnosticDescriptors.InvalidMessageTypeOption, location, type.Display(), "MessageTypeName '" + (messageTypeName ?? string.Empty) + "' must be 1 to 249 characters without white space or control characters");
                valid = false;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var properties = CollectProperties(type);
        var primaryConstructor = FindPrimaryConstructor(type);

        // The key: a [KafkaKey] property, or a [KafkaKey] positional parameter.
        var keys = new List<(IPropertySymbol? Property, string Name, AttributeData Attribute)>();
        foreach (var property in properties)
        {
            if (SymbolHelpers.FindAttribute(property, KnownNames.KafkaKeyAttribute) is { } keyAttribute)
            {
                keys.Add((property, property.Name, keyAttribute));
            }
        }

        // A [KafkaKey] the generated code cannot read would otherwise be ignored: every record would go without a key.
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol candidate && !properties.Contains(candidate, SymbolEqualityComparer.Default)
                    && UnreadableKeyReason(candidate) is { } reason
                    && SymbolHelpers.FindAttribute(candidate, KnownNames.KafkaKeyAttribute) is { } unreadableKey)
                {
                    sink.Report(DiagnosticDescriptors.UnreadableKey, SymbolHelpers.AttributeLocation(unreadableKey), candidate.Name, type.Name, reason);
                    valid = false;
                }
            }
        }

        if (primaryConstructor is not null)
        {
            foreach (var parameter in primaryConstructor.Parameters)
            {
                if (SymbolHelpers.FindAttribute(parameter, KnownNames.KafkaKeyAttribute) is { } keyAttribute
                    && !keys.Any(k => string.Equals(k.Name, parameter.Name, StringComparison.Ordinal)))
                {
                    var property = properties.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                    keys.Add((property, parameter.Name, keyAttribute));
                }
            }
        }

        string? keyMember = null;
        var keyKind = KeyKind.Utf8String;
        var keyNullable = false;
        if (keys.Count > 1)
        {
            for (var i = 1; i < keys.Count; i++)
            {
                sink.Report(DiagnosticDescriptors.MultipleKeys, SymbolHelpers.AttributeLocation(keys[i].Attribute), type.Display(), keys[0].Name, keys[i].Name);
            }

            valid = false;
        }
        else if (keys.Count == 1)
        {
            var key = keys[0];
            if (key.Property is null || !(TypeShapes.Key(key.Property.Type, out keyNullable) is { } kind))
            {
                sink.Report(DiagnosticDescriptors.UnsupportedKeyType, SymbolHelpers.AttributeLocation(key.Attribute), key.Name, key.Property?.Type.Display() ?? "(a constructor parameter without a property)");
                valid = false;
            }
            else
            {
                keyMember = key.Property.Name;
                keyKind = kind;
            }
        }

        if (!GeneratedNames.CheckMessage(type, format, serializerName is not null, jsonSchema, keys.Count > 0, sink))
        {
            valid = false;
        }

        JsonModel? json = null;
        AvroModel? avro = null;
        if (serializerName is null && !type.IsAbstract && !type.IsStatic)
        {
            if (format == MessageFormat.Json)
            {
                if (!JsonParser.TryBuild(type, properties, compilation, jsonSchema, sink, cancellationToken, out json))
                {
                    valid = false;
                }
            }
            else if (!SymbolHelpers.IsOrInGeneric(type))
            {
                avro = AvroTypeMapper.Parse(type, compilation, sink, cancellationToken);
                if (avro is null)
                {
                    valid = false;
                }
            }
        }

        if (!valid || topic is null)
        {
            return null;
        }

        var containing = new List<ContainingTypeSpec>();
        for (var current = type.ContainingType; current is not null; current = current.ContainingType)
        {
            containing.Insert(0, new ContainingTypeSpec(SymbolHelpers.Keyword(current), current.Name));
        }

        var ns = SymbolHelpers.RawNamespace(type);
        var fqn = type.Fqn();
        var hint = SymbolHelpers.HintBase(type);
        return new MessageSpec(
            ns,
            containing.ToEquatableArray(),
            SymbolHelpers.Keyword(type),
            type.Name,
            fqn,
            hint,
            SymbolHelpers.IsEffectivelyPublic(type),
            type.IsValueType,
            topic,
            serializerName,
            keyMember,
            keyKind,
            keyNullable,
            json,
            serializerName is null ? format : MessageFormat.Json,
            avro,
            subjectStrategy,
            subjectStrategy == 0 ? null : avro is not null ? avro.Root.FullName : messageTypeName ?? type.ToDisplayString());
    }

    /// <summary>
    /// A non-nullable reference-typed auto-property of this source with no real default: no initializer (or only
    /// <c>null!</c>/<c>default!</c>) and no constructor of the type assigning it. When its JSON member is absent
    /// nothing would give it a value, so it is read like a required one (a missing member is a named error, not a
    /// null in a non-nullable member). Anything the type does initialize keeps that value when absent.
    /// </summary>
    internal static bool IsUninitializedNonNullableReference(IPropertySymbol property, CancellationToken cancellationToken)
    {
        if (!property.Type.IsReferenceType || property.NullableAnnotation != NullableAnnotation.NotAnnotated || property.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not PropertyDeclarationSyntax declaration
                || declaration.AccessorList is null
                || declaration.AccessorList.Accessors.Any(static a => a.Body is not null || a.ExpressionBody is not null))
            {
                return false; // not an auto-property: its accessors decide
            }

            if (declaration.Initializer is { Value: var value } && !IsNullForgiven(value))
            {
                return false;
            }
        }

        foreach (var constructor in property.ContainingType.InstanceConstructors)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                foreach (var assignment in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<AssignmentExpressionSyntax>())
                {
                    var target = assignment.Left is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access ? access.Name : assignment.Left;
                    if (target is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == property.Name)
                    {
                        return false;
                    }
                }
            }
        }

        return true;

        static bool IsNullForgiven(ExpressionSyntax value)
            => value is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression, Operand: var operand }
               && operand.Kind() is SyntaxKind.NullLiteralExpression or SyntaxKind.DefaultLiteralExpression or SyntaxKind.DefaultExpression;
    }

    private static string? UnreadableKeyReason(IPropertySymbol property)
    {
        if (property.IsStatic)
        {
            return "static";
        }

        if (property.IsIndexer)
        {
            return "an indexer";
        }

        if (property.DeclaredAccessibility != Accessibility.Public)
        {
            return "not public";
        }

        return property.GetMethod is { DeclaredAccessibility: Accessibility.Public } ? null : "has no public getter";
    }

    private static bool IsValidSerializer(INamedTypeSymbol serializer, INamedTypeSymbol message)
    {
        if (serializer.IsAbstract || serializer.TypeKind != TypeKind.Class || serializer.IsUnboundGenericType)
        {
            return false;
        }

        var implements = serializer.AllInterfaces.Any(i =>
            SymbolHelpers.IsNamed(i, KnownNames.KafkaSerializerInterface)
            && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], message));
        var constructor = serializer.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);
        return implements && constructor;
    }

    internal static List<IPropertySymbol> CollectProperties(INamedTypeSymbol type)
    {
        var result = new List<IPropertySymbol>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod.DeclaredAccessibility: Accessibility.Public } property
                    && !property.IsImplicitlyDeclared
                    && property.Name.Length > 0 // a positional parameter still being typed (`record M(int)`)
                    && property.ExplicitInterfaceImplementations.Length == 0
                    && seen.Add(property.Name))
                {
                    result.Add(property);
                }
            }
        }

        return result;
    }

    internal static IMethodSymbol? FindPrimaryConstructor(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is TypeDeclarationSyntax)
                {
                    return constructor;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Chooses the constructor a generated codec calls when reading and matches its parameters to <paramref name="included"/>
    /// (by name, ignoring case, and type); reports KTG109 when there is none.
    /// </summary>
    internal static bool TryBindConstructor(INamedTypeSymbol type, List<IPropertySymbol> included, DiagnosticSink sink, out List<string> arguments, out HashSet<string> byConstructor)
    {
        arguments = new List<string>();
        byConstructor = new HashSet<string>(StringComparer.Ordinal);
        var constructor = ChooseConstructor(type, out var constructorProblem);
        if (constructor is null)
        {
            sink.Report(DiagnosticDescriptors.NoUsableConstructor, SymbolHelpers.IdentifierLocation(type), type.Display(), constructorProblem);
            return false;
        }

        foreach (var parameter in constructor.Parameters)
        {
            var match = included.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
                && SymbolEqualityComparer.Default.Equals(p.Type, parameter.Type));
            if (match is null)
            {
                sink.Report(DiagnosticDescriptors.NoUsableConstructor, SymbolHelpers.IdentifierLocation(type), type.Display(),
                    "the parameter '" + parameter.Name + "' of its constructor matches no public property of the same type");
                return false;
            }

            arguments.Add(match.Name);
            byConstructor.Add(match.Name);
        }

        // `new T(...) { ... }` must set every required member unless the constructor says it does.
        if (SymbolHelpers.FindAttribute(constructor, KnownNames.SetsRequiredMembersAttribute) is null)
        {
            foreach (var required in RequiredMembers(type))
            {
                var property = included.FirstOrDefault(p => string.Equals(p.Name, required.Name, StringComparison.Ordinal));
                if (property is null || byConstructor.Contains(property.Name) || property.SetMethod is not { DeclaredAccessibility: Accessibility.Public })
                {
                    sink.Report(DiagnosticDescriptors.NoUsableConstructor, SymbolHelpers.IdentifierLocation(type), type.Display(),
                        "the required member '" + required.Name + "' is not read by the codec (it is ignored, a field, or without a public getter and setter), so the codec cannot set it; "
                        + "make it optional, or give the type a constructor with [SetsRequiredMembers]");
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The required fields and properties of <paramref name="type"/> and its base types (the most derived of each name).</summary>
    internal static IEnumerable<ISymbol> RequiredMembers(INamedTypeSymbol type)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol or IFieldSymbol && !member.IsStatic && seen.Add(member.Name)
                    && member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })
                {
                    yield return member;
                }
            }
        }
    }

    internal static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string problem)
    {
        problem = string.Empty;
        var candidates = type.InstanceConstructors
            .Where(c => c.DeclaredAccessibility == Accessibility.Public)
            .Where(c => !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type, type)))
            .ToList();
        var marked = candidates.Where(c => SymbolHelpers.FindAttribute(c, KnownNames.JsonConstructorAttribute) is not null).ToList();
        if (marked.Count == 1)
        {
            return marked[0];
        }

        var parameterless = candidates.FirstOrDefault(c => c.Parameters.Length == 0);
        if (type.IsValueType)
        {
            var withParameters = candidates.Where(c => c.Parameters.Length > 0).ToList();
            if (withParameters.Count == 1)
            {
                return withParameters[0];
            }

            return parameterless ?? type.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0);
        }

        if (parameterless is not null)
        {
            return parameterless;
        }

        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        problem = candidates.Count == 0
            ? "it has no public constructor"
            : "it has several public constructors; mark one [JsonConstructor] or add a public parameterless one";
        return null;
    }
}
