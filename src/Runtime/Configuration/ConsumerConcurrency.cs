namespace Kafka.Typed;

/// <summary>How the messages of one partition may run relative to each other (<see cref="ConsumerOptions.Concurrency"/>).</summary>
public enum ConsumerConcurrency
{
    /// <summary>One message at a time per partition, in offset order (the default). A retrying message holds its partition.</summary>
    InOrder = 0,

    /// <summary>
    /// Messages with different keys of one partition run at the same time, up to
    /// <see cref="ConsumerOptions.MaxInFlightPerPartition"/>; messages with the same key run one at a time in offset
    /// order, and so do messages without a key among themselves. A retrying message delays only its key. The stored
    /// offset is the partition's lowest unfinished offset, so a restart redelivers what was in flight.
    /// </summary>
    PerKey = 1,
}
