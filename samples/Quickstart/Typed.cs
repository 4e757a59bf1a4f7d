// The typed API: the generator turns these attributed types into OrderPlacedProducer (IKafkaProducer<OrderPlaced>),
// a hosted consumer group for BillingHandler, and AddKafkaTyped(...). No serializer glue, no reflection.
// Avro is the default format: the generator derives OrderPlaced's schema (OrderPlaced.AvroCodec.SchemaJson) and a
// reflection-free codec; the schema is registered under "orders.placed-value" on first send.
using System.Collections.Concurrent;
using Kafka.Typed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Quickstart;

[KafkaTopic("orders.placed")]
public partial record OrderPlaced(
    [property: KafkaKey] string OrderId,
    [property: AvroDecimal(12, 2)] decimal Amount,
    DateTimeOffset PlacedAt,
    Channel Channel,
    IReadOnlyList<string> Skus,
    string? Note = null);

public enum Channel { Web, Store, Phone }

[KafkaConsumer("orders.placed", GroupId = "billing", MaxRetries = 2, RetryBackoffMilliseconds = 100)]
public sealed class BillingHandler(BillingLedger ledger) : IKafkaHandler<OrderPlaced>
{
    public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken)
    {
        var order = message.Value;
        if (order.Amount < 0)
        {
            Console.WriteLine($"  {order.OrderId,-13} partition {message.Partition}, offset {message.Offset}: attempt {message.Attempt} failed (negative amount)");
            throw new InvalidOperationException($"order {order.OrderId} has a negative amount");
        }

        ledger.Charged[order.OrderId] = order.Amount;
        Console.WriteLine($"  {order.OrderId,-13} partition {message.Partition}, offset {message.Offset}: charged {order.Amount:0.00}");
        return Task.CompletedTask;
    }
}

/// <summary>What the billing handler did (a singleton; handlers are scoped, one per message).</summary>
public sealed class BillingLedger
{
    public ConcurrentDictionary<string, decimal> Charged { get; } = new();
}

public static class TypedDemo
{
    public static async Task<(int Charged, long DeadLettered)> RunAsync(string bootstrapServers, string schemaRegistryUrl, string run)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "quickstart",
            ["Kafka:Server"] = "local-" + run,
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Kafka:SchemaRegistry:Url"] = schemaRegistryUrl,
            ["Kafka:Producer:AutoCreateTopics"] = "true",
            ["Kafka:Consumer:SessionTimeout"] = "00:00:06",
            ["Kafka:Consumer:HeartbeatInterval"] = "00:00:00.500",

            // Configuration overrides the attribute: operations can change a handler's settings without a rebuild
            // (Kafka:Consumers:{HandlerName} over [KafkaConsumer] over Kafka:Consumer over defaults). The attribute says
            // MaxRetries = 2; this makes it 1, so the bad order is dead-lettered after 2 attempts, not 3.
            ["Kafka:Consumers:BillingHandler:MaxRetries"] = "1",
        });
        builder.Services.AddSingleton<BillingLedger>();
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        builder.Services.AddHealthChecks().AddKafkaTyped();  // readiness ("ready") and liveness ("live") of the producers and consumers
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var producer = host.Services.GetRequiredService<IKafkaProducer<OrderPlaced>>();
            var now = DateTimeOffset.UtcNow;
            OrderPlaced[] orders =
            [
                new($"t-{run}-1", 10.50m, now, Channel.Web, ["sku-1", "sku-2"]),
                new($"t-{run}-2", 99.99m, now, Channel.Store, ["sku-3"], Note: "gift wrap"),
                new($"t-{run}-BAD", -5m, now, Channel.Phone, []),
                new($"t-{run}-3", 1.25m, now, Channel.Web, ["sku-4"]),
            ];
            foreach (var order in orders)
            {
                var sent = await producer.SendAsync(order);
                Console.WriteLine($"  sent {order.OrderId,-13} -> {sent.Topic} partition {sent.Partition}, offset {sent.Offset}");
            }

            using (var registry = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = schemaRegistryUrl }))
            {
                var registered = await registry.GetLatestSchemaAsync("orders.placed-value");
                Console.WriteLine($"  Avro schema of OrderPlaced registered as subject orders.placed-value, id {registered.Id}, version {registered.Version}");
            }

            var ledger = host.Services.GetRequiredService<BillingLedger>();
            var consumer = host.Services.GetServices<IHostedService>().OfType<KafkaConsumerService<OrderPlaced, BillingHandler>>().Single();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((ledger.Charged.Count < 3 || consumer.Group is null || consumer.Group.DeadLetterCount == 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            var health = await host.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
            foreach (var (name, entry) in health.Entries)
            {
                Console.WriteLine($"  health check {name}: {entry.Status} ({string.Join(", ", entry.Data.Select(d => d.Key + " " + d.Value))})");
            }

            return (ledger.Charged.Count, consumer.Group?.DeadLetterCount ?? 0);
        }
        finally
        {
            await host.StopAsync();
            Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        }
    }
}
