// A typed Kafka.Typed app consuming the packages only: the generator in the Kafka.Typed package must produce
// SmokeOrderProducer, the hosted consumer group for SmokeHandler and AddKafkaTyped(...), or this does not compile.
// Prints "SMOKE OK <orderId>" and exits 0 when the handler received what was sent; exits 1 with a reason otherwise.
using Kafka.Typed;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PackageSmoke;

// Avro (the default format); its schema is committed in schemas/ and checked by the package's analyzer at build time.
[KafkaTopic("smoke.orders")]
public partial record SmokeOrder([property: KafkaKey] string OrderId, decimal Amount);

/// <summary>What the handler received (a singleton; the handler itself is scoped).</summary>
public sealed class SmokeInbox
{
    public TaskCompletionSource<KafkaMessage<SmokeOrder>> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

[KafkaConsumer("smoke.orders", GroupId = "smoke", MaxRetries = 0)]
public sealed class SmokeHandler(SmokeInbox inbox) : IKafkaHandler<SmokeOrder>
{
    public Task HandleAsync(KafkaMessage<SmokeOrder> message, CancellationToken cancellationToken)
    {
        inbox.First.TrySetResult(message);
        return Task.CompletedTask;
    }
}

public static class Program
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<int> Main(string[] args)
    {
        var orderId = args.Length > 0 ? args[0] : "smoke-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
            await using var registry = await InProcessSchemaRegistry.StartAsync();
            cluster.CreateTopic("smoke.orders", 1);

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kafka:AppName"] = "smoke",
                ["Kafka:Server"] = "local",
                ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
                ["Kafka:SchemaRegistry:Url"] = registry.Url,
                ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
                ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",
                ["Kafka:Consumer:ShutdownTimeout"] = "00:00:05",
            });
            builder.Services.AddSingleton<SmokeInbox>();
            builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
            using var host = builder.Build();

            using var timeout = new CancellationTokenSource(Timeout);
            await host.StartAsync(timeout.Token);
            try
            {
                var order = new SmokeOrder(orderId, 12.34m);
                var producer = host.Services.GetRequiredService<IKafkaProducer<SmokeOrder>>();
                var sent = await producer.SendAsync(order, timeout.Token);
                Console.WriteLine($"sent {orderId} -> {sent.Topic} partition {sent.Partition}, offset {sent.Offset}");

                var inbox = host.Services.GetRequiredService<SmokeInbox>();
                KafkaMessage<SmokeOrder> received;
                try
                {
                    received = await inbox.First.Task.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"SMOKE FAILED: the handler received nothing within {Timeout.TotalSeconds:0} s");
                    return 1;
                }

                if (received.Value != order || received.KeyAsString != orderId || received.Offset != sent.Offset)
                {
                    Console.Error.WriteLine($"SMOKE FAILED: sent {order} (key {orderId}, offset {sent.Offset}), received {received.Value} (key {received.KeyAsString}, offset {received.Offset})");
                    return 1;
                }

                Console.WriteLine($"SMOKE OK {orderId}");
                return 0;
            }
            finally
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"SMOKE FAILED: timed out after {Timeout.TotalSeconds:0} s (starting the host or sending)");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"SMOKE FAILED: {e}");
            return 1;
        }
    }
}
