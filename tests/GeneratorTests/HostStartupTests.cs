using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>A generic host built with the generated AddKafkaTyped checks the cluster while it starts, not on the first send.</summary>
[Collection(KafkaAvroDefaultsCollection.Name)]
public sealed class HostStartupTests
{
    [Fact]
    public async Task A_host_whose_cluster_is_unreachable_fails_start_up_within_the_connect_timeout_naming_the_cluster()
    {
        const string servers = "127.0.0.1:1"; // nothing listens on port 1
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "startup",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = servers,
            ["Kafka:ConnectTimeout"] = "00:00:03",
            ["Kafka:SchemaRegistry:Url"] = "http://127.0.0.1:1",
        });
        builder.Services.AddSingleton<E2eSink>();
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        using var host = builder.Build();

        var watch = Stopwatch.StartNew();
        try
        {
            var error = await Assert.ThrowsAsync<KafkaUnreachableException>(() => host.StartAsync());
            var took = watch.Elapsed;
            Assert.Contains(servers, error.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(3 + 2.5), $"start-up failed after {took.TotalSeconds:0.0} s; the connect timeout is 3 s");

            // Start-up stopped at the producers: no consumer group was started against the unreachable cluster.
            var consumer = host.Services.GetServices<IHostedService>().OfType<KafkaConsumerService<E2eOrder, E2eHandler>>().Single();
            Assert.Null(consumer.Group);
        }
        finally
        {
            await host.StopAsync();
            Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        }
    }
}
