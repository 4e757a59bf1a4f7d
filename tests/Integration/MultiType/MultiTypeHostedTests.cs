using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Kafka.Typed.Integration.Tests.MultiType;

/// <summary>
/// Several message types on one topic through the generated API: the generated <c>AddKafkaTyped</c> of this assembly, its
/// typed producers and its <c>[KafkaConsumer]</c> handlers (MultiTypeTypes.cs), against the embedded broker and the
/// in-process Schema Registry.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class MultiTypeHostedTests(SharedCluster shared) : IAsyncLifetime
{
    private readonly EmbeddedKafkaCluster _cluster = shared.Cluster;
    private InProcessSchemaRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await InProcessSchemaRegistry.StartAsync();

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task Avro_types_of_one_topic_reach_their_handlers_through_one_group_member_and_an_unhandled_type_is_skipped()
    {
        var (orders, notes) = Topics();
        await using var app = await App.StartAsync(_cluster, _registry.Url, orders, notes, unknownTypes: null);

        await app.Send(new MtOrderPlaced("o-1", 10));
        await app.Send(new MtOrderCancelled("o-2", "late"));
        await app.Send(new MtOrderShipped("o-3"));
        await app.Send(new MtOrderPlaced("o-4", 40));

        var member = app.SharedMember(orders);
        await Kit.WaitUntilAsync(() => member.Group is { HandledCount: >= 4 }, "the four records were settled");
        Assert.Equal(["placed o-1 10 @0", "cancelled o-2 late @1", "placed o-4 40 @3"], app.Sink.Seen.ToArray());
        Assert.Equal(1, member.Router.SkippedUnknownTypes);
        Assert.Equal(0, member.Group!.DeadLetterCount);

        // One group member for both handlers (by name), the other handler only stands in.
        Assert.Equal("Kafka.Typed.Integration.Tests.MultiType.MtCancelledHandler, Kafka.Typed.Integration.Tests.MultiType.MtPlacedHandler", member.Definition.HandlerName);
        Assert.Single(app.Hosted.OfType<KafkaSharedConsumerService>(), s => s.Definition.Topic == orders);
        Assert.DoesNotContain(app.Hosted, s => s.GetType().IsGenericType && s.GetType().GetGenericTypeDefinition() == typeof(KafkaConsumerService<,>));

        // Registered as Confluent's strategies name the subjects.
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _registry.Url });
        var subjects = await client.GetAllSubjectsAsync();
        Assert.Contains(orders + "-Kafka.Typed.Integration.Tests.MultiType.MtOrderPlaced", subjects);
        Assert.Contains(orders + "-Kafka.Typed.Integration.Tests.MultiType.MtOrderShipped", subjects);
        Assert.Contains("com.acme.OrderCancelled", subjects);
        Assert.DoesNotContain(orders + "-value", subjects);

        // Avro records are told apart by their writer schema, as Confluent's are: no type header is added to them.
        Assert.All(Kit.ReadAll(_cluster, orders, 4), r => Assert.False(r.Message.Headers?.TryGetLastBytes(KafkaMessageTypeHeader.Name, out _) ?? false));
    }

    [Fact]
    public async Task With_UnknownMessageTypes_DeadLetter_an_unhandled_type_goes_to_the_dead_letter_topic_through_the_failure_policy()
    {
        var (orders, notes) = Topics();
        await using var app = await App.StartAsync(_cluster, _registry.Url, orders, notes, unknownTypes: "DeadLetter");

        await app.Send(new MtOrderShipped("o-1"));
        await app.Send(new MtOrderPlaced("o-2", 20));

        var member = app.SharedMember(orders);
        await Kit.WaitUntilAsync(() => member.Group is { HandledCount: >= 1, DeadLetterCount: >= 1 }, "one record handled and one dead-lettered");
        Assert.Equal(["placed o-2 20 @1"], app.Sink.Seen.ToArray());
        Assert.Equal(0, member.Router.SkippedUnknownTypes);
        Assert.Equal(0, member.Group!.RetryCount); // not retried: no attempt can give it a handler

        var dead = Assert.Single(Kit.ReadAll(_cluster, orders + ".dlq", 1));
        Assert.Equal("0", Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.OriginalOffset)));
        var error = Kit.Text(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Error));
        Assert.Contains("is of message type 'Kafka.Typed.Integration.Tests.MultiType.MtOrderShipped', which no handler of consumer group", error, StringComparison.Ordinal);
        Assert.Contains("UnknownMessageTypes is DeadLetter", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_types_are_written_with_the_type_header_and_dispatched_by_it()
    {
        var (orders, notes) = Topics();
        await using var app = await App.StartAsync(_cluster, _registry.Url, orders, notes, unknownTypes: null);

        await app.Send(new MtNoteAdded("n-1", "hello"));
        await app.Send(new MtNoteRemoved("n-1"));
        await app.Send(new MtNoteArchived("n-1"));

        // A record from a writer that sets no header: no type to dispatch on, so it follows the unknown-type rule too.
        using (var raw = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            await raw.ProduceAsync(notes, new Message<string, string> { Key = "n-2", Value = """{"noteId":"n-2","text":"x"}""" });
        }

        await app.Send(new MtNoteAdded("n-3", "bye"));

        var member = app.SharedMember(notes);
        await Kit.WaitUntilAsync(() => member.Group is { HandledCount: >= 5 }, "the five records were settled");
        Assert.Equal(["added n-1 hello @0", "removed n-1 @1", "added n-3 bye @4"], app.Sink.Seen.ToArray());
        Assert.Equal(2, member.Router.SkippedUnknownTypes);

        var written = Kit.ReadAll(_cluster, notes, 5);
        Assert.Equal(
            ["note-added", "Kafka.Typed.Integration.Tests.MultiType.MtNoteRemoved", "Kafka.Typed.Integration.Tests.MultiType.MtNoteArchived", "(none)", "note-added"],
            written.Select(r => r.Message.Headers.TryGetLastBytes(KafkaMessageTypeHeader.Name, out var b) ? Kit.Text(b) : "(none)"));
    }

    [Fact]
    public async Task Handlers_of_one_shared_topic_whose_options_differ_fail_the_start_naming_the_key()
    {
        var (orders, notes) = Topics();
        var e = await Assert.ThrowsAsync<KafkaConfigurationException>(async () =>
        {
            await using var app = await App.StartAsync(_cluster, _registry.Url, orders, notes, unknownTypes: null, extra: new() { ["Kafka:Consumers:MtPlacedHandler:MaxRetries"] = "7" });
        });
        Assert.Contains("Kafka:Consumers:MtPlacedHandler:MaxRetries", e.Message, StringComparison.Ordinal);
        Assert.Contains("'Kafka.Typed.Integration.Tests.MultiType.MtCancelledHandler'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shutdown_timeout_check_counts_a_shared_group_member_once()
    {
        // Four handlers in two shared members: stopping takes 2 x 30 s (consumers, one after the other) + 10 s (producers)
        // = 70 s. Counted per handler it would be 130 s, and a host allowing 100 s would be warned wrongly.
        var (orders, notes) = Topics();
        var loggers = new CapturingLoggerFactory();
        await using (var app = await App.StartAsync(_cluster, _registry.Url, orders, notes, unknownTypes: null, loggers: loggers, shutdown: TimeSpan.FromSeconds(100)))
        {
            Assert.Equal(2, app.Hosted.OfType<KafkaSharedConsumerService>().Count());
        }

        Assert.DoesNotContain(loggers.Lines, l => l.Contains("HostOptions.ShutdownTimeout is", StringComparison.Ordinal));

        var (orders2, notes2) = Topics();
        var warned = new CapturingLoggerFactory();
        await using (await App.StartAsync(_cluster, _registry.Url, orders2, notes2, unknownTypes: null, loggers: warned, shutdown: TimeSpan.FromSeconds(60)))
        {
        }

        Assert.Contains(warned.Lines, l => l.Contains("HostOptions.ShutdownTimeout is 00:01:00, but stopping Kafka may take 00:01:10", StringComparison.Ordinal));
    }

    private (string Orders, string Notes) Topics()
    {
        var orders = TestNames.Unique("mt-orders");
        var notes = TestNames.Unique("mt-notes");
        foreach (var topic in new[] { orders, orders + ".dlq", notes, notes + ".dlq" })
        {
            _cluster.CreateTopic(topic, 1);
        }

        return (orders, notes);
    }

    /// <summary>A service provider from the generated AddKafkaTyped, its hosted services started.</summary>
    private sealed class App : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly List<IHostedService> _started = [];

        private App(ServiceProvider provider) => _provider = provider;

        public IReadOnlyList<IHostedService> Hosted => _started;

        public MultiTypeSink Sink => _provider.GetRequiredService<MultiTypeSink>();

        public static async Task<App> StartAsync(EmbeddedKafkaCluster cluster, string registryUrl, string orders, string notes, string? unknownTypes, Dictionary<string, string?>? extra = null, CapturingLoggerFactory? loggers = null, TimeSpan? shutdown = null)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Kafka:AppName"] = "tests",
                ["Kafka:Server"] = "ci",
                ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
                ["Kafka:SchemaRegistry:Url"] = registryUrl,
                ["Kafka:Topics:MtOrderPlaced"] = orders,
                ["Kafka:Topics:MtOrderCancelled"] = orders,
                ["Kafka:Topics:MtOrderShipped"] = orders,
                ["Kafka:Topics:MtNoteAdded"] = notes,
                ["Kafka:Topics:MtNoteRemoved"] = notes,
                ["Kafka:Topics:MtNoteArchived"] = notes,
                ["Kafka:Consumer:GroupId"] = TestNames.Unique("mt-group"),
                ["Kafka:Consumer:MaxRetries"] = "1",
                ["Kafka:Consumer:Backoff:InitialDelay"] = "00:00:00.010",
                ["Kafka:Consumer:Backoff:MaxDelay"] = "00:00:00.050",
                ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
                ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
                ["Kafka:Consumer:CommitInterval"] = "00:00:00.200",
                ["Kafka:Consumer:UnknownMessageTypes"] = unknownTypes,
                // This assembly's other generated consumer (the batch wiring test's) is not part of these apps.
                ["Kafka:Consumers:GeneratedProfileBatchSink:Enabled"] = "false",
            };
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }

            var services = new ServiceCollection();
            services.AddLogging();
            if (loggers is not null)
            {
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(loggers);
            }

            if (shutdown is { } timeout)
            {
                services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);
            }

            services.AddSingleton<MultiTypeSink>();
            services.AddKafkaTyped(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Kafka"));
            var app = new App(services.BuildServiceProvider());
            try
            {
                foreach (var hosted in app._provider.GetServices<IHostedService>())
                {
                    await hosted.StartAsync(CancellationToken.None);
                    app._started.Add(hosted);
                }

                // Both shared members join one group (one GroupId) for different topics: the second join rebalances the
                // group. Records handled before that rebalance may be handled again after it (at least once: a commit
                // in flight during a rebalance can be refused), so the tests send only once every member holds its
                // partition, i.e. once the generation with both members is in place.
                var members = app._started.OfType<KafkaSharedConsumerService>().ToArray();
                await Kit.WaitUntilAsync(
                    () => members.All(m => m.Group is { } g && g.GetStatus().Partitions.Count == 1),
                    "every shared member holds its topic's partition",
                    TimeSpan.FromSeconds(30));
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            return app;
        }

        public KafkaSharedConsumerService SharedMember(string topic)
            => Assert.Single(_started.OfType<KafkaSharedConsumerService>(), s => s.Definition.Topic == topic);

        public Task<ProduceResult> Send<T>(T message)
            where T : IKafkaMessage<T>
            => _provider.GetRequiredService<IKafkaProducer<T>>().SendAsync(message);

        public async ValueTask DisposeAsync()
        {
            for (var i = _started.Count - 1; i >= 0; i--)
            {
                await _started[i].StopAsync(CancellationToken.None);
            }

            await _provider.DisposeAsync();
        }
    }
}
