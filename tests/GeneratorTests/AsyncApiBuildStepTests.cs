using System.Diagnostics;
using System.Runtime.CompilerServices;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// The package's MSBuild step (<c>src/Runtime/build/Kafka.Typed.AsyncApi.targets</c>), run by <c>dotnet msbuild</c> on a
/// small project: it writes the document of an assembly that has one exactly as the generated constant holds it, writes
/// nothing for an assembly without one, and turns a failure into the warning KTG004 without failing the build. The
/// assembly read is this test assembly, which the generator also runs on (its end-to-end types give it a document).
/// </summary>
public sealed class AsyncApiBuildStepTests
{
    [Fact]
    public async Task BuildStepWritesTheDocumentAndWarnsInsteadOfFailing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kafka-typed-asyncapi-build-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var self = typeof(AsyncApiBuildStepTests).Assembly.Location;
            var runtime = typeof(KafkaAppConfig).Assembly.Location;
            var blocker = Path.Combine(folder, "a-file");
            File.WriteAllText(blocker, "not a directory");
            var project = Path.Combine(folder, "probe.proj");
            File.WriteAllText(project, $"""
                <Project>
                  <Import Project="{Targets()}" />
                  <Target Name="Probe">
                    <KafkaTypedWriteAsyncApi AssemblyPath="{self}" DocumentPath="{Path.Combine(folder, "out", "doc.json")}" />
                    <KafkaTypedWriteAsyncApi AssemblyPath="{runtime}" DocumentPath="{Path.Combine(folder, "none.json")}" />
                    <KafkaTypedWriteAsyncApi AssemblyPath="{self}" DocumentPath="{Path.Combine(blocker, "doc.json")}" />
                  </Target>
                </Project>
                """);

            var (exitCode, output) = await RunAsync(folder, "msbuild", project, "-t:Probe", "-nologo", "-v:m", "-nodeReuse:false");

            Assert.True(exitCode == 0, output);
            Assert.Equal(Kafka.Typed.Generated.KafkaTypedAsyncApi.Document, File.ReadAllText(Path.Combine(folder, "out", "doc.json")));
            Assert.False(File.Exists(Path.Combine(folder, "none.json")), output);

            // One warning (MSBuild may print it again in its summary), and it is the third call's: the other two succeed.
            var warning = Assert.Single(output.Split('\n').Where(l => l.Contains("warning KTG004", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct());
            Assert.Contains(Path.Combine(blocker, "doc.json"), warning, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Targets([CallerFilePath] string self = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "src", "Runtime", "build", "Kafka.Typed.AsyncApi.targets"));

    private static async Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
