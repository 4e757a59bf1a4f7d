namespace Kafka.Typed.Generators.Parsing;

/// <summary>Metadata names of the runtime types the generator matches (a test checks them against <c>typeof(...).FullName</c>).</summary>
internal static class KnownNames
{
    public const string KafkaTopicAttribute = "Kafka.Typed.KafkaTopicAttribute";
    public const string KafkaKeyAttribute = "Kafka.Typed.KafkaKeyAttribute";
    public const string KafkaConsumerAttribute = "Kafka.Typed.KafkaConsumerAttribute";
    public const string KafkaTypedModuleAttribute = "Kafka.Typed.KafkaTypedModuleAttribute";
    public const string GeneratedRegistrationNamespace = "Microsoft.Extensions.DependencyInjection";
    public const string GeneratedRegistrationClassName = "KafkaTypedServiceCollectionExtensions";
    public const string GeneratedRegistrationMethod = "AddKafkaTyped";
    public const string GeneratedRegistrationClass = "Microsoft.Extensions.DependencyInjection.KafkaTypedServiceCollectionExtensions";
    public const string KafkaHandlerInterface = "Kafka.Typed.IKafkaHandler`1";
    public const string KafkaBatchHandlerInterface = "Kafka.Typed.IKafkaBatchHandler`1";
    public const string KafkaMessageInterface = "Kafka.Typed.IKafkaMessage`1";
    public const string KafkaSerializerInterface = "Kafka.Typed.IKafkaSerializer`1";
    public const string JsonPropertyNameAttribute = "System.Text.Json.Serialization.JsonPropertyNameAttribute";
    public const string JsonIgnoreAttribute = "System.Text.Json.Serialization.JsonIgnoreAttribute";
    public const string JsonStringEnumMemberNameAttribute = "System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute";
    public const string KafkaJsonAttribute = "Kafka.Typed.KafkaJsonAttribute";
    public const string JsonConstructorAttribute = "System.Text.Json.Serialization.JsonConstructorAttribute";
    public const string SetsRequiredMembersAttribute = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";

    /// <summary>The sentinel of <c>KafkaConsumerAttribute</c>'s integer arguments (<c>FromConfiguration</c>).</summary>
    public const int FromConfiguration = int.MinValue;
}
