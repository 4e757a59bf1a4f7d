using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// A solution of several assemblies (issue 10, item 0): Contracts declares the message types, an Api only produces them,
/// a Worker handles them and injects a producer of a Contracts type, Worker.Tests references the Worker. Each assembly with
/// Kafka.Typed types emits a public registration module; each application's AddKafkaTyped composes the modules of every
/// referenced assembly, without InternalsVisibleTo. These compile the assemblies in memory, one against the other's image.
/// </summary>
public sealed class ModuleCompositionTests
{
    private const string Contracts = """
        using Kafka.Typed;
        namespace Shop.Contracts;
        [KafkaTopic("orders.placed", Format = KafkaFormat.Json)]
        public partial record OrderPlaced([property: KafkaKey] string OrderId, decimal Amount);
        [KafkaTopic("shipments.requested")]
        public partial record ShipmentRequested([property: KafkaKey] string OrderId);
        """;

    private const string Worker = """
        using System.Threading;
        using System.Threading.Tasks;
        using Kafka.Typed;
        using Shop.Contracts;
        namespace Shop.Worker;
        [KafkaConsumer("orders.placed", GroupId = "worker")]
        internal sealed class OrderHandler(IKafkaProducer<ShipmentRequested> shipments) : IKafkaHandler<OrderPlaced>
        {
            public async Task HandleAsync(KafkaMessage<OrderPlaced> message, CancellationToken cancellationToken)
                => await shipments.SendAsync(new ShipmentRequested(message.Value.OrderId), cancellationToken);
        }
        """;

    private const string Wiring = """
        using Microsoft.Extensions.DependencyInjection;
        namespace Wiring;
        public static class Program
        {
            public static void Use(IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
                => services.AddKafkaTyped(configuration.GetSection("Kafka"));
        }
        """;

    [Fact]
    public void EachApplicationComposesTheModulesOfEveryReferencedAssembly()
    {
        var contracts = Build("Shop.Contracts", [Contracts]);
        Assert.Contains("[assembly: global::Kafka.Typed.KafkaTypedModuleAttribute(typeof(global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Contracts))]", contracts.Registration, StringComparison.Ordinal);
        Assert.Contains("public static class KafkaTypedModule_Shop_Contracts", contracts.Registration, StringComparison.Ordinal);

        // The Api declares no types: its AddKafkaTyped registers the Contracts' producers (and their Avro markers).
        var api = Build("Shop.Api", [Wiring], contracts.Image);
        Assert.Equal(["global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Contracts.Register(services);"], RegisterLines(api.Registration));
        Assert.DoesNotContain("public static class", api.Registration, StringComparison.Ordinal);

        // The Worker composes the Contracts' module, then its own (with its internal handler).
        var worker = Build("Shop.Worker", [Worker, Wiring], contracts.Image);
        Assert.Equal(
            ["global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Contracts.Register(services);", "global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Worker.Register(services);"],
            RegisterLines(worker.Registration));

        // Worker.Tests, without InternalsVisibleTo and without types of its own: both modules, through its own AddKafkaTyped.
        var tests = Build("Shop.Worker.Tests", [Wiring], contracts.Image, worker.Image);
        Assert.Equal(
            ["global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Contracts.Register(services);", "global::Kafka.Typed.Generated.KafkaTypedModule_Shop_Worker.Register(services);"],
            RegisterLines(tests.Registration));
    }

    [Fact]
    public void TheComposedRegistrationRegistersEveryProducerAndConsumerOnce()
    {
        var contracts = Build("Shop.Contracts", [Contracts]);
        var worker = Build("Shop.Worker", [Worker, """
            using Microsoft.Extensions.DependencyInjection;
            namespace Wiring;
            public static class Twice
            {
                // Two calls (or a library's registration reached twice) register nothing twice.
                public static IServiceCollection Use(Microsoft.Extensions.Configuration.IConfiguration configuration)
                    => new ServiceCollection().AddKafkaTyped(configuration.GetSection("Kafka")).AddKafkaTyped(configuration.GetSection("Kafka"));
            }
            """], contracts.Image);

        var context = new System.Runtime.Loader.AssemblyLoadContext("modules-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["Shop.Contracts"] = contracts.Image.ToArray(), ["Shop.Worker"] = worker.Image.ToArray() };
        context.Resolving += (ctx, name) => images.TryGetValue(name.Name!, out var image)
            ? ctx.LoadFromStream(new MemoryStream(image))
            : System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        var assembly = context.LoadFromAssemblyName(new System.Reflection.AssemblyName("Shop.Worker"));
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();
        var services = (Microsoft.Extensions.DependencyInjection.IServiceCollection)assembly.GetType("Wiring.Twice", true)!.GetMethod("Use")!.Invoke(null, [configuration])!;

        Assert.Equal(2, services.Count(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IKafkaProducer<>)));
        Assert.Equal(["ShipmentRequested"], services.Select(d => d.ImplementationInstance).OfType<KafkaAvroMessage>().Select(m => m.TypeName));
        Assert.Single(services, d => d.ImplementationInstance is KafkaConsumerDefinition);
        Assert.Single(services, d => d.ServiceType == typeof(Microsoft.Extensions.Options.IValidateOptions<KafkaTypedOptions>));
        Assert.Equal(["Shop.Contracts.OrderPlaced", "Shop.Contracts.ShipmentRequested"], services.Select(d => d.ImplementationInstance).OfType<KafkaMessageType>().Select(m => m.TypeName).Order());
        // The shutdown-timeout check, the producers, the named clusters' producers and the one consumer.
        Assert.Equal(4, services.Count(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)));
    }

    [Theory]
    [InlineData("services.AddKafkaTyped(configuration);", "This call binds to the AddKafkaTyped of assembly 'Shop.Worker' (visible here through InternalsVisibleTo), which does not register this assembly's own Kafka.Typed types; call services.AddKafkaTypedShopWorkerTests(...)")]
    [InlineData("services.AddKafkaTypedShopWorkerTests(configuration);", null)]
    public void ACallThatBindsToAnotherAssemblysRegistrationIsKtg002(string call, string? expected)
    {
        var contracts = Build("Shop.Contracts", [Contracts]);
        var worker = Build("Shop.Worker", [Worker, "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Shop.Worker.Tests\")]"], contracts.Image);
        var compilation = TestCompilation.Create($$"""
            using System.Threading;
            using System.Threading.Tasks;
            using Kafka.Typed;
            using Microsoft.Extensions.DependencyInjection;
            namespace Shop.Worker.Tests;
            [KafkaConsumer("orders.placed", GroupId = "tests")]
            public sealed class Probe : IKafkaHandler<Shop.Contracts.OrderPlaced>
            {
                public Task HandleAsync(KafkaMessage<Shop.Contracts.OrderPlaced> message, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            public static class Wiring
            {
                public static void Use(IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
                {
                    {{call}}
                }
            }
            """).WithAssemblyName("Shop.Worker.Tests").AddReferences(MetadataReference.CreateFromImage(contracts.Image), MetadataReference.CreateFromImage(worker.Image));
        var (_, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        var diagnostics = TestCompilation.Analyze(output);
        if (expected is null)
        {
            Assert.Empty(diagnostics);
            return;
        }

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("KTG002", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.StartsWith(expected, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(call.TrimEnd(';'), diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void TwoVisibleRegistrationsAreAKtg002ThatNamesTheOwnOne()
    {
        var contracts = Build("Shop.Contracts", [Contracts, "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Shop.Worker.Tests\")]"]);
        var worker = Build("Shop.Worker", [Worker, "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Shop.Worker.Tests\")]"], contracts.Image);
        var compilation = TestCompilation.Create(Wiring).WithAssemblyName("Shop.Worker.Tests")
            .AddReferences(MetadataReference.CreateFromImage(contracts.Image), MetadataReference.CreateFromImage(worker.Image));
        var (_, output) = TestCompilation.Run(compilation);
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS0121");
        var diagnostic = Assert.Single(TestCompilation.Analyze(output));
        Assert.Equal("KTG002", diagnostic.Id);
        Assert.StartsWith("AddKafkaTyped is ambiguous here: the registrations of assemblies 'Shop.Contracts', 'Shop.Worker' are visible through InternalsVisibleTo; call services.AddKafkaTypedShopWorkerTests(...)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static (string Registration, System.Collections.Immutable.ImmutableArray<byte> Image) Build(string name, string[] sources, params System.Collections.Immutable.ImmutableArray<byte>[] references)
    {
        var compilation = TestCompilation.Create(sources).WithAssemblyName(name).AddReferences(references.Select(r => MetadataReference.CreateFromImage(r)));
        var (result, output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
        Assert.Empty(TestCompilation.Analyze(output));
        var image = TestCompilation.Image(output);
        var registration = result.Results.Single().GeneratedSources.SingleOrDefault(s => s.HintName == "KafkaTyped.Registration.g.cs").SourceText?.ToString() ?? string.Empty;
        return (registration, image);
    }

    private static string[] RegisterLines(string registration)
        => registration.Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith(".Register(services);", StringComparison.Ordinal)).ToArray();
}
