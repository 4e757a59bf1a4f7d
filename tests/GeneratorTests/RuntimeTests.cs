using System.Reflection;
using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>The generated code at run time: JSON round trips, keys, poison payloads, DI registration and start-up validation.</summary>
[Collection(KafkaAvroDefaultsCollection.Name)]
public sealed class RuntimeTests
{
    private const string App = """
        using System;
        using System.Buffers;
        using System.Collections.Generic;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        namespace Shop;

        [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount, DateTimeOffset PlacedAt, string? Note = null);

        public enum Status { New, Done }

        [KafkaTopic("everything", Format = KafkaFormat.Json)]
        public partial class Everything
        {
            [KafkaKey] public long? Id { get; set; }
            public Guid G { get; set; }
            public TimeSpan Span { get; set; }
            public DateOnly Day { get; set; }
            public char C { get; set; }
            public byte[]? Bytes { get; set; }
            public Status State { get; set; }
            public required string Name { get; init; }
            public List<string> Tags { get; set; } = new();
            public int?[]? Numbers { get; set; }
        }

        [KafkaConsumer("orders.placed", GroupId = "billing", MaxRetries = 7)]
        public sealed class BillingHandler(Microsoft.Extensions.Logging.ILogger<BillingHandler> log) : IKafkaHandler<OrderPlaced>
        {
            public Microsoft.Extensions.Logging.ILogger Log => log;

            public Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        public static class Probe
        {
            public static string Json<T>(T value) where T : IKafkaMessage<T>
            {
                var buffer = new ArrayBufferWriter<byte>();
                T.Serializer.Serialize(value, buffer, new KafkaSerializationContext(T.Topic));
                return Encoding.UTF8.GetString(buffer.WrittenSpan);
            }

            public static T Read<T>(string json) where T : IKafkaMessage<T>
                => T.Serializer.Deserialize(Encoding.UTF8.GetBytes(json), new KafkaSerializationContext(T.Topic));

            public static string Order()
            {
                var order = new OrderPlaced("o-1", 10.5m, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
                var json = Json(order);
                var back = Read<OrderPlaced>(json);
                return json + "|" + (back == order) + "|" + Convert.ToHexString(OrderPlaced.Key(order)!);
            }

            public static string Everything()
            {
                var value = new Everything
                {
                    Id = 258, G = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), Span = TimeSpan.FromMinutes(90), Day = new DateOnly(2026, 11, 27),
                    C = 'x', Bytes = [1, 2, 3], State = Status.Done, Name = "n", Tags = ["a", "b"], Numbers = [1, null, 3],
                };
                var json = Json(value);
                return json + "|" + Json(Read<Everything>(json)) + "|" + Convert.ToHexString(SerializeKey(value)!);
            }

            public static byte[]? SerializeKey<T>(T value) where T : IKafkaMessage<T> => T.SerializeKey(value);

            public static string Poison(string? json, int partition, long offset)
            {
                try
                {
                    KafkaConsumerService<OrderPlaced, BillingHandler>.Deserialize(Get<OrderPlaced>(), "orders.placed", partition, offset, json is null ? null : Encoding.UTF8.GetBytes(json), null, "Shop.OrderPlaced");
                    return "no exception";
                }
                catch (NonRetriableMessageException e)
                {
                    return e.Message;
                }
            }

            public static IKafkaSerializer<T> Get<T>() where T : IKafkaMessage<T> => T.Serializer;

            public static IServiceProvider Services(IConfiguration configuration)
            {
                var services = new ServiceCollection();
                services.AddLogging();
                services.AddKafkaTyped(configuration);
                return services.BuildServiceProvider();
            }
        }

        public partial record OrderPlaced
        {
            public static byte[]? Key(OrderPlaced order) => Probe.SerializeKey(order);
        }
        """;

    private static readonly Lazy<Type> Probe = new(() =>
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create(App));
        TestCompilation.AssertClean(output);
        return TestCompilation.Load(output).GetType("Shop.Probe", throwOnError: true)!;
    });

    [Fact]
    public void RecordRoundTripsThroughTheGeneratedCodecWithUtf8Key()
    {
        var result = Call<string>("Order");
        Assert.Equal("""{"orderId":"o-1","amount":10.5,"placedAt":"2026-01-02T03:04:05+00:00","note":null}|True|6F2D31""", result);
    }

    [Fact]
    public void EveryShapeRoundTripsAndLongKeyIsBigEndian()
    {
        var parts = Call<string>("Everything").Split('|');
        Assert.Equal(parts[0], parts[1]);
        Assert.Equal("""{"id":258,"g":"0f8fad5b-d9cb-469f-a165-70867728950e","span":"01:30:00","day":"2026-11-27","c":"x","bytes":"AQID","state":"Done","name":"n","tags":["a","b"],"numbers":[1,null,3]}""", parts[0]);
        Assert.Equal("0000000000000102", parts[2]);
    }

    [Fact]
    public void UndecodablePayloadIsNonRetriableAndNamesTopicPartitionOffsetAndReason()
    {
        Assert.Equal(
            "Cannot deserialize the record at topic 'orders.placed', partition 3, offset 42 as Shop.OrderPlaced: member 'amount': Cannot get the value of a token type 'String' as a number.",
            Call<string>("Poison", """{"orderId":"o-1","amount":"ten"}""", 3, 42L));
        Assert.Equal(
            "Cannot deserialize the record at topic 'orders.placed', partition 0, offset 7 as Shop.OrderPlaced: member 'orderId' is missing or null but its type is not nullable",
            Call<string>("Poison", """{"amount":1}""", 0, 7L));
        Assert.Equal(
            "Cannot deserialize the record at topic 'orders.placed', partition 1, offset 2 as Shop.OrderPlaced: expected a JSON object, found StartArray",
            Call<string>("Poison", "[1]", 1, 2L));
        Assert.Equal(
            "Cannot deserialize the record at topic 'orders.placed', partition 1, offset 3 as Shop.OrderPlaced: the value is null (a tombstone).",
            Call<string>("Poison", null, 1, 3L));
    }

    [Fact]
    public void AddKafkaTypedRegistersProducersAndConsumers()
    {
        var configuration = Config(("Kafka:AppName", "shop"), ("Kafka:Server", "test"), ("Kafka:BootstrapServers", "localhost:9092"));
        var provider = (IServiceProvider)Probe.Value.GetMethod("Services")!.Invoke(null, [configuration.GetSection("Kafka")])!;
        var orderType = Probe.Value.Assembly.GetType("Shop.OrderPlaced", true)!;
        var producerType = Probe.Value.Assembly.GetType("Shop.OrderPlacedProducer", true)!;
        var producer = provider.GetRequiredService(typeof(IKafkaProducer<>).MakeGenericType(orderType));
        Assert.Same(provider.GetRequiredService(producerType), producer);
        Assert.Equal("orders.placed", producer.GetType().GetProperty("Topic")!.GetValue(producer));

        using (var scope = provider.CreateScope())
        {
            var handlerType = Probe.Value.Assembly.GetType("Shop.BillingHandler", true)!;
            var handler = scope.ServiceProvider.GetRequiredService(handlerType);
            Assert.NotSame(handler, provider.CreateScope().ServiceProvider.GetRequiredService(handlerType));
            Assert.NotNull(handlerType.GetProperty("Log")!.GetValue(handler));
        }

        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Equal(4, hosted.Count); // the start-up check of the shutdown timeout, the producers, the named clusters' producers, the consumer
        Assert.IsType<KafkaProducerHost>(hosted[1]);
        var definition = Assert.Single(provider.GetServices<KafkaConsumerDefinition>());
        Assert.Equal(("orders.placed", "billing", 7), (definition.Topic, definition.GroupId, definition.MaxRetries));
        var options = provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
        Assert.Equal(7, options.ToConsumerOptions(definition).MaxRetries);
        Assert.Equal("billing", options.ToConsumerOptions(definition).GroupId);
    }

    [Fact]
    public async Task InvalidConfigurationFailsAtStartNamingEachField()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = "localhost:9092",
            ["Kafka:Producer:Acks"] = "lots",
            ["Kafka:Producer:QueueCapacity"] = "0",
            ["Kafka:Consumer:MaxRetries"] = "5000",
        });
        KafkaTypedRegistration.AddCore(builder.Services, builder.Configuration.GetSection("Kafka"), null);
        builder.Services.AddSingleton(new KafkaConsumerDefinition("orders.placed", "Shop.BillingHandler", "Shop.OrderPlaced"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Kafka:Producer:Acks = 'lots'; expected one of None, Leader, All", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:AppName = ''; must be a non-empty name", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Producer:QueueCapacity = '0'; must be from 1 to 10,000,000", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumer:MaxRetries (consumer Shop.BillingHandler) = '5000'; must be from 0 to 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawSettingErrorsNameTheConfigurationKeyAsWritten()
    {
        // A raw librdkafka key contains dots; its configuration path is Kafka:Producer:Settings:<key>, the key unchanged.
        var options = new KafkaTypedOptions();
        options.Bind(Config(("AppName", "app"), ("Server", "test"), ("BootstrapServers", "localhost:9092"),
            ("Producer:Settings:linger.ms", "7"), ("Consumer:Settings:group.id", "other")));
        var result = new KafkaTypedOptionsValidator([new KafkaConsumerDefinition("orders.placed", "Shop.BillingHandler", "Shop.OrderPlaced")], []).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Kafka:Producer:Settings:linger.ms = '7'; this key is set by Kafka.Typed", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:Consumer:Settings:group.id (consumer Shop.BillingHandler) = 'other'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AvroMessagesWithoutASchemaRegistryFailAtStartNamingTheTypes()
    {
        Kafka.Typed.Avro.KafkaAvroDefaults.Reset();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:AppName"] = "app",
            ["Kafka:Server"] = "test",
            ["Kafka:BootstrapServers"] = "localhost:9092",
        });
        KafkaTypedRegistration.AddCore(builder.Services, builder.Configuration.GetSection("Kafka"), null);
        KafkaTypedRegistration.AddAvroMessage<E2eOrder>(builder.Services);
        using (var host = builder.Build())
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            Assert.Contains("Kafka:SchemaRegistry:Url is not set, but these message types use Avro (the default format) or KafkaFormat.JsonSchema and need a Schema Registry: E2eOrder;", error.Message, StringComparison.Ordinal);
        }

        // Registry settings bind from Kafka:SchemaRegistry and their errors name that section.
        var options = new KafkaTypedOptions();
        options.Bind(Config(("SchemaRegistry:Url", "http://registry:8081"), ("SchemaRegistry:BasicAuthUserInfo", "user:secret"), ("SchemaRegistry:Timeout", "00:00:00")));
        var avro = options.ToAvroSerdeOptions()!;
        Assert.Equal("http://registry:8081", avro.Registry.Url);
        Assert.Equal("user:secret", avro.Registry.BasicAuthUserInfo);
        Assert.DoesNotContain("secret", options.SchemaRegistry.ToString(), StringComparison.Ordinal);
        var result = new KafkaTypedOptionsValidator([], [new KafkaAvroMessage("E2eOrder")]).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Kafka:SchemaRegistry:Timeout = '00:00:00'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeArgumentsOverrideConfigurationWhichOverridesDefaults()
    {
        var options = new KafkaTypedOptions();
        options.Bind(Config(
            ("Kafka:AppName", "shop"), ("Kafka:Server", "eu"), ("Kafka:BootstrapServers:0", "b1:9092"), ("Kafka:BootstrapServers:1", "b2:9092"),
            ("Kafka:Producer:Compression", "zstd"), ("Kafka:Producer:Settings:linger.ms", "7"),
            ("Kafka:Consumer:MaxRetries", "9"), ("Kafka:Consumer:GroupId", "from-config"), ("Kafka:Consumer:Backoff:InitialDelay", "00:00:01")).GetSection("Kafka"));
        var definition = new KafkaConsumerDefinition("t", "H", "M") { MaxRetries = 2, FailurePolicy = FailurePolicy.Skip };

        Assert.Equal(["b1:9092", "b2:9092"], options.BootstrapServers);
        Assert.Equal(KafkaCompression.Zstd, options.ToProducerOptions().Compression);
        Assert.Equal("7", options.ToProducerOptions().Settings!["linger.ms"]);
        var consumer = options.ToConsumerOptions(definition);
        Assert.Equal((2, "from-config", FailurePolicy.Skip, TimeSpan.FromSeconds(1)), (consumer.MaxRetries, consumer.GroupId, consumer.FailurePolicy, consumer.Backoff.InitialDelay));
        Assert.Equal(9, options.ToConsumerOptions().MaxRetries);
        Assert.Equal(8, consumer.MaxDegreeOfParallelism);
    }

    private static IConfigurationRoot Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static T Call<T>(string method, params object?[] args)
    {
        try
        {
            return (T)Probe.Value.GetMethod(method)!.Invoke(null, args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
