using System.Diagnostics;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Bad configuration fails at construction with an error that names the field, the value and what is allowed.</summary>
public sealed class ConfigurationTests
{
    private static readonly MessageHandler NoOp = (_, _) => Task.CompletedTask;

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:")]
    [InlineData(":9092")]
    [InlineData("localhost:0")]
    [InlineData("localhost:70000")]
    [InlineData("localhost:port")]
    public void Broker_without_a_valid_port_is_an_invalid_url(string broker)
    {
        var app = new KafkaAppConfig("app", "test", [broker]);
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app));
        Assert.Equal("KafkaAppConfig.BootstrapServers[0]", e.Field);
        Assert.Contains("invalid url", e.Message, StringComparison.Ordinal);
        Assert.Contains(broker, e.Message, StringComparison.Ordinal);
        Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp));
    }

    [Fact]
    public void No_brokers_is_rejected()
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(new KafkaAppConfig("app", "test", "")));
        Assert.Equal("KafkaAppConfig.BootstrapServers", e.Field);
        Assert.Contains("at least one broker", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "AppName")]
    [InlineData("my app", "AppName")]
    public void App_name_is_checked(string name, string field)
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(new KafkaAppConfig(name, "test", "localhost:9092")));
        Assert.Equal("KafkaAppConfig." + field, e.Field);
    }

    [Fact]
    public void Client_id_and_default_group_id_derive_from_the_app_config()
    {
        var app = new KafkaAppConfig("billing", "prod-eu1", "localhost:9092");
        Assert.Equal("billing-prod-eu1", app.ClientId);
        Assert.Equal("billing.prod-eu1", app.DefaultGroupId);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("orders placed")]
    [InlineData("orders/placed")]
    [InlineData("ordérs")]
    public void Illegal_topic_names_are_rejected(string topic)
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, [topic], NoOp));
        Assert.Equal("topics[0]", e.Field);
        Assert.Contains("topic name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topic_name_longer_than_249_is_rejected_and_249_is_accepted()
    {
        Assert.Null(TopicName.Check(new string('a', 249)));
        Assert.Contains("at most 249", TopicName.Check(new string('a', 250)), StringComparison.Ordinal);
    }

    [Fact]
    public void Sending_to_an_illegal_topic_throws_before_anything_is_queued()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        using var producer = new SyncProducer(app);
        var e = Assert.Throws<ArgumentException>(() => { _ = producer.SendAsync("bad topic", [1]); });
        Assert.Contains("bad topic", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => { _ = producer.SendAsync(null!, [1]); });
    }

    [Fact]
    public void Negative_retries_are_rejected()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp, new ConsumerOptions { MaxRetries = -1 }));
        Assert.Equal("ConsumerOptions.MaxRetries", e.Field);
        Assert.Contains("'-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("0 to 1000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_is_validated()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp, new ConsumerOptions { Backoff = new RetryBackoff { Multiplier = 0.5 } }));
        Assert.Equal("ConsumerOptions.Backoff.Multiplier", e.Field);
        e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp, new ConsumerOptions { Backoff = new RetryBackoff { Jitter = 2 } }));
        Assert.Equal("ConsumerOptions.Backoff.Jitter", e.Field);
    }

    [Fact]
    public void Per_partition_buffer_may_not_exceed_the_total_buffer()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp, new ConsumerOptions { MaxBufferedMessages = 100, MaxBufferedMessagesPerPartition = 200 }));
        Assert.Equal("ConsumerOptions.MaxBufferedMessagesPerPartition", e.Field);
        Assert.Contains("MaxBufferedMessages (100)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_tls_file_is_named()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var missing = Path.Combine(Path.GetTempPath(), "kafka-typed-no-such-ca.pem");
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Tls = new TlsOptions { CaLocation = missing } }));
        Assert.Equal("ProducerOptions.Tls.CaLocation", e.Field);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerGroup(app, ["t"], NoOp, new ConsumerOptions { Tls = new TlsOptions { CaLocation = missing } }));
        Assert.Equal("ConsumerOptions.Tls.CaLocation", e.Field);
    }

    [Fact]
    public void Sasl_without_credentials_is_rejected_and_secrets_never_show()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Sasl = new SaslOptions { Mechanism = SaslMechanism.ScramSha512, Username = "svc" } }));
        Assert.Equal("ProducerOptions.Sasl.Password", e.Field);

        const string password = "hunter2-very-secret";
        var sasl = new SaslOptions { Mechanism = SaslMechanism.Plain, Username = "svc", Password = password };
        var tls = new TlsOptions { KeyPassword = password };
        Assert.DoesNotContain(password, sasl.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, new ProducerOptions { Sasl = sasl, Tls = tls }.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, new ConsumerOptions { Sasl = sasl }.ToString(), StringComparison.Ordinal);

        // A key password without a key is an error whose message does not echo the password.
        e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Tls = tls }));
        Assert.DoesNotContain(password, e.ToString(), StringComparison.Ordinal);

        // A raw setting that Kafka.Typed owns is refused; a secret raw value is never echoed.
        e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Settings = new Dictionary<string, string> { ["acks"] = "1" } }));
        Assert.Contains("acks", e.Field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("request.required.acks", "0")] // alias of acks
    [InlineData("queue.buffering.max.ms", "1000")] // alias of linger.ms
    [InlineData("compression.codec", "gzip")] // alias of compression.type
    [InlineData("metadata.broker.list", "elsewhere:9092")] // alias of bootstrap.servers
    [InlineData("message.timeout.ms", "1000")] // ProducerOptions.MessageTimeout
    [InlineData("delivery.timeout.ms", "1000")] // alias of message.timeout.ms
    [InlineData("allow.auto.create.topics", "true")] // ProducerOptions.AutoCreateTopics
    [InlineData("delivery.report.only.error", "true")] // successes would never be reported
    [InlineData("dotnet.producer.enable.background.poll", "false")] // no report would ever be delivered
    [InlineData("ACKS", "0")] // case does not get round the check
    public void Raw_producer_settings_may_not_override_what_kafka_typed_owns(string key, string value)
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Settings = new Dictionary<string, string> { [key] = value } }));
        Assert.Equal($"ProducerOptions.Settings[\"{key}\"]", e.Field);
        Assert.Contains("set by Kafka.Typed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metadata.broker.list", "elsewhere:9092")]
    [InlineData("auto.commit.interval.ms", "100")] // ConsumerOptions.CommitInterval
    [InlineData("allow.auto.create.topics", "true")] // ConsumerOptions.AutoCreateTopics
    [InlineData("Group.Id", "other")]
    public void Raw_consumer_settings_may_not_override_what_kafka_typed_owns(string key, string value)
    {
        var e = Assert.Throws<KafkaConfigurationException>(() => new ConsumerOptions { Settings = new Dictionary<string, string> { [key] = value } }.Validate());
        Assert.Equal($"ConsumerOptions.Settings[\"{key}\"]", e.Field);
    }

    [Fact]
    public void Message_timeout_not_above_the_flush_frequency_is_named_by_validation()
    {
        // librdkafka refuses message.timeout.ms <= linger.ms only when the client is built: validation (which the host
        // runs at start) must catch it and name the options, not librdkafka's keys.
        var options = new ProducerOptions { FlushFrequency = TimeSpan.FromMinutes(10), MessageTimeout = TimeSpan.FromMinutes(5) };
        var e = Assert.Throws<KafkaConfigurationException>(options.Validate);
        Assert.Equal("ProducerOptions.MessageTimeout", e.Field);
        Assert.Contains("FlushFrequency", e.Message, StringComparison.Ordinal);

        // The same pair is accepted the right way round.
        new ProducerOptions { FlushFrequency = TimeSpan.FromMinutes(5), MessageTimeout = TimeSpan.FromMinutes(10) }.Validate();
    }

    [Fact]
    public void Sasl_password_never_reaches_logs()
    {
        const string password = "hunter2-very-secret";
        var logs = new CapturingLoggerFactory();
        var app = new KafkaAppConfig("app", "test", "127.0.0.1:1") { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
        var e = Assert.Throws<KafkaUnreachableException>(() => new SyncProducer(app, new ProducerOptions
        {
            Sasl = new SaslOptions { Mechanism = SaslMechanism.ScramSha256, Username = "svc", Password = password },
            Settings = new Dictionary<string, string> { ["debug"] = "security,broker,conf" },
        }, logs));
        Assert.DoesNotContain(password, e.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public void Idempotence_requires_acks_all()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Acks = AckMode.Leader, EnableIdempotence = true }));
        Assert.Equal("ProducerOptions.EnableIdempotence", e.Field);
        Assert.Contains("Acks = All", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Librdkafka_rejection_of_a_raw_setting_is_a_configuration_error()
    {
        var app = new KafkaAppConfig("app", "test", "localhost:9092") { ConnectTimeout = TimeSpan.Zero };
        var e = Assert.Throws<KafkaConfigurationException>(() => new SyncProducer(app, new ProducerOptions { Settings = new Dictionary<string, string> { ["no.such.property"] = "1" } }));
        Assert.Contains("no.such.property", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_broker_fails_construction_within_the_connect_timeout()
    {
        var app = new KafkaAppConfig("app", "test", "127.0.0.1:1") { ConnectTimeout = TimeSpan.FromSeconds(1) };
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<KafkaUnreachableException>(() => new SyncProducer(app));
        Assert.Contains("127.0.0.1:1", e.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", e.Message, StringComparison.Ordinal);
        Assert.Throws<KafkaUnreachableException>(() => new AsyncProducer(app, _ => { }));
        Assert.Throws<KafkaUnreachableException>(() => new ConsumerGroup(app, ["t"], NoOp));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Backoff_grows_exponentially_and_is_capped()
    {
        var backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(100), Multiplier = 3, MaxDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
        Assert.Equal(100, backoff.DelayAfter(1, 0.5).TotalMilliseconds);
        Assert.Equal(300, backoff.DelayAfter(2, 0.5).TotalMilliseconds);
        Assert.Equal(900, backoff.DelayAfter(3, 0.5).TotalMilliseconds);
        Assert.Equal(1000, backoff.DelayAfter(4, 0.5).TotalMilliseconds);
        var jittered = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(100), Jitter = 0.2 };
        Assert.Equal(80, jittered.DelayAfter(1, 0).TotalMilliseconds, 3);
        Assert.Equal(120, jittered.DelayAfter(1, 1).TotalMilliseconds, 3);
    }
}
