namespace Kafka.Typed;

/// <summary>
/// Overrides the Avro name of a record, an enum or a field. By default a record or enum is named after its C# type, in
/// its C# namespace; a field after its property.
/// </summary>
/// <remarks>
/// Names must match Avro's rule <c>[A-Za-z_][A-Za-z0-9_]*</c> (namespaces: such names joined by dots); checked at compile
/// time (KTG302). Renaming a record or enum keeps the generated codec working, but Apache.Avro's specific reader (used by
/// Confluent's <c>AvroDeserializer&lt;T&gt;</c>) finds types by their Avro full name, so that path then needs the C# full
/// name to match.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AvroNameAttribute : Attribute
{
    /// <summary>Sets the Avro name.</summary>
    /// <param name="name">The name.</param>
    public AvroNameAttribute(string name)
    {
        Name = name;
    }

    /// <summary>The Avro name.</summary>
    public string Name { get; }

    /// <summary>For records and enums: the Avro namespace (<see langword="null"/>: the C# namespace; empty: none).</summary>
    public string? Namespace { get; set; }
}

/// <summary>
/// The precision and scale of a <see cref="decimal"/> member's Avro <c>decimal</c> logical type (over <c>bytes</c>). Without
/// it: precision 29, scale 14. Writing a value with more fractional digits than the scale fails rather than rounds.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AvroDecimalAttribute : Attribute
{
    /// <summary>Sets precision and scale.</summary>
    /// <param name="precision">Total digits, 1 to 29.</param>
    /// <param name="scale">Fractional digits, 0 to 28 and at most <paramref name="precision"/>.</param>
    public AvroDecimalAttribute(int precision, int scale)
    {
        Precision = precision;
        Scale = scale;
    }

    /// <summary>Total digits.</summary>
    public int Precision { get; }

    /// <summary>Fractional digits.</summary>
    public int Scale { get; }
}

/// <summary>
/// Writes a <see cref="DateTime"/> or <see cref="DateTimeOffset"/> member as <c>timestamp-micros</c> instead of the default
/// <c>timestamp-millis</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AvroTimestampMicrosAttribute : Attribute
{
}

/// <summary>
/// The Avro default of a field (what readers on a newer schema use for data written without the field). Without it, a
/// field's default comes from a constant property initializer or parameter default (<c>= 5</c>, <c>= "x"</c>,
/// <c>= Color.Red</c>, <c>= []</c>), and nullable members default to <c>null</c>.
/// </summary>
/// <remarks>
/// <para>Allowed values: <see langword="null"/> (nullable members), <see langword="bool"/>, numbers within the member's
/// range, strings (also for <see cref="Guid"/>), and enum values; checked against the member's type at compile time
/// (KTG302). Decimals and timestamps take no default.</para>
/// <para>On an enum type, <c>[AvroDefault(Color.Other)]</c> is the Avro enum's default symbol: what a reader on this
/// schema uses for a symbol it does not know, which makes adding symbols compatible under <c>FORWARD</c>/<c>FULL</c>.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Enum, AllowMultiple = false, Inherited = false)]
public sealed class AvroDefaultAttribute : Attribute
{
    /// <summary>Sets the default.</summary>
    /// <param name="value">The value.</param>
    public AvroDefaultAttribute(object? value)
    {
        Value = value;
    }

    /// <summary>The default value.</summary>
    public object? Value { get; }
}

/// <summary>Leaves a public property out of the Avro record (it is neither written nor read).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AvroIgnoreAttribute : Attribute
{
}

/// <summary>How the generator names Avro fields that have no <see cref="AvroNameAttribute"/>.</summary>
public enum AvroFieldNaming
{
    /// <summary>The C# member name as declared (<c>OrderId</c>).</summary>
    AsDeclared = 0,

    /// <summary>camelCase, as Java and most Avro schemas name fields (<c>OrderId</c> → <c>orderId</c>, <c>URLPath</c> → <c>urlPath</c>).</summary>
    CamelCase = 1,

    /// <summary>snake_case, as Python schemas often do (<c>OrderId</c> → <c>order_id</c>, <c>URLPath</c> → <c>url_path</c>).</summary>
    SnakeCase = 2,
}

/// <summary>
/// Assembly-wide defaults for the Avro schemas the generator derives from this assembly's message types, so matching
/// schemas written in Java or Python needs no <see cref="AvroNameAttribute"/> on every member:
/// <c>[assembly: KafkaAvroConventions(FieldNaming = AvroFieldNaming.CamelCase, Namespace = "com.acme.orders")]</c>.
/// <see cref="AvroNameAttribute"/> on a type or member still overrides. The generated schema, codec,
/// <c>ISpecificRecord</c> and the build-time evolution check (KTG304) all use the resulting names.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class KafkaAvroConventionsAttribute : Attribute
{
    /// <summary>How fields without <see cref="AvroNameAttribute"/> are named. Default: <see cref="AvroFieldNaming.AsDeclared"/>.</summary>
    public AvroFieldNaming FieldNaming { get; set; }

    /// <summary>
    /// The Avro namespace of records and enums without <see cref="AvroNameAttribute.Namespace"/>, instead of their C#
    /// namespace; <see langword="null"/> (the default) keeps the C# namespace.
    /// </summary>
    public string? Namespace { get; set; }
}
