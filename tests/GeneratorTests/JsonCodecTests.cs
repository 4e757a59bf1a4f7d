using System.Reflection;
using System.Text.Json;
using Kafka.Typed.Generator.Tests.Harness;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// The generated JSON codec on realistic events: nested records and structs, recursion, dictionaries, enums by name,
/// naming policies; byte-compatible with System.Text.Json under the same options in both directions.
/// </summary>
public sealed class JsonCodecTests
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using Kafka.Typed;
        namespace Shop;

        public enum Tier { Bronze, Silver, [JsonStringEnumMemberName("gold-tier")] Gold }

        [Flags] public enum Perm { None = 0, Read = 1, Write = 2 }

        [KafkaJson(Enums = KafkaJsonEnumFormat.Numbers)]
        public enum Legacy : byte { A = 1, B = 2 }

        public sealed record Address(string Street, string City, string? Zip = null);

        public sealed class Customer
        {
            public required string Name { get; init; }
            public Address? Home { get; set; }
            public Tier Tier { get; set; }
            public List<Address> Others { get; set; } = new();
        }

        public record struct Money(decimal Amount, string Currency);

        public sealed record OrderLine(string Sku, int Quantity, Money Price, Tier[] Tiers);

        public sealed class Category
        {
            public string Name { get; set; } = "";
            public Category? Parent { get; set; }
            public List<Category> Children { get; set; } = new();
        }

        public struct Slot
        {
            public DateOnly Day { get; set; }
            public TimeOnly From { get; set; }
            public TimeSpan Length { get; set; }
            public DateTimeOffset Booked { get; set; }
            public Guid Ref { get; set; }
            public char Grade { get; set; }
            public byte[]? Blob { get; set; }
            public ulong Big { get; set; }
        }

        [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
        public partial record OrderPlaced(
            [property: KafkaKey] string OrderId,
            Customer Customer,
            List<OrderLine> Lines,
            Dictionary<string, string> Tags,
            IReadOnlyDictionary<string, Money>? Totals,
            Money? Discount,
            Category Category,
            Tier Tier,
            Tier? MaybeTier,
            Perm Perm,
            [property: JsonConverter(typeof(JsonNumberEnumConverter<Legacy>))] Legacy Legacy, // System.Text.Json's converters in options win over one on the enum
            IReadOnlyList<IDictionary<string, int?[]>> Matrix,
            Slot Slot,
            Slot? NoSlot)
        {
            public string Channel { get; init; } = "web";
            [JsonIgnore] public string Secret { get; set; } = "";
            [JsonPropertyName("Customer-Note")] public string? Note { get; set; }
        }

        [KafkaTopic("orders.snake", Format = KafkaFormat.Json)]
        [KafkaJson(Naming = KafkaJsonNaming.SnakeCaseLower)]
        public partial class SnakeOrder
        {
            public string OrderID { get; set; } = "";
            public Customer? BillingCustomer { get; set; }
            public Dictionary<string, OrderLine> LinesBySku { get; set; } = new();
            public Tier CustomerTier { get; set; }
        }

        [KafkaTopic("orders.declared", Format = KafkaFormat.Json)]
        [KafkaJson(Naming = KafkaJsonNaming.AsDeclared, Enums = KafkaJsonEnumFormat.Numbers)]
        public partial class DeclaredOrder
        {
            public string OrderId { get; set; } = "";
            public Address HomeAddress { get; set; } = new("s", "c");
            public Tier Tier { get; set; }
        }
        """;

    private const string ProbeSource = """
        using System;
        using System.Buffers;
        using System.Collections.Generic;
        using System.Text;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using Kafka.Typed;
        namespace Shop;

        public static class Probe
        {
            public static string Json<T>(T value) where T : IKafkaMessage<T>
            {
                var buffer = new ArrayBufferWriter<byte>();
                T.Serializer.Serialize(value, buffer, new KafkaSerializationContext(T.Topic));
                return Encoding.UTF8.GetString(buffer.WrittenSpan);
            }

            public static T Read<T>(string json) where T : IKafkaMessage<T>
                => T.Serializer.Deserialize(Encoding.UTF8.GetBytes(json), new KafkaSerializationContext(T.Topic));

            public static string ReadError<T>(string json) where T : IKafkaMessage<T>
            {
                try
                {
                    Read<T>(json);
                    return "no exception";
                }
                catch (KafkaSerializationException e)
                {
                    return e.Message;
                }
            }

            private static JsonSerializerOptions Options(JsonNamingPolicy? naming, bool enumNames = true)
            {
                var options = new JsonSerializerOptions { PropertyNamingPolicy = naming };
                if (enumNames)
                {
                    options.Converters.Add(new JsonStringEnumConverter());
                }

                return options;
            }

            public static OrderPlaced Order()
            {
                var root = new Category { Name = "root" };
                var shoes = new Category { Name = "shoes", Parent = root };
                root.Children.Add(new Category { Name = "hats" });
                var home = new Address("1 Main St", "Springfield");
                return new OrderPlaced(
                    "o-1",
                    new Customer { Name = "Ada \"A\" <Lovelace>", Home = home, Tier = Tier.Gold, Others = [new Address("2 Side St", "Shelbyville", "12345")] },
                    [new OrderLine("sku-1", 2, new Money(9.99m, "EUR"), [Tier.Bronze, Tier.Gold]), new OrderLine("sku-2", 1, new Money(100m, "EUR"), [])],
                    new Dictionary<string, string> { ["source"] = "mobile", ["Campaign Name"] = "été" },
                    new Dictionary<string, Money> { ["net"] = new Money(119.98m, "EUR") },
                    new Money(5m, "EUR"),
                    shoes,
                    Tier.Silver,
                    null,
                    Perm.Read | Perm.Write,
                    Legacy.B,
                    [new Dictionary<string, int?[]> { ["a"] = [1, null, 3] }],
                    new Slot
                    {
                        Day = new DateOnly(2026, 12, 3), From = new TimeOnly(9, 30), Length = TimeSpan.FromMinutes(90.5),
                        Booked = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.FromHours(1)), Ref = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
                        Grade = 'A', Blob = [1, 2, 3], Big = ulong.MaxValue,
                    },
                    null)
                { Channel = "app", Secret = "never written", Note = "leave at door" };
            }

            /// <summary>Ours, System.Text.Json's, ours read back from theirs, theirs read back from ours.</summary>
            public static string[] Compat<T>(T value, JsonNamingPolicy? naming, bool enumNames) where T : IKafkaMessage<T>
            {
                var options = Options(naming, enumNames);
                var ours = Json(value);
                var theirs = JsonSerializer.Serialize(value, options);
                var oursFromTheirs = Json(Read<T>(theirs));
                var theirsFromOurs = JsonSerializer.Serialize(JsonSerializer.Deserialize<T>(ours, options), options);
                return [ours, theirs, oursFromTheirs, theirsFromOurs];
            }

            public static string[] OrderCompat() => Compat(Order(), JsonNamingPolicy.CamelCase, enumNames: true);

            public static string[] SnakeCompat()
            {
                var order = Order();
                var snake = new SnakeOrder
                {
                    OrderID = "s-1", BillingCustomer = order.Customer, CustomerTier = Tier.Gold,
                    LinesBySku = new() { ["sku-1"] = order.Lines[0], ["SKU Two"] = order.Lines[1] },
                };
                return Compat(snake, JsonNamingPolicy.SnakeCaseLower, enumNames: true);
            }

            public static string[] DeclaredCompat()
                => Compat(new DeclaredOrder { OrderId = "d-1", Tier = Tier.Gold }, null, enumNames: false);

            public static long AllocatedWriting(int times)
            {
                var order = Order();
                var snake = new SnakeOrder
                {
                    OrderID = "s-1", BillingCustomer = order.Customer, CustomerTier = Tier.Gold,
                    LinesBySku = new() { ["sku-1"] = order.Lines[0], ["SKU Two"] = order.Lines[1] },
                };
                var buffer = new ArrayBufferWriter<byte>(64 * 1024);
                var context = new KafkaSerializationContext("orders.snake");
                var serializer = Serializer<SnakeOrder>();
                serializer.Serialize(snake, buffer, context); // warm: the thread's cached writer, static names
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < times; i++)
                {
                    buffer.ResetWrittenCount();
                    serializer.Serialize(snake, buffer, context);
                }

                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            private static IKafkaSerializer<T> Serializer<T>() where T : IKafkaMessage<T> => T.Serializer;

            public static string RoundTrip() => Json(Read<OrderPlaced>(Json(Order())));

            public static string Deep(int depth)
            {
                var category = new Category { Name = "leaf" };
                for (var i = 0; i < depth; i++)
                {
                    category = new Category { Name = "c" + i, Children = [category] };
                }

                var order = Order() with { Category = category };
                var json = Json(order);
                var back = Read<OrderPlaced>(json);
                var n = 0;
                for (var c = back.Category; c.Children.Count > 0; c = c.Children[0])
                {
                    n++;
                }

                return (json == Json(back)) + "|" + n;
            }

            public static string EnumsRead()
            {
                var json = Json(Order());
                var numbers = json.Replace("\"tier\":\"Silver\"", "\"tier\":1").Replace("\"perm\":\"Read, Write\"", "\"perm\":3");
                var lower = json.Replace("\"tier\":\"Silver\"", "\"tier\":\"silver\"");
                var back1 = Read<OrderPlaced>(numbers);
                var back2 = Read<OrderPlaced>(lower);
                return back1.Tier + "," + back1.Perm + "," + back2.Tier + "," + Read<OrderPlaced>(json).Customer.Tier;
            }
        }
        """;

    private static readonly Lazy<Type> Probe = new(() =>
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create(Types, ProbeSource));
        TestCompilation.AssertClean(output);
        return TestCompilation.Load(output).GetType("Shop.Probe", throwOnError: true)!;
    });

    [Fact]
    public void NestedRecursiveDictionaryAndEnumBearingEventRoundTrips()
    {
        var json = Call<string[]>("OrderCompat")[0];
        Assert.Equal(json, Call<string>("RoundTrip"));
        Assert.Contains("\"customer\":{\"name\":\"Ada \\u0022A\\u0022 \\u003CLovelace\\u003E\",\"home\":{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"zip\":null},\"tier\":\"gold-tier\"", json, StringComparison.Ordinal);
        Assert.Contains("\"category\":{\"name\":\"shoes\",\"parent\":{\"name\":\"root\",\"parent\":null,\"children\":[{\"name\":\"hats\",\"parent\":null,\"children\":[]}]},\"children\":[]}", json, StringComparison.Ordinal);
        Assert.Contains("\"tags\":{\"source\":\"mobile\",\"Campaign Name\":\"\\u00E9t\\u00E9\"}", json, StringComparison.Ordinal);
        Assert.Contains("\"perm\":\"Read, Write\",\"legacy\":2,\"matrix\":[{\"a\":[1,null,3]}]", json, StringComparison.Ordinal);
        Assert.Contains("\"noSlot\":null,\"channel\":\"app\",\"Customer-Note\":\"leave at door\"}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("never written", json, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputIsByteForByteSystemTextJsonsWithTheSameOptionsAndEachReadsTheOther()
    {
        foreach (var method in new[] { "OrderCompat", "SnakeCompat", "DeclaredCompat" })
        {
            var (ours, theirs, oursFromTheirs, theirsFromOurs) = Four(Call<string[]>(method));
            Assert.Equal(theirs, ours);
            Assert.Equal(ours, oursFromTheirs);
            Assert.Equal(theirs, theirsFromOurs);
        }

        var snake = Call<string[]>("SnakeCompat")[0];
        Assert.StartsWith("{\"order_id\":\"s-1\",\"billing_customer\":{\"name\":", snake, StringComparison.Ordinal);
        Assert.Contains("\"lines_by_sku\":{\"sku-1\":{\"sku\":\"sku-1\",\"quantity\":2,\"price\":{\"amount\":9.99,\"currency\":\"EUR\"}", snake, StringComparison.Ordinal);
        Assert.Equal("{\"OrderId\":\"d-1\",\"HomeAddress\":{\"Street\":\"s\",\"City\":\"c\",\"Zip\":null},\"Tier\":2}", Call<string[]>("DeclaredCompat")[0]);
    }

    [Fact]
    public void RecursionFollowsTheDataAndStopsAtTheReadersDepthLimit()
    {
        Assert.Equal("True|20", Call<string>("Deep", 20));

        // 64 levels is System.Text.Json's default reader depth: deeper input is refused with a named error, not a stack overflow.
        var error = Assert.Throws<TargetInvocationException>(() => Call<string>("Deep", 100)).InnerException;
        Assert.IsType<KafkaSerializationException>(error);
        Assert.StartsWith("member 'category.children.children.children.", error.Message, StringComparison.Ordinal);
        Assert.Contains("depth", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WritingANestedEventIntoAReusedBufferAllocatesNothing()
        => Assert.Equal(0L, Call<long>("AllocatedWriting", 1000));

    [Fact]
    public void EnumsAreReadFromNumbersAndAnyCaseOfTheirNames()
        => Assert.Equal("Silver,Read, Write,Silver,Gold", Call<string>("EnumsRead"));

    [Fact]
    public void AFailureInsideANestedTypeNamesTheWholeMemberPath()
    {
        var order = Call<string[]>("OrderCompat")[0];
        Assert.Equal(
            "member 'customer.home.city' is missing or null but its type is not nullable",
            ReadError(order.Replace("\"city\":\"Springfield\"", "\"city\":null", StringComparison.Ordinal)));
        Assert.Equal(
            "member 'lines.price.amount': Cannot get the value of a token type 'String' as a number.",
            ReadError(order.Replace("\"amount\":9.99", "\"amount\":\"x\"", StringComparison.Ordinal)));
        Assert.Equal(
            "member 'tier': 'Platinum' is not a member of Shop.Tier",
            ReadError(order.Replace("\"tier\":\"Silver\"", "\"tier\":\"Platinum\"", StringComparison.Ordinal)));
        Assert.Equal(
            "member 'lines[]' is missing or null but its type is not nullable",
            ReadError(order.Replace("\"lines\":[{", "\"lines\":[null,{", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData((int)JsonNaming.CamelCase)]
    [InlineData((int)JsonNaming.SnakeCaseLower)]
    [InlineData((int)JsonNaming.SnakeCaseUpper)]
    [InlineData((int)JsonNaming.KebabCaseLower)]
    [InlineData((int)JsonNaming.KebabCaseUpper)]
    public void NamingPoliciesNameAsSystemTextJsonDoes(int namingValue)
    {
        var naming = (JsonNaming)namingValue;
        var policy = naming switch
        {
            JsonNaming.CamelCase => JsonNamingPolicy.CamelCase,
            JsonNaming.SnakeCaseLower => JsonNamingPolicy.SnakeCaseLower,
            JsonNaming.SnakeCaseUpper => JsonNamingPolicy.SnakeCaseUpper,
            JsonNaming.KebabCaseLower => JsonNamingPolicy.KebabCaseLower,
            _ => JsonNamingPolicy.KebabCaseUpper,
        };
        string[] names =
        [
            "OrderId", "orderId", "URLValue", "IDs", "ID", "Id", "X", "x", "XMLHttpRequest", "Order2Id", "ABC123Def", "A1B2", "iPhone",
            "HTTPServer", "TCPIPAddress", "ValueX", "Name With Space", "_private", "__Double", "already_snake", "Kebab-Case", "Été",
            "ÉtéValue", "UL", "ULong", "Is64Bit", "Version2", "V2Api", "Person's", "A B", "AB C", "CustomerTier",
        ];
        foreach (var name in names)
        {
            Assert.Equal(policy.ConvertName(name), JsonParser.ApplyNaming(name, naming));
        }
    }

    [Fact]
    public void NestedJsonCodecSnapshot()
    {
        var files = TestCompilation.GenerateAndCompile(Types);
        Snapshot.Match(nameof(NestedJsonCodecSnapshot), files);
    }

    [Fact]
    public void JsonSchemaFormatSnapshot()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Collections.Generic;
            using Kafka.Typed;
            namespace Shop;

            public enum Tier { Bronze, Gold }

            [System.Flags] public enum Perm { None = 0, Read = 1, Write = 2 }

            public sealed record Node(string Name, List<Node> Children, Node? Parent);

            [KafkaTopic("orders.framed", Format = KafkaFormat.JsonSchema)]
            public partial record Framed([property: KafkaKey] string Id, Node Root, Dictionary<string, decimal> Totals, Tier Tier, Perm Perm, byte[]? Blob, char Grade, Framed? Previous);
            """);
        Snapshot.Match(nameof(JsonSchemaFormatSnapshot), files);
    }

    private static string ReadError(string json)
    {
        var method = Probe.Value.GetMethod("ReadError")!.MakeGenericMethod(Probe.Value.Assembly.GetType("Shop.OrderPlaced", throwOnError: true)!);
        return (string)method.Invoke(null, [json])!;
    }

    private static (string, string, string, string) Four(string[] parts) => (parts[0], parts[1], parts[2], parts[3]);

    private static T Call<T>(string name, params object[] arguments)
        => (T)Probe.Value.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments)!;
}
