using System.Diagnostics.CodeAnalysis;

namespace Kafka.Typed.Avro;

/// <summary>
/// Confluent's <c>AvroSerializer&lt;T&gt;</c> and <c>AvroDeserializer&lt;T&gt;</c> inside <see cref="AvroSerde{T}"/>, for
/// byte-for-byte parity with Confluent's behaviour while migrating:
/// <c>new AvroSerdeOptions { Implementation = ConfluentAvro.Implementation }</c>.
/// </summary>
/// <remarks>
/// <para>The type must implement <c>Avro.Specific.ISpecificRecord</c> (generated <c>partial</c> types do, nested record
/// types included when they are <c>partial</c>) with a <c>public static Avro.Schema _SCHEMA</c> field whose schema equals
/// the codec's; otherwise creating the serde fails with <see cref="KafkaConfigurationException"/>.
/// <see cref="AvroSerdeOptions.Registration"/>, <see cref="AvroSerdeOptions.SubjectNameStrategy"/>,
/// <see cref="AvroSerdeOptions.NormalizeSchemas"/> and <see cref="AvroSerdeOptions.IsKey"/> map onto Confluent's
/// serializer configuration; schema resolution is Confluent's (Avro full names must match).</para>
/// <para>Not for trimmed or Native AOT applications: Apache.Avro's specific reader and writer find and fill record types
/// by reflection (type names from the schema). The default <see cref="AvroImplementation.Generated"/> has no reflection.</para>
/// </remarks>
public static class ConfluentAvro
{
    /// <summary>The implementation's name: <c>Confluent</c>.</summary>
    public const string Name = "Confluent";

    /// <summary>Confluent's serdes as an <see cref="AvroImplementation"/>.</summary>
    public static AvroImplementation Implementation
    {
        [RequiresUnreferencedCode("Apache.Avro's specific reader and writer create and fill record types by reflection; use AvroImplementation.Generated in trimmed applications.")]
        [RequiresDynamicCode("Apache.Avro's specific reader and writer create and fill record types by reflection; use AvroImplementation.Generated in Native AOT applications.")]
        get => ConfluentImplementation.Instance;
    }

    private sealed class ConfluentImplementation : AvroImplementation
    {
        public static readonly ConfluentImplementation Instance = new();

        public override string Name => ConfluentAvro.Name;

        public override IAvroImplementationSerde<T> Create<T>(AvroImplementationContext<T> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            return new ConfluentAvroSerde<T>(context);
        }
    }
}
