using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using OpenTelemetry.Context.Propagation;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>A failure outside the handler on the poll thread (inline path) faults one partition, not the consumer (issue 9).</summary>
public sealed class InlineFaultTests
{
    private const string ThrowHeader = "kt-test-propagator-throws";

    [Fact]
    public async Task A_propagator_that_throws_on_the_inline_path_faults_only_its_partition()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = TestNames.Unique("inline-fault");
        cluster.CreateTopic(topic, 2);
        var handled = new ConcurrentQueue<(int Partition, long Offset)>();
        var original = KafkaTelemetry.Propagator;
        // Throws only for records carrying the test's header, so tests running alongside are not affected.
        KafkaTelemetry.Propagator = new ThrowingForHeader(original);
        // Traced, so the inline path starts the process span (and extracts the propagated context) on the poll thread.
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == KafkaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        try
        {
            await using var producer = new SyncProducer(Kit.App(cluster));
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("poison"), headers: new Headers { { ThrowHeader, [1] } }) { Partition = 0 });
            for (var i = 0; i < 3; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"fine-{i}")) { Partition = 1 });
            }

            // A synchronous handler: run on the poll thread whenever the partition is idle.
            var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
            {
                handled.Enqueue((m.Partition, m.Offset));
                return Task.CompletedTask;
            }, Kit.FastGroup(new ConsumerOptions { GroupId = topic }));
            using var cts = new CancellationTokenSource();
            var run = group.ConsumeAsync(cts.Token);
            try
            {
                await Kit.WaitUntilAsync(() => run.IsCompleted || (handled.Count(h => h.Partition == 1) == 3 && group.GetStatus().Partitions.FirstOrDefault(p => p.Partition == 0)?.Stall == PartitionStall.Faulted), "partition 1 is handled and partition 0 faulted");
                Assert.False(run.IsCompleted, $"ConsumeAsync ended: {run.Exception?.GetBaseException()}");

                // The consumer goes on: later records of the other partition are still handled.
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("later")) { Partition = 1 });
                await Kit.WaitUntilAsync(() => run.IsCompleted || handled.Count(h => h.Partition == 1) == 4, "the later record is handled");
                Assert.DoesNotContain(handled, h => h.Partition == 0);
            }
            finally
            {
                await cts.CancelAsync();
            }

            await run.WaitAsync(TimeSpan.FromSeconds(30)); // does not throw
            Assert.Equal(ConsumerGroupState.Stopped, group.GetStatus().State);
        }
        finally
        {
            KafkaTelemetry.Propagator = original;
        }
    }

    private sealed class ThrowingForHeader(TextMapPropagator inner) : TextMapPropagator
    {
        public override ISet<string>? Fields => inner.Fields;

        public override void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter) => inner.Inject(context, carrier, setter);

        public override PropagationContext Extract<T>(PropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter)
            => getter(carrier, ThrowHeader)?.Any() == true ? throw new InvalidOperationException("propagator failed (test)") : inner.Extract(context, carrier, getter);
    }
}
