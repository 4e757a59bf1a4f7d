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
    public void A_runtime_error_is_caught_by_one_clause_for_the_base_type()
    {
        // Thrown by the runtime itself, not constructed by the test: a producer whose cluster cannot be reached.
        var app = new KafkaAppConfig("app", "test", "127.0.0.1:1") { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
        var unreachable = Assert.ThrowsAny<KafkaTypedException>(() => new SyncProducer(app));
        Assert.IsType<KafkaUnreachableException>(unreachable);
        Assert.Contains("127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
    }
}
