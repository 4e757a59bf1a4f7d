// The untyped consumer of another build of Kafka.Typed (--baseline PATH/Kafka.Typed.dll), run side by side with this
// build's in the same rounds, so that a before/after comparison shares one process, one cluster and the same noise.
using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static partial class Program
{
    private static string? s_baseline;
    private static Baseline? s_baselineRuntime;

    /// <summary>
    /// The baseline build's <c>ConsumerGroup</c>, loaded into its own <see cref="AssemblyLoadContext"/> (every other
    /// assembly, Confluent.Kafka and librdkafka included, is shared with this build). Reflection is used only to build
    /// the group; the handler is a compiled delegate of the baseline's <c>MessageHandler</c> type, so the per-message path
    /// has no reflection.
    /// </summary>
    private sealed class Baseline
    {
        private readonly Type _appConfig;
        private readonly Type _options;
        private readonly Type _group;
        private readonly Type _handler;

        private Baseline(Assembly assembly)
        {
            _appConfig = assembly.GetType("Kafka.Typed.KafkaAppConfig", throwOnError: true)!;
            _options = assembly.GetType("Kafka.Typed.ConsumerOptions", throwOnError: true)!;
            _group = assembly.GetType("Kafka.Typed.ConsumerGroup", throwOnError: true)!;
            _handler = assembly.GetType("Kafka.Typed.MessageHandler", throwOnError: true)!;
        }

        public string Location { get; private init; } = "";

        public static Baseline Load(string path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"--baseline: no Kafka.Typed.dll at '{full}'", full);
            }

            var context = new AssemblyLoadContext("Kafka.Typed baseline");
            var assembly = context.LoadFromAssemblyPath(full);
            return new Baseline(assembly) { Location = full };
        }

        /// <summary>A baseline <c>ConsumerGroup</c> with <paramref name="onMessage"/> as its handler, as GroupConsume configures this build's.</summary>
        public (object Group, Func<CancellationToken, Task> ConsumeAsync) Create(string bootstrapServers, string topic, Func<Task> onMessage, Dictionary<string, string> settings)
        {
            var app = Activator.CreateInstance(_appConfig, "bench", "runtime", bootstrapServers)!;
            var options = Activator.CreateInstance(_options)!;
            _options.GetProperty("GroupId")!.SetValue(options, "group-" + Guid.NewGuid().ToString("N"));
            _options.GetProperty("Settings")!.SetValue(options, settings);
            var invoke = _handler.GetMethod("Invoke")!;
            var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
            var handler = Expression.Lambda(_handler, Expression.Invoke(Expression.Constant(onMessage)), parameters).Compile();
            var group = _group.GetConstructors().Single(c => c.GetParameters().Length == 5).Invoke([app, new[] { topic }, handler, options, null]);
            var consume = _group.GetMethod("ConsumeAsync")!;
            return (group, token => (Task)consume.Invoke(group, [token])!);
        }
    }

    /// <summary>"consume: ConsumerGroup" (or its traced form) with the baseline build's <c>ConsumerGroup</c>.</summary>
    private static async Task<Result> BaselineGroupConsume(string bootstrapServers, string topic, bool traced = false)
    {
        using var listener = traced ? new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Kafka.Typed",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        } : null;
        if (listener is not null)
        {
            ActivitySource.AddActivityListener(listener);
        }

        var n = s_messages + 1; // the fill's priming message included
        var seen = 0;
        Mark? first = null;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, consumeAsync) = s_baselineRuntime!.Create(bootstrapServers, topic, () =>
        {
            var count = Interlocked.Increment(ref seen);
            if (count == 1)
            {
                Volatile.Write(ref first, Mark.Now());
            }
            else if (count == n)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        }, new Dictionary<string, string>(StringComparer.Ordinal) { ["fetch.queue.backoff.ms"] = FetchQueueBackoffMs, ["fetch.wait.max.ms"] = FetchWaitMaxMs });

        using var stop = new CancellationTokenSource();
        var meter = Meter.Start();
        var run = consumeAsync(stop.Token);
        var finished = await Task.WhenAny(all.Task, run).ConfigureAwait(false);
        var result = meter.Stop(Volatile.Read(ref first));
        await stop.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
        Check(finished == all.Task, "the baseline ConsumerGroup stopped before it saw every message");
        return result;
    }
}
