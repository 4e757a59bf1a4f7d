using System.Buffers;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>The hosted consumer service's own failure handling (what it wraps around the handler).</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ConsumerServiceTests(SharedCluster shared)
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;

    [Fact]
    public async Task A_handler_that_cannot_be_created_makes_its_partition_wait_instead_of_dead_lettering()
    {
        // The handler's construction fails three times (a dependency that cannot connect yet), then works: that is not the
        // message's fault, so with MaxRetries = 0 the message is still handled, once, and nothing is dead-lettered.
        var topic = TestNames.Unique("handler-unavailable");
        _cluster.CreateTopic(topic, 1);
        _cluster.CreateTopic(topic + ".dlq", 1);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            await producer.SendAsync(topic, Kit.Bytes("hello"));
        }

        var constructions = 0;
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ServiceCollection();
        services.AddScoped(_ => Interlocked.Increment(ref constructions) <= 3
            ? throw new InvalidOperationException("database not reachable yet (test)")
            : new TextHandler(handled));
        using var provider = services.BuildServiceProvider();
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci" };
        options.BootstrapServers.Add(_cluster.BootstrapServers);
        options.Consumer.GroupId = TestNames.Unique("g");
        options.Consumer.MaxRetries = 0;
        options.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
        options.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        options.Consumer.Backoff.InitialDelay = TimeSpan.FromMilliseconds(5);
        options.Consumer.Backoff.MaxDelay = TimeSpan.FromMilliseconds(20);
        var service = new KafkaConsumerService<TextMessage, TextHandler>(
            new KafkaConsumerDefinition(topic, nameof(TextHandler), nameof(TextMessage)),
            provider.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(options));

        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal("hello", await handled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(4, constructions);
        Assert.Equal(0, service.Group!.DeadLetterCount);
        Assert.Equal(0, service.Group.SkippedCount);
        Assert.Equal(1, service.Group.HandledCount);
    }

    public sealed class TextMessage : IKafkaMessage<TextMessage>
    {
        public required string Text { get; init; }

        public static string Topic => "text";

        public static IKafkaSerializer<TextMessage> Serializer { get; } = new TextSerializer();

        public static byte[]? SerializeKey(TextMessage message) => null;
    }

    public sealed class TextHandler(TaskCompletionSource<string> handled) : IKafkaHandler<TextMessage>
    {
        public Task HandleAsync(KafkaMessage<TextMessage> message, CancellationToken cancellationToken)
        {
            handled.TrySetResult(message.Value.Text);
            return Task.CompletedTask;
        }
    }

    private sealed class TextSerializer : IKafkaSerializer<TextMessage>
    {
        public void Serialize(TextMessage value, IBufferWriter<byte> output, in KafkaSerializationContext context) => output.Write(Kit.Bytes(value.Text));

        public TextMessage Deserialize(ReadOnlySpan<byte> data, in KafkaSerializationContext context) => new() { Text = System.Text.Encoding.UTF8.GetString(data) };
    }
}
