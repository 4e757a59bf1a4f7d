using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generators.Parsing;

internal static class SymbolHelpers
{
    /// <summary>Fully qualified (<c>global::</c>) names with nullable reference annotations.</summary>
    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Fully qualified names without nullable annotations.</summary>
    public static readonly SymbolDisplayFormat FullyQualifiedPlain = SymbolDisplayFormat.FullyQualifiedFormat;

    public static string Fqn(this ITypeSymbol type) => type.ToDisplayString(FullyQualifiedPlain);

    /// <summary>The namespace of <paramref name="type"/> as plain names joined by dots (no <c>@</c> escapes), empty for the global one.</summary>
    public static string RawNamespace(ITypeSymbol type)
    {
        var parts = new System.Collections.Generic.List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name);
        }

        return string.Join(".", parts);
    }

    /// <summary>
    /// The base of the hint names of files generated for <paramref name="type"/>: its full name without <c>global::</c>
    /// and <c>@</c>. Roslyn compares hint names ignoring case, so when the type, a containing type or a namespace has a
    /// sibling whose name differs only in case (<c>Shop.Order</c> and <c>Shop.order</c>), a hash of the exact name is
    /// appended to keep the hint names apart (adding the same one twice throws and drops every generated file).
    /// </summary>
    public static string HintBase(INamedTypeSymbol type)
    {
        var fqn = type.Fqn();
        var hint = (fqn.StartsWith("global::", System.StringComparison.Ordinal) ? fqn.Substring(8) : fqn).Replace("@", string.Empty);
        for (var current = type; current.ContainingType is { } containing; current = containing)
        {
            if (HasCaseSibling(containing.GetTypeMembers(), current.Name))
            {
                return Hashed(hint, fqn);
            }
        }

        // Only this module's namespaces can hold generated files, so only they are walked (a namespace merged from
        // every referenced assembly is large, and this runs for every message type after every edit).
        var path = new System.Collections.Generic.List<INamespaceSymbol>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            path.Insert(0, ns);
        }

        var outermost = (INamedTypeSymbol)type;
        while (outermost.ContainingType is { } outer)
        {
            outermost = outer;
        }

        var container = type.ContainingModule?.GlobalNamespace;
        for (var i = 0; container is not null && i <= path.Count; i++)
        {
            var name = i < path.Count ? path[i].Name : outermost.Name;
            if (HasCaseSibling(container.GetMembers(), name))
            {
                return Hashed(hint, fqn);
            }

            container = i < path.Count ? container.GetNamespaceMembers().FirstOrDefault(n => n.Name == name) : null;
        }

        return hint;
    }

    private static bool HasCaseSibling(System.Collections.Generic.IEnumerable<INamespaceOrTypeSymbol> siblings, string name)
    {
        foreach (var sibling in siblings)
        {
            if (sibling.Name.Length == name.Length
                && string.Equals(sibling.Name, name, System.StringComparison.OrdinalIgnoreCase)
                && !string.Equals(sibling.Name, name, System.StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Hashed(string hint, string fqn)
        => hint + "." + Fnv1a(fqn).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash;
    }

    public static string Display(this ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    /// <summary>The location of the attribute, or of one of its arguments.</summary>
    public static Location? AttributeLocation(AttributeData attribute, string? namedArgument = null, int constructorArgument = -1)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        if (syntax.ArgumentList is { } list)
        {
            if (namedArgument is not null)
            {
                foreach (var argument in list.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == namedArgument)
                    {
                        return argument.Expression.GetLocation();
                    }
                }
            }
            else if (constructorArgument >= 0)
            {
                var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                if (constructorArgument < positional.Count)
                {
                    return positional[constructorArgument].Expression.GetLocation();
                }
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>The identifier of the first declaration of <paramref name="type"/>.</summary>
    public static Location? IdentifierLocation(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is BaseTypeDeclarationSyntax declaration)
            {
                return declaration.Identifier.GetLocation();
            }
        }

        return type.Locations.FirstOrDefault();
    }

    public static bool IsPartial(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsFileLocal(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The reason a type cannot be named by generated code elsewhere in the assembly, or <see langword="null"/>.</summary>
    public static string? Inaccessibility(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (IsFileLocal(current))
            {
                return SymbolEqualityComparer.Default.Equals(current, type) ? "file-local" : "nested in the file-local type '" + current.Name + "'";
            }

            switch (current.DeclaredAccessibility)
            {
                case Accessibility.Public:
                case Accessibility.Internal:
                case Accessibility.ProtectedOrInternal:
                    break;
                default:
                    var what = current.DeclaredAccessibility switch
                    {
                        Accessibility.Private => "private",
                        Accessibility.Protected => "protected",
                        Accessibility.ProtectedAndInternal => "private protected",
                        _ => "not accessible",
                    };
                    return SymbolEqualityComparer.Default.Equals(current, type) ? what : "nested in the " + what + " type '" + current.Name + "'";
            }
        }

        return null;
    }

    public static bool IsEffectivelyPublic(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsOrInGeneric(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.TypeParameters.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    public static string Keyword(INamedTypeSymbol type)
    {
        if (type.IsRecord)
        {
            return type.IsValueType ? "record struct" : "record";
        }

        return type.TypeKind switch
        {
            TypeKind.Struct => "struct",
            TypeKind.Interface => "interface",
            _ => "class",
        };
    }

    public static AttributeData? FindAttribute(ISymbol symbol, string metadataName)
    {
        if (!MayHaveAttributes(symbol))
        {
            return null;
        }

        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && IsNamed(cls, metadataName))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>
    /// A cheap syntax check before binding attributes: a source member or parameter without attribute lists has none.
    /// (Binding attributes is the largest part of re-running the pipeline after an edit.)
    /// </summary>
    public static bool MayHaveAttributes(ISymbol symbol)
    {
        var references = symbol.DeclaringSyntaxReferences;
        if (references.Length == 0 || symbol is INamedTypeSymbol || symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, IsImplicitlyDeclared: true })
        {
            return true;
        }

        foreach (var reference in references)
        {
            var node = reference.GetSyntax();
            switch (node)
            {
                case MemberDeclarationSyntax member when member.AttributeLists.Count > 0:
                case ParameterSyntax parameter when parameter.AttributeLists.Count > 0:
                    return true;
                case MemberDeclarationSyntax:
                case ParameterSyntax:
                    continue;
                default:
                    return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> has the metadata name <paramref name="metadataName"/> (<c>Ns.Name`1</c>).</summary>
    public static bool IsNamed(INamedTypeSymbol type, string metadataName)
    {
        var definition = type.OriginalDefinition;
        var dot = metadataName.LastIndexOf('.');
        var name = metadataName.Substring(dot + 1);
        if (definition.MetadataName != name)
        {
            return false;
        }

        var ns = dot < 0 ? string.Empty : metadataName.Substring(0, dot);
        return definition.ContainingType is null && definition.ContainingNamespace.ToDisplayString() == ns;
    }
}
