using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// <c>dotnet pack src/Runtime</c> yields one Kafka.Typed package carrying the generator in exactly one analyzer slot,
/// <c>analyzers/dotnet/roslyn4.8/cs</c>, next to the runtime. Packs the already-built runtime (<c>--no-build</c>), so it is fast.
/// </summary>
public sealed class PackagingTests
{
    [Fact]
    public async Task PackageCarriesTheGeneratorInOneAnalyzerSlot()
    {
        var repo = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(Path.GetTempPath(), "kafka-typed-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new ProcessStartInfo("dotnet", ["pack", Path.Combine(repo, "src", "Runtime", "Kafka.Typed.csproj"), "-c", configuration, "--no-build", "-o", output, "-nologo", "-v", "q"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"dotnet pack failed:\n{await stdout}\n{await stderr}");

            var package = Assert.Single(Directory.GetFiles(output, "*.nupkg"));
            Assert.StartsWith("Kafka.Typed.", Path.GetFileName(package), StringComparison.Ordinal);
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToList();

            var analyzers = entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).ToList();
            Assert.Equal(["analyzers/dotnet/roslyn4.8/cs/Kafka.Typed.Generators.dll"], analyzers);
            Assert.Contains("lib/net10.0/Kafka.Typed.dll", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));

            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            Assert.DoesNotContain("Kafka.Typed.Generators", text, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static string RepositoryRoot([CallerFilePath] string self = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", ".."));
}
