using System.Reflection;
using System.Runtime.CompilerServices;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>A revoked partition's worker leaves nothing behind on the running session (issue 9 suspicion: linked token sources never disposed).</summary>
public sealed class WorkerLifetimeTests
{
    [Fact]
    public async Task A_revoked_workers_stop_token_source_is_not_kept_alive_by_the_session()
    {
        // The leak has no public symptom short of memory growing with every rebalance, so this test reads private fields
        // of Kafka.Typed's own consumer types (ConsumerGroup._session, ConsumeSession.Assignment._dispatchers, PartitionDispatcher._stop)
        // to hold weak references to each worker's stop token source, and checks which survive a garbage collection.
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1, ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        const string topic = "worker-lifetime";
        cluster.CreateTopic(topic, 2);
        var options = new ConsumerOptions { GroupId = "worker-lifetime", CommitInterval = TimeSpan.FromMilliseconds(200), Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" } };
        var a = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], (_, _) => Task.CompletedTask, options);
        var b = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], (_, _) => Task.CompletedTask, options);
        using var cts = new CancellationTokenSource();
        var runA = a.ConsumeAsync(cts.Token);
        Task? runB = null;
        try
        {
            await Kit.WaitUntilAsync(() => a.GetStatus().Partitions.Count == 2, "the first member has both partitions");
            var sources = StopSources(a);
            Assert.Equal(2, sources.Length);

            runB = b.ConsumeAsync(cts.Token);
            await Kit.WaitUntilAsync(() => a.GetStatus().Partitions.Count == 1 && b.GetStatus().Partitions.Count == 1, "the second member took one partition");
            await Kit.WaitUntilAsync(() => Alive(sources) == 1, "the revoked worker's token source is collected", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await cts.CancelAsync();
            await Task.WhenAll(runB is null ? [runA] : [runA, runB]).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] StopSources(ConsumerGroup group)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.NonPublic;
        var session = typeof(ConsumerGroup).GetField("_session", flags)!.GetValue(group)!;
        var assignment = session.GetType().GetProperty("Assignment", flags | BindingFlags.Public)!.GetValue(session)!;
        var workers = (System.Collections.IDictionary)assignment.GetType().GetField("_dispatchers", flags)!.GetValue(assignment)!;
        return workers.Values.Cast<object>().Select(w => new WeakReference(typeof(PartitionDispatcher).GetField("_stop", flags)!.GetValue(w))).ToArray();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Alive(WeakReference[] references)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return references.Count(r => r.IsAlive);
    }
}
