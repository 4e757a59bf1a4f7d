using System.Threading.Channels;
using Kafka.Typed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.Contracts;

namespace Shop.Worker;

/// <summary>The worker: one AddKafkaTyped call registers its handlers and the Contracts' producers they inject.</summary>
public static class WorkerProgram
{
    public static void Main(string[] args) => CreateBuilder(args).Build().Run();

    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddSingleton<ShipmentLog>();
        builder.Services.AddKafkaTyped(builder.Configuration.GetSection("Kafka"));
        return builder;
    }
}

/// <summary>Requests a shipment for every order.</summary>
[KafkaConsumer("orders.placed")]
internal sealed class OrderHandler(IKafkaProducer<ShipmentRequested> shipments) : IKafkaHandler<OrderPlaced>
{
    public async Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken)
        => await shipments.SendAsync(new ShipmentRequested(message.Value.OrderId, "north"), cancellationToken);
}

/// <summary>Records the shipments requested.</summary>
[KafkaConsumer("shipments.requested")]
internal sealed class ShipmentHandler(ShipmentLog log) : IKafkaHandler<ShipmentRequested>
{
    public Task HandleAsync(KafkaMessage<ShipmentRequested> message, CancellationToken cancellationToken)
    {
        log.Add(message);
        return Task.CompletedTask;
    }
}

/// <summary>The shipments this worker saw, with the topic and group each came from.</summary>
public sealed class ShipmentLog
{
    private readonly Channel<(ShipmentRequested Shipment, string Topic, string GroupId)> _seen = Channel.CreateUnbounded<(ShipmentRequested, string, string)>();

    public ChannelReader<(ShipmentRequested Shipment, string Topic, string GroupId)> Seen => _seen.Reader;

    internal void Add(KafkaMessage<ShipmentRequested> message) => _seen.Writer.TryWrite((message.Value, message.Topic, message.GroupId));
}
