using System;
using System.Collections.Generic;
using System.Linq;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>
/// Every name the generator puts into the user's namespaces and types, and the checks that nothing the user declared
/// already has one (else the generated code would not compile: CS0101, CS0102, CS0229, CS0260–CS0263, CS0542, CS8646).
/// In the message type's namespace (or containing type): <c>{Type}Producer</c>; in its namespace, for a keyed type,
/// <c>{Containing…}{Type}KafkaKeyExtensions</c>; in the message type, the codec and serializer holder of its format; in
/// each Avro record type given <c>ISpecificRecord</c>, <c>_SCHEMA</c> and the <c>KafkaTypedSet_</c>/<c>KafkaTypedField_</c> accessors.
/// </summary>
internal static class GeneratedNames
{
    public const string ProducerSuffix = "Producer";
    public const string KeyExtensionsSuffix = "KafkaKeyExtensions";
    public const string AvroCodec = "AvroCodec";
    public const string AvroSerializerHolder = "KafkaTypedAvroSerializerHolder";
    public const string SerializerHolder = "KafkaTypedSerializerHolder";
    public const string JsonCodec = "KafkaTypedJsonCodec";
    public const string JsonBody = "KafkaTypedJsonBody";
    public const string SchemaField = "_SCHEMA";
    public const string SetterAccessorPrefix = "KafkaTypedSet_";
    public const string FieldAccessorPrefix = "KafkaTypedField_";

    /// <summary>The folder Roslyn puts this generator's files in (<c>{assembly}/{generator type}/{hint name}</c>).</summary>
    private const string GeneratorFolder = "Kafka.Typed.Generators.KafkaTypedGenerator";

    private const string KafkaKeylessMessageInterface = "Kafka.Typed.IKafkaKeylessMessage`1";
    private const string ProducerHost = "Kafka.Typed.KafkaProducerHost";

    /// <summary>The nested types the emitters put into a message type of this format.</summary>
    public static string[] MessageMembers(MessageFormat format, bool customSerializer, bool jsonSchema)
        => customSerializer ? new[] { SerializerHolder }
            : format == MessageFormat.Avro ? new[] { AvroCodec, AvroSerializerHolder }
            : jsonSchema ? new[] { JsonCodec, JsonBody }
            : new[] { JsonCodec };

    /// <summary>The key extension class of a keyed message type: top-level, so the containing types' names come first.</summary>
    public static string KeyExtensions(IEnumerable<string> containingTypes, string name)
        => string.Concat(containingTypes) + name + KeyExtensionsSuffix;

    /// <summary>Whether <paramref name="tree"/> is a file this generator emitted (the analyzer sees them in a build).</summary>
    public static bool IsGenerated(SyntaxTree tree)
        => tree.FilePath.IndexOf(GeneratorFolder, StringComparison.Ordinal) >= 0;

    /// <summary>Whether the user declared <paramref name="symbol"/> (in source, outside this generator's files).</summary>
    private static bool IsUserDeclared(ISymbol symbol)
        => symbol.DeclaringSyntaxReferences.Any(static r => !IsGenerated(r.SyntaxTree));

    /// <summary>
    /// Checks the names generated for the message type <paramref name="type"/> (KTG118, KTG119, KTG120); <see langword="false"/>
    /// when one is taken.
    /// </summary>
    public static bool CheckMessage(INamedTypeSymbol type, MessageFormat format, bool customSerializer, bool jsonSchema, bool keyed, DiagnosticSink sink)
    {
        var valid = CheckHandWrittenMessage(type, sink);
        var location = SymbolHelpers.IdentifierLocation(type);

        foreach (var member in MessageMembers(format, customSerializer, jsonSchema))
        {
            if (type.Name == member)
            {
                // CS0542: a member cannot have its enclosing type's name.
                sink.Report(DiagnosticDescriptors.GeneratedMemberNameTaken, location, type.Display(), "is itself named '" + member + "'", What(member));
                valid = false;
            }

            foreach (var taken in type.GetMembers(member))
            {
                if (IsUserDeclared(taken))
                {
                    sink.Report(DiagnosticDescriptors.GeneratedMemberNameTaken, MemberLocation(taken) ?? location, type.Display(), "declares a member named '" + member + "'", What(member));
                    valid = false;
                }
            }
        }

        // The producer, beside the message type: in its namespace, or in its containing type.
        var producer = type.Name + ProducerSuffix;
        var container = (INamespaceOrTypeSymbol?)type.ContainingType ?? type.ContainingNamespace;
        if (type.ContainingType is { } outer && outer.Name == producer)
        {
            sink.Report(DiagnosticDescriptors.GeneratedTypeNameTaken, location, "producer", type.Display(), producer, "is the name of the containing type '" + outer.Display() + "' (a member cannot have its enclosing type's name)");
            valid = false;
        }

        if (container is not null)
        {
            foreach (var taken in container.GetMembers(producer))
            {
                if (ProducerConflict(taken, type) is { } conflict)
                {
                    sink.Report(DiagnosticDescriptors.GeneratedTypeNameTaken, location, "producer", type.Display(), producer, conflict);
                    valid = false;
                }
            }
        }

        if (keyed && type.ContainingNamespace is { } ns)
        {
            var chain = new List<string>();
            for (var current = type.ContainingType; current is not null; current = current.ContainingType)
            {
                chain.Insert(0, current.Name);
            }

            var extensions = KeyExtensions(chain, type.Name);
            foreach (var taken in ns.GetMembers(extensions))
            {
                if (taken is INamespaceSymbol || (taken is INamedTypeSymbol { Arity: 0 } && IsUserDeclared(taken)))
                {
                    sink.Report(DiagnosticDescriptors.GeneratedTypeNameTaken, location, "key extension class", type.Display(), extensions, "is already " + Describe(taken));
                    valid = false;
                }
            }

            // Another keyed message type whose containing types' and own names run together into the same name
            // (Outer.Order and OuterOrder both give OuterOrderKafkaKeyExtensions).
            foreach (var other in TypesSpelled(ns, string.Concat(chain) + type.Name))
            {
                if (!SymbolEqualityComparer.Default.Equals(other, type) && SymbolHelpers.FindAttribute(other, KnownNames.KafkaTopicAttribute) is not null && HasKey(other))
                {
                    sink.Report(DiagnosticDescriptors.GeneratedTypeNameTaken, location, "key extension class", type.Display(), extensions, "is also the key extension class generated for '" + other.Display() + "'");
                    valid = false;
                }
            }
        }

        return valid;
    }

    /// <summary>
    /// Checks the names the <c>ISpecificRecord</c> emitter puts into the Avro record type <paramref name="record"/>
    /// (KTG120): <c>_SCHEMA</c> (whose presence already means the type keeps its own implementation) and the accessors.
    /// </summary>
    public static bool CheckSpecificRecord(INamedTypeSymbol record, DiagnosticSink sink)
    {
        var valid = true;
        var location = SymbolHelpers.IdentifierLocation(record);
        if (record.Name == SchemaField)
        {
            sink.Report(DiagnosticDescriptors.GeneratedMemberNameTaken, location, record.Display(), "is itself named '" + SchemaField + "'", What(SchemaField));
            valid = false;
        }

        foreach (var member in record.GetMembers())
        {
            if ((member.Name.StartsWith(SetterAccessorPrefix, StringComparison.Ordinal) || member.Name.StartsWith(FieldAccessorPrefix, StringComparison.Ordinal))
                && IsUserDeclared(member))
            {
                var prefix = member.Name.StartsWith(SetterAccessorPrefix, StringComparison.Ordinal) ? SetterAccessorPrefix : FieldAccessorPrefix;
                sink.Report(DiagnosticDescriptors.GeneratedMemberNameTaken, MemberLocation(member) ?? location, record.Display(), "declares a member named '" + member.Name + "'", What(prefix));
                valid = false;
            }
        }

        return valid;
    }

    /// <summary>
    /// KTG118: the message type implements a member of its <c>IKafkaMessage&lt;T&gt;</c> explicitly, as the generated code
    /// does (CS8646). Listing the interface alone is harmless and allowed.
    /// </summary>
    private static bool CheckHandWrittenMessage(INamedTypeSymbol type, DiagnosticSink sink)
    {
        var valid = true;
        foreach (var member in type.GetMembers())
        {
            var implemented = member switch
            {
                IPropertySymbol property => property.ExplicitInterfaceImplementations.Select(static p => p.ContainingType),
                IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation } method => method.ExplicitInterfaceImplementations.Select(static m => m.ContainingType),
                _ => Enumerable.Empty<INamedTypeSymbol>(),
            };
            if (implemented.FirstOrDefault(i => IsMessageInterfaceOf(i, type)) is { } iface && IsUserDeclared(member))
            {
                sink.Report(DiagnosticDescriptors.HandWrittenMessageImplementation, MemberLocation(member), type.Display(), "implements " + iface.Display() + "." + member.Name.Substring(member.Name.LastIndexOf('.') + 1) + " by hand");
                valid = false;
            }
        }

        return valid;
    }

    private static bool IsMessageInterfaceOf(INamedTypeSymbol iface, INamedTypeSymbol type)
        => (SymbolHelpers.IsNamed(iface, KnownNames.KafkaMessageInterface) || SymbolHelpers.IsNamed(iface, KafkaKeylessMessageInterface))
           && SymbolEqualityComparer.Default.Equals(iface.TypeArguments[0], type);

    /// <summary>
    /// Why <paramref name="taken"/> (a member of the message's container named like its producer) keeps the generated
    /// producer from compiling, or <see langword="null"/> when it does not: the producer is emitted as a partial class, so
    /// a user's <c>partial class</c> of that name with no base class, no other accessibility and no constructor of its own
    /// taking the producer host merges with it.
    /// </summary>
    private static string? ProducerConflict(ISymbol taken, INamedTypeSymbol message)
    {
        if (taken is INamespaceSymbol)
        {
            return "is already a namespace";
        }

        if (taken is INamedTypeSymbol { Arity: > 0 } || !IsUserDeclared(taken))
        {
            return null; // a generic type of that name coexists; the generated producer is ours
        }

        if (taken is not INamedTypeSymbol producer)
        {
            return "is already " + Describe(taken);
        }

        if (SymbolHelpers.FindAttribute(producer, KnownNames.KafkaTopicAttribute) is not null || SymbolHelpers.FindAttribute(producer, KnownNames.KafkaConsumerAttribute) is not null)
        {
            return "is already " + Describe(taken) + " with a Kafka.Typed attribute of its own";
        }

        var access = SymbolHelpers.IsEffectivelyPublic(message) ? SyntaxKind.PublicKeyword : SyntaxKind.InternalKeyword;
        foreach (var reference in producer.DeclaringSyntaxReferences)
        {
            if (IsGenerated(reference.SyntaxTree))
            {
                continue;
            }

            if (reference.GetSyntax() is not ClassDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return "is already " + Describe(taken) + " that is not a partial class";
            }

            if (declaration.Modifiers.Any(SyntaxKind.StaticKeyword) || declaration.Modifiers.Any(SyntaxKind.AbstractKeyword) || declaration.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                return "is already " + Describe(taken) + " declared static, abstract or file-local";
            }

            var declared = declaration.Modifiers.FirstOrDefault(static m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword)
                || m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword));
            if (!declared.IsKind(SyntaxKind.None) && (!declared.IsKind(access) || declaration.Modifiers.Count(static m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword)
                    || m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword)) > 1))
            {
                return "is already " + Describe(taken) + " declared with other accessibility than the generated producer's ('" + SyntaxFacts.GetText(access) + "')";
            }
        }

        // The generated producer derives from KafkaTypedProducer<T> (or the keyless one): a user base class conflicts (CS0263).
        if (producer.BaseType is { SpecialType: not SpecialType.System_Object } baseType
            && !(baseType.TypeArguments.Length == 1 && SymbolEqualityComparer.Default.Equals(baseType.TypeArguments[0], message)
                 && baseType.ContainingNamespace?.ToDisplayString() == "Kafka.Typed"
                 && (baseType.Name == "KafkaTypedProducer" || baseType.Name == "KafkaTypedKeylessProducer")
                 && baseType.DeclaringSyntaxReferences.IsEmpty && producer.DeclaringSyntaxReferences.Any(static r => IsGenerated(r.SyntaxTree))))
        {
            return "is already " + Describe(taken) + " with a base class of its own";
        }

        foreach (var constructor in producer.InstanceConstructors)
        {
            if (constructor.Parameters.Length == 1 && constructor.Parameters[0].Type is INamedTypeSymbol parameter && SymbolHelpers.IsNamed(parameter, ProducerHost)
                && IsUserDeclared(constructor))
            {
                return "is already " + Describe(taken) + " with a constructor taking KafkaProducerHost, as the generated one does";
            }
        }

        return null;
    }

    /// <summary>The types whose name, run together with their containing types' names from <paramref name="container"/> down, is <paramref name="spelled"/>.</summary>
    private static IEnumerable<INamedTypeSymbol> TypesSpelled(INamespaceOrTypeSymbol container, string spelled)
    {
        for (var length = 1; length <= spelled.Length; length++)
        {
            foreach (var type in container.GetTypeMembers(spelled.Substring(0, length)))
            {
                if (type.Arity != 0)
                {
                    continue;
                }

                if (length == spelled.Length)
                {
                    yield return type;
                }
                else
                {
                    foreach (var nested in TypesSpelled(type, spelled.Substring(length)))
                    {
                        yield return nested;
                    }
                }
            }
        }
    }

    private static bool HasKey(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is IPropertySymbol property && SymbolHelpers.FindAttribute(property, KnownNames.KafkaKeyAttribute) is not null)
            {
                return true;
            }
        }

        return MessageParser.FindPrimaryConstructor(type) is { } primary
            && primary.Parameters.Any(static p => SymbolHelpers.FindAttribute(p, KnownNames.KafkaKeyAttribute) is not null);
    }

    private static string What(string member)
    {
        switch (member)
        {
            case AvroCodec: return "the generated Avro codec";
            case AvroSerializerHolder: return "the holder of the generated Avro serializer";
            case SerializerHolder: return "the holder of the [KafkaTopic(Serializer = ...)] instance";
            case JsonCodec: return "the generated JSON codec";
            case JsonBody: return "the generated JSON body codec of the JSON Schema format";
            case SchemaField: return "the Avro schema field of ISpecificRecord";
            default: return "the accessors (KafkaTypedSet_{Member}, KafkaTypedField_{Member}) ISpecificRecord.Put sets init-only and get-only members through";
        }
    }

    private static string Describe(ISymbol symbol)
    {
        var what = symbol switch
        {
            INamespaceSymbol => "a namespace",
            INamedTypeSymbol { IsRecord: true } => "a record",
            INamedTypeSymbol { TypeKind: TypeKind.Struct } => "a struct",
            INamedTypeSymbol { TypeKind: TypeKind.Interface } => "an interface",
            INamedTypeSymbol { TypeKind: TypeKind.Enum } => "an enum",
            INamedTypeSymbol { TypeKind: TypeKind.Delegate } => "a delegate",
            INamedTypeSymbol => "a class",
            IMethodSymbol => "a method",
            IPropertySymbol => "a property",
            IFieldSymbol => "a field",
            IEventSymbol => "an event",
            _ => "a member",
        };
        return what + " '" + symbol.Display() + "'";
    }

    private static Location? MemberLocation(ISymbol member)
        => member.Locations.FirstOrDefault(static l => l.IsInSource && l.SourceTree is { } tree && !IsGenerated(tree));
}
