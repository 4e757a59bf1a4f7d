using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace Kafka.Typed;

/// <summary>
/// The member's assigned partitions and what a rebalance does to them: a dispatcher per assigned partition (made by
/// <see cref="ConsumeSession.CreateDispatcher"/>), the routing of records to them, stopping the dispatchers of revoked,
/// lost or (at the end) all partitions, and the commit of what they finished.
/// </summary>
/// <remarks>
/// Poll thread only, except <see cref="Statuses"/> and <see cref="ParallelismLimited"/>, which read snapshots it
/// publishes. A revocation commits what finished (the next owner starts there); a loss commits nothing (the partition
/// may already be someone else's).
/// </remarks>
internal sealed class PartitionAssignment
{
    private static readonly TimeSpan HardStopGrace = TimeSpan.FromSeconds(5);

    private readonly ConsumeSession _session;
    private readonly Dictionary<TopicPartition, PartitionDispatcher> _dispatchers = [];
    private readonly Dictionary<string, PartitionDispatcher?[]> _byTopic = new(StringComparer.Ordinal);
    private string? _lastTopic;
    private PartitionDispatcher?[] _lastTopicDispatchers = [];
    private volatile PartitionDispatcher[] _assigned = [];
    private volatile bool _parallelismLimited;

    public PartitionAssignment(ConsumeSession session) => _session = session;

    /// <summary>Whether more partitions are assigned than <see cref="ConsumerOptions.MaxDegreeOfParallelism"/> (set on each rebalance; any thread).</summary>
    public bool ParallelismLimited => _parallelismLimited;

    /// <summary>The dispatchers of the partitions assigned now.</summary>
    public IReadOnlyCollection<PartitionDispatcher> Current => _dispatchers.Values;

    /// <summary>How many partitions are assigned now.</summary>
    public int Count => _dispatchers.Count;

    /// <summary>Whether <paramref name="dispatcher"/> is its partition's current dispatcher (not one being stopped or already replaced).</summary>
    public bool IsCurrent(PartitionDispatcher dispatcher)
        => _dispatchers.TryGetValue(dispatcher.Partition, out var current) && ReferenceEquals(current, dispatcher);

    /// <summary>The assigned partitions and their stalls, ordered by topic and partition (any thread; reads the snapshot published on each assignment change).</summary>
    public IReadOnlyList<ConsumerPartitionStatus> Statuses()
    {
        var dispatchers = _assigned;
        var statuses = new ConsumerPartitionStatus[dispatchers.Length];
        for (var i = 0; i < dispatchers.Length; i++)
        {
            statuses[i] = dispatchers[i].GetStatus();
        }

        return statuses;
    }

    /// <summary>The dispatcher of a record's partition, looked up by topic (the last topic cached by content) and partition number, without allocating.</summary>
    public PartitionDispatcher? Find(ConsumeResult<byte[]?, byte[]?> record)
    {
        var topic = record.Topic;
        PartitionDispatcher?[] dispatchers;
        if (string.Equals(topic, _lastTopic, StringComparison.Ordinal))
        {
            dispatchers = _lastTopicDispatchers;
        }
        else if (topic is not null && _byTopic.TryGetValue(topic, out var found))
        {
            dispatchers = found;
            _lastTopic = topic;
            _lastTopicDispatchers = found;
        }
        else
        {
            return null;
        }

        var partition = record.Partition.Value;
        return (uint)partition < (uint)dispatchers.Length ? dispatchers[partition] : null;
    }

    /// <summary>Partitions were assigned: each new one gets a started dispatcher.</summary>
    public void Assigned(List<TopicPartition> partitions)
    {
        Log.PartitionsAssigned(_session.Logger, _session.Group.GroupId, Describe(partitions));
        foreach (var tp in partitions)
        {
            if (!_dispatchers.ContainsKey(tp))
            {
                // librdkafka keeps an application pause across revocation and re-assignment, so a partition this member
                // paused before may still be paused: start as "paused", state unknown, so that once the assignment is
                // applied the poll loop resumes it (or pauses it, while the buffer is full) either way.
                var dispatcher = _session.CreateDispatcher(tp);
                dispatcher.IsPaused = true;
                dispatcher.PauseUnknown = true;
                _dispatchers[tp] = dispatcher;
                _session.Backpressure.Track(dispatcher);
                dispatcher.Start();
            }
        }

        Index();
        Publish();
        _parallelismLimited = _dispatchers.Count > _session.Options.MaxDegreeOfParallelism;

        // Running only once the assignment is published: a status read in between showed Running with no partitions.
        if (!_session.Stopping.IsCancellationRequested)
        {
            _session.Group.SetState(ConsumerGroupState.Running);
        }
    }

    /// <summary>Partitions were revoked: their dispatchers stop and what they finished is committed.</summary>
    public void Revoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        Log.PartitionsRevoked(_session.Logger, _session.Group.GroupId, Describe(partitions.Select(p => p.TopicPartition)));
        Stop(consumer, partitions.Select(p => p.TopicPartition).ToList(), commit: true);
    }

    /// <summary>Partitions were lost: their dispatchers stop at once (handlers' tokens cancelled) and nothing is committed.</summary>
    public void Lost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        Log.PartitionsLost(_session.Logger, _session.Group.GroupId, Describe(partitions.Select(p => p.TopicPartition)));
        Stop(consumer, partitions.Select(p => p.TopicPartition).ToList(), commit: false);
        if (_dispatchers.Count == 0 && !_session.StopRequested)
        {
            _session.Group.SetState(ConsumerGroupState.Joining); // out of the group: librdkafka rejoins
        }
    }

    /// <summary>The end of the session: every dispatcher stops; with <paramref name="commit"/>, what they finished is committed.</summary>
    public void StopAll(IConsumer<byte[]?, byte[]?> consumer, bool commit) => Stop(consumer, _dispatchers.Keys.ToList(), commit);

    /// <summary>A crash (test hook): every dispatcher is stopped hard and given the grace only; nothing is stored or committed.</summary>
    public void Crash()
    {
        foreach (var dispatcher in _dispatchers.Values)
        {
            dispatcher.RequestStop(hard: true);
        }

        if (!WaitQuietly(Task.WhenAll(_dispatchers.Values.Select(w => w.Completion)), HardStopGrace))
        {
            AbandonRunning(_dispatchers.Values);
        }

        _dispatchers.Clear();
        Index();
        Publish();
    }

    /// <summary>Stops the dispatchers of <paramref name="partitions"/>: no new message starts, backoffs end, handlers in flight get <see cref="ConsumerOptions.ShutdownTimeout"/>; then commits what finished.</summary>
    private void Stop(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, bool commit)
    {
        var stopping = new List<PartitionDispatcher>();
        foreach (var tp in partitions)
        {
            if (_dispatchers.Remove(tp, out var dispatcher))
            {
                dispatcher.RequestStop(hard: !commit);
                stopping.Add(dispatcher);
            }
        }

        Index();
        _parallelismLimited = _dispatchers.Count > _session.Options.MaxDegreeOfParallelism;
        if (stopping.Count == 0)
        {
            return;
        }

        try
        {
            StopAndCommit(consumer, stopping, commit);
        }
        finally
        {
            Publish();
        }
    }

    private void StopAndCommit(IConsumer<byte[]?, byte[]?> consumer, List<PartitionDispatcher> stopping, bool commit)
    {
        var options = _session.Options;
        var all = Task.WhenAll(stopping.Select(w => w.Completion));
        if (!WaitQuietly(all, options.ShutdownTimeout))
        {
            Log.DrainTimedOut(_session.Logger, _session.Group.GroupId, (long)options.ShutdownTimeout.TotalMilliseconds);
            foreach (var dispatcher in stopping)
            {
                dispatcher.RequestStop(hard: true);
            }

            if (!WaitQuietly(all, HardStopGrace))
            {
                AbandonRunning(stopping);
            }
        }

        if (!commit)
        {
            return;
        }

        var offsets = new List<TopicPartitionOffset>();
        foreach (var dispatcher in stopping)
        {
            if (dispatcher.LastDone is { } done)
            {
                offsets.Add(new TopicPartitionOffset(dispatcher.Partition, new Offset(done + 1)));
            }
        }

        if (offsets.Count == 0)
        {
            return;
        }

        Activity? activity = null;
        if (KafkaTelemetry.Source.HasListeners())
        {
            var topics = offsets.Select(o => o.Topic).Distinct().ToList();
            activity = StartCommitActivity(topics.Count == 1 ? topics[0] : null);
        }

        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e)
        {
            activity?.SetTag(SemConv.ErrorType, e.Error.Code.ToString());
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            Log.CommitFailed(_session.Logger, _session.Group.GroupId, $"{e.Error.Code}: {e.Error.Reason}");
        }
        finally
        {
            activity?.Stop();
        }
    }

    /// <summary>
    /// After the hard-stop grace: the dispatchers whose handlers still run (they ignore their token) are cut off from the
    /// consumer, so that what they finish later stores no offset for a partition this member no longer owns (or owns
    /// again, with a new dispatcher) and touches no closed consumer.
    /// </summary>
    private void AbandonRunning(IEnumerable<PartitionDispatcher> dispatchers)
    {
        foreach (var dispatcher in dispatchers)
        {
            if (!dispatcher.Completion.IsCompleted)
            {
                dispatcher.Abandon();
                Log.DispatcherAbandoned(_session.Logger, _session.Group.GroupId, dispatcher.Partition.Topic, dispatcher.Partition.Partition.Value, (long)HardStopGrace.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// Waits for dispatchers to end; <see langword="true"/> when they did, also when one faulted (its fault was recorded
    /// in the partition's status and logged; the others' progress is still committed and the consumer goes on).
    /// </summary>
    private static bool WaitQuietly(Task dispatchers, TimeSpan timeout)
    {
        try
        {
            return dispatchers.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    /// <summary>librdkafka's report of a commit (the periodic auto-commit included): logged when it failed, and a commit span when traced.</summary>
    public void Committed(CommittedOffsets committed)
    {
        if (committed.Error.IsError)
        {
            Log.CommitFailed(_session.Logger, _session.Group.GroupId, $"{committed.Error.Code}: {committed.Error.Reason}");
        }

        if (!KafkaTelemetry.Source.HasListeners())
        {
            return;
        }

        foreach (var topic in committed.Offsets.Select(o => o.Topic).Distinct())
        {
            using var activity = StartCommitActivity(topic);
            if (committed.Error.IsError)
            {
                activity?.SetTag(SemConv.ErrorType, committed.Error.Code.ToString());
            }
        }
    }

    /// <summary>A <c>commit {topic}</c> span; for a commit that spans several topics, plain <c>commit</c> without a destination.</summary>
    private Activity? StartCommitActivity(string? topic)
    {
        var activity = KafkaTelemetry.Source.StartActivity(topic is null ? "commit" : "commit " + topic, ActivityKind.Client, parentContext: default);
        if (activity is not null)
        {
            activity.SetTag(SemConv.System, SemConv.Kafka);
            activity.SetTag(SemConv.OperationName, "commit");
            activity.SetTag(SemConv.OperationType, "settle");
            if (topic is not null)
            {
                activity.SetTag(SemConv.Destination, topic);
            }

            activity.SetTag(SemConv.ConsumerGroup, _session.Group.GroupId);
            activity.SetTag(SemConv.ClientId, _session.Group.App.ClientId);
        }

        return activity;
    }

    /// <summary>Publishes the assigned partitions for <see cref="Statuses"/> (partitions being stopped stay listed until their handlers finished).</summary>
    private void Publish()
        => _assigned = _dispatchers.Values.OrderBy(w => w.Partition.Topic, StringComparer.Ordinal).ThenBy(w => w.Partition.Partition.Value).ToArray();

    /// <summary>Rebuilds the per-topic dispatcher arrays (after every assignment change).</summary>
    private void Index()
    {
        _byTopic.Clear();
        _lastTopic = null;
        _lastTopicDispatchers = [];
        foreach (var topic in _dispatchers.Values.GroupBy(w => w.Partition.Topic, StringComparer.Ordinal))
        {
            var dispatchers = new PartitionDispatcher?[topic.Max(w => w.Partition.Partition.Value) + 1];
            foreach (var dispatcher in topic)
            {
                dispatchers[dispatcher.Partition.Partition.Value] = dispatcher;
            }

            _byTopic[topic.Key] = dispatchers;
        }
    }

    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.GroupBy(p => p.Topic).Select(g => $"{g.Key} [{string.Join(',', g.Select(p => p.Partition.Value.ToString(CultureInfo.InvariantCulture)))}]"));
}
