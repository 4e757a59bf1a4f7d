using System.Runtime.CompilerServices;
using System.Text.Json;
using Kafka.Typed.Generators.Avro;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// The build-time check (KTG304) on the cases the runtime resolver is tested with (tests/Integration/Avro/
/// AvroNameResolutionCases.json): named types match by unqualified name and aliases, and both decide every case alike.
/// </summary>
public sealed class AvroNameResolutionCaseTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var item in LoadCases())
        {
            data.Add(item.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static List<JsonElement> LoadCases([CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "..", "Integration", "Avro", "AvroNameResolutionCases.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KTG304_decides_each_shared_case_as_the_runtime_does(string name)
    {
        var item = LoadCases().Single(c => c.GetProperty("name").GetString() == name);
        var reader = item.GetProperty("reader").GetRawText();
        var writer = item.GetProperty("writer").GetRawText();
        var readable = item.GetProperty("readable").GetBoolean();

        // BACKWARD: the current schema (the type's, the reader) reads data written with the committed one.
        var problems = AvroCompatibility.Check(reader, writer, "BACKWARD");
        Assert.True(readable == (problems.Count == 0), $"{name}: expected {(readable ? "readable" : "refused")}, got {string.Join("; ", problems)}");
    }
}
