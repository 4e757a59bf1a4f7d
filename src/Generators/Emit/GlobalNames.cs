namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// The <c>global::</c>-qualified names of every type the emitters write, named once: no emitter spells a
/// <c>global::Kafka.Typed.</c>, <c>global::System.</c> or <c>global::Microsoft.</c> name inline.
/// </summary>
internal static class GlobalNames
{
    // Kafka.Typed: messages, producers, keys.
    public const string KafkaTyped = "global::Kafka.Typed.";
    public const string KafkaMessageInterface = KafkaTyped + "IKafkaMessage";
    public const string KeylessMessageInterface = KafkaTyped + "IKafkaKeylessMessage";
    public const string KafkaSerializer = KafkaTyped + "IKafkaSerializer";
    public const string KafkaKeys = KafkaTyped + "KafkaKeys";
    public const string KafkaMessage = KafkaTyped + "KafkaMessage";
    public const string KafkaTombstone = KafkaTyped + "KafkaTombstone";
    public const string ProducerHost = KafkaTyped + "KafkaProducerHost";
    public const string TypedProducer = KafkaTyped + "KafkaTypedProducer";
    public const string TypedKeylessProducer = KafkaTyped + "KafkaTypedKeylessProducer";
    public const string ProducerInterface = KafkaTyped + "IKafkaProducer";
    public const string ExplicitKeyProducerInterface = KafkaTyped + "IKafkaExplicitKeyProducer";
    public const string DeliveryObserver = KafkaTyped + "IKafkaDeliveryObserver";
    public const string NonRetriableMessageException = KafkaTyped + "NonRetriableMessageException";

    // Kafka.Typed: registration and consumers.
    public const string Registration = KafkaTyped + "KafkaTypedRegistration";
    public const string ModuleAttribute = KafkaTyped + "KafkaTypedModuleAttribute";
    public const string TypedOptions = KafkaTyped + "KafkaTypedOptions";
    public const string ConsumerDefinition = KafkaTyped + "KafkaConsumerDefinition";
    public const string FailurePolicy = KafkaTyped + "FailurePolicy";
    public const string StartOffset = KafkaTyped + "StartOffset";
    public const string ConsumerConcurrency = KafkaTyped + "ConsumerConcurrency";

    // Kafka.Typed: codecs.
    public const string SerializationContext = KafkaTyped + "KafkaSerializationContext";
    public const string SerializationException = KafkaTyped + "KafkaSerializationException";
    public const string KafkaJson = KafkaTyped + "KafkaJson";
    public const string JsonContextSerializer = KafkaTyped + "KafkaJsonContextSerializer";
    public const string JsonSchemaSerializer = KafkaTyped + "JsonSchemaKafkaSerializer";
    public const string AvroNamespace = KafkaTyped + "Avro.";
    public const string AvroSpecificConversions = AvroNamespace + "AvroSpecificConversions";
    public const string AvroCodecInterface = AvroNamespace + "IAvroCodec";
    public const string AvroWriter = AvroNamespace + "AvroWriter";
    public const string AvroReader = AvroNamespace + "AvroReader";
    public const string AvroKafkaSerializer = AvroNamespace + "AvroKafkaSerializer";
    public const string AvroSubjectNameStrategy = AvroNamespace + "AvroSubjectNameStrategy";
    public const string KafkaAvroException = AvroNamespace + "KafkaAvroException";
    public const string AvroErrorKind = AvroNamespace + "AvroErrorKind";

    // Apache.Avro.
    public const string AvroSchema = "global::Avro.Schema";
    public const string SpecificRecord = "global::Avro.Specific.ISpecificRecord";

    // Microsoft.Extensions.
    public const string DependencyInjection = "global::Microsoft.Extensions.DependencyInjection";
    public const string ServiceCollection = DependencyInjection + ".IServiceCollection";
    public const string Configuration = "global::Microsoft.Extensions.Configuration.IConfiguration";

    // System.
    public const string Action = "global::System.Action";
    public const string AppContext = "global::System.AppContext";
    public const string Guid = "global::System.Guid";
    public const string TimeSpan = "global::System.TimeSpan";
    public const string Exception = "global::System.Exception";
    public const string NotSupportedException = "global::System.NotSupportedException";
    public const string InvalidOperationException = "global::System.InvalidOperationException";
    public const string FormatException = "global::System.FormatException";
    public const string OverflowException = "global::System.OverflowException";
    public const string ArgumentException = "global::System.ArgumentException";
    public const string Enum = "global::System.Enum";
    public const string StringComparer = "global::System.StringComparer";
    public const string Obsolete = "global::System.Obsolete";
    public const string List = "global::System.Collections.Generic.List";
    public const string Dictionary = "global::System.Collections.Generic.Dictionary";
    public const string EqualityComparer = "global::System.Collections.Generic.EqualityComparer";
    public const string BufferWriter = "global::System.Buffers.IBufferWriter";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan";
    public const string GeneratedCodeAttribute = "global::System.CodeDom.Compiler.GeneratedCode";
    public const string EditorBrowsable = "global::System.ComponentModel.EditorBrowsable";
    public const string EditorBrowsableNever = "global::System.ComponentModel.EditorBrowsableState.Never";
    public const string CompilerServices = "global::System.Runtime.CompilerServices.";
    public const string UnsafeAccessor = CompilerServices + "UnsafeAccessor";
    public const string UnsafeAccessorKind = CompilerServices + "UnsafeAccessorKind";
    public const string Unsafe = CompilerServices + "Unsafe";
    public const string Path = "global::System.IO.Path";
    public const string Directory = "global::System.IO.Directory";
    public const string File = "global::System.IO.File";
    public const string Utf8Encoding = "global::System.Text.UTF8Encoding";

    // System.Text.Json.
    public const string Utf8JsonWriter = "global::System.Text.Json.Utf8JsonWriter";
    public const string Utf8JsonReader = "global::System.Text.Json.Utf8JsonReader";
    public const string JsonEncodedText = "global::System.Text.Json.JsonEncodedText";
    public const string JsonTokenType = "global::System.Text.Json.JsonTokenType";
    public const string JsonException = "global::System.Text.Json.JsonException";

    /// <summary><c>[EditorBrowsable(EditorBrowsableState.Never)]</c>.</summary>
    public const string NeverBrowsableAttribute = "[" + EditorBrowsable + "(" + EditorBrowsableNever + ")]";
}
