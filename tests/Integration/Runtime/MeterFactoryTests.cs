using System.Diagnostics.Metrics;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Xunit;
using static Kafka.Typed.Integration.Tests.Runtime.ConsumerServiceTests;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>
/// Under dependency injection Kafka.Typed's meter comes from the container's <see cref="IMeterFactory"/>: a listener scoped to
/// one host's factory sees that host's producers and consumers and no other's, the OpenTelemetry SDK's meter provider
/// registered in the host exports them, and the meter ends with the host. Clients created without a factory keep
/// recording on the process-wide meter (<see cref="InstrumentationTests"/>).
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class MeterFactoryTests
{
    [Fact]
    public async Task A_hosts_producer_and_consumer_record_on_the_containers_meter_and_not_on_the_shared_one()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = "metered-host-" + Guid.NewGuid().ToString("N")[..8];
        cluster.CreateTopic(topic, 1);
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost(cluster, "metered", topic, handled);
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        using var scoped = new CountingListener(topic, meter => ReferenceEquals(meter.Scope, factory));
        using var shared = new CountingListener(topic, meter => meter.Scope is null);

        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<KafkaProducerHost>().Sync.SendAsync(topic, Kit.Bytes("hello"));
            Assert.Equal("hello", await handled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            await Kit.WaitUntilAsync(() => scoped.Sum("messaging.client.consumed.messages") == 1, "the consumer's count reaches the container's meter");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Equal(1, scoped.Sum("messaging.client.sent.messages"));
        Assert.Equal(0, shared.Sum("messaging.client.sent.messages"));
        Assert.Equal(0, shared.Sum("messaging.client.consumed.messages"));
        Assert.Contains(scoped.Instruments, i => i.Meter.Name == KafkaTelemetry.Name && i.Name == "messaging.client.operation.duration");

        // The container owns the meter: disposing the host completes its instruments.
        Assert.Empty(scoped.Completed);
        host.Dispose();
        Assert.Contains("messaging.client.sent.messages", scoped.Completed);
    }

    [Fact]
    public async Task Each_hosts_meter_and_statistics_gauges_report_only_that_hosts_clients()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = "metered-two-" + Guid.NewGuid().ToString("N")[..8];
        cluster.CreateTopic(topic, 1);
        using var first = BuildHost(cluster, "first", topic, handled: null, statistics: true);
        using var second = BuildHost(cluster, "second", topic, handled: null, statistics: true);
        using var firstListener = new CountingListener(topic, meter => ReferenceEquals(meter.Scope, first.Services.GetRequiredService<IMeterFactory>()));
        using var secondListener = new CountingListener(topic, meter => ReferenceEquals(meter.Scope, second.Services.GetRequiredService<IMeterFactory>()));
        await first.StartAsync();
        await second.StartAsync();
        try
        {
            var firstProducer = first.Services.GetRequiredService<KafkaProducerHost>().Sync;
            var secondProducer = second.Services.GetRequiredService<KafkaProducerHost>().Sync;
            await firstProducer.SendAsync(topic, Kit.Bytes("1"));
            for (var i = 0; i < 3; i++)
            {
                await secondProducer.SendAsync(topic, Kit.Bytes("2"));
            }

            Assert.Equal(1, firstListener.Sum("messaging.client.sent.messages"));
            Assert.Equal(3, secondListener.Sum("messaging.client.sent.messages"));

            // The queue gauges of each meter observe only its own host's producers (librdkafka reports every 100 ms).
            await Kit.WaitUntilAsync(() => firstListener.ObserveClients("kafka.typed.producer.queue.messages").Contains(firstProducer.ClientId), "the first host's gauge reports its producer");
            await Kit.WaitUntilAsync(() => secondListener.ObserveClients("kafka.typed.producer.queue.messages").Contains(secondProducer.ClientId), "the second host's gauge reports its producer");
            Assert.NotEqual(firstProducer.ClientId, secondProducer.ClientId);
            Assert.DoesNotContain(secondProducer.ClientId, firstListener.ObserveClients("kafka.typed.producer.queue.messages"));
            Assert.DoesNotContain(firstProducer.ClientId, secondListener.ObserveClients("kafka.typed.producer.queue.messages"));
        }
        finally
        {
            await second.StopAsync();
            await first.StopAsync();
        }
    }

    [Fact]
    public async Task The_OpenTelemetry_meter_provider_registered_in_the_host_exports_the_hosts_metrics()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = "metered-otel-" + Guid.NewGuid().ToString("N")[..8];
        cluster.CreateTopic(topic, 1);
        var exported = new List<Metric>();
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost(cluster, "otel", topic, handled, configure: services =>
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddKafkaTypedInstrumentation().AddInMemoryExporter(exported)));
        await host.StartAsync();
        long sent = 0;
        long consumed = 0;
        try
        {
            var producer = host.Services.GetRequiredService<KafkaProducerHost>().Sync;
            await producer.SendAsync(topic, Kit.Bytes("a"));
            await producer.SendAsync(topic, Kit.Bytes("b"));
            await handled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var provider = host.Services.GetRequiredService<MeterProvider>();
            await Kit.WaitUntilAsync(() =>
            {
                exported.Clear();
                Assert.True(provider.ForceFlush(5000));
                sent = SumFor(exported, "messaging.client.sent.messages", topic);
                consumed = SumFor(exported, "messaging.client.consumed.messages", topic);
                return sent == 2 && consumed == 2;
            }, "the host's meter provider exports 2 sent and 2 consumed messages");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Equal((2, 2), (sent, consumed));
    }

    private static IHost BuildHost(EmbeddedKafkaCluster cluster, string appName, string topic, TaskCompletionSource<string>? handled, bool statistics = false, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        KafkaTypedRegistration.AddCore(builder.Services, new ConfigurationBuilder().Build(), o =>
        {
            o.AppName = appName;
            o.Server = "ci";
            o.BootstrapServers.Add(cluster.BootstrapServers);
            o.ConnectTimeout = TimeSpan.FromSeconds(10);
            if (statistics)
            {
                o.Producer.Settings["statistics.interval.ms"] = "100";
            }

            o.Consumer.GroupId = appName + "-" + Guid.NewGuid().ToString("N");
            o.Consumer.SessionTimeout = TimeSpan.FromSeconds(6);
            o.Consumer.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        });
        if (handled is not null)
        {
            KafkaTypedRegistration.AddConsumer<TextMessage, TextHandler>(builder.Services, _ => new TextHandler(handled), new KafkaConsumerDefinition(topic, nameof(TextHandler), nameof(TextMessage)));
        }

        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    private static long SumFor(List<Metric> metrics, string name, string topic)
    {
        long total = 0;
        foreach (var metric in metrics.Where(m => m.Name == name && m.MeterName == KafkaTelemetry.Name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                foreach (var tag in point.Tags)
                {
                    if (tag.Key == "messaging.destination.name" && Equals(tag.Value, topic))
                    {
                        total += point.GetSumLong();
                    }
                }
            }
        }

        return total;
    }

    /// <summary>Sums the long measurements on <c>topic</c> of the Kafka.Typed instruments whose meter <c>accept</c>s.</summary>
    private sealed class CountingListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _sums = new(StringComparer.Ordinal);
        private readonly List<string> _clients = [];
        private readonly Lock _gate = new();
        private string? _observing;

        public CountingListener(string topic, Func<Meter, bool> accept)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KafkaTelemetry.Name && accept(instrument.Meter))
                {
                    lock (_gate)
                    {
                        Instruments.Add(instrument);
                    }

                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.MeasurementsCompleted = (instrument, _) =>
            {
                lock (_gate)
                {
                    Completed.Add(instrument.Name);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string? client = null;
                var onTopic = false;
                foreach (var tag in tags)
                {
                    onTopic |= tag.Key == "messaging.destination.name" && Equals(tag.Value, topic);
                    client = tag.Key == "messaging.client.id" ? tag.Value as string : client;
                }

                lock (_gate)
                {
                    if (instrument is ObservableGauge<long>)
                    {
                        if (client is not null && instrument.Name == _observing)
                        {
                            _clients.Add(client);
                        }
                    }
                    else if (onTopic)
                    {
                        _sums[instrument.Name] = _sums.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            });
            _listener.Start();
        }

        public List<Instrument> Instruments { get; } = [];

        public List<string> Completed { get; } = [];

        public long Sum(string instrument)
        {
            lock (_gate)
            {
                return _sums.GetValueOrDefault(instrument);
            }
        }

        /// <summary>The client ids one collection of the observable gauge <paramref name="instrument"/> reports.</summary>
        public string[] ObserveClients(string instrument)
        {
            lock (_gate)
            {
                _clients.Clear();
                _observing = instrument;
            }

            _listener.RecordObservableInstruments();
            lock (_gate)
            {
                _observing = null;
                return [.. _clients.Distinct()];
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
