namespace Kafka.Typed;

/// <summary>Thrown by <see cref="AsyncProducer.SendAsync(ProducerMessage, CancellationToken)"/> under <see cref="QueueFullPolicy.FailFast"/> when the queue is full.</summary>
public sealed class KafkaQueueFullException : KafkaTypedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="topic">The topic of the rejected message.</param>
    /// <param name="capacity">The queue's capacity.</param>
    public KafkaQueueFullException(string topic, int capacity)
        : base($"The producer queue is full ({capacity} messages); the message for topic '{topic}' was not accepted. Raise ProducerOptions.QueueCapacity, run ListenAsync, or use QueueFullPolicy.Wait.")
    {
        Topic = topic;
        Capacity = capacity;
    }

    /// <summary>The topic of the rejected message.</summary>
    public string Topic { get; }

    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; }
}
