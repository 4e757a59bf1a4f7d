namespace Kafka.Typed;

/// <summary>
/// Options of the generated JSON codec (<c>Format = KafkaFormat.Json</c>), for the assembly, a message type, a type
/// reached through a message's members, or an enum. The nearest one wins: the type's (or enum's) own, then the message
/// type's, then the assembly's; an option left at its <c>Default</c> value is taken from the next one out.
/// </summary>
/// <example>
/// <code>
/// [assembly: KafkaJson(Naming = KafkaJsonNaming.SnakeCaseLower)]
///
/// [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
/// [KafkaJson(Enums = KafkaJsonEnumFormat.Numbers)]   // as these records were written before
/// public partial record OrderPlaced(string OrderId, Customer Customer, List&lt;OrderLine&gt; Lines);
///
/// [KafkaTopic("audit", Format = KafkaFormat.Json)]
/// [KafkaJson(Context = typeof(AuditJsonContext))]    // System.Text.Json's source-generated metadata instead
/// public partial class AuditEvent { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum, AllowMultiple = false, Inherited = false)]
public sealed class KafkaJsonAttribute : Attribute
{
    /// <summary>How member names become JSON names when a member has no <c>[JsonPropertyName]</c>; camelCase unless set.</summary>
    public KafkaJsonNaming Naming { get; set; }

    /// <summary>How enum values are written; names unless set. Both names and numbers are accepted when reading.</summary>
    public KafkaJsonEnumFormat Enums { get; set; }

    /// <summary>
    /// A <c>System.Text.Json.Serialization.JsonSerializerContext</c> (source-generated, listing the message type in a
    /// <c>[JsonSerializable]</c>) whose <c>JsonTypeInfo&lt;T&gt;</c> serializes the message instead of the generated codec:
    /// anything System.Text.Json maps, reflection-free. On a message type or the assembly (checked at compile time, KTG113).
    /// </summary>
    public Type? Context { get; set; }
}

/// <summary>How the generated JSON codec names members (the same algorithms as System.Text.Json's <c>JsonNamingPolicy</c>).</summary>
public enum KafkaJsonNaming
{
    /// <summary>Not set here: the next attribute out decides, camelCase when none does.</summary>
    Default = 0,

    /// <summary><c>OrderId</c> → <c>orderId</c> (<c>JsonNamingPolicy.CamelCase</c>).</summary>
    CamelCase = 1,

    /// <summary>The C# name unchanged (System.Text.Json without a naming policy).</summary>
    AsDeclared = 2,

    /// <summary><c>OrderId</c> → <c>order_id</c> (<c>JsonNamingPolicy.SnakeCaseLower</c>).</summary>
    SnakeCaseLower = 3,

    /// <summary><c>OrderId</c> → <c>ORDER_ID</c> (<c>JsonNamingPolicy.SnakeCaseUpper</c>).</summary>
    SnakeCaseUpper = 4,

    /// <summary><c>OrderId</c> → <c>order-id</c> (<c>JsonNamingPolicy.KebabCaseLower</c>).</summary>
    KebabCaseLower = 5,

    /// <summary><c>OrderId</c> → <c>ORDER-ID</c> (<c>JsonNamingPolicy.KebabCaseUpper</c>).</summary>
    KebabCaseUpper = 6,
}

/// <summary>How the generated JSON codec writes enum values.</summary>
public enum KafkaJsonEnumFormat
{
    /// <summary>Not set here: the next attribute out decides, names when none does.</summary>
    Default = 0,

    /// <summary>
    /// The member name, or its <c>[JsonStringEnumMemberName]</c> (as <c>JsonStringEnumConverter</c> writes); a value that
    /// is no single member (a combination of flags, an undefined number) is written as its number.
    /// </summary>
    Names = 1,

    /// <summary>The underlying number (System.Text.Json's default without a converter).</summary>
    Numbers = 2,
}
