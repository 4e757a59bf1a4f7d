using System.Text.RegularExpressions;
using Kafka.Typed.Generator.Tests.Harness;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// The generated files read like hand-written code: no line over <see cref="MaxLength"/> characters. Only a constant
/// holding schema or document text (an Avro schema, a JSON Schema, the AsyncAPI document or module) may be longer, and
/// only when the code around its literal is short. Checked over every golden file, which the snapshot tests keep equal
/// to what the generator emits for each snapshot case.
/// </summary>
public sealed partial class GeneratedLineLengthTests
{
    public const int MaxLength = 140;

    [Fact]
    public void NoGeneratedLineIsLongerThanTheLimitButSchemaAndDocumentConstants()
    {
        var root = Path.GetDirectoryName(Snapshot.Directory("x"))!;
        var files = Directory.GetFiles(root, "*.g.cs", SearchOption.AllDirectories);
        Assert.True(files.Length >= 50, $"expected the snapshot cases' generated files under {root}, found {files.Length}");
        var problems = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (TooLong(lines[i]))
                {
                    problems.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Length} characters: {lines[i].Trim()[..Math.Min(100, lines[i].Trim().Length)]}");
                }
            }
        }

        Assert.True(problems.Count == 0, problems.Count + " long lines:\n" + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("        public const string SchemaJson = \"" + Long + "\";", false)]
    [InlineData("        public const string Document = \"" + Long + "\";", false)]
    [InlineData("            global::Kafka.Typed.Avro.AvroSpecificConversions.ParseSchema(\"" + Long + "\");", false)]
    [InlineData("        var result = new global::Shop.Order(\"" + Long + "\");", true)]
    [InlineData("        public const string SchemaJson = \"" + Long + "\" + SomethingElse(" + Long + ");", true)]
    public void TheRuleExemptsOnlySchemaAndDocumentConstants(string line, bool tooLong) => Assert.Equal(tooLong, TooLong(line));

    private const string Long = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"OrderPlaced\\\",\\\"namespace\\\":\\\"Shop\\\",\\\"fields\\\":[{\\\"name\\\":\\\"OrderId\\\",\\\"type\\\":\\\"string\\\"}]}";

    private static bool TooLong(string line)
    {
        if (line.Length <= MaxLength)
        {
            return false;
        }

        // A schema or document constant: nothing on the line but its declaration and one string literal.
        var constant = SchemaConstant().Match(line);
        return !constant.Success || line.Length - constant.Groups["literal"].Length > MaxLength;
    }

    [GeneratedRegex("""^\s*(public const string (SchemaJson|Schema|Document|Model) = |global::Kafka\.Typed\.Avro\.AvroSpecificConversions\.ParseSchema\()(?<literal>"(\\.|[^"\\])*")\)?;$""")]
    private static partial Regex SchemaConstant();
}
