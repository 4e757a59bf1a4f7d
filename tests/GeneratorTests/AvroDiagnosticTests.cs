using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>The Avro rules (KTG301–305): unsupported members, invalid attributes, name clashes and the schema evolution check.</summary>
public sealed class AvroDiagnosticTests
{
    private const string Usings = "using System; using System.Collections.Generic; using Kafka.Typed;\nnamespace Shop;\n";

    private static List<Diagnostic> Analyze(string source, (string Path, string Text)[]? files = null, string? level = null)
        => TestCompilation.Analyze(
                TestCompilation.Create(Usings + source),
                files ?? [],
                level is null ? null : new Dictionary<string, string> { ["KafkaTypedSchemaCompatibility"] = level })
            .ToList();

    [Theory]
    [InlineData("TimeSpan Window", "Order.Window", "TimeSpan", "TimeSpan has no Avro logical type")]
    [InlineData("char Grade", "Order.Grade", "char", "char has no Avro type; use string")]
    [InlineData("ulong Big", "Order.Big", "ulong", "ulong does not fit Avro's long")]
    [InlineData("object Any", "Order.Any", "object", "object has no fixed Avro type")]
    [InlineData("Dictionary<int, string> ByNumber", "Order.ByNumber", "Dictionary<int, string>", "Avro map keys are strings")]
    [InlineData("int[,] Grid", "Order.Grid", "int[*,*]", "multi-dimensional arrays")]
    [InlineData("List<IDisposable> Things", "Order.Things[]", "IDisposable", "interfaces and abstract types have no single Avro record")]
    [InlineData("HashSet<string> Set", "Order.Set", "HashSet<string>", "generic types other than lists")]
    public void KTG301_NamesTheMemberItsTypeAndWhy(string member, string path, string type, string reason)
    {
        var diagnostic = Assert.Single(Analyze($$"""
            [KafkaTopic("orders")]
            public partial class Order { public {{member}} { get; set; } = default!; }
            """));
        Assert.Equal("KTG301", diagnostic.Id);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith($"The member '{path}' has type '{type}', which has no Avro mapping: ", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.True(diagnostic.Location.IsInSource);
    }

    [Fact]
    public void KTG301_ReachesIntoNestedRecordsAndJsonFormatOrAvroIgnoreAvoidsIt()
    {
        var diagnostic = Assert.Single(Analyze("""
            public class Line { public TimeSpan Took { get; set; } }
            [KafkaTopic("orders")]
            public partial record Order(string Id, List<Line> Lines);
            """));
        Assert.Contains("'Line.Took'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        Assert.Empty(Analyze("""
            [KafkaTopic("orders", Format = KafkaFormat.Json)]
            public partial class Order { public TimeSpan Took { get; set; } }
            [KafkaTopic("orders2")]
            public partial class Order2 { [AvroIgnore] public TimeSpan Took { get; set; } public int Id { get; set; } }
            """));
    }

    [Theory]
    [InlineData("[property: AvroDecimal(10, 12)] decimal Amount", "[AvroDecimal] needs a precision from 1 to 29")]
    [InlineData("[property: AvroDecimal(30, 2)] decimal Amount", "[AvroDecimal] needs a precision from 1 to 29")]
    [InlineData("[property: AvroName(\"9lives\")] int Lives", "[AvroName] needs a name matching")]
    [InlineData("[property: AvroDefault(\"x\")] int Count", "the default \"x\" does not fit the member's Avro type int")]
    [InlineData("[property: AvroDefault(5)] int? Count", "a nullable member's Avro default can only be null")]
    [InlineData("[property: AvroDefault(null)] string Name", "the default is null but the member is not nullable")]
    [InlineData("[property: AvroName(\"A\")] int X, int A", "another field of 'Order' is already named 'A'")]
    public void KTG302_InvalidAttributesAreNamed(string parameters, string problem)
    {
        var diagnostics = Analyze($$"""
            [KafkaTopic("orders")]
            public partial record Order({{parameters}});
            """);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("KTG302", diagnostic.Id);
        Assert.Contains(problem, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void KTG303_TwoTypesWithOneAvroName()
    {
        var diagnostic = Assert.Single(Analyze("""
            public class Invoice { public class Line { public int A { get; set; } } }
            public class Shipment { public class Line { public int B { get; set; } } }
            [KafkaTopic("docs")]
            public partial record Docs(Invoice.Line First, Shipment.Line Second);
            """));
        Assert.Equal("KTG303", diagnostic.Id);
        Assert.Contains("The Avro name 'Shop.Line' is used by both", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        Assert.Empty(Analyze("""
            public class Invoice { public class Line { public int A { get; set; } } }
            public class Shipment { [AvroName("ShipmentLine")] public class Line { public int B { get; set; } } }
            [KafkaTopic("docs")]
            public partial record Docs(Invoice.Line First, Shipment.Line Second);
            """));
    }

    private const string Committed = """
        {"type":"record","name":"Order","namespace":"Shop","fields":[
          {"name":"Id","type":"string"},
          {"name":"Amount","type":"double"},
          {"name":"Customer","type":"string"}
        ]}
        """;

    [Fact]
    public void KTG304_SameOrCompatibleSchemaPasses()
    {
        // Same fields; a nullable field added (default null) and an int promoted to double are compatible both ways.
        Assert.Empty(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, double Amount, string Customer, string? Note = null);
            """, [("schemas/orders.placed-value.avsc", Committed)]));
    }

    [Fact]
    public void KTG304_TypeChangeThatDoesNotPromoteIsAnError()
    {
        var diagnostic = Assert.Single(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, string Amount, string Customer);
            """, [("schemas/orders.placed-value.avsc", Committed)]));
        Assert.Equal("KTG304", diagnostic.Id);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("The Avro schema of 'Order' is not FULL compatible with the committed schema 'orders.placed-value.avsc'", message, StringComparison.Ordinal);
        Assert.Contains("Order.Amount", message, StringComparison.Ordinal);
    }

    [Fact]
    public void KTG304_FieldRemovedWithoutDefaultBreaksOldReadersButNotBackward()
    {
        const string source = """
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, double Amount);
            """;
        var full = Assert.Single(Analyze(source, [("schemas/orders.placed-value.avsc", Committed)]));
        Assert.Equal("KTG304", full.Id);
        Assert.Contains("Customer", full.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Single(Analyze(source, [("schemas/orders.placed-value.avsc", Committed)], "FORWARD"));
        Assert.Empty(Analyze(source, [("schemas/orders.placed-value.avsc", Committed)], "BACKWARD"));
        Assert.Empty(Analyze(source, [("schemas/orders.placed-value.avsc", Committed)], "NONE"));
    }

    [Fact]
    public void KTG304_FieldAddedWithoutDefaultBreaksNewReaders()
    {
        var diagnostic = Assert.Single(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, double Amount, string Customer, int Priority);
            """, [("schemas/orders.placed-value.avsc", Committed)], "BACKWARD"));
        Assert.Contains("Priority", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // The same field with a default (from a parameter default) is fine.
        Assert.Empty(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, double Amount, string Customer, int Priority = 3);
            """, [("schemas/orders.placed-value.avsc", Committed)], "BACKWARD"));
    }

    [Fact]
    public void KTG304_RecordNameSubjectFileIsCheckedAndOtherFilesAreNot()
    {
        Assert.Single(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, string Amount, string Customer);
            """, [("schemas/Shop.Order.avsc", Committed)]));
        Assert.Empty(Analyze("""
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, string Amount, string Customer);
            """, [("schemas/payments-value.avsc", Committed), ("notes.txt", "x")]));
    }

    [Fact]
    public void KTG305_UnreadableCommittedSchemaOrUnknownLevel()
    {
        const string source = """
            [KafkaTopic("orders.placed")]
            public partial record Order(string Id, double Amount, string Customer);
            """;
        var bad = Assert.Single(Analyze(source, [("schemas/orders.placed-value.avsc", "{\"type\": \"record\", \"name\": ")]));
        Assert.Equal("KTG305", bad.Id);
        Assert.Contains("orders.placed-value.avsc", bad.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var level = Assert.Single(Analyze(source, [("schemas/orders.placed-value.avsc", Committed)], "SIDEWAYS"));
        Assert.Equal("KTG305", level.Id);
        Assert.Contains("KafkaTypedSchemaCompatibility", level.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
