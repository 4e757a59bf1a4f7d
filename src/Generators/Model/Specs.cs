namespace Kafka.Typed.Generators.Model;

/// <summary>How a value is written to and read from JSON.</summary>
internal enum ValueKind
{
    Boolean,
    Byte,
    SByte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    String,
    Char,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    DateOnly,
    TimeOnly,
    Bytes,
}

/// <summary>How a JSON array is walked when written and materialized when read.</summary>
internal enum CollectionKind
{
    /// <summary>Not a collection.</summary>
    None,

    /// <summary><c>T[]</c>: walked by index, read into an array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c>: walked by index (no enumerator), read into a <c>List&lt;T&gt;</c>.</summary>
    IndexedList,

    /// <summary><c>ICollection&lt;T&gt;</c>, <c>IReadOnlyCollection&lt;T&gt;</c>, <c>IEnumerable&lt;T&gt;</c>: walked by <c>foreach</c>, read into a <c>List&lt;T&gt;</c>.</summary>
    Enumerable,
}

/// <summary>What a JSON value is in C#.</summary>
internal enum JsonShapeKind
{
    /// <summary>A scalar with a fixed JSON form (<see cref="ValueKind"/>).</summary>
    Value,

    /// <summary>An enum: a name (or number) through the model's enum codec at the shape's index.</summary>
    Enum,

    /// <summary>A class, struct or record: a JSON object through the model's object codec at the shape's index.</summary>
    Object,

    /// <summary>An array, list or collection interface: a JSON array of the element shape.</summary>
    Sequence,

    /// <summary>A dictionary with string keys: a JSON object whose values have the element shape.</summary>
    Dictionary,
}

/// <summary>When a member is left out of the JSON written (<c>[JsonIgnore(Condition = ...)]</c>).</summary>
internal enum JsonWriteCondition
{
    Always,
    WhenNotNull,
    WhenNotDefault,
    Never,
}

/// <summary>How the C# member names become JSON names when no <c>[JsonPropertyName]</c> is given.</summary>
internal enum JsonNaming
{
    CamelCase,
    AsDeclared,
    SnakeCaseLower,
    SnakeCaseUpper,
    KebabCaseLower,
    KebabCaseUpper,
}

/// <summary>A C# type as the JSON codec sees it; recursive through <paramref name="Element"/> for collections.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="DeclaredName">Fully qualified as declared, with its nullable annotations (for locals and generic arguments).</param>
/// <param name="IsNullableValue">A <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="IsReference">A reference type.</param>
/// <param name="IsNonNullableReference">A reference type annotated not-null (reading null or nothing fails).</param>
/// <param name="IsAnnotatedReference">A reference type annotated nullable; neither this nor <paramref name="IsNonNullableReference"/> means nullable-oblivious.</param>
/// <param name="Value">The scalar kind (<see cref="JsonShapeKind.Value"/>), or an enum's underlying kind.</param>
/// <param name="Index">The object or enum codec index in <see cref="JsonModel"/>.</param>
/// <param name="Collection">How a sequence is walked and read.</param>
/// <param name="Element">A sequence's element or a dictionary's value.</param>
internal sealed record JsonShape(
    JsonShapeKind Kind,
    string DeclaredName,
    bool IsNullableValue,
    bool IsReference,
    bool IsNonNullableReference,
    bool IsAnnotatedReference,
    ValueKind Value,
    int Index,
    CollectionKind Collection,
    JsonShape? Element)
{
    /// <summary>Whether JSON <c>null</c> is a possible value (a reference or <c>Nullable&lt;T&gt;</c>).</summary>
    public bool CanBeNull => IsReference || IsNullableValue;
}

/// <summary>One serialized member of an object codec.</summary>
/// <remarks>
/// <c>DeclaringType</c>: the fully qualified type declaring the member (for <see cref="AssignKind.InitAccessor"/>).
/// <c>AbsentDefault</c>: for a constructor member whose parameter has a default, that default, passed when the payload lacks the member.
/// </remarks>
internal sealed record MemberSpec(
    string Name,
    string JsonName,
    JsonShape Shape,
    AssignKind Assign,
    string DeclaringType = "",
    string? AbsentDefault = null,
    JsonWriteCondition Write = JsonWriteCondition.Always);

/// <summary>The codec of one class, struct or record: the message type (index 0) or a type reached through its members.</summary>
internal sealed record JsonObjectSpec(
    string TypeName,
    bool IsValueType,
    ImmutableEquatableArray<MemberSpec> Members,
    ImmutableEquatableArray<string> ConstructorArguments);

/// <summary>One enum member: its C# name and the JSON string written for it.</summary>
internal sealed record JsonEnumMember(string Name, string JsonName);

/// <summary>The codec of one enum: names by default (numbers accepted on read), or numbers; <c>[Flags]</c> combinations as comma-separated names.</summary>
internal sealed record JsonEnumSpec(string TypeName, ValueKind Underlying, bool AsNumbers, bool IsFlags, ImmutableEquatableArray<JsonEnumMember> Members);

/// <summary>
/// The JSON codec of a message type: one object codec per class, struct or record reached (the message first, each
/// type once, so recursive types reuse theirs) and one enum codec per enum; or, when <paramref name="ContextTypeName"/>
/// is set, the user's <c>JsonSerializerContext</c> instead (and no codecs). <paramref name="Schema"/>: for
/// <c>KafkaFormat.JsonSchema</c>, the draft-7 JSON Schema derived from the codecs (records are then framed in
/// Confluent's wire format).
/// </summary>
internal sealed record JsonModel(
    ImmutableEquatableArray<JsonObjectSpec> Objects,
    ImmutableEquatableArray<JsonEnumSpec> Enums,
    string? ContextTypeName,
    string? Schema = null);

/// <summary>How a member gets its value when a message is read.</summary>
internal enum AssignKind
{
    /// <summary>Written only (no setter, no constructor parameter).</summary>
    None,

    /// <summary>A constructor argument.</summary>
    Constructor,

    /// <summary>An object-initializer assignment (init-only or required).</summary>
    Initializer,

    /// <summary>Assigned after construction when present in the payload.</summary>
    Setter,

    /// <summary>
    /// An init-only member that is not required: set after construction, only when present in the payload (so an absent
    /// one keeps its initializer), through an <c>UnsafeAccessor</c> of its <c>init</c> accessor.
    /// </summary>
    InitAccessor,
}

/// <summary>How the key member becomes bytes.</summary>
internal enum KeyKind
{
    Utf8String,
    Bytes,
    Guid,
    Int16,
    Int32,
    Int64,
}

/// <summary>A type that contains the message type (emitted as a partial declaration around it).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>
/// Everything the emitter needs for one <c>[KafkaTopic]</c> type. <c>SubjectNameStrategy</c>: the attribute's
/// <c>KafkaSubjectNameStrategy</c> (0 TopicName, 1 RecordName, 2 TopicRecordName). <c>MessageTypeName</c>: with a
/// strategy other than TopicName, the name that tells the type apart on its topic (the Avro record's full name, else the
/// type header's value); otherwise <see langword="null"/>.
/// </summary>
internal sealed record MessageSpec(
    string Namespace,
    ImmutableEquatableArray<ContainingTypeSpec> ContainingTypes,
    string Keyword,
    string Name,
    string FullyQualifiedName,
    string HintName,
    bool IsPublic,
    bool IsValueType,
    string Topic,
    string? SerializerTypeName,
    string? KeyMember,
    KeyKind KeyKind,
    bool KeyIsNullable,
    JsonModel? Json,
    MessageFormat Format,
    AvroModel? Avro,
    int SubjectNameStrategy = 0,
    string? MessageTypeName = null)
{
    public string ProducerName => Name + Parsing.GeneratedNames.ProducerSuffix;

    public string ProducerFullyQualifiedName
    {
        get
        {
            var prefix = FullyQualifiedName.Substring(0, FullyQualifiedName.Length - Name.Length);
            return prefix + ProducerName;
        }
    }
}

/// <summary>One <c>[KafkaConsumer]</c> attribute on a handler; <see cref="IsBatch"/> when it handles the type through <c>IKafkaBatchHandler&lt;T&gt;</c>.</summary>
internal sealed record HandlerSpec(
    string HandlerFullyQualifiedName,
    string HandlerDisplayName,
    string MessageFullyQualifiedName,
    string MessageDisplayName,
    bool MessageIsExternal,
    string Topic,
    string? GroupId,
    int? MaxRetries,
    int? RetryBackoffMilliseconds,
    int? MaxRetryBackoffMilliseconds,
    int? MaxDegreeOfParallelism,
    int? FailurePolicy,
    int? StartOffset,
    string? DeadLetterTopic,
    ImmutableEquatableArray<HandlerDependency>? Factory,
    bool IsBatch = false,
    int? MaxBatchSize = null,
    int? MaxBatchWaitMilliseconds = null)
{
    /// <summary><c>Concurrency</c> as its enum value (0 in order, 1 per key), when set.</summary>
    public int? Concurrency { get; init; }

    /// <summary><c>MaxInFlightPerPartition</c>, when set.</summary>
    public int? MaxInFlightPerPartition { get; init; }
}

/// <summary>
/// One constructor parameter of a handler, resolved from the message's DI scope by the generated factory
/// (<c>GetRequiredService</c>, or <c>GetService</c> when the parameter is nullable).
/// </summary>
internal sealed record HandlerDependency(string TypeName, bool Optional);

/// <summary>
/// The single registration file. <see cref="Module"/>: this assembly's public registration module (its producers and
/// consumers in a stable order), or <see langword="null"/> when it declares no Kafka.Typed types. <see cref="Application"/>:
/// the assembly's internal <c>AddKafkaTyped</c>, composing the modules of referenced assemblies and its own, or
/// <see langword="null"/> when another assembly's registration visible here already serves.
/// </summary>
internal sealed record RegistrationSpec(ModuleSpec? Module, ApplicationSpec? Application);

/// <summary>This assembly's registration module: <c>Kafka.Typed.Generated.{ClassName}</c>, registered once under <see cref="AssemblyName"/>.</summary>
internal sealed record ModuleSpec(
    string AssemblyName,
    string ClassName,
    ImmutableEquatableArray<ProducerRegistration> Producers,
    ImmutableEquatableArray<HandlerSpec> Handlers)
{
    public string FullyQualifiedName => "global::Kafka.Typed.Generated." + ClassName;
}

/// <summary>
/// The application registration: the names of the extension class and method (<c>KafkaTypedServiceCollectionExtensions.AddKafkaTyped</c>
/// unless another assembly's are visible here) and the modules it composes, referenced ones first, by assembly name.
/// </summary>
internal sealed record ApplicationSpec(string ClassName, string MethodName, ImmutableEquatableArray<ModuleReference> Modules);

/// <summary>A registration module: the assembly that declares it and its class (<c>global::</c>-qualified).</summary>
internal sealed record ModuleReference(string AssemblyName, string TypeName);

/// <summary>
/// What the compilation's references contribute, read once per compilation into plain data: the modules of referenced
/// assemblies, this assembly's name, and the assemblies whose generated <c>AddKafkaTyped</c> is visible here
/// (InternalsVisibleTo).
/// </summary>
internal sealed record ReferencesSpec(
    string AssemblyName,
    ImmutableEquatableArray<ModuleReference> Modules,
    ImmutableEquatableArray<string> VisibleRegistrations);

/// <summary>One producer line of the registration file; a keyless type's producer is also registered as <c>IKafkaExplicitKeyProducer&lt;T&gt;</c>.</summary>
internal sealed record ProducerRegistration(string MessageFullyQualifiedName, string ProducerFullyQualifiedName, bool IsAvro, bool IsKeyless = false);
