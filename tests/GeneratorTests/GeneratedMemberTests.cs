using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Every member the generator adds to a user's partial type is marked <c>[GeneratedCode]</c> (so code coverage, analyzers
/// and readers tell it from the user's own), as System.Text.Json's generator marks its members. Checked over every golden
/// file: a type the generator declares carries the attribute itself; a type it only extends (the user's partial message
/// or record type, and the types around it) must carry it on each member it gets.
/// </summary>
public sealed class GeneratedMemberTests
{
    [Fact]
    public void EveryMemberAddedToAUserTypeIsMarkedGeneratedCode()
    {
        var root = Path.GetDirectoryName(Snapshot.Directory("x"))!;
        var files = Directory.GetFiles(root, "*.g.cs", SearchOption.AllDirectories);
        Assert.True(files.Length >= 50, $"expected the snapshot cases' generated files under {root}, found {files.Length}");
        var unmarked = new List<string>();
        var checkedMembers = 0;
        foreach (var file in files)
        {
            var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file));
            foreach (var member in tree.GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>())
            {
                if (member is BaseNamespaceDeclarationSyntax || member.Parent is not TypeDeclarationSyntax parent || IsGenerated(parent) || IsExtendedUserType(member))
                {
                    continue;
                }

                checkedMembers++;
                if (!IsGenerated(member))
                {
                    var line = member.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    unmarked.Add($"{Path.GetRelativePath(root, file)}:{line}: {member.ToString().Split('\n').First(l => !l.TrimStart().StartsWith('[') && !l.TrimStart().StartsWith("///", StringComparison.Ordinal)).Trim()}");
                }
            }
        }

        Assert.True(checkedMembers > 100, $"only {checkedMembers} members of user types found");
        Assert.True(unmarked.Count == 0, "members of user types without [GeneratedCode]:\n" + string.Join("\n", unmarked));
    }

    /// <summary>A partial type declaration without attributes: the user's type (or one around it), which the generator extends.</summary>
    private static bool IsExtendedUserType(MemberDeclarationSyntax member)
        => member is TypeDeclarationSyntax type && type.Modifiers.Any(SyntaxKind.PartialKeyword) && type.AttributeLists.Count == 0;

    private static bool IsGenerated(MemberDeclarationSyntax member)
        => member.AttributeLists.SelectMany(static l => l.Attributes).Any(static a => a.Name.ToString().EndsWith("CodeDom.Compiler.GeneratedCode", StringComparison.Ordinal));
}
