namespace Kafka.Typed.Generators.Model
{
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
        Enum,
    }

    /// <summary>How a collection member is materialized when read.</summary>
    internal enum CollectionKind
    {
        None,
        Array,
        List,
    }

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

    /// <summary>A scalar JSON shape: the kind, the C# type, and nullability.</summary>
    /// <param name="Kind">The JSON kind.</param>
    /// <param name="TypeName">Fully qualified type, without a nullable annotation.</param>
    /// <param name="IsNullableValue">A <c>Nullable&lt;T&gt;</c>; <paramref name="TypeName"/> is then <c>T</c>.</param>
    /// <param name="IsReference">A reference type.</param>
    /// <param name="IsNonNullableReference">A reference type annotated not-null (reading null fails).</param>
    /// <param name="EnumUnderlying">For enums, the underlying kind.</param>
    /// <param name="IsAnnotatedReference">A reference type annotated nullable (<c>string?</c>); neither this nor <paramref name="IsNonNullableReference"/> means nullable-oblivious.</param>
    internal sealed record ScalarShape(ValueKind Kind, string TypeName, bool IsNullableValue, bool IsReference, bool IsNonNullableReference, ValueKind EnumUnderlying, bool IsAnnotatedReference);

    /// <summary>One serialized member.</summary>
    /// <remarks>
    /// <c>DeclaringType</c>: the fully qualified type declaring the member (for <see cref="AssignKind.InitAccessor"/>).
    /// <c>AbsentDefault</c>: for a constructor member whose parameter has a default, that default, passed when the payload lacks the member.
    /// </remarks>
    internal sealed record MemberSpec(
        string Name,
        string JsonName,
        string TypeName,
        ScalarShape? Scalar,
        CollectionKind Collection,
        ScalarShape? Element,
        bool CollectionIsNonNullable,
        AssignKind Assign,
        string DeclaringType = "",
        string? AbsentDefault = null);

    /// <summary>A type that contains the message type (emitted as a partial declaration around it).</summary>
    internal sealed record ContainingTypeSpec(string Keyword, string Name);

    /// <summary>Everything the emitter needs for one <c>[KafkaTopic]</c> type.</summary>
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
        ImmutableEquatableArray<MemberSpec> Members,
        ImmutableEquatableArray<string> ConstructorArguments,
        MessageFormat Format,
        AvroModel? Avro)
    {
        public string ProducerName => Name + "Producer";

        public string ProducerFullyQualifiedName
        {
            get
            {
                var prefix = FullyQualifiedName.Substring(0, FullyQualifiedName.Length - Name.Length);
                return prefix + ProducerName;
            }
        }
    }

    /// <summary>One <c>[KafkaConsumer]</c> attribute on a handler.</summary>
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
        ImmutableEquatableArray<HandlerDependency>? Factory);

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
}
