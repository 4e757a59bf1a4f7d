using Kafka.Typed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>The API: one AddKafkaTyped call registers the producers of the Contracts' message types.</summary>
public static class ApiProgram
{
    public static async Task Main(string[] args)
    {
        using var host = CreateBuilder(args).Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<OrderApi>().PlaceAsync("o-1", 10m);
        await host.StopAsync();
    }

    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddSingleton<OrderApi>();
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        return builder;
    }
}

/// <summary>What an endpoint would call.</summary>
public sealed class OrderApi(IKafkaProducer<OrderPlaced> orders)
{
    public Task<ProduceResult> PlaceAsync(string orderId, decimal amount, CancellationToken cancellationToken = default)
        => orders.SendAsync(new OrderPlaced(orderId, amount), cancellationToken);
}
