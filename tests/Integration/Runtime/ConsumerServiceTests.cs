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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_handler_the_application_registers_as_a_singleton_is_created_once_and_called_without_a_scope(bool singleton)
    {
        // AddConsumer registers the handler scoped (one instance per message, in its own scope); an application that
        // registers it as a singleton itself, here after AddConsumer as well as before it, gets one instance for all.
        var topic = TestNames.Unique("singleton-handler");
        _cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            foreach (var text in new[] { "a", "b", "c" })
            {
                await producer.SendAsync(topic, Kit.Bytes(text));
            }
        }

        var counts = new HandlerCounts(3);
        var services = new ServiceCollection();
        services.AddSingleton(counts);
        KafkaTypedRegistration.AddCore(services, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), o =>
        {
            o.AppName = "tests";
            o.Server = "ci";
            o.BootstrapServers.Add(_cluster.BootstrapServers);
            o.Consumer.GroupId = TestNames.Unique("g");
            o.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
            o.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        });
        KafkaTypedRegistration.AddConsumer<TextMessage, CountingHandler>(services, null, new KafkaConsumerDefinition(topic, nameof(CountingHandler), nameof(TextMessage)));
        if (singleton)
        {
            services.AddSingleton<CountingHandler>();
        }

        await using var provider = services.BuildServiceProvider();
        var service = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<KafkaConsumerService<TextMessage, CountingHandler>>().Single();
        Assert.Equal(singleton, service.SingletonHandlerServices is not null); // the registration decides whether a scope is made per message
        await service.StartAsync(CancellationToken.None);
        try
        {
            await counts.All.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(["a", "b", "c"], counts.Texts);
        Assert.Equal(singleton ? 1 : 3, counts.Constructions);
        Assert.Equal(singleton ? 0 : 3, counts.Disposals); // a scoped handler is disposed with its message's scope
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_scope_is_created_per_message_for_a_singleton_handler(bool singleton)
    {
        var topic = TestNames.Unique("scopes");
        _cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            foreach (var text in new[] { "a", "b", "c" })
            {
                await producer.SendAsync(topic, Kit.Bytes(text));
            }
        }

        var counts = new HandlerCounts(3);
        var services = new ServiceCollection();
        services.AddSingleton(counts);
        if (singleton)
        {
            services.AddSingleton<CountingHandler>();
        }
        else
        {
            services.AddScoped<CountingHandler>();
        }

        await using var provider = services.BuildServiceProvider();
        var scopes = new CountingScopeFactory(provider.GetRequiredService<IServiceScopeFactory>());
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci" };
        options.BootstrapServers.Add(_cluster.BootstrapServers);
        options.Consumer.GroupId = TestNames.Unique("g");
        options.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
        options.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        var service = new KafkaConsumerService<TextMessage, CountingHandler>(new KafkaConsumerDefinition(topic, nameof(CountingHandler), nameof(TextMessage)), scopes, Options.Create(options))
        {
            SingletonHandlerServices = singleton ? provider : null,
        };

        await service.StartAsync(CancellationToken.None);
        try
        {
            await counts.All.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(["a", "b", "c"], counts.Texts);
        Assert.Equal(singleton ? 0 : 3, scopes.Created);
        Assert.Equal(singleton ? 1 : 3, counts.Constructions);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, false, false)]
    [InlineData(true, true, false)]
    public async Task A_generated_handler_without_dependencies_is_created_per_message_without_a_scope_unless_disposable_or_registered_by_the_application(bool noDependencies, bool applicationRegistersIt, bool expected)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new HandlerCounts(1));
        if (applicationRegistersIt)
        {
            services.AddScoped(static sp => new CountingHandler(sp.GetRequiredService<HandlerCounts>()));
        }

        KafkaTypedRegistration.AddCore(services, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), o =>
        {
            o.AppName = "tests";
            o.Server = "ci";
            o.BootstrapServers.Add(_cluster.BootstrapServers);
        });
        KafkaTypedRegistration.AddConsumer<TextMessage, PlainHandler>(services, static _ => new PlainHandler(), new KafkaConsumerDefinition("t1", nameof(PlainHandler), nameof(TextMessage)) { HandlerHasNoDependencies = noDependencies });
        KafkaTypedRegistration.AddConsumer<TextMessage, CountingHandler>(services, static sp => new CountingHandler(sp.GetRequiredService<HandlerCounts>()), new KafkaConsumerDefinition("t2", nameof(CountingHandler), nameof(TextMessage)) { HandlerHasNoDependencies = true });
        if (applicationRegistersIt)
        {
            services.AddScoped<PlainHandler>();
        }

        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        var plain = hosted.OfType<KafkaConsumerService<TextMessage, PlainHandler>>().Single();
        Assert.Equal(expected, plain.PerMessageFactory is not null);
        Assert.Equal(expected, plain.SingletonHandlerServices is not null);

        // CountingHandler is IDisposable: its scope disposes it, so it keeps one even when the definition says it needs none.
        Assert.Null(hosted.OfType<KafkaConsumerService<TextMessage, CountingHandler>>().Single().PerMessageFactory);
    }

    [Fact]
    public async Task A_per_message_factory_creates_a_handler_for_each_message_and_no_scope()
    {
        var topic = TestNames.Unique("per-message");
        _cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(_cluster)))
        {
            foreach (var text in new[] { "a", "b", "c" })
            {
                await producer.SendAsync(topic, Kit.Bytes(text));
            }
        }

        var counts = new HandlerCounts(3);
        await using var provider = new ServiceCollection().BuildServiceProvider();
        var scopes = new CountingScopeFactory(provider.GetRequiredService<IServiceScopeFactory>());
        var options = new KafkaTypedOptions { AppName = "tests", Server = "ci" };
        options.BootstrapServers.Add(_cluster.BootstrapServers);
        options.Consumer.GroupId = TestNames.Unique("g");
        options.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
        options.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        var service = new KafkaConsumerService<TextMessage, CountingHandler>(new KafkaConsumerDefinition(topic, nameof(CountingHandler), nameof(TextMessage)), scopes, Options.Create(options))
        {
            SingletonHandlerServices = provider,
            PerMessageFactory = _ => new CountingHandler(counts),
        };

        await service.StartAsync(CancellationToken.None);
        try
        {
            await counts.All.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(["a", "b", "c"], counts.Texts);
        Assert.Equal(0, scopes.Created);
        Assert.Equal(3, counts.Constructions);
    }

    public sealed class PlainHandler : IKafkaHandler<TextMessage>
    {
        public Task HandleAsync(KafkaMessage<TextMessage> message, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class CountingScopeFactory(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public IServiceScope CreateScope()
        {
            Interlocked.Increment(ref _created);
            return inner.CreateScope();
        }
    }

    public sealed class HandlerCounts(int expected)
    {
        private readonly List<string> _texts = [];

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Constructions;

        public int Disposals;

        public IReadOnlyList<string> Texts
        {
            get
            {
                lock (_texts)
                {
                    return [.. _texts];
                }
            }
        }

        public void Handled(string text)
        {
            lock (_texts)
            {
                _texts.Add(text);
                if (_texts.Count == expected)
                {
                    All.TrySetResult();
                }
            }
        }
    }

    public sealed class CountingHandler : IKafkaHandler<TextMessage>, IDisposable
    {
        private readonly HandlerCounts _counts;

        public CountingHandler(HandlerCounts counts)
        {
            _counts = counts;
            Interlocked.Increment(ref counts.Constructions);
        }

        public Task HandleAsync(KafkaMessage<TextMessage> message, CancellationToken cancellationToken)
        {
            _counts.Handled(message.Value.Text);
            return Task.CompletedTask;
        }

        public void Dispose() => Interlocked.Increment(ref _counts.Disposals);
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
