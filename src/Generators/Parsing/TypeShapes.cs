using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>Decides which member types the generated JSON codec maps, and how.</summary>
internal static class TypeShapes
{
    /// <summary>The fixed JSON form of a scalar type (not enums: they have codecs of their own), or <see langword="null"/>.</summary>
    public static ValueKind? ValueKindOf(ITypeSymbol type)
        => type.TypeKind == TypeKind.Enum ? null : Kind(type);

    private static ValueKind? Kind(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return ValueKind.Boolean;
            case SpecialType.System_Byte: return ValueKind.Byte;
            case SpecialType.System_SByte: return ValueKind.SByte;
            case SpecialType.System_Int16: return ValueKind.Int16;
            case SpecialType.System_UInt16: return ValueKind.UInt16;
            case SpecialType.System_Int32: return ValueKind.Int32;
            case SpecialType.System_UInt32: return ValueKind.UInt32;
            case SpecialType.System_Int64: return ValueKind.Int64;
            case SpecialType.System_UInt64: return ValueKind.UInt64;
            case SpecialType.System_Single: return ValueKind.Single;
            case SpecialType.System_Double: return ValueKind.Double;
            case SpecialType.System_Decimal: return ValueKind.Decimal;
            case SpecialType.System_String: return ValueKind.String;
            case SpecialType.System_Char: return ValueKind.Char;
            case SpecialType.System_DateTime: return ValueKind.DateTime;
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return ValueKind.Bytes;
        }

        if (type is INamedTypeSymbol named && named.ContainingType is null && IsSystem(named.ContainingNamespace))
        {
            switch (named.MetadataName)
            {
                case "Guid": return ValueKind.Guid;
                case "DateTimeOffset": return ValueKind.DateTimeOffset;
                case "TimeSpan": return ValueKind.TimeSpan;
                case "DateOnly": return ValueKind.DateOnly;
                case "TimeOnly": return ValueKind.TimeOnly;
            }
        }

        return null;
    }

    /// <summary>The element type when <paramref name="type"/> is a supported collection (array, List, or a list or collection interface).</summary>
    public static ITypeSymbol? CollectionElement(ITypeSymbol type, out CollectionKind kind)
    {
        kind = CollectionKind.None;
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            kind = CollectionKind.Array;
            return array.ElementType;
        }

        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.OriginalDefinition.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic")
        {
            switch (named.OriginalDefinition.MetadataName)
            {
                case "List`1":
                case "IList`1":
                case "IReadOnlyList`1":
                    kind = CollectionKind.IndexedList;
                    return named.TypeArguments[0];
                case "ICollection`1":
                case "IEnumerable`1":
                case "IReadOnlyCollection`1":
                    kind = CollectionKind.Enumerable;
                    return named.TypeArguments[0];
            }
        }

        return null;
    }

    /// <summary>The value type when <paramref name="type"/> is <c>Dictionary&lt;string, T&gt;</c>, <c>IDictionary&lt;string, T&gt;</c> or <c>IReadOnlyDictionary&lt;string, T&gt;</c>.</summary>
    public static ITypeSymbol? DictionaryValue(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } named
            && named.TypeArguments[0].SpecialType == SpecialType.System_String
            && named.OriginalDefinition.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic"
            && named.OriginalDefinition.MetadataName is "Dictionary`2" or "IDictionary`2" or "IReadOnlyDictionary`2")
        {
            return named.TypeArguments[1];
        }

        return null;
    }

    private static bool IsSystem(INamespaceSymbol? ns)
        => ns is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };

    public static KeyKind? Key(ITypeSymbol type, out bool nullable)
    {
        nullable = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            nullable = true;
            type = n.TypeArguments[0];
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_String:
                nullable = true;
                return KeyKind.Utf8String;
            case SpecialType.System_Int16: return KeyKind.Int16;
            case SpecialType.System_Int32: return KeyKind.Int32;
            case SpecialType.System_Int64: return KeyKind.Int64;
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            nullable = true;
            return KeyKind.Bytes;
        }

        if (type is INamedTypeSymbol { MetadataName: "Guid", ContainingType: null } g && IsSystem(g.ContainingNamespace))
        {
            return KeyKind.Guid;
        }

        return null;
    }
}
