namespace Kafka.Typed;

/// <summary>Where a <see cref="ConsumerGroup"/> member is in its life (see <see cref="ConsumerGroupStatus.State"/>).</summary>
public enum ConsumerGroupState
{
    /// <summary><see cref="ConsumerGroup.ConsumeAsync"/> has not been called yet.</summary>
    NotStarted,

    /// <summary>
    /// Consuming, but the group has not (or no longer) given this member an assignment: before the first assignment
    /// of a run, and after the member's partitions were lost (its session expired or it was fenced) until it is given
    /// partitions again.
    /// </summary>
    Joining,

    /// <summary>Consuming with an assignment from the group (possibly empty: a group with more members than partitions leaves some idle).</summary>
    Running,

    /// <summary>Consumption was cancelled: handlers in flight are finishing, offsets are committed, the member leaves the group.</summary>
    Stopping,

    /// <summary><see cref="ConsumerGroup.ConsumeAsync"/> returned; the member left the group.</summary>
    Stopped,

    /// <summary>
    /// A fatal error ended (or is ending) the run; <see cref="ConsumerGroupStatus.Fault"/> says what it was and
    /// <see cref="ConsumerGroup.ConsumeAsync"/> throws it. A new <see cref="ConsumerGroup.ConsumeAsync"/> call starts afresh.
    /// </summary>
    Faulted,
}

/// <summary>Why a partition makes no progress (see <see cref="ConsumerPartitionStatus.Stall"/>).</summary>
public enum PartitionStall
{
    /// <summary>Not stalled: the partition's messages are handled as they come.</summary>
    None,

    /// <summary>
    /// The handler failed for the message at <see cref="ConsumerPartitionStatus.StalledOffset"/> and the partition waits
    /// (paused) for its next attempt; it ends after <see cref="ConsumerOptions.MaxRetries"/> with the
    /// <see cref="ConsumerOptions.FailurePolicy"/>.
    /// </summary>
    HandlerRetrying,

    /// <summary>
    /// The handler, its construction or something it needs (the Schema Registry) is unavailable
    /// (<see cref="KafkaUnavailableException"/>): the partition waits with a growing backoff, spending none of the message's
    /// attempts, until it works again. This wait has no end of its own.
    /// </summary>
    Unavailable,

    /// <summary>
    /// The message at <see cref="ConsumerPartitionStatus.StalledOffset"/> failed for good but its dead letter cannot be
    /// written (the dead-letter topic is unreachable, not authorized or invalid): the partition holds the message and
    /// retries the write with backoff until it succeeds, because committing past it would lose it.
    /// </summary>
    DeadLetterBlocked,

    /// <summary>
    /// The partition's worker ended with an unexpected error (a bug in Kafka.Typed or an exception from a logger or
    /// propagator outside the handler): the partition handles nothing more until it is reassigned; its unfinished
    /// messages are not committed and are delivered again to the next owner.
    /// </summary>
    Faulted,
}

/// <summary>
/// A snapshot of a consumer group member (<see cref="ConsumerGroup.GetStatus"/>): its state, its assigned partitions and
/// whether each one is stalled, and when the poll loop last polled. Immutable.
/// </summary>
public sealed class ConsumerGroupStatus
{
    internal ConsumerGroupStatus(string groupId, ConsumerGroupState state, DateTimeOffset stateSince, string? fault, DateTimeOffset? lastPollAt, DateTimeOffset takenAt, IReadOnlyList<ConsumerPartitionStatus> partitions)
    {
        GroupId = groupId;
        State = state;
        StateSince = stateSince;
        Fault = fault;
        LastPollAt = lastPollAt;
        TakenAt = takenAt;
        Partitions = partitions;
    }

    /// <summary>The consumer group id.</summary>
    public string GroupId { get; }

    /// <summary>Where the member is in its life.</summary>
    public ConsumerGroupState State { get; }

    /// <summary>When <see cref="State"/> was entered (the time of <see cref="ConsumerOptions.TimeProvider"/>); for <see cref="ConsumerGroupState.NotStarted"/>, when the <see cref="ConsumerGroup"/> was created.</summary>
    public DateTimeOffset StateSince { get; }

    /// <summary>What ended the run, when <see cref="State"/> is <see cref="ConsumerGroupState.Faulted"/> (the librdkafka error code and reason, or the unexpected exception); otherwise <see langword="null"/>.</summary>
    public string? Fault { get; }

    /// <summary>
    /// When the poll loop last asked librdkafka for records (or <see langword="null"/> before the first poll of this run).
    /// It polls at least every 50 ms while it runs, also while every partition is paused; an old value means the loop
    /// is blocked, typically by a handler that blocks the polling thread, or by a revocation waiting for handlers to
    /// finish (at most <see cref="ConsumerOptions.ShutdownTimeout"/> plus 5 s). Past <c>max.poll.interval.ms</c> the
    /// member leaves the group.
    /// </summary>
    public DateTimeOffset? LastPollAt { get; }

    /// <summary>When this snapshot was taken (the time of <see cref="ConsumerOptions.TimeProvider"/>); ages are <c>TakenAt - LastPollAt</c> and <c>TakenAt - StalledSince</c>.</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>The partitions currently assigned to this member, ordered by topic and partition (empty unless <see cref="State"/> is <see cref="ConsumerGroupState.Running"/> or <see cref="ConsumerGroupState.Stopping"/>).</summary>
    public IReadOnlyList<ConsumerPartitionStatus> Partitions { get; }

    /// <summary>The time since the last poll, or <see langword="null"/> before the first poll of this run.</summary>
    public TimeSpan? SinceLastPoll => LastPollAt is { } at ? TakenAt - at : null;

    /// <inheritdoc />
    public override string ToString()
        => $"{GroupId}: {State} since {StateSince:O}{(Fault is null ? "" : " (" + Fault + ")")}, {Partitions.Count} partition(s), {Partitions.Count(p => p.IsStalled)} stalled, last poll {(LastPollAt is null ? "never" : SinceLastPoll!.Value.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms ago")}";
}

/// <summary>One assigned partition in a <see cref="ConsumerGroupStatus"/>. Immutable.</summary>
public sealed class ConsumerPartitionStatus
{
    internal ConsumerPartitionStatus(string topic, int partition, PartitionStall stall, DateTimeOffset? stalledSince, long? stalledOffset, string? stallReason)
    {
        Topic = topic;
        Partition = partition;
        Stall = stall;
        StalledSince = stalledSince;
        StalledOffset = stalledOffset;
        StallReason = stallReason;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The partition number.</summary>
    public int Partition { get; }

    /// <summary>Whether the partition makes no progress (<see cref="Stall"/> is not <see cref="PartitionStall.None"/>).</summary>
    public bool IsStalled => Stall != PartitionStall.None;

    /// <summary>Why the partition makes no progress, or <see cref="PartitionStall.None"/>. The current reason: a message whose handler failed and whose dead letter then cannot be written goes from <see cref="PartitionStall.HandlerRetrying"/> to <see cref="PartitionStall.DeadLetterBlocked"/>.</summary>
    public PartitionStall Stall { get; }

    /// <summary>When the partition stopped making progress: the first failure (or outage) of the message it is stuck on, kept across that message's retries and across changes of <see cref="Stall"/>. <see langword="null"/> when not stalled.</summary>
    public DateTimeOffset? StalledSince { get; }

    /// <summary>The offset of the message the partition is stuck on; <see langword="null"/> when not stalled (or unknown, for <see cref="PartitionStall.Faulted"/>).</summary>
    public long? StalledOffset { get; }

    /// <summary>The latest error behind the stall (exception type and message, at most 1,024 characters), for an operator; <see langword="null"/> when not stalled.</summary>
    public string? StallReason { get; }

    /// <inheritdoc />
    public override string ToString()
        => Stall == PartitionStall.None ? $"{Topic} [{Partition}]" : $"{Topic} [{Partition}] {Stall} since {StalledSince:O} at @{StalledOffset}: {StallReason}";
}
