using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>The runtime's exceptions share one base, so callers can catch them in one clause.</summary>
public sealed class ExceptionTests
{
    [Fact]
    public void Every_public_exception_but_the_configuration_error_is_a_KafkaTypedException()
    {
        var exceptions = typeof(KafkaAppConfig).Assembly.GetExportedTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t) && t != typeof(KafkaTypedException))
            .ToList();

        Assert.Contains(typeof(KafkaProduceException), exceptions);
        Assert.Contains(typeof(Kafka.Typed.Avro.KafkaAvroException), exceptions);
        var outside = exceptions.Where(t => !typeof(KafkaTypedException).IsAssignableFrom(t)).Select(t => t.FullName).ToList();
        Assert.Equal([typeof(KafkaConfigurationException).FullName], outside);
        Assert.True(typeof(ArgumentException).IsAssignableFrom(typeof(KafkaConfigurationException)));
    }

    [Fact]
    public void A_thrown_runtime_exception_is_caught_as_a_KafkaTypedException()
    {
        Action send = () => throw new KafkaQueueFullException("orders", 8);
        var caught = Assert.ThrowsAny<KafkaTypedException>(send);
        Assert.IsType<KafkaQueueFullException>(caught);
        Assert.Contains("'orders'", caught.Message, StringComparison.Ordinal);
    }
}
