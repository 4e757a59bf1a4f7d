using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kafka.Typed.Integration.Tests.Json;

public enum Priority { Low, Normal, [JsonStringEnumMemberName("urgent!")] Urgent }

public sealed record Party(string Name, string? Email, Party? Referrer);

public record struct Amount(decimal Value, string Currency);

public sealed record Line(string Sku, int Quantity, Amount Price);

/// <summary>A realistic nested event for the generated JSON codec: nested records, a recursive one, a struct, lists, dictionaries, enums.</summary>
[KafkaTopic("json.orders", Format = KafkaFormat.Json)]
public partial record JsonOrderPlaced(
    [property: KafkaKey] string OrderId,
    Party Customer,
    List<Line> Lines,
    Dictionary<string, string> Tags,
    IReadOnlyDictionary<string, Amount> Totals,
    Priority Priority,
    Amount? Discount);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Circle), "circle")]
[JsonDerivedType(typeof(Square), "square")]
public abstract record Shape;

public sealed record Circle(double Radius) : Shape;

public sealed record Square(double Side) : Shape;

/// <summary>
/// Members the generated codec does not map (a polymorphic hierarchy, <see cref="Uri"/>, <see cref="JsonElement"/>, a
/// dictionary with integer keys): serialized through the user's source-generated <see cref="AuditJsonContext"/>.
/// </summary>
[KafkaTopic("json.audit", Format = KafkaFormat.Json)]
[KafkaJson(Context = typeof(AuditJsonContext))]
public partial class AuditEvent
{
    [KafkaKey] public string Id { get; set; } = "";

    public Uri Link { get; set; } = new("https://example.com/");

    public Shape Shape { get; set; } = new Circle(1);

    public JsonElement Payload { get; set; }

    public Dictionary<int, string> ByCode { get; set; } = new();

    public Priority Priority { get; set; }
}

[JsonSerializable(typeof(AuditEvent))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
