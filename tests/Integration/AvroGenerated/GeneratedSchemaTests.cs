using Avro;
using Newtonsoft.Json;
using Xunit;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>
/// Pins the type mapping: each generated <c>SchemaJson</c> parses with Apache.Avro and every field has the expected Avro
/// type, logical type, precision/scale, union order and default.
/// </summary>
public sealed class GeneratedSchemaTests
{
    private const string Ns = "Kafka.Typed.Integration.Tests.AvroGenerated";

    /// <summary>A compact description of a schema: <c>int</c>, <c>decimal(29,14)/bytes</c>, <c>[null,string]</c>, <c>array&lt;int&gt;</c>, <c>enum ns.Name{A,B}</c>, <c>record ns.Name</c>.</summary>
    private static string Describe(Schema schema) => schema switch
    {
        UnionSchema u => "[" + string.Join(",", u.Schemas.Select(Describe)) + "]",
        ArraySchema a => "array<" + Describe(a.ItemSchema) + ">",
        MapSchema m => "map<" + Describe(m.ValueSchema) + ">",
        EnumSchema e => "enum " + e.Fullname + "{" + string.Join(",", e.Symbols) + "}",
        RecordSchema r => "record " + r.Fullname,
        LogicalSchema l when l.LogicalTypeName == "decimal" => $"decimal({l.GetProperty("precision")},{l.GetProperty("scale")})/{l.BaseSchema.Tag.ToString().ToLowerInvariant()}",
        LogicalSchema l => l.LogicalTypeName + "/" + l.BaseSchema.Tag.ToString().ToLowerInvariant(),
        _ => schema.Tag.ToString().ToLowerInvariant(),
    };

    private static RecordSchema Parse(string json) => Assert.IsType<RecordSchema>(Schema.Parse(json));

    /// <summary>Field name → (type description, default JSON or "(none)").</summary>
    private static List<(string Name, string Type, string Default)> Fields(RecordSchema record)
        => [.. record.Fields.Select(f => (f.Name, Describe(f.Schema), f.DefaultValue is null ? "(none)" : f.DefaultValue.ToString(Formatting.None)))];

    private static void AssertFields(RecordSchema record, params (string Name, string Type, string Default)[] expected)
    {
        var actual = Fields(record);
        for (var i = 0; i < Math.Max(expected.Length, actual.Count); i++)
        {
            Assert.True(i < actual.Count, $"{record.Fullname}: missing field {expected[i].Name}");
            Assert.True(i < expected.Length, $"{record.Fullname}: unexpected field {actual[i].Name}");
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void Scalars_and_logical_types_map_as_documented()
    {
        var record = Parse(AllScalars.AvroCodec.SchemaJson);
        Assert.Equal(Ns + ".AllScalars", record.Fullname);
        Assert.Equal(AllScalars.AvroCodec.SchemaJson, AllScalars.AvroCodec.Instance.Schema);
        AssertFields(
            record,
            ("Flag", "boolean", "(none)"),
            ("Int", "int", "(none)"),
            ("Long", "long", "(none)"),
            ("Float", "float", "(none)"),
            ("Double", "double", "(none)"),
            ("Text", "string", "\"\""),
            ("Blob", "bytes", "(none)"),
            ("Id", "uuid/string", "(none)"),
            ("At", "timestamp-millis/long", "(none)"),
            ("AtOffset", "timestamp-millis/long", "(none)"),
            ("AtMicros", "timestamp-micros/long", "(none)"),
            ("AtOffsetMicros", "timestamp-micros/long", "(none)"),
            ("Day", "date/int", "(none)"),
            ("Time", "time-micros/long", "(none)"),
            ("Amount", "decimal(29,14)/bytes", "(none)"),
            ("Price", "decimal(10,3)/bytes", "(none)"),
            ("Short", "int", "(none)"),
            ("Byte", "int", "(none)"),
            ("UShort", "int", "(none)"),
            ("SByte", "int", "(none)"),
            ("UInt", "long", "(none)"),
            ("Level", $"enum {Ns}.Level{{Low,Mid,High}}", "(none)"),
            ("Tint", "enum gen.colors.Shade{Cyan,Magenta,Yellow}", "(none)"));
    }

    [Fact]
    public void Nullable_members_are_unions_with_null_first_and_default_null()
    {
        AssertFields(
            Parse(Nullables.AvroCodec.SchemaJson),
            ("Int", "[null,int]", "null"),
            ("Long", "[null,long]", "null"),
            ("Double", "[null,double]", "null"),
            ("Flag", "[null,boolean]", "null"),
            ("Id", "[null,uuid/string]", "null"),
            ("At", "[null,timestamp-millis/long]", "null"),
            ("Day", "[null,date/int]", "null"),
            ("Amount", "[null,decimal(29,14)/bytes]", "null"),
            ("Level", $"[null,enum {Ns}.Level{{Low,Mid,High}}]", "null"),
            ("Text", "[null,string]", "null"),
            ("Blob", "[null,bytes]", "null"),
            ("Address", $"[null,record {Ns}.Address]", "null"),
            ("Point", $"[null,record {Ns}.Point]", "null"),
            ("Names", "[null,array<string>]", "null"),
            ("Scores", "[null,map<int>]", "null"),
            ("MaybeInts", "array<[null,int]>", "[]"));
    }

    [Fact]
    public void Collections_map_to_arrays_and_maps_with_empty_defaults_from_initializers()
    {
        AssertFields(
            Parse(Collections.AvroCodec.SchemaJson),
            ("Ints", "array<int>", "[]"),
            ("Strings", "array<string>", "[]"),
            ("Longs", "array<long>", "[]"),
            ("Doubles", "array<double>", "[]"),
            ("Counts", "map<int>", "{}"),
            ("Labels", "map<string>", "{}"),
            ("Nested", "array<array<int>>", "[]"),
            ("Book", $"map<array<record {Ns}.Address>>", "{}"),
            ("Addresses", $"array<record {Ns}.Address>", "[]"),
            ("Points", $"array<record {Ns}.Point>", "[]"),
            ("Levels", $"array<enum {Ns}.Level{{Low,Mid,High}}>", "[]"));
    }

    [Fact]
    public void Nested_class_and_struct_records_are_named_records_with_their_own_fields()
    {
        var collections = Parse(Collections.AvroCodec.SchemaJson);
        var address = Assert.IsType<RecordSchema>(((ArraySchema)collections["Addresses"].Schema).ItemSchema);
        AssertFields(address, ("Street", "string", "\"\""), ("City", "string", "\"\""), ("Zip", "[null,int]", "null"));
        var point = Assert.IsType<RecordSchema>(((ArraySchema)collections["Points"].Schema).ItemSchema);
        AssertFields(point, ("X", "int", "(none)"), ("Y", "double", "(none)"));
    }

    [Fact]
    public void AvroName_renames_the_record_and_a_field_and_AvroIgnore_leaves_members_out()
    {
        var record = Parse(Customer.AvroCodec.SchemaJson);
        Assert.Equal("Person", record.Name);
        Assert.Equal("gen.people", record.Namespace);
        AssertFields(
            record,
            ("customer_id", "string", "(none)"),
            ("Home", $"record {Ns}.Address", "(none)"),
            ("Location", $"record {Ns}.Point", "(none)"),
            ("Work", $"[null,record {Ns}.Address]", "null"));
        Assert.DoesNotContain("Cached", Customer.AvroCodec.SchemaJson, StringComparison.Ordinal);
        Assert.DoesNotContain("IdLength", Customer.AvroCodec.SchemaJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_come_from_parameter_defaults_initializers_and_AvroDefault()
    {
        AssertFields(
            Parse(WithDefaults.AvroCodec.SchemaJson),
            ("Name", "string", "\"anon\""),
            ("Count", "int", "7"),
            ("Level", $"enum {Ns}.Level{{Low,Mid,High}}", "\"Mid\""),
            ("Ratio", "double", "0.5"),
            ("Big", "long", "9000000000"),
            ("On", "boolean", "true"),
            ("Factor", "float", "1.5"),
            ("Title", "string", "\"untitled\""),
            ("Tags", "array<string>", "[]"),
            ("Totals", "map<long>", "{}"),
            ("Answer", "int", "42"),
            ("Letter", "string", "\"x\""),
            ("Top", $"enum {Ns}.Level{{Low,Mid,High}}", "\"High\""),
            ("Ref", "uuid/string", "\"6f1c1b8e-7c1a-4d5b-9a51-0d3f2b8a9c11\""),
            ("Maybe", "[null,string]", "null"),
            ("Optional", "[null,int]", "null"),
            ("NoDefault", "int", "(none)"));
    }

    [Fact]
    public void Recursive_records_refer_to_themselves_by_name()
    {
        var forest = Parse(Forest.AvroCodec.SchemaJson);
        var node = Assert.IsType<RecordSchema>(forest["Root"].Schema);
        Assert.Equal(Ns + ".TreeNode", node.Fullname);
        AssertFields(node, ("Name", "string", "\"\""), ("Children", $"array<record {Ns}.TreeNode>", "[]"), ("Origin", $"[null,record {Ns}.TreeNode]", "null"));
        Assert.Same(node, ((ArraySchema)node["Children"].Schema).ItemSchema);
        Assert.Same(node, ((ArraySchema)forest["Extra"].Schema).ItemSchema);

        var category = Parse(Category.AvroCodec.SchemaJson);
        AssertFields(category, ("Name", "string", "\"\""), ("Subcategories", $"array<record {Ns}.Category>", "[]"), ("Parent", $"[null,record {Ns}.Category]", "null"));
    }

    [Fact]
    public void Evolution_versions_share_the_renamed_full_name()
    {
        Assert.Equal("evo.Order", Parse(OrderV1.AvroCodec.SchemaJson).Fullname);
        AssertFields(Parse(OrderV1.AvroCodec.SchemaJson), ("Id", "string", "(none)"), ("Quantity", "int", "(none)"), ("Note", "string", "(none)"));
        AssertFields(Parse(OrderV2.AvroCodec.SchemaJson), ("Id", "string", "(none)"), ("Quantity", "long", "(none)"), ("Note", "string", "(none)"), ("Priority", "int", "3"));
        Assert.True(Parse(OrderV2.AvroCodec.SchemaJson).CanRead(Parse(OrderV1.AvroCodec.SchemaJson)));
        Assert.False(Parse(OrderV1.AvroCodec.SchemaJson).CanRead(Parse(OrderV2.AvroCodec.SchemaJson)));
        Assert.True(Parse(OrderV1.AvroCodec.SchemaJson).CanRead(Parse(OrderV2Added.AvroCodec.SchemaJson)));
    }
}
