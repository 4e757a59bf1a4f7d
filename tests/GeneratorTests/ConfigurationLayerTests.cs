using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Topics, per-consumer sections and the consumer switch from configuration (issue 10, items 1 and 2): the layering, and
/// start-up validation naming the configuration key, the value and the rule.
/// </summary>
public sealed class ConfigurationLayerTests
{
    private static readonly KafkaConsumerDefinition Billing = new("orders.placed", "Shop.Billing.BillingHandler", "Shop.OrderPlaced")
    {
        GroupId = "billing-attr",
        MaxRetries = 7,
        DeadLetterTopic = "orders.failed",
    };

    private static readonly KafkaConsumerDefinition Audit = new("orders.placed", "Shop.Audit.AuditHandler", "Shop.OrderPlaced");

    private static readonly KafkaMessageType[] Messages = [new("Shop.OrderPlaced", "orders.placed"), new("Shop.Refund", "refunds")];

    [Fact]
    public void ConcurrencyAndTheInFlightLimitFollowTheSameLayers()
    {
        var options = Bind(
            ("Kafka:Consumer:Concurrency", "PerKey"),
            ("Kafka:Consumer:MaxInFlightPerPartition", "16"),
            ("Kafka:Consumers:BillingHandler:MaxInFlightPerPartition", "32"));
        var billing = options.ToConsumerOptions(new KafkaConsumerDefinition("orders.placed", "Shop.Billing.BillingHandler", "Shop.OrderPlaced") { MaxInFlightPerPartition = 8 });
        Assert.Equal(ConsumerConcurrency.PerKey, billing.Concurrency); // Kafka:Consumer over default
        Assert.Equal(32, billing.MaxInFlightPerPartition);             // section over attribute
        var audit = options.ToConsumerOptions(new KafkaConsumerDefinition("orders.placed", "Shop.Audit.AuditHandler", "Shop.OrderPlaced") { Concurrency = ConsumerConcurrency.InOrder, MaxInFlightPerPartition = 8 });
        Assert.Equal(ConsumerConcurrency.InOrder, audit.Concurrency); // attribute over Kafka:Consumer
        Assert.Equal(8, audit.MaxInFlightPerPartition);
        Assert.Equal((ConsumerConcurrency.InOrder, 64), (Bind().ToConsumerOptions(Audit).Concurrency, Bind().ToConsumerOptions(Audit).MaxInFlightPerPartition));
    }

    [Fact]
    public void TopicsComeFromThePerTypeKeyThenTheTemplate()
    {
        var options = Bind(
            ("Kafka:Topics:OrderPlaced", "orders-v2"),
            ("Kafka:TopicTemplate", "{environment}.{app}.{topic}"),
            ("Kafka:Environment", "staging"));
        Assert.Equal("staging.shop.orders-v2", options.ResolveTopic("Shop.OrderPlaced", "orders.placed"));
        Assert.Equal("staging.shop.refunds", options.ResolveTopic("Shop.Refund", "refunds"));

        // The full name wins over the short one; keys are case-insensitive like all configuration keys.
        options = Bind(("Kafka:Topics:orderplaced", "short"), ("Kafka:Topics:Shop.OrderPlaced", "full"));
        Assert.Equal("full", options.ResolveTopic("Shop.OrderPlaced", "orders.placed"));
        Assert.Equal("short", options.ResolveTopic("Other.OrderPlaced", "orders.placed"));
        Assert.Equal("refunds", options.ResolveTopic("Shop.Refund", "refunds"));

        // Dead-letter topics, from the attribute or configuration, follow the same convention.
        options = Bind(("Kafka:TopicTemplate", "{server}-{topic}"));
        Assert.Equal("test-orders.failed", options.ToConsumerOptions(Billing).DeadLetterTopic);
        Assert.Null(options.ToConsumerOptions(Audit).DeadLetterTopic);
    }

    [Fact]
    public void ConsumerSectionOverridesTheAttributeWhichOverridesTheSharedSectionWhichOverridesDefaults()
    {
        var options = Bind(
            ("Kafka:Consumer:MaxRetries", "2"),
            ("Kafka:Consumer:GroupId", "shared"),
            ("Kafka:Consumer:MaxDegreeOfParallelism", "3"),
            ("Kafka:Consumer:Settings:fetch.min.bytes", "10"),
            ("Kafka:Consumer:Settings:fetch.wait.max.ms", "100"),
            ("Kafka:Consumers:BillingHandler:GroupId", "billing-config"),
            ("Kafka:Consumers:BillingHandler:Backoff:InitialDelay", "00:00:02"),
            ("Kafka:Consumers:BillingHandler:FailurePolicy", "Skip"),
            ("Kafka:Consumers:BillingHandler:StartOffset", "Newest"),
            ("Kafka:Consumers:BillingHandler:DeadLetterTopic", "billing.dlq"),
            ("Kafka:Consumers:BillingHandler:Settings:fetch.min.bytes", "20"));

        var billing = options.ToConsumerOptions(Billing);
        Assert.Equal("billing-config", billing.GroupId);           // section over attribute
        Assert.Equal(7, billing.MaxRetries);                        // attribute over Kafka:Consumer
        Assert.Equal(3, billing.MaxDegreeOfParallelism);            // Kafka:Consumer over default
        Assert.Equal(TimeSpan.FromSeconds(2), billing.Backoff.InitialDelay);
        Assert.Equal(FailurePolicy.Skip, billing.FailurePolicy);
        Assert.Equal(StartOffset.Newest, billing.StartOffset);
        Assert.Equal("billing.dlq", billing.DeadLetterTopic);
        Assert.Equal("20", billing.Settings!["fetch.min.bytes"]);   // raw settings merge key by key
        Assert.Equal("100", billing.Settings["fetch.wait.max.ms"]);

        var audit = options.ToConsumerOptions(Audit);
        Assert.Equal(("shared", 2, FailurePolicy.DeadLetter), (audit.GroupId, audit.MaxRetries, audit.FailurePolicy));
        Assert.Equal("10", audit.Settings!["fetch.min.bytes"]);
    }

    [Fact]
    public void ConsumersAreEnabledByTheirSectionThenTheSwitchThenByDefault()
    {
        Assert.True(Bind().IsConsumerEnabled(Billing));
        var producerOnly = Bind(("Kafka:Consumers:Enabled", "false"));
        Assert.False(producerOnly.IsConsumerEnabled(Billing));
        Assert.False(producerOnly.IsConsumerEnabled(Audit));

        var split = Bind(("Kafka:Consumers:Enabled", "false"), ("Kafka:Consumers:AuditHandler:Enabled", "true"));
        Assert.False(split.IsConsumerEnabled(Billing));
        Assert.True(split.IsConsumerEnabled(Audit));

        var one = Bind(("Kafka:Consumers:Shop.Billing.BillingHandler:Enabled", "false"));
        Assert.False(one.IsConsumerEnabled(Billing));
        Assert.True(one.IsConsumerEnabled(Audit));
    }

    [Fact]
    public void BadTopicsFailValidationNamingKeyValueAndRule()
    {
        var message = Failure(
            ("Kafka:Topics:OrderPlaced", "orders placed"),
            ("Kafka:Topics:Invoice", "invoices"));
        Assert.Contains("Kafka:Topics:OrderPlaced = 'orders placed'; a topic name may contain only ASCII letters, digits, '.', '_' and '-' (found ' ')", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Topics:Invoice names no message type of this application; the keys are the [KafkaTopic] types this application produces or consumes: OrderPlaced, Refund (or their full names)", message, StringComparison.Ordinal);

        message = Failure(("Kafka:TopicTemplate", "{env}.{topic}"));
        Assert.Contains("Kafka:TopicTemplate = '{env}.{topic}'; unknown placeholder '{env}'", message, StringComparison.Ordinal);
        message = Failure(("Kafka:TopicTemplate", "prod"));
        Assert.Contains("Kafka:TopicTemplate = 'prod'; must contain {topic}", message, StringComparison.Ordinal);
        message = Failure(("Kafka:TopicTemplate", "{topic}.{environment}"));
        Assert.Contains("uses {environment}, but no environment name is known: set Kafka:Environment", message, StringComparison.Ordinal);
        message = Failure(("Kafka:TopicTemplate", "{topic}.{environment}"), ("Kafka:Environment", "eu/1"), ("Kafka:Topics:Refund", "money"));
        Assert.Contains("Kafka:TopicTemplate = '{topic}.{environment}' makes the topic of Shop.OrderPlaced 'orders.placed.eu/1'; a topic name may contain only", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:TopicTemplate = '{topic}.{environment}' makes the topic of Shop.Refund 'money.eu/1' (from Kafka:Topics:Refund = 'money'); a topic name may contain only", message, StringComparison.Ordinal);
        message = Failure(("Kafka:TopicTemplate", "{topic}" + new string('x', 245)));
        Assert.Contains("a topic name has at most 249 characters (this one has 258)", message, StringComparison.Ordinal);

        // Two message types with one name: the short key is ambiguous and says which full key to use.
        var result = new KafkaTypedOptionsValidator([], [], [new("A.Order", "a"), new("B.Order", "b")]).Validate(null, Bind(("Kafka:Topics:Order", "x")));
        Assert.Contains("Kafka:Topics:Order is ambiguous: it names the message types A.Order and B.Order; use the full name as the key (Kafka:Topics:A.Order)", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new KafkaTypedOptionsValidator([], [], [new("A.Order", "a"), new("B.Order", "b")]).Validate(null, Bind(("Kafka:Topics:B.Order", "x"))).Succeeded);
    }

    [Fact]
    public void BadConsumerSectionsFailValidationNamingTheKey()
    {
        var message = Failure(
            ("Kafka:Consumers:BillingHandler:MaxRetries", "5000"),
            ("Kafka:Consumers:BillingHandler:Backoff:MaxDelay", "-00:00:01"),
            ("Kafka:Consumers:AuditHandler:MaxDegreeOfParallelism", "0"),
            ("Kafka:Consumers:ShippingHandler:GroupId", "x"),
            ("Kafka:Consumers:AuditHandler:Enabled", "maybe"),
            ("Kafka:Consumers:Enabled", "no"),
            ("Kafka:Consumers:Stray", "1"));
        Assert.Contains("Kafka:Consumers:BillingHandler:MaxRetries = '5000'; must be from 0 to 1000", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:AuditHandler:MaxDegreeOfParallelism = '0'; must be from 1 to 1024", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:ShippingHandler names no handler of this application; the keys are the [KafkaConsumer] handlers of this application: BillingHandler, AuditHandler", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:AuditHandler:Enabled = 'maybe'; expected true or false", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:Enabled = 'no'; expected true or false", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumers:Stray = '1'; expected a section of consumer settings", message, StringComparison.Ordinal);

        // The first failing field of a consumer is reported; a backoff set only in the section names the section.
        message = Failure(("Kafka:Consumers:BillingHandler:Backoff:MaxDelay", "02:00:00"));
        Assert.Contains("Kafka:Consumers:BillingHandler:Backoff:MaxDelay = '02:00:00'", message, StringComparison.Ordinal);
        message = Failure(("Kafka:Consumers:BillingHandler:Settings:group.id", "other"));
        Assert.Contains("Kafka:Consumers:BillingHandler:Settings:group.id = 'other'; this key is set by Kafka.Typed", message, StringComparison.Ordinal);

        // A value from the shared section still names that section and the consumer.
        message = Failure(("Kafka:Consumer:MaxRetries", "-1"));
        Assert.Contains("Kafka:Consumer:MaxRetries (consumer Shop.Audit.AuditHandler) = '-1'", message, StringComparison.Ordinal);

        // A dead-letter topic that is the resolved topic consumed.
        message = Failure(("Kafka:Topics:OrderPlaced", "orders.failed"));
        Assert.Contains("DeadLetterTopic of [KafkaConsumer] on Shop.Billing.BillingHandler = 'orders.failed'; must differ from the topic consumed", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "staging.orders.placed")]
    [InlineData("blue", "blue.orders.placed")]
    public void TheEnvironmentPlaceholderIsKafkaEnvironmentElseTheHostEnvironmentInLowerCase(string? configured, string expected)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Staging" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "shop",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = "localhost:9092",
            ["Kafka:TopicTemplate"] = "{environment}.{topic}",
            ["Kafka:Environment"] = configured,
        });
        KafkaTypedRegistration.AddCore(builder.Services, builder.Configuration.GetSection("Kafka"), null);
        using var host = builder.Build();
        Assert.Equal(expected, host.Services.GetRequiredService<IOptions<KafkaTypedOptions>>().Value.ResolveTopic("Shop.OrderPlaced", "orders.placed"));
    }

    [Fact]
    public void NamedClustersTakeTheirOwnConnectionAndTheDefaultClustersOtherwise()
    {
        var options = Bind(
            ("Kafka:SchemaRegistry:Url", "http://main-registry:8081"),
            ("Kafka:Sasl:Mechanism", "Plain"), ("Kafka:Sasl:Username", "u"), ("Kafka:Sasl:Password", "p"),
            ("Kafka:Clusters:analytics:MessageTypes:0", "Refund"),
            ("Kafka:Clusters:analytics:SchemaRegistry:Url", "http://analytics-registry:8081"),
            ("Kafka:Clusters:archive:BootstrapServers", "archive:9092"),
            ("Kafka:Clusters:archive:MessageTypes", "Shop.OrderPlaced"),
            ("Kafka:Consumers:AuditHandler:Cluster", "analytics"));
        options.ApplyConnectionStrings(Config(("ConnectionStrings:analytics", "a1:9092, a2:9092"), ("ConnectionStrings:archive", "ignored:9092")));

        var analytics = options.ForCluster("analytics");
        Assert.Equal(["a1:9092", "a2:9092"], analytics.BootstrapServers);      // from ConnectionStrings (none configured)
        Assert.Equal("http://analytics-registry:8081", analytics.SchemaRegistry.Url);
        Assert.Same(options.Sasl, analytics.Sasl);                             // inherited
        Assert.Same(options.Consumer, analytics.Consumer);
        Assert.Equal("Kafka:Clusters:analytics", analytics.SectionPath);
        var archive = options.ForCluster("archive");
        Assert.Equal(["archive:9092"], archive.BootstrapServers);              // configured wins over ConnectionStrings
        Assert.Equal("http://main-registry:8081", archive.SchemaRegistry.Url); // inherited

        Assert.Equal("analytics", options.ClusterOf("Shop.Refund"));
        Assert.Equal("archive", options.ClusterOf("Shop.OrderPlaced"));
        Assert.Equal("analytics", options.ClusterOf(Audit));                  // the consumer's section wins over its type's cluster
        Assert.Equal("archive", options.ClusterOf(Billing));

        var message = Failure(("Kafka:Clusters:a:MessageTypes:0", "OrderPlaced"), ("Kafka:Clusters:a:BootstrapServers", "a:9092"),
            ("Kafka:Clusters:b:MessageTypes:0", "Shop.OrderPlaced"), ("Kafka:Clusters:b:BootstrapServers", "b"));
        Assert.Contains("Kafka:Clusters:b:MessageTypes binds Shop.OrderPlaced, which Kafka:Clusters:a:MessageTypes binds too; a message type lives on one cluster", message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Clusters:b:BootstrapServers[0] = 'b'; invalid url", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShorterHostShutdownTimeoutThanKafkaNeedsIsAWarningAtStart()
    {
        using var cluster = Kafka.Typed.Testing.EmbeddedKafkaCluster.Start(new Kafka.Typed.Testing.EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var logs = new ListLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "shop",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:Consumers:Enabled"] = "false",
            ["Kafka:Consumer:ShutdownTimeout"] = "00:00:20",
            ["Kafka:Producer:DisposeTimeout"] = "00:00:15",
        });
        builder.Logging.AddProvider(logs);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        KafkaTypedRegistration.AddCore(builder.Services, builder.Configuration.GetSection("Kafka"), null);
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        // No consumer runs: the producers' 15 s flush alone exceeds 10 s.
        Assert.Contains(logs.Messages, m => m.StartsWith("HostOptions.ShutdownTimeout is 00:00:10, but stopping Kafka may take 00:00:15: 0 consumer(s)", StringComparison.Ordinal));

        logs.Queue.Clear();
        builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "shop",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
        });
        builder.Logging.AddProvider(logs);
        KafkaTypedRegistration.AddCore(builder.Services, builder.Configuration.GetSection("Kafka"), null);
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        // The default 30 s host timeout covers the default 10 s producer flush.
        Assert.DoesNotContain(logs.Messages, m => m.StartsWith("HostOptions.ShutdownTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void AddCoreTwiceBindsOnceAndAnotherSectionIsAnError()
    {
        var configuration = Config(("Kafka:AppName", "shop"), ("Kafka:Other:AppName", "x"), ("Kafka:Producer:Acks", "lots"));
        var services = new ServiceCollection();
        KafkaTypedRegistration.AddCore(services, configuration.GetSection("Kafka"), null);
        KafkaTypedRegistration.AddCore(services, configuration.GetSection("Kafka"), o => o.Server = "added");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsFactory<KafkaTypedOptions>>();
        var error = Assert.Throws<OptionsValidationException>(() => options.Create(Options.DefaultName));
        Assert.Single(error.Failures, f => f.Contains("Kafka:Producer:Acks", StringComparison.Ordinal));
        Assert.Single(services, d => d.ServiceType == typeof(KafkaProducerHost));

        var other = Assert.Throws<InvalidOperationException>(() => KafkaTypedRegistration.AddCore(services, configuration.GetSection("Kafka:Other"), null));
        Assert.Contains("AddKafkaTyped was already called with the configuration section 'Kafka'; this call passes 'Kafka:Other'", other.Message, StringComparison.Ordinal);
    }

    private static string Failure(params (string Key, string Value)[] values)
    {
        var result = new KafkaTypedOptionsValidator([Billing, Audit], [], Messages).Validate(null, Bind(values));
        Assert.True(result.Failed, "expected a validation failure");
        return result.FailureMessage;
    }

    private static KafkaTypedOptions Bind(params (string Key, string Value)[] values)
    {
        var options = new KafkaTypedOptions();
        options.Bind(Config([("Kafka:AppName", "shop"), ("Kafka:Server", "test"), ("Kafka:BootstrapServers", "localhost:9092"), .. values]).GetSection("Kafka"));
        return options;
    }

    private static IConfigurationRoot Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private sealed class ListLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Queue { get; } = new();

        public List<string> Messages => [.. Queue];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(Queue);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> queue) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => queue.Enqueue(formatter(state, exception));
        }
    }
}
