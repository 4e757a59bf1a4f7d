using Kafka.Typed.Generator.Tests.Harness;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Minimal repros of generator bugs found by tests/Integration/AvroGenerated (owned by the generator; left failing on
/// purpose until fixed).
/// </summary>
public sealed class AvroGeneratorBugReproTests
{
    /// <summary>
    /// A collection of nullable reference items: the generated reader declares the local as <c>List&lt;string&gt;</c>
    /// (the items' annotation is dropped) but builds a <c>List&lt;string?&gt;</c>, so the generated code fails with CS8619
    /// (an error under TreatWarningsAsErrors, a warning otherwise).
    /// </summary>
    [Fact]
    public void ListOfNullableStringsCompilesCleanly()
    {
        TestCompilation.GenerateAndCompile("""
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("notes")]
            public partial class Notes
            {
                public List<string?> Lines { get; init; } = [];
            }
            """);
    }

    [Fact]
    public void MapOfNullableStringsCompilesCleanly()
    {
        TestCompilation.GenerateAndCompile("""
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("labels")]
            public partial class Labels
            {
                public Dictionary<string, string?> Values { get; init; } = [];
            }
            """);
    }

    /// <summary>
    /// A recursive message type: the root record's reader must guard its depth like nested records do
    /// (<c>EnterRecord</c>/<c>ExitRecord</c>), or a hostile payload overflows the stack.
    /// </summary>
    [Fact]
    public void RecursiveMessageTypeReaderGuardsItsDepth()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("categories")]
            public partial class Category
            {
                public string Name { get; init; } = "";
                public Category? Parent { get; init; }
            }
            """);
        var code = files["Shop.Category.KafkaProducer.g.cs"];
        var reader = code[code.IndexOf("private static global::Shop.Category R_R0_Category", StringComparison.Ordinal)..];
        reader = reader[..reader.IndexOf("return result;", StringComparison.Ordinal)];
        Assert.Contains("r.EnterRecord();", reader, StringComparison.Ordinal);
    }
}

/// <summary>Members and keys whose names are C# keywords (written <c>@event</c>) must be escaped in every generated codec.</summary>
public sealed class KeywordMemberNameTests
{
    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void KeywordNamedMembersCompileInEveryFormat(string format)
    {
        TestCompilation.GenerateAndCompile($$"""
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("keywords", Format = {{format}})]
            public partial class Keywords
            {
                [KafkaKey]
                public string @class { get; init; } = "";
                public int @event { get; set; }
                public List<string> @params { get; init; } = [];
                public string? @namespace { get; set; }
            }

            [KafkaTopic("keywords.positional", Format = {{format}})]
            public partial record Positional([property: KafkaKey] string @object, long @checked);
            """);
    }
}
