namespace Kafka.Typed.Generators.Model;

/// <summary>The format of a message type's generated codec (mirrors the runtime's <c>KafkaFormat</c>).</summary>
internal enum MessageFormat
{
    Avro = 0,
    Json = 1,
}

/// <summary>An Avro type as the codec writes it.</summary>
internal enum AvroKind
{
    Boolean,
    Int,
    Long,
    Float,
    Double,
    String,
    Bytes,
    Uuid,
    TimestampMillis,
    TimestampMicros,
    Date,
    TimeMicros,
    Decimal,
    Enum,
    Record,
    Array,
    Map,
}

/// <summary>Which .NET type an Avro type is read into, where one Avro type serves several.</summary>
internal enum AvroClr
{
    /// <summary>The natural type (<c>int</c> for int, <c>DateTimeOffset</c> for timestamps, …).</summary>
    Natural,
    Byte,
    SByte,
    Int16,
    UInt16,
    UInt32,
    DateTime,
}

/// <summary>How an Avro array or map is materialized when read.</summary>
internal enum AvroCollection
{
    None,

    /// <summary><c>T[]</c>.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c> (also for <c>IList</c>, <c>IReadOnlyList</c>, <c>ICollection</c>, <c>IReadOnlyCollection</c>).</summary>
    List,

    /// <summary>A list type that has an indexer (<c>T[]</c>, <c>List</c>, <c>IList</c>, <c>IReadOnlyList</c>): written by index.</summary>
    IndexedList,

    /// <summary><c>Dictionary&lt;string, T&gt;</c> (also for <c>IDictionary</c> and <c>IReadOnlyDictionary</c>).</summary>
    Dictionary,
}

/// <summary>One Avro type use: a field's type, an array's items or a map's values.</summary>
/// <param name="Kind">The Avro type.</param>
/// <param name="ClrType">The .NET type, fully qualified, without a nullable annotation (for <c>Nullable&lt;T&gt;</c>: <c>T</c>).</param>
/// <param name="IsNullable">Written as the union <c>["null", X]</c>.</param>
/// <param name="IsNullableValue">A <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="IsReference">A reference type (null-checked when not nullable).</param>
/// <param name="Clr">The .NET type, where it is not the natural one.</param>
/// <param name="Collection">For arrays and maps: how the .NET collection is read and written.</param>
/// <param name="Item">For arrays: the items; for maps: the values.</param>
/// <param name="Named">For records and enums: the key into <see cref="AvroModel.Records"/> or <see cref="AvroModel.Enums"/>.</param>
/// <param name="Precision">For decimals.</param>
/// <param name="Scale">For decimals.</param>
/// <param name="Symbols">For enums: the C# members in symbol order (Apache.Avro's specific reader passes a symbol's position).</param>
internal sealed record AvroTypeSpec(
    AvroKind Kind,
    string ClrType,
    bool IsNullable,
    bool IsNullableValue,
    bool IsReference,
    AvroClr Clr,
    AvroCollection Collection,
    AvroTypeSpec? Item,
    string? Named,
    int Precision,
    int Scale,
    ImmutableEquatableArray<string>? Symbols = null)
{
    /// <summary>The fewest bytes one value takes (caps claimed collection counts when reading).</summary>
    public int MinSize => IsNullable ? 1 : Kind == AvroKind.Record ? 0 : 1;
}

/// <summary>One field of a record.</summary>
/// <param name="Member">The C# property.</param>
/// <param name="Name">The Avro field name.</param>
/// <param name="Type">The type.</param>
/// <param name="Assign">How the member is set when read.</param>
/// <param name="Setter">How <c>ISpecificRecord.Put</c> sets the member.</param>
/// <param name="DeclaringType">The type that declares the property, fully qualified (unsafe accessors bind to it).</param>
internal sealed record AvroFieldSpec(string Member, string Name, AvroTypeSpec Type, AssignKind Assign, SetterKind Setter, string DeclaringType);

/// <summary>How generated code can set a member outside construction.</summary>
internal enum SetterKind
{
    /// <summary>Not at all (a computed property): <c>Put</c> ignores the field.</summary>
    None,

    /// <summary>A public, non-init setter.</summary>
    Public,

    /// <summary>An init-only or non-public setter, called through <c>UnsafeAccessor</c>.</summary>
    Accessor,

    /// <summary>A get-only auto-property: its backing field, through <c>UnsafeAccessor</c>.</summary>
    BackingField,
}

/// <summary>A record type (the message itself, or a type one of its members uses).</summary>
/// <param name="Key">The C# type, fully qualified: the key types refer to it by.</param>
/// <param name="FullName">The Avro full name.</param>
/// <param name="MethodSuffix">A unique identifier for the codec's <c>Write_</c>/<c>Read_</c> methods.</param>
/// <param name="IsValueType">A struct.</param>
/// <param name="Fields">The fields in schema order.</param>
/// <param name="ConstructorArguments">The members passed to the chosen constructor, in parameter order.</param>
/// <param name="Specific">Where the generator can implement <c>ISpecificRecord</c> on the type (it is partial); <see langword="null"/> otherwise.</param>
/// <param name="Schema">The record's own schema (compact JSON), for its <c>ISpecificRecord</c>.</param>
internal sealed record AvroRecordSpec(
    string Key,
    string FullName,
    string MethodSuffix,
    bool IsValueType,
    ImmutableEquatableArray<AvroFieldSpec> Fields,
    ImmutableEquatableArray<string> ConstructorArguments,
    SpecificRecordSpec? Specific,
    string Schema);

/// <summary>What the <c>ISpecificRecord</c> emitter needs to reopen a (partial) record type.</summary>
/// <param name="HintName">The base of its generated file's hint name (see <c>SymbolHelpers.HintBase</c>).</param>
/// <param name="Namespace">The C# namespace, empty for the global one.</param>
/// <param name="ContainingTypes">Types around it, outermost first.</param>
/// <param name="Keyword">Its declaration keyword (<c>class</c>, <c>record struct</c>, …).</param>
/// <param name="Name">Its name.</param>
/// <param name="HasParameterlessConstructor">It has a public parameterless constructor already (Apache.Avro's reader needs one).</param>
/// <param name="ChainArguments">When it has none: the argument expressions a generated parameterless constructor passes to the constructor it chains to (<see langword="null"/>: no chaining).</param>
/// <param name="MarkObsolete">
/// Whether the generated constructor is marked obsolete: not when it chains to a constructor whose parameters are all
/// optional, because <c>new T()</c> already compiled and now binds to it with the same meaning.
/// </param>
internal sealed record SpecificRecordSpec(
    string HintName,
    string Namespace,
    ImmutableEquatableArray<ContainingTypeSpec> ContainingTypes,
    string Keyword,
    string Name,
    bool HasParameterlessConstructor,
    ImmutableEquatableArray<string>? ChainArguments,
    bool MarkObsolete);

/// <summary>An enum type.</summary>
/// <param name="Key">The C# type, fully qualified.</param>
/// <param name="FullName">The Avro full name.</param>
/// <param name="MethodSuffix">A unique identifier for the codec's methods.</param>
/// <param name="Symbols">The Avro symbols, in order: one per distinct value (the first member declared with it).</param>
/// <param name="Default">The enum's default symbol (<c>[AvroDefault]</c> on the enum), or <see langword="null"/>.</param>
internal sealed record AvroEnumSpec(string Key, string FullName, string MethodSuffix, ImmutableEquatableArray<string> Symbols, string? Default);

/// <summary>The Avro side of one message type.</summary>
/// <param name="Schema">The schema, compact JSON (registered as is).</param>
/// <param name="Records">Every record type reachable from the message; the message is first.</param>
/// <param name="Enums">Every enum type reachable from the message.</param>
internal sealed record AvroModel(
    string Schema,
    ImmutableEquatableArray<AvroRecordSpec> Records,
    ImmutableEquatableArray<AvroEnumSpec> Enums)
{
    public AvroRecordSpec Root => Records[0];
}
