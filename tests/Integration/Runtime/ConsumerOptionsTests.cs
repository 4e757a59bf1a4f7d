using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Consumer options that librdkafka would reject late or in its own words are named at construction.</summary>
public sealed class ConsumerOptionsTests
{
    private static readonly KafkaAppConfig App = new("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };

    [Theory]
    [InlineData("consumer")]
    [InlineData("CONSUMER")]
    public void Session_timeout_with_the_consumer_group_protocol_is_named_at_construction(string protocol)
    {
        // With KIP-848 the broker owns the session timeout and heartbeat interval; librdkafka refused them with a message
        // naming session.timeout.ms, which the user never wrote.
        var settings = new Dictionary<string, string> { ["group.protocol"] = protocol };
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(App, ["t"], (_, _) => Task.CompletedTask, new ConsumerOptions { SessionTimeout = TimeSpan.FromSeconds(10), Settings = settings }));
        Assert.Equal("ConsumerOptions.SessionTimeout", e.Field);
        Assert.Contains("group.protocol", e.Message, StringComparison.Ordinal);
        Assert.Contains("group.consumer.session.timeout.ms", e.Message, StringComparison.Ordinal);

        var h = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(App, ["t"], (_, _) => Task.CompletedTask, new ConsumerOptions { HeartbeatInterval = TimeSpan.FromSeconds(1), Settings = settings }));
        Assert.Equal("ConsumerOptions.HeartbeatInterval", h.Field);
        Assert.Contains("group.consumer.heartbeat.interval.ms", h.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_timeout_with_the_classic_group_protocol_is_accepted()
    {
        var settings = new Dictionary<string, string> { ["group.protocol"] = "classic" };
        var error = Record.Exception(() => new ConsumerGroup(App, ["t"], (_, _) => Task.CompletedTask, new ConsumerOptions { SessionTimeout = TimeSpan.FromSeconds(10), HeartbeatInterval = TimeSpan.FromSeconds(1), Settings = settings }));
        Assert.Null(error);
    }
}
