using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// Batch handlers (issue 11, item 2) in the generator: detection of <c>IKafkaBatchHandler&lt;T&gt;</c>, its registration,
/// the batch options of <c>[KafkaConsumer]</c> and their diagnostics (KTG206, KTG210, KTG211, KTG212), and their configuration keys.
/// </summary>
public sealed class BatchHandlerTests
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Kafka.Typed;\n";

    private const string Single = "public Task HandleAsync(KafkaMessage<M> message, CancellationToken cancellationToken) => Task.CompletedTask;";

    private const string Batch = "public Task<BatchResult> HandleBatchAsync(KafkaBatch<M> batch, CancellationToken cancellationToken) => Task.FromResult(BatchResult.Success);";

    [Fact]
    public void KTG210_BatchSizeOnASingleMessageHandler()
        => Expect("KTG210", "MaxBatchSize is set on 'H', which handles 'M' one message at a time; batch options apply to IKafkaBatchHandler<T> handlers only: remove it, or implement IKafkaBatchHandler<M> instead of IKafkaHandler<M>",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxBatchSize = [|10|])]
            public sealed class H : IKafkaHandler<M> { {{Single}} }
            """);

    [Fact]
    public void KTG210_BatchWaitOnASingleMessageHandler()
        => Expect("KTG210", "MaxBatchWaitMilliseconds is set on 'H', which handles 'M' one message at a time; batch options apply to IKafkaBatchHandler<T> handlers only: remove it, or implement IKafkaBatchHandler<M> instead of IKafkaHandler<M>",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxBatchWaitMilliseconds = [|50|])]
            public sealed class H : IKafkaHandler<M> { {{Single}} }
            """);

    [Fact]
    public void KTG211_SingleAndBatchHandlerOfTheSameType()
        => Expect("KTG211", "'H' implements both IKafkaHandler<M> and IKafkaBatchHandler<M>; a handler takes a type's messages one way: implement one of them, or split it into two classes with their own [KafkaConsumer] group ids",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t")]
            public sealed class [|H|] : IKafkaHandler<M>, IKafkaBatchHandler<M> { {{Single}} {{Batch}} }
            """);

    [Fact]
    public void KTG212_PerKeyConcurrencyOnABatchHandler()
        => Expect("KTG212", "Concurrency = ConsumerConcurrency.PerKey is set on 'H', a batch handler: a batch is a run of one partition's records in offset order, handled and settled together, so it cannot also run its keys apart; remove Concurrency (or set InOrder), or implement IKafkaHandler<M> to handle keys concurrently",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", Concurrency = [|ConsumerConcurrency.PerKey|])]
            public sealed class H : IKafkaBatchHandler<M> { {{Batch}} }
            """);

    [Fact]
    public void KTG206_BatchSizeOutOfRange()
        => Expect("KTG206", "MaxBatchSize = 0 on 'H' is invalid: must be from 1 to 100,000",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxBatchSize = [|0|])]
            public sealed class H : IKafkaBatchHandler<M> { {{Batch}} }
            """);

    [Fact]
    public void KTG206_BatchWaitOutOfRange()
        => Expect("KTG206", "MaxBatchWaitMilliseconds = 600001 on 'H' is invalid: must be from 0 to 600,000 (ten minutes)",
            $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaConsumer("t", MaxBatchWaitMilliseconds = [|600001|])]
            public sealed class H : IKafkaBatchHandler<M> { {{Batch}} }
            """);

    [Fact]
    public void KTG201_NamesBothHandlerInterfaces()
        => Expect("KTG201", "The [KafkaConsumer] type 'H' does not implement IKafkaHandler<T> or IKafkaBatchHandler<T>",
            """
            [KafkaTopic("t")]
            public partial class M { }

            [[|KafkaConsumer("t")|]]
            public sealed class H { }
            """);

    [Fact]
    public void ValidBatchHandlersReportNothing()
    {
        // Batch options at their bounds, FromConfiguration on a single-message handler, a batch tombstone handler, and a
        // class that takes one type in batches and another one at a time.
        var compilation = TestCompilation.Create(Usings + $$"""
            [KafkaTopic("t")]
            public partial class M { }

            [KafkaTopic("u")]
            public partial class N { }

            [KafkaConsumer("t", GroupId = "a", MaxBatchSize = 100000, MaxBatchWaitMilliseconds = 0)]
            public sealed class A : IKafkaBatchTombstoneHandler<M> { {{Batch}} }

            [KafkaConsumer("t", GroupId = "b", MaxBatchSize = 1, MaxBatchWaitMilliseconds = 600000)]
            public sealed class B : IKafkaBatchHandler<M> { {{Batch}} }

            [KafkaConsumer("t", GroupId = "c", MaxBatchSize = KafkaConsumerAttribute.FromConfiguration)]
            public sealed class C : IKafkaHandler<M> { {{Single}} }

            [KafkaConsumer("t", GroupId = "d")]
            [KafkaConsumer("u", GroupId = "d")]
            public sealed class D : IKafkaBatchHandler<M>, IKafkaHandler<N>
            {
                {{Batch}}
                public Task HandleAsync(KafkaMessage<N> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);
        Assert.Empty(TestCompilation.Analyze(compilation));
        var (result, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        var registration = result.Results.Single().GeneratedSources.Single(s => s.HintName == "KafkaTyped.Registration.g.cs").SourceText.ToString();
        Assert.Contains("AddBatchConsumer<global::M, global::A>", registration, StringComparison.Ordinal);
        Assert.Contains("AddBatchConsumer<global::M, global::B>", registration, StringComparison.Ordinal);
        Assert.Contains("AddConsumer<global::M, global::C>", registration, StringComparison.Ordinal);
        Assert.Contains("AddBatchConsumer<global::M, global::D>", registration, StringComparison.Ordinal);
        Assert.Contains("AddConsumer<global::N, global::D>", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchHandlerSnapshot()
    {
        var files = TestCompilation.GenerateAndCompile("""
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            namespace Shop;

            [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
            public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);

            [KafkaConsumer("orders.placed", GroupId = "warehouse", MaxBatchSize = 500, MaxBatchWaitMilliseconds = 250, MaxRetries = 2)]
            public sealed class WarehouseSink : IKafkaBatchHandler<OrderPlaced>
            {
                public Task<BatchResult> HandleBatchAsync(KafkaBatch<OrderPlaced> batch, CancellationToken cancellationToken) => Task.FromResult(BatchResult.Success);
            }

            [KafkaConsumer("orders.placed", GroupId = "audit")]
            public sealed class AuditSink : IKafkaBatchTombstoneHandler<OrderPlaced>
            {
                public Task<BatchResult> HandleBatchAsync(KafkaBatch<OrderPlaced> batch, CancellationToken cancellationToken) => Task.FromResult(BatchResult.Success);
            }
            """);
        Snapshot.Match(nameof(BatchHandlerSnapshot), files);
    }

    [Fact]
    public void GeneratedRegistrationRunsABatchConsumerWithTheAttributeOptions()
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;
            namespace Shop;

            [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
            public partial record OrderPlaced(string OrderId);

            [KafkaConsumer("orders.placed", GroupId = "warehouse", MaxBatchSize = 500, MaxBatchWaitMilliseconds = 250)]
            public sealed class WarehouseSink : IKafkaBatchHandler<OrderPlaced>
            {
                public Task<BatchResult> HandleBatchAsync(KafkaBatch<OrderPlaced> batch, CancellationToken cancellationToken) => Task.FromResult(BatchResult.Success);
            }

            public static class Probe
            {
                public static IServiceProvider Services(IConfiguration configuration)
                {
                    var services = new ServiceCollection();
                    services.AddLogging();
                    services.AddKafkaTyped(configuration);
                    return services.BuildServiceProvider();
                }
            }
            """));
        TestCompilation.AssertClean(output);
        var probe = TestCompilation.Load(output).GetType("Shop.Probe", throwOnError: true)!;
        var configuration = Config(("Kafka:AppName", "shop"), ("Kafka:Server", "test"), ("Kafka:BootstrapServers", "localhost:9092"), ("Kafka:Consumer:MaxBatchWait", "00:00:02"));
        var provider = (IServiceProvider)probe.GetMethod("Services")!.Invoke(null, [configuration.GetSection("Kafka")])!;

        var consumer = Assert.Single(provider.GetServices<IHostedService>(), s => s.GetType().Name.StartsWith("KafkaBatchConsumerService", StringComparison.Ordinal));
        Assert.Equal(typeof(KafkaBatchConsumerService<,>), consumer.GetType().GetGenericTypeDefinition());
        Assert.Equal(["Shop.OrderPlaced", "Shop.WarehouseSink"], consumer.GetType().GetGenericArguments().Select(t => t.FullName));
        var definition = Assert.Single(provider.GetServices<KafkaConsumerDefinition>());
        Assert.Equal((500, TimeSpan.FromMilliseconds(250)), (definition.MaxBatchSize, definition.MaxBatchWait));

        // The attribute wins over Kafka:Consumer; the consumer's own section wins over the attribute.
        var options = provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
        Assert.Equal((500, TimeSpan.FromMilliseconds(250)), (options.ToConsumerOptions(definition).MaxBatchSize, options.ToConsumerOptions(definition).MaxBatchWait));
    }

    [Fact]
    public void BatchOptionsLayerFromConfiguration()
    {
        var definition = new KafkaConsumerDefinition("orders.placed", "Shop.WarehouseSink", "Shop.OrderPlaced") { MaxBatchSize = 500 };
        var other = new KafkaConsumerDefinition("orders.placed", "Shop.AuditSink", "Shop.OrderPlaced");
        var options = Bind(
            ("Kafka:Consumer:MaxBatchSize", "50"),
            ("Kafka:Consumer:MaxBatchWait", "00:00:01"),
            ("Kafka:Consumers:WarehouseSink:MaxBatchWait", "00:00:00.020"));

        var sink = options.ToConsumerOptions(definition);
        Assert.Equal(500, sink.MaxBatchSize);                               // attribute over Kafka:Consumer
        Assert.Equal(TimeSpan.FromMilliseconds(20), sink.MaxBatchWait);     // section over Kafka:Consumer
        var audit = options.ToConsumerOptions(other);
        Assert.Equal((50, TimeSpan.FromSeconds(1)), (audit.MaxBatchSize, audit.MaxBatchWait));
        var defaults = Bind().ToConsumerOptions(other);
        Assert.Equal((100, TimeSpan.FromMilliseconds(100)), (defaults.MaxBatchSize, defaults.MaxBatchWait));

        options = Bind(("Kafka:Consumers:WarehouseSink:MaxBatchSize", "100001"));
        var result = new KafkaTypedOptionsValidator([definition, other], [], []).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Kafka:Consumers:WarehouseSink:MaxBatchSize = '100001'; must be from 1 to 100,000", result.FailureMessage, StringComparison.Ordinal);

        options = Bind(("Kafka:Consumer:MaxBatchWait", "00:11:00"));
        result = new KafkaTypedOptionsValidator([other], [], []).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Kafka:Consumer:MaxBatchWait (consumer Shop.AuditSink) = '00:11:00'; must be from 00:00:00 to 00:10:00", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsumerOptionsRejectBadBatchOptionsNamingThem()
    {
        Assert.Contains("ConsumerOptions.MaxBatchSize", Invalid(new ConsumerOptions { MaxBatchSize = 0 }), StringComparison.Ordinal);
        Assert.Contains("ConsumerOptions.MaxBatchSize = '100001'; must be from 1 to 100,000", Invalid(new ConsumerOptions { MaxBatchSize = 100_001 }), StringComparison.Ordinal);
        Assert.Contains("ConsumerOptions.MaxBatchWait", Invalid(new ConsumerOptions { MaxBatchWait = TimeSpan.FromMilliseconds(-1) }), StringComparison.Ordinal);
        Assert.Contains("ConsumerOptions.MaxBatchWait", Invalid(new ConsumerOptions { MaxBatchWait = TimeSpan.FromMinutes(11) }), StringComparison.Ordinal);
    }

    [Fact]
    public void BatchResultNamesFailuresOnceEach()
    {
        Assert.True(BatchResult.Success.IsSuccess);
        Assert.Same(BatchResult.Success, BatchResult.WithFailures([]));
        var one = BatchResult.Failed(7, new InvalidOperationException("x"));
        Assert.Equal([7L], one.Failures.Select(f => f.Offset));
        Assert.False(one.IsSuccess);
        var twice = Assert.Throws<ArgumentException>(() => BatchResult.WithFailures([new(3, new InvalidOperationException()), new(3, new InvalidOperationException())]));
        Assert.Contains("Offset 3 is named twice", twice.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BatchResult.WithFailures([new(3, null!)]));
    }

    private static string Invalid(ConsumerOptions options)
        => Assert.Throws<KafkaConfigurationException>(() => ConsumerGroup.ForBatches(new KafkaAppConfig("a", "s", "localhost:1"), ["t"], static (_, _) => Task.FromResult(BatchResult.Success), options)).Message;

    private static KafkaTypedOptions Bind(params (string Key, string Value)[] values)
    {
        var options = new KafkaTypedOptions();
        options.Bind(Config([("Kafka:AppName", "shop"), ("Kafka:Server", "test"), ("Kafka:BootstrapServers", "localhost:9092"), .. values]).GetSection("Kafka"));
        return options;
    }

    private static IConfigurationRoot Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static void Expect(string id, string message, string markedSource)
    {
        DiagnosticTests.Expect(id, message, markedSource);

        // The generator emits nothing for the offending handler.
        var source = Usings + markedSource.Replace("[|", "", StringComparison.Ordinal).Replace("|]", "", StringComparison.Ordinal);
        var (result, _) = TestCompilation.Run(TestCompilation.Create(source));
        Assert.DoesNotContain(result.Results.Single().GeneratedSources, s => s.SourceText.ToString().Contains("global::H>", StringComparison.Ordinal));
    }
}
