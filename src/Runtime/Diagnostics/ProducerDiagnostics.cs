using System.Diagnostics;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// What the health check and the queue gauges know of one producer's librdkafka client: its last fatal error, since
/// when librdkafka has reported every broker down, since when its queue has been full, and its statistics.
/// </summary>
/// <remarks>Written from librdkafka's callbacks and the sending threads; each write is one field, read without locks.</remarks>
internal sealed class ProducerDiagnostics
{
    private long _queueFullSince;
    private long _brokersDownSince;
    private Error? _fatal;

    public ProducerDiagnostics(string clientId, KafkaAppConfig app)
    {
        ClientId = clientId;
        App = app;
        Statistics = new KafkaClientStatistics(clientId, groupId: null);
    }

    public string ClientId { get; }

    /// <summary>The client's handle, once built (a health probe asks the brokers through it).</summary>
    public Handle? Handle { get; set; }

    public KafkaAppConfig App { get; }

    public KafkaClientStatistics Statistics { get; }

    /// <summary>The fatal error librdkafka reported (the client can no longer send; only a new producer can), or <see langword="null"/>.</summary>
    public Error? Fatal => Volatile.Read(ref _fatal);

    /// <summary>Since when (a <see cref="Stopwatch"/> timestamp) the queue has been full; 0 when it has room.</summary>
    public long QueueFullSince => Volatile.Read(ref _queueFullSince);

    /// <summary>Since when (a <see cref="Stopwatch"/> timestamp) librdkafka has reported every broker down with no delivery since; 0 when not.</summary>
    public long BrokersDownSince => Volatile.Read(ref _brokersDownSince);

    public bool Disposed { get; set; }

    /// <summary>librdkafka's error callback.</summary>
    public void OnError(Error error)
    {
        if (error.IsFatal)
        {
            Volatile.Write(ref _fatal, error);
        }
        else if (error.Code == ErrorCode.Local_AllBrokersDown && Volatile.Read(ref _brokersDownSince) == 0)
        {
            Interlocked.CompareExchange(ref _brokersDownSince, Stopwatch.GetTimestamp(), 0);
        }
    }

    /// <summary>A send found librdkafka's queue full.</summary>
    public void OnQueueFull()
    {
        if (Volatile.Read(ref _queueFullSince) == 0)
        {
            Interlocked.CompareExchange(ref _queueFullSince, Stopwatch.GetTimestamp(), 0);
        }
    }

    /// <summary>A send was accepted: the queue has room again. One read when it was not full.</summary>
    public void OnQueueRoom()
    {
        if (Volatile.Read(ref _queueFullSince) != 0)
        {
            Volatile.Write(ref _queueFullSince, 0);
        }
    }

    /// <summary>A broker acknowledged a message: a broker is reachable. One read when none was reported down.</summary>
    public void OnDelivered()
    {
        if (Volatile.Read(ref _brokersDownSince) != 0)
        {
            Volatile.Write(ref _brokersDownSince, 0);
        }
    }

    /// <summary>A metadata request answered: a broker is reachable again.</summary>
    public void OnBrokerAnswered() => Volatile.Write(ref _brokersDownSince, 0);
}
