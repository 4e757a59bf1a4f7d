using Kafka.Typed.Generators.Parsing;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>The generator matches the runtime's types by metadata name: the constants must stay equal to the real names.</summary>
public sealed class MetadataNameTests
{
    [Fact]
    public void ConstantsEqualRuntimeTypeNames()
    {
        Assert.Equal(KnownNames.KafkaTopicAttribute, typeof(KafkaTopicAttribute).FullName);
        Assert.Equal(KnownNames.KafkaKeyAttribute, typeof(KafkaKeyAttribute).FullName);
        Assert.Equal(KnownNames.KafkaConsumerAttribute, typeof(KafkaConsumerAttribute).FullName);
        Assert.Equal(KnownNames.KafkaHandlerInterface, typeof(IKafkaHandler<>).FullName);
        Assert.Equal(KnownNames.KafkaBatchHandlerInterface, typeof(IKafkaBatchHandler<>).FullName);
        Assert.Equal(KnownNames.KafkaMessageInterface, typeof(IKafkaMessage<>).FullName);
        Assert.Equal(KnownNames.KafkaSerializerInterface, typeof(IKafkaSerializer<>).FullName);
        Assert.Equal(KnownNames.JsonPropertyNameAttribute, typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute).FullName);
        Assert.Equal(KnownNames.JsonIgnoreAttribute, typeof(System.Text.Json.Serialization.JsonIgnoreAttribute).FullName);
        Assert.Equal(KnownNames.KafkaJsonAttribute, typeof(KafkaJsonAttribute).FullName);
        Assert.Equal(KnownNames.JsonStringEnumMemberNameAttribute, typeof(System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute).FullName);
        Assert.Equal(KnownNames.JsonConstructorAttribute, typeof(System.Text.Json.Serialization.JsonConstructorAttribute).FullName);
        Assert.Equal(KnownNames.SetsRequiredMembersAttribute, typeof(System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute).FullName);
        Assert.Equal(KnownNames.FromConfiguration, KafkaConsumerAttribute.FromConfiguration);
    }
}
