// The untyped consumer and AsyncProducer of another build of Kafka.Typed (--baseline PATH/Kafka.Typed.dll), run side by
// side with this build's in the same rounds, so that a before/after comparison shares one process, one cluster and the
// same noise. The producer of both builds is driven through the same compiled-expression harness ("(baseline)" and
// "(this build, same harness)" rows), so that the harness itself is not part of the difference.
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
        private readonly Type _producer;
        private readonly Type _producerMessage;
        private readonly Type _report;

        private Baseline(Assembly assembly)
        {
            _producer = assembly.GetType("Kafka.Typed.AsyncProducer", throwOnError: true)!;
            _producerMessage = assembly.GetType("Kafka.Typed.ProducerMessage", throwOnError: true)!;
            _report = assembly.GetType("Kafka.Typed.ProducerReport", throwOnError: true)!;
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

        /// <summary>This build's own assembly through the same harness, for the like-for-like "(this build, same harness)" row.</summary>
        public static Baseline ThisBuild() => new(typeof(AsyncProducer).Assembly) { Location = typeof(AsyncProducer).Assembly.Location };

        /// <summary>
        /// An <c>AsyncProducer</c> of this assembly with default options, its report callback calling
        /// <paramref name="onReport"/> (success, the message's <c>State</c>), and compiled delegates for its
        /// <c>SendAsync(new ProducerMessage(topic, value))</c>, a send carrying a state, <c>ListenAsync</c> and disposal.
        /// </summary>
        public BaselineProducer CreateProducer(string bootstrapServers, Action<bool, object?> onReport)
        {
            var app = Activator.CreateInstance(_appConfig, "bench", "runtime", bootstrapServers)!;
            var report = Expression.Parameter(_report, "report");
            var callback = Expression.Lambda(
                typeof(Action<>).MakeGenericType(_report),
                Expression.Invoke(
                    Expression.Constant(onReport),
                    Expression.Property(report, "IsSuccess"),
                    Expression.Convert(Expression.Property(Expression.Property(report, "Message"), "State"), typeof(object))),
                report).Compile();
            var ctor = _producer.GetConstructors().Single(c => c.GetParameters().Length == 4 && c.GetParameters()[1].ParameterType == callback.GetType());
            var producer = ctor.Invoke([app, callback, null, null]);

            var topic = Expression.Parameter(typeof(string), "topic");
            var value = Expression.Parameter(typeof(byte[]), "value");
            var messageCtor = _producerMessage.GetConstructors().Single(c =>
                c.GetParameters() is [{ ParameterType: var t }, { ParameterType: var v }, { ParameterType: var k }, _] && t == typeof(string) && v == typeof(byte[]) && k == typeof(byte[]));
            var sendAsync = _producer.GetMethod("SendAsync", [_producerMessage, typeof(CancellationToken)])!;
            var newMessage = Expression.New(messageCtor, topic, value, Expression.Constant(null, typeof(byte[])), Expression.Constant(null, messageCtor.GetParameters()[3].ParameterType));
            var send = Expression.Lambda<Func<string, byte[], ValueTask>>(
                Expression.Call(Expression.Constant(producer, _producer), sendAsync, newMessage, Expression.Default(typeof(CancellationToken))),
                topic,
                value).Compile();
            var state = Expression.Parameter(typeof(object), "state");
            var sendWithState = Expression.Lambda<Func<string, byte[], object, ValueTask>>(
                Expression.Call(
                    Expression.Constant(producer, _producer),
                    sendAsync,
                    Expression.MemberInit(newMessage, Expression.Bind(_producerMessage.GetProperty("State")!, state)),
                    Expression.Default(typeof(CancellationToken))),
                topic,
                value,
                state).Compile();
            var listen = _producer.GetMethod("ListenAsync", [typeof(CancellationToken)])!;
            return new BaselineProducer(send, sendWithState, token => (Task)listen.Invoke(producer, [token])!, (IAsyncDisposable)producer);
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

    /// <summary>Compiled entry points of one <c>AsyncProducer</c> of a loaded build (no reflection per message).</summary>
    private sealed record BaselineProducer(
        Func<string, byte[], ValueTask> SendAsync,
        Func<string, byte[], object, ValueTask> SendWithStateAsync,
        Func<CancellationToken, Task> ListenAsync,
        IAsyncDisposable Producer);

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

    /// <summary>
    /// "produce: AsyncProducer" through <paramref name="runtime"/>'s compiled delegates: the same loop as
    /// <c>AsyncProduce</c> (awaited <c>SendAsync</c> per message on a thread-pool thread, reports counted in the callback).
    /// </summary>
    private static async Task<Result> HarnessAsyncProduce(Baseline runtime, string bootstrapServers, string topic)
    {
        var done = 0;
        var failed = 0;
        var n = s_messages;
        var primed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var priming = new object();
        var producer = runtime.CreateProducer(bootstrapServers, (success, state) =>
        {
            if (!success)
            {
                Interlocked.Increment(ref failed);
            }

            if (ReferenceEquals(state, priming))
            {
                primed.TrySetResult();
            }
            else if (Interlocked.Increment(ref done) == n)
            {
                all.TrySetResult();
            }
        });
        await using (producer.Producer.ConfigureAwait(false))
        {
            using var stop = new CancellationTokenSource();
            var listen = producer.ListenAsync(stop.Token);
            await producer.SendWithStateAsync(topic, s_payload, priming).ConfigureAwait(false);
            await primed.Task.ConfigureAwait(false);

            var meter = Meter.Start();
            var send = producer.SendAsync;
            for (var i = 0; i < n; i++)
            {
                await send(topic, s_payload).ConfigureAwait(false);
            }

            await all.Task.ConfigureAwait(false);
            var result = meter.Stop();
            await stop.CancelAsync().ConfigureAwait(false);
            await listen.ConfigureAwait(false);
            Check(failed == 0, $"AsyncProducer ({runtime.Location}): {failed} reports failed");
            return result;
        }
    }
}
