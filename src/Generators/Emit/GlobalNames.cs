namespace Kafka.Typed.Generators.Emit;

/// <summary>The <c>global::</c>-qualified names of the types the Avro and JSON codec emitters write, named once.</summary>
internal static class GlobalNames
{
    public const string KafkaTyped = "global::Kafka.Typed.";
    public const string KafkaSerializer = KafkaTyped + "IKafkaSerializer";
    public const string SerializationContext = KafkaTyped + "KafkaSerializationContext";
    public const string SerializationException = KafkaTyped + "KafkaSerializationException";
    public const string KafkaJson = KafkaTyped + "KafkaJson";
    public const string JsonContextSerializer = KafkaTyped + "KafkaJsonContextSerializer";
    public const string JsonSchemaSerializer = KafkaTyped + "JsonSchemaKafkaSerializer";
    public const string AvroNamespace = KafkaTyped + "Avro.";
    public const string AvroSpecificConversions = AvroNamespace + "AvroSpecificConversions";

    public const string AvroSchema = "global::Avro.Schema";
    public const string SpecificRecord = "global::Avro.Specific.ISpecificRecord";

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
    public const string EditorBrowsable = "global::System.ComponentModel.EditorBrowsable";
    public const string EditorBrowsableNever = "global::System.ComponentModel.EditorBrowsableState.Never";
    public const string CompilerServices = "global::System.Runtime.CompilerServices.";
    public const string UnsafeAccessor = CompilerServices + "UnsafeAccessor";
    public const string UnsafeAccessorKind = CompilerServices + "UnsafeAccessorKind";
    public const string Unsafe = CompilerServices + "Unsafe";

    public const string Utf8JsonWriter = "global::System.Text.Json.Utf8JsonWriter";
    public const string Utf8JsonReader = "global::System.Text.Json.Utf8JsonReader";
    public const string JsonEncodedText = "global::System.Text.Json.JsonEncodedText";
    public const string JsonTokenType = "global::System.Text.Json.JsonTokenType";
    public const string JsonException = "global::System.Text.Json.JsonException";
}
