using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// <c>dotnet pack src/Runtime</c> yields one Kafka.Typed package carrying the generator in exactly one analyzer slot,
/// <c>analyzers/dotnet/roslyn4.8/cs</c>, next to the runtime; and a net10.0 application that restores the packages from
/// a local folder feed builds and runs a typed send and receive. Both pack the already-built projects (<c>--no-build</c>),
/// so run the solution's build first (<c>dotnet test</c> does). The tests of this class run one after the other.
/// </summary>
public sealed class PackagingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PackageCarriesTheGeneratorInOneAnalyzerSlot()
    {
        var repo = RepositoryRoot();
        var outputFolder = Path.Combine(Path.GetTempPath(), "kafka-typed-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunDotnetAsync("dotnet pack src/Runtime", repo, TimeSpan.FromMinutes(2),
                ["pack", Path.Combine(repo, "src", "Runtime", "Kafka.Typed.csproj"), "-c", Configuration, "--no-build", "-o", outputFolder, "-nologo", "-v", "q"]);

            var package = Assert.Single(Directory.GetFiles(outputFolder, "*.nupkg"));
            Assert.StartsWith("Kafka.Typed.", Path.GetFileName(package), StringComparison.Ordinal);
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToList();

            var analyzers = entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).ToList();
            Assert.Equal(["analyzers/dotnet/roslyn4.8/cs/Kafka.Typed.Generators.dll"], analyzers);
            Assert.Contains("lib/net10.0/Kafka.Typed.dll", entries);
            Assert.Contains("build/Kafka.Typed.props", entries);
            Assert.Contains("buildTransitive/Kafka.Typed.props", entries);
            Assert.Contains("build/Kafka.Typed.targets", entries);
            Assert.Contains("buildTransitive/Kafka.Typed.targets", entries); // the trimmer roots of trimmed and AOT apps
            Assert.Contains("build/Kafka.Typed.AsyncApi.targets", entries); // imported by Kafka.Typed.targets: the AsyncAPI file
            Assert.Contains("buildTransitive/Kafka.Typed.AsyncApi.targets", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));

            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            Assert.DoesNotContain("Kafka.Typed.Generators", text, StringComparison.Ordinal);
            AssertFinishedPackage(zip, text, outputFolder, "Kafka.Typed");
            Assert.Contains("<dependency id=\"Microsoft.Extensions.Diagnostics.HealthChecks\"", text, StringComparison.Ordinal);
            Assert.Contains("<dependency id=\"OpenTelemetry.Api\"", text, StringComparison.Ordinal);

            // Avro in Confluent's wire format needs the registry client and Apache.Avro; Confluent's own Avro serdes are
            // opt-in (Kafka.Typed.Avro.Confluent), so the default install does not pull them.
            Assert.Contains("<dependency id=\"Confluent.SchemaRegistry\"", text, StringComparison.Ordinal);
            Assert.Contains("<dependency id=\"Apache.Avro\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Confluent.SchemaRegistry.Serdes", text, StringComparison.Ordinal);
        }
        finally
        {
            DeleteQuietly(outputFolder);
        }
    }

    [Fact]
    public async Task TestingPackageIsFinishedAndNeedsNoAspNetCore()
    {
        var repo = RepositoryRoot();
        var outputFolder = Path.Combine(Path.GetTempPath(), "kafka-typed-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunDotnetAsync("dotnet pack src/Testing", repo, TimeSpan.FromMinutes(2),
                ["pack", Path.Combine(repo, "src", "Testing", "Kafka.Typed.Testing.csproj"), "-c", Configuration, "--no-build", "-o", outputFolder, "-nologo", "-v", "q"]);
            var package = Assert.Single(Directory.GetFiles(outputFolder, "Kafka.Typed.Testing.*.nupkg"), p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            using var zip = ZipFile.OpenRead(package);
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            AssertFinishedPackage(zip, text, outputFolder, "Kafka.Typed.Testing");
            Assert.DoesNotContain("frameworkReference", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AspNetCore", text, StringComparison.Ordinal);
        }
        finally
        {
            DeleteQuietly(outputFolder);
        }
    }

    [Fact]
    public async Task ConfluentAvroPackageIsFinishedAndCarriesConfluentsSerdes()
    {
        var repo = RepositoryRoot();
        var outputFolder = Path.Combine(Path.GetTempPath(), "kafka-typed-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunDotnetAsync("dotnet pack src/Avro.Confluent", repo, TimeSpan.FromMinutes(2),
                ["pack", Path.Combine(repo, "src", "Avro.Confluent", "Kafka.Typed.Avro.Confluent.csproj"), "-c", Configuration, "--no-build", "-o", outputFolder, "-nologo", "-v", "q"]);
            var package = Assert.Single(Directory.GetFiles(outputFolder, "Kafka.Typed.Avro.Confluent.*.nupkg"), p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/Kafka.Typed.Avro.Confluent.dll", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal));
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            AssertFinishedPackage(zip, text, outputFolder, "Kafka.Typed.Avro.Confluent");
            Assert.Contains("<dependency id=\"Confluent.SchemaRegistry.Serdes.Avro\"", text, StringComparison.Ordinal);
            Assert.Matches("<dependency id=\"Kafka.Typed\" version=\"[^\"]+\"", text);
        }
        finally
        {
            DeleteQuietly(outputFolder);
        }
    }

    /// <summary>Readme, repository (URL and commit), project URL, tags, license and a symbols package with the PDB.</summary>
    private static void AssertFinishedPackage(ZipArchive zip, string nuspec, string folder, string id)
    {
        Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
        var readme = zip.GetEntry("README.md");
        Assert.NotNull(readme);
        using (var reader = new StreamReader(readme.Open()))
        {
            Assert.StartsWith("# " + id + "\n", reader.ReadToEnd().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }

        Assert.Matches("<repository type=\"git\" url=\"https://github.com/kafka-typed/kafka-typed\"[^>]* commit=\"[0-9a-f]{40}\"", nuspec);
        Assert.Contains("<projectUrl>https://github.com/kafka-typed/kafka-typed</projectUrl>", nuspec, StringComparison.Ordinal);
        Assert.Matches("<tags>[^<]*kafka[^<]*</tags>", nuspec);
        Assert.Contains("<license type=\"expression\">Apache-2.0</license>", nuspec, StringComparison.Ordinal);
        var symbols = Assert.Single(Directory.GetFiles(folder, "*.snupkg"), p => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(p), "^" + System.Text.RegularExpressions.Regex.Escape(id) + @"\.[0-9]"));
        using var symbolZip = ZipFile.OpenRead(symbols);
        Assert.Contains(symbolZip.Entries, e => e.FullName == $"lib/net10.0/{id}.pdb");
    }

    /// <summary>
    /// Packs Kafka.Typed and Kafka.Typed.Testing with a unique prerelease version into a temp folder feed, copies the
    /// <c>PackageSmoke</c> template (a console app with a <c>[KafkaTopic]</c> record and a <c>[KafkaConsumer]</c> handler that
    /// references only those packages and Microsoft.Extensions.Hosting) to a temp folder outside the repository, builds it
    /// with warnings as errors and runs it: it sends one message with <c>IKafkaProducer&lt;T&gt;</c> through an embedded
    /// broker and prints <c>SMOKE OK &lt;orderId&gt;</c> once its handler got it. Restore is hermetic: our packages land in a
    /// temp packages folder, everything else comes from the global packages folder used read-only as a fallback folder.
    /// </summary>
    [Fact]
    public async Task TypedAppBuildsAndRunsFromThePackages()
    {
        var repo = RepositoryRoot();
        var runtimeVersion = typeof(KafkaAppConfig).Assembly.GetName().Version!;
        var id = Guid.NewGuid().ToString("N")[..12];
        // Alphanumeric prerelease label (never a numeric one with a leading zero), unique per run so no cache can answer for it.
        var version = $"{runtimeVersion.Major}.{runtimeVersion.Minor}.{runtimeVersion.Build}-smoke-{id}";
        var root = Path.Combine(Path.GetTempPath(), "kafka-typed-smoke-" + id);
        var feed = Path.Combine(root, "feed");
        var nuspecs = Path.Combine(root, "nuspec") + Path.DirectorySeparatorChar;
        var packages = Path.Combine(root, "packages");
        var app = Path.Combine(root, "app");
        var total = Stopwatch.StartNew();
        try
        {
            Directory.CreateDirectory(feed);

            // 1. Pack both packages, in parallel; the nuspecs go to the temp folder rather than the projects' obj folders.
            string[] Pack(string project) =>
            [
                "pack", Path.Combine(repo, "src", project), "-c", Configuration, "--no-build", "-o", feed, "-nologo", "-v", "q",
                $"-p:Version={version}", $"-p:NuspecOutputPath={nuspecs}",
            ];
            await Task.WhenAll(
                RunDotnetAsync("dotnet pack src/Runtime", repo, TimeSpan.FromMinutes(2), Pack(Path.Combine("Runtime", "Kafka.Typed.csproj"))),
                RunDotnetAsync("dotnet pack src/Testing", repo, TimeSpan.FromMinutes(2), Pack(Path.Combine("Testing", "Kafka.Typed.Testing.csproj"))));
            Assert.True(File.Exists(Path.Combine(feed, $"Kafka.Typed.{version}.nupkg")), $"Step 'dotnet pack' produced no Kafka.Typed.{version}.nupkg: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
            Assert.True(File.Exists(Path.Combine(feed, $"Kafka.Typed.Testing.{version}.nupkg")), $"Step 'dotnet pack' produced no Kafka.Typed.Testing.{version}.nupkg: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");

            // 2. The app: the template, the repository's global.json (same SDK), a nuget.config and a Directory.Build.props,
            //    which also keeps MSBuild from looking further up for one.
            var globalPackages = await GlobalPackagesFolderAsync(repo);
            CopyTemplate(Path.Combine(repo, "tests", "GeneratorTests", "PackageSmoke"), app);
            File.Copy(Path.Combine(repo, "global.json"), Path.Combine(app, "global.json"));
            File.WriteAllText(Path.Combine(app, "nuget.config"), NuGetConfig(feed));
            File.WriteAllText(Path.Combine(app, "Directory.Build.props"), DirectoryBuildProps(version, packages, globalPackages));

            // 3. Restore and build (the generator runs from the package: without it AddKafkaTyped does not exist).
            await RunDotnetAsync("dotnet build (restore from the local feed, warnings as errors)", app, TimeSpan.FromMinutes(3),
                ["build", Path.Combine(app, "PackageSmoke.csproj"), "-nologo", "-v", "minimal", "-warnaserror", "-p:UseSharedCompilation=false"]);
            Assert.True(Directory.Exists(Path.Combine(packages, "kafka.typed", version)), $"Step 'dotnet build': Kafka.Typed {version} was not restored into {packages}.");
            Assert.True(Directory.Exists(Path.Combine(packages, "kafka.typed.testing", version)), $"Step 'dotnet build': Kafka.Typed.Testing {version} was not restored into {packages}.");

            // The package's build step wrote the application's AsyncAPI document next to it, the generated constant as it is.
            var asyncApi = Path.Combine(app, "bin", "Debug", "net10.0", "PackageSmoke.asyncapi.json");
            Assert.True(File.Exists(asyncApi), $"Step 'dotnet build': no AsyncAPI document at {asyncApi}.");
            using (var asyncApiDocument = System.Text.Json.JsonDocument.Parse(File.ReadAllText(asyncApi)))
            {
                Assert.Equal("3.0.0", asyncApiDocument.RootElement.GetProperty("asyncapi").GetString());
                Assert.Equal("PackageSmoke", asyncApiDocument.RootElement.GetProperty("info").GetProperty("title").GetString());
            }

            // 4. Run: one typed send, one typed receive.
            var orderId = "order-" + id;
            var run = await RunDotnetAsync("dotnet run --no-build (typed send and receive)", app, TimeSpan.FromSeconds(90),
                ["run", "--no-build", "--project", Path.Combine(app, "PackageSmoke.csproj"), "--", orderId]);
            Assert.True(run.Stdout.Contains($"SMOKE OK {orderId}", StringComparison.Ordinal),
                $"Step 'dotnet run' exited 0 but did not print 'SMOKE OK {orderId}'.\n--- stdout ---\n{run.Stdout}\n--- stderr ---\n{run.Stderr}");

            // 5. The package's analyzer runs the schema evolution check on the committed schema: break it and rebuild.
            File.WriteAllText(Path.Combine(app, "schemas", "smoke.orders-value.avsc"),
                """{"type":"record","name":"SmokeOrder","namespace":"PackageSmoke","fields":[{"name":"OrderId","type":"string"},{"name":"Amount","type":"int"}]}""");
            var broken = await RunDotnetAsync("dotnet build (committed schema no longer compatible: KTG304 expected)", app, TimeSpan.FromMinutes(3),
                ["build", Path.Combine(app, "PackageSmoke.csproj"), "-nologo", "-v", "minimal", "-warnaserror", "-p:UseSharedCompilation=false", "--no-restore"], expectFailure: true);
            Assert.True(broken.Stdout.Contains("error KTG304", StringComparison.Ordinal) && broken.Stdout.Contains("BACKWARD", StringComparison.Ordinal),
                $"The broken build did not report KTG304 at the BACKWARD level:\n{broken.Stdout}");

            // Nothing of ours reached the user's global packages folder.
            Assert.False(Directory.Exists(Path.Combine(globalPackages, "kafka.typed", version)), $"Kafka.Typed {version} leaked into {globalPackages}.");
            Assert.False(Directory.Exists(Path.Combine(globalPackages, "kafka.typed.testing", version)), $"Kafka.Typed.Testing {version} leaked into {globalPackages}.");
            output.WriteLine($"total {total.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            DeleteQuietly(root);
        }
    }

    /// <summary>The configuration this test assembly was built in; the packed projects were built in the same one.</summary>
    private static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string NuGetConfig(string feed) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="smoke-local" value="{SecurityElement.Escape(feed)}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
          </packageSources>
          <!-- Our packages come from the local feed only (never nuget.org), everything else from nuget.org when not cached. -->
          <packageSourceMapping>
            <packageSource key="smoke-local">
              <package pattern="Kafka.Typed" />
              <package pattern="Kafka.Typed.*" />
            </packageSource>
            <packageSource key="nuget.org">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    private static string DirectoryBuildProps(string version, string packages, string globalPackages) =>
        $"""
        <Project>
          <!-- Written by PackagingTests. Restore is hermetic: the global packages folder is only read (a fallback folder). -->
          <PropertyGroup>
            <KafkaTypedSmokeVersion>{version}</KafkaTypedSmokeVersion>
            <RestorePackagesPath>{SecurityElement.Escape(packages)}</RestorePackagesPath>
            <RestoreAdditionalProjectFallbackFolders>{SecurityElement.Escape(globalPackages)}</RestoreAdditionalProjectFallbackFolders>
            <!-- No vulnerability download: offline-friendly, and an advisory must not fail a packaging test. -->
            <NuGetAudit>false</NuGetAudit>
          </PropertyGroup>
        </Project>
        """;

    /// <summary><c>NUGET_PACKAGES</c> when set, otherwise what <c>dotnet nuget locals global-packages -l</c> reports.</summary>
    private async Task<string> GlobalPackagesFolderAsync(string repo)
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var locals = await RunDotnetAsync("dotnet nuget locals global-packages -l", repo, TimeSpan.FromMinutes(1), ["nuget", "locals", "global-packages", "-l"]);
        const string prefix = "global-packages:";
        var line = locals.Stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"Step 'dotnet nuget locals global-packages -l' printed no '{prefix}' line:\n{locals.Stdout}\n{locals.Stderr}");
        return Path.GetFullPath(line[prefix.Length..].Trim());
    }

    private static void CopyTemplate(string template, string destination)
    {
        Assert.True(Directory.Exists(template), $"The PackageSmoke template is missing: {template}");
        foreach (var file in Directory.EnumerateFiles(template, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(template, file);
            var first = relative.Split(Path.DirectorySeparatorChar)[0];
            if (first is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private sealed record DotnetResult(string Stdout, string Stderr);

    /// <summary>
    /// Runs <c>dotnet</c>, failing with the step's name, exit code, duration and output when it fails or times out.
    /// No MSBuild node reuse and (for builds) no compiler server, so no process outlives the step holding its output pipes.
    /// </summary>
    private async Task<DotnetResult> RunDotnetAsync(string step, string workingDirectory, TimeSpan timeout, string[] arguments, bool expectFailure = false)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Step '{step}': could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"Step '{step}' timed out after {timeout.TotalSeconds:0} s: dotnet {string.Join(' ', arguments)}\n--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}");
        }

        var result = new DotnetResult(await stdout, await stderr);
        output.WriteLine($"{step}: exit {process.ExitCode} in {watch.Elapsed.TotalSeconds:0.0} s");
        if (expectFailure)
        {
            Assert.True(process.ExitCode != 0, $"Step '{step}' was expected to fail but exited 0:\n--- stdout ---\n{result.Stdout}");
            return result;
        }

        Assert.True(process.ExitCode == 0,
            $"Step '{step}' failed with exit code {process.ExitCode} after {watch.Elapsed.TotalSeconds:0.0} s: dotnet {string.Join(' ', arguments)}\n--- stdout ---\n{result.Stdout}\n--- stderr ---\n{result.Stderr}");
        return result;
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp folder must not hide the test's own failure.
        }
    }

    private static string RepositoryRoot([CallerFilePath] string self = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", ".."));
}
