using Kafka.Typed.Generator.Tests.Harness;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Kafka.Typed.Generator.Tests;

/// <summary>
/// User code shapes that made the generator throw, emit code that does not compile (or warns, which fails builds with
/// TreatWarningsAsErrors), or silently behave wrongly.
/// </summary>
public sealed class GeneratorRobustnessTests
{
    private const string Handler = "public global::System.Threading.Tasks.Task HandleAsync(KafkaMessage<M> message, global::System.Threading.CancellationToken cancellationToken) => global::System.Threading.Tasks.Task.CompletedTask;";

    /// <summary>
    /// Roslyn compares hint names ignoring case: two message types whose names differ only in case made <c>AddSource</c>
    /// throw, which dropped every generated file of the assembly (CS8785).
    /// </summary>
    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void TypesWhoseNamesDifferOnlyInCaseAreBothGenerated(string format)
    {
        var files = TestCompilation.GenerateAndCompile($$"""
            using Kafka.Typed;
            namespace Shop
            {
                [KafkaTopic("upper", Format = {{format}})] public partial class Order { public int N { get; set; } }
                [KafkaTopic("lower", Format = {{format}})] public partial class order { public int N { get; set; } }
            }
            namespace shop
            {
                [KafkaTopic("other", Format = {{format}})] public partial class Order { public int N { get; set; } }
            }
            """);
        var producers = files.Where(f => f.Key.EndsWith(".KafkaProducer.g.cs", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, producers.Count);
        Assert.Equal(3, producers.Select(p => p.Key.ToUpperInvariant()).Distinct().Count());
        Assert.Contains(producers, p => p.Value.Contains("partial class order :", StringComparison.Ordinal));
        Assert.Contains("AddProducer<global::shop.Order,", files["KafkaTyped.Registration.g.cs"], StringComparison.Ordinal);
    }

    /// <summary>
    /// A required member the codec does not set (ignored, a field, or without a public getter) made the generated
    /// <c>new T { ... }</c> fail with CS9035; it is now reported (KTG109) unless the constructor has [SetsRequiredMembers].
    /// </summary>
    [Theory]
    [InlineData("KafkaFormat.Json", "[System.Text.Json.Serialization.JsonIgnore] public required string X { get; set; }")]
    [InlineData("KafkaFormat.Avro", "[AvroIgnore] public required string X { get; set; }")]
    [InlineData("KafkaFormat.Json", "public required string X;")]
    [InlineData("KafkaFormat.Avro", "public required string X;")]
    [InlineData("KafkaFormat.Json", "public required string X { private get; set; }")]
    [InlineData("KafkaFormat.Avro", "public required string X { private get; set; }")]
    public void RequiredMemberTheCodecCannotSetIsReported(string format, string member)
    {
        var source = $$"""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = {{format}})]
            public partial class M { {{member}} public int N { get; set; } }
            """;
        var (_, output) = TestCompilation.Run(TestCompilation.Create(source));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var diagnostic = Assert.Single(TestCompilation.Analyze(output));
        Assert.Equal("KTG109", diagnostic.Id);
        Assert.Contains("the required member 'X'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void RequiredMemberSetByASetsRequiredMembersConstructorIsFine(string format)
    {
        TestCompilation.GenerateAndCompile($$"""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = {{format}})]
            public partial class M
            {
                [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
                public M(int n) { N = n; X = ""; }
                [System.Text.Json.Serialization.JsonIgnore] [AvroIgnore] public required string X { get; set; }
                public required int N { get; set; }
            }
            """);
    }

    /// <summary>A handler with required members cannot be created by <c>new H(...)</c> (CS9035): DI activates it instead.</summary>
    [Fact]
    public void HandlerWithRequiredMembersIsLeftToDependencyInjection()
    {
        var files = TestCompilation.GenerateAndCompile($$"""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = KafkaFormat.Json)] public partial class M { public int N { get; set; } }
            public abstract class HandlerBase { public required string Name { get; init; } }
            [KafkaConsumer("t")]
            public sealed class H : HandlerBase, IKafkaHandler<M> { public H(global::System.IServiceProvider services) { } {{Handler}} }
            """);
        Assert.Matches(@"AddConsumer<global::Shop\.M, global::Shop\.H>\(\s*services,\s*null,", files["KafkaTyped.Registration.g.cs"]);
    }

    /// <summary>
    /// A [KafkaKey] on a member the generated code cannot read (not public, static, or with a non-public getter) was
    /// ignored: every record was produced without a key. It is now reported (KTG111).
    /// </summary>
    [Theory]
    [InlineData("[KafkaKey] internal string Id { get; set; } = \"\";", "not public")]
    [InlineData("[KafkaKey] public static string Id { get; set; } = \"\";", "static")]
    [InlineData("[KafkaKey] public string Id { private get; set; } = \"\";", "has no public getter")]
    public void KeyOnAMemberTheGeneratedCodeCannotReadIsReported(string member, string reason)
    {
        var source = $$"""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M { {{member}} public int N { get; set; } }
            """;
        var (result, output) = TestCompilation.Run(TestCompilation.Create(source));
        Assert.DoesNotContain(result.Results[0].GeneratedSources, s => s.HintName == "Shop.M.KafkaProducer.g.cs");
        var diagnostic = Assert.Single(TestCompilation.Analyze(output));
        Assert.Equal("KTG111", diagnostic.Id);
        Assert.Equal($"The key member 'Id' of 'M' is {reason}; a [KafkaKey] member must be a public instance property with a public getter",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Obsolete message types, members and constructors, and obsolete handler constructors, are still used by the
    /// generated code (like System.Text.Json's generator): that must not warn (CS0612/CS0618) in the user's build.
    /// </summary>
    [Theory]
    [InlineData("KafkaFormat.Json")]
    [InlineData("KafkaFormat.Avro")]
    public void ObsoleteTypesMembersAndConstructorsCompileWithoutWarnings(string format)
    {
        TestCompilation.GenerateAndCompile($$"""
            using System;
            using Kafka.Typed;
            namespace Shop;
            [Obsolete("type")]
            [KafkaTopic("t", Format = {{format}})]
            public partial class M { [Obsolete("member")] public int Old { get; set; } [Obsolete] public string Older { get; set; } = ""; public int N { get; set; } }
            [KafkaTopic("r", Format = {{format}})]
            public partial record R([property: KafkaKey] string Id, int N) { [Obsolete("ctor")] public R() : this("", 0) { } }
            #pragma warning disable CS0618
            [KafkaConsumer("t")]
            public sealed class H : IKafkaHandler<M> { [Obsolete("handler")] public H(IServiceProvider services) { } {{Handler}} }
            #pragma warning restore CS0618
            """);
    }

    /// <summary>An Avro message deriving from another Avro message: its codec and schema hide the base's (CS0108 warned).</summary>
    [Fact]
    public void AvroMessageDerivingFromAnotherCompilesWithoutWarnings()
    {
        TestCompilation.GenerateAndCompile("""
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("base")]
            public partial class BaseEvent { [KafkaKey] public string Id { get; set; } = ""; }
            [KafkaTopic("derived")]
            public partial class DerivedEvent : BaseEvent { public int N { get; set; } }
            """);
    }

    /// <summary>The handler factory dropped nested nullable annotations (<c>IOptions&lt;string?&gt;</c>), which warned CS8620.</summary>
    [Fact]
    public void HandlerDependencyWithNullableTypeArgumentsCompilesCleanly()
    {
        var files = TestCompilation.GenerateAndCompile($$"""
            using Kafka.Typed;
            namespace Shop;
            public interface IDep<T> { }
            [KafkaTopic("t", Format = KafkaFormat.Json)] public partial class M { public int N { get; set; } }
            [KafkaConsumer("t")]
            public sealed class H : IKafkaHandler<M> { public H(IDep<string?>? a, IDep<string?> b, System.Func<string?> c) { } {{Handler}} }
            """);
        Assert.Contains("static sp => new global::Shop.H(", files["KafkaTyped.Registration.g.cs"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Code being typed must not make the generator throw (CS8785 drops all its output, and the IDE shows a crash):
    /// a positional parameter without a name yet gave a property named "" and the JSON naming indexed its first char.
    /// </summary>
    [Theory]
    [InlineData("[KafkaTopic(\"t\", Format = KafkaFormat.Json)] public partial record M([property: KafkaKey] string Id, int);")]
    [InlineData("[KafkaTopic(\"t\", Format = KafkaFormat.Avro)] public partial record M([property: KafkaKey] string Id, int);")]
    [InlineData("[KafkaTopic(\"t\", Format = KafkaFormat.Json)] public partial class { public int N { get; set; } }")]
    [InlineData("[KafkaTopic(\"t\", Format = KafkaFormat.Avro)] public partial class { public int N { get; set; } }")]
    public void IncompleteDeclarationsNeitherThrowNorEmitBrokenCode(string declaration)
    {
        var compilation = TestCompilation.Create("using Kafka.Typed;\nnamespace Shop;\n" + declaration);
        var driver = TestCompilation.Driver((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)compilation.SyntaxTrees.First().Options);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.DoesNotContain(TestCompilation.Analyze(output), d => d.Id == "AD0001");
        var generated = output.GetDiagnostics().Where(d => d.Location.SourceTree is { } tree && !compilation.SyntaxTrees.Contains(tree)).ToList();
        Assert.True(generated.Count == 0, string.Join("\n", generated));
    }

    /// <summary>
    /// JSON: a member absent from the payload keeps the value the type gives it (as with System.Text.Json), for settable,
    /// init-only and constructor members alike. Init-only members were always assigned in the object initializer, and
    /// constructor parameters always passed, so an absent one became default(T) (or failed as "missing" for a
    /// non-nullable string) instead of keeping its initializer or parameter default, which breaks reading messages written
    /// before the member was added.
    /// </summary>
    [Fact]
    public void JsonMembersAbsentFromThePayloadKeepTheirDefaults()
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create("""
            using System.Text;
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                public int Set { get; set; } = 1;
                public int Init { get; init; } = 2;
                public string Name { get; init; } = "three";
                public required int Req { get; init; }
            }
            [KafkaTopic("s", Format = KafkaFormat.Json)]
            public partial struct S
            {
                public S() { }
                public int Init { get; init; } = 4;
                public int Other { get; init; } = 5;
            }
            public enum Color { Red, Green }
            [KafkaTopic("r", Format = KafkaFormat.Json)]
            public partial record R(string Id, int N = 7, string Note = "n", Color C = Color.Green, decimal D = 1.25m, string? Opt = null);
            public static class Probe
            {
                public static string Record()
                {
                    var r = Get<R>().Deserialize(Encoding.UTF8.GetBytes("{\"id\":\"x\",\"opt\":\"o\"}"), new KafkaSerializationContext("r"));
                    var all = Get<R>().Deserialize(Encoding.UTF8.GetBytes("{\"id\":\"x\",\"n\":0,\"note\":\"m\",\"c\":0,\"d\":2}"), new KafkaSerializationContext("r"));
                    return r + "|" + all;
                }

                public static string Read()
                {
                    var m = Get<M>().Deserialize(Encoding.UTF8.GetBytes("{\"req\":9}"), new KafkaSerializationContext("t"));
                    var s = Get<S>().Deserialize(Encoding.UTF8.GetBytes("{\"other\":6}"), new KafkaSerializationContext("s"));
                    return m.Set + "," + m.Init + "," + m.Name + "," + m.Req + "|" + s.Init + "," + s.Other;
                }

                private static IKafkaSerializer<T> Get<T>() where T : IKafkaMessage<T> => T.Serializer;
            }
            """));
        TestCompilation.AssertClean(output);
        var probe = TestCompilation.Load(output).GetType("Shop.Probe", throwOnError: true)!;
        Assert.Equal("1,2,three,9|4,6", probe.GetMethod("Read")!.Invoke(null, null));
        Assert.Equal("R { Id = x, N = 7, Note = n, C = Green, D = 1.25, Opt = o }|R { Id = x, N = 0, Note = m, C = Red, D = 2, Opt =  }",
            probe.GetMethod("Record")!.Invoke(null, null));
    }

    /// <summary>
    /// A non-nullable init-only string with no real default (no initializer, or only <c>= null!</c>, and no constructor
    /// assigning it) has nothing to keep when its member is absent: reading it as null would break the type's own
    /// nullability, so the payload is refused naming the member. A member the type does initialize (an initializer, a
    /// constructor assignment) keeps that value.
    /// </summary>
    [Fact]
    public void JsonNonNullableInitOnlyMemberWithoutARealDefaultIsStillRequired()
    {
        var (_, output) = TestCompilation.Run(TestCompilation.Create("""
            using System.Text;
            using Kafka.Typed;
            namespace Shop;
            [KafkaTopic("t", Format = KafkaFormat.Json)]
            public partial class M
            {
                public string Code { get; init; } = null!;
                public string Region { get; init; }
                public string Label { get; init; } = "none";
                public string? Note { get; init; }
                public M() { Region = "eu"; }
            }
            public static class Probe
            {
                public static string Read(string json)
                {
                    try
                    {
                        var m = Get<M>().Deserialize(Encoding.UTF8.GetBytes(json), new KafkaSerializationContext("t"));
                        return m.Code + "," + m.Region + "," + m.Label + "," + (m.Note ?? "null");
                    }
                    catch (KafkaSerializationException e)
                    {
                        return "error: " + e.Message;
                    }
                }

                private static IKafkaSerializer<T> Get<T>() where T : IKafkaMessage<T> => T.Serializer;
            }
            """));
        TestCompilation.AssertClean(output);
        var read = TestCompilation.Load(output).GetType("Shop.Probe", throwOnError: true)!.GetMethod("Read")!;
        Assert.Equal("c,eu,none,null", read.Invoke(null, ["{\"code\":\"c\"}"]));
        Assert.Equal("c,us,x,n", read.Invoke(null, ["{\"code\":\"c\",\"region\":\"us\",\"label\":\"x\",\"note\":\"n\"}"]));
        var missing = (string)read.Invoke(null, ["{\"region\":\"us\"}"])!;
        Assert.StartsWith("error: ", missing, StringComparison.Ordinal);
        Assert.Contains("code", missing, StringComparison.Ordinal);
    }
}

/// <summary>Two assemblies that both use the generator, one seeing the other's internals (an app and its test project).</summary>
public sealed class InternalsVisibleToTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnAssemblySeeingAnotherOnesRegistrationNamesItsOwnAfterItself(bool testsDeclareTypes)
    {
        var app = TestCompilation.Create("""
            using Kafka.Typed;
            [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("App.Tests")]
            namespace Shop;
            [KafkaTopic("orders", Format = KafkaFormat.Json)]
            public partial record Order(string Id);
            """).WithAssemblyName("App");
        var (_, appOutput) = TestCompilation.Run(app);
        TestCompilation.AssertClean(appOutput);
        using var image = new MemoryStream();
        Assert.True(appOutput.Emit(image).Success);

        // The app's AddKafkaTyped stays callable as it is; the test project's own (when it has types) is AddKafkaTypedAppTests.
        var tests = TestCompilation.Create($$"""
            using Kafka.Typed;
            using Microsoft.Extensions.DependencyInjection;
            namespace Shop.Tests;
            {{(testsDeclareTypes ? "[KafkaTopic(\"test.events\", Format = KafkaFormat.Json)] public partial record TestEvent(string Id);" : "")}}
            public static class Wiring
            {
                public static void Use(IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
                {
                    services.AddKafkaTyped(configuration);
                    {{(testsDeclareTypes ? "services.AddKafkaTypedAppTests(configuration);" : "")}}
                }
            }
            """).WithAssemblyName("App.Tests").AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        var (result, testsOutput) = TestCompilation.Run(tests);
        TestCompilation.AssertClean(testsOutput);
        Assert.Equal(testsDeclareTypes, result.GeneratedTrees.Any(t => System.Text.RegularExpressions.Regex.IsMatch(t.ToString(), @"AddKafkaTypedAppTests\(\s*this ")));
    }
}
