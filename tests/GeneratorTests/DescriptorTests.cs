using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Kafka.Typed.Generators;
using Kafka.Typed.Generators.Diagnostics;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>Every descriptor has a stable ID in its range, a doc page, a release-tracking line, and is supported by the analyzer.</summary>
public sealed partial class DescriptorTests
{
    [Fact]
    public void EveryDescriptorIsDocumentedTrackedAndSupported()
    {
        var repo = RepositoryRoot();
        var unshipped = File.ReadAllText(Path.Combine(repo, "src", "Generators", "AnalyzerReleases.Unshipped.md"));
        var index = File.ReadAllText(Path.Combine(repo, "docs", "diagnostics", "README.md"));
        var supported = new KafkaTypedAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToHashSet();

        Assert.Equal(DiagnosticDescriptors.All.Length, DiagnosticDescriptors.All.Select(d => d.Id).Distinct().Count());
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            Assert.Matches(IdPattern(), descriptor.Id);
            Assert.DoesNotMatch("^KTG9", descriptor.Id);
            Assert.Contains(descriptor.Id, supported);
            Assert.True(File.Exists(Path.Combine(repo, "docs", "diagnostics", descriptor.Id + ".md")), "missing docs page for " + descriptor.Id);
            Assert.Contains($"{descriptor.Id} | Kafka.Typed | {descriptor.DefaultSeverity} | {descriptor.Title}", unshipped, StringComparison.Ordinal);
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", index, StringComparison.Ordinal);
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("^KTG[0-9]{3}$")]
    private static partial Regex IdPattern();

    private static string RepositoryRoot([CallerFilePath] string self = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", ".."));
}
