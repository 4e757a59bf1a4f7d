using System.Globalization;
using System.Linq;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits <c>KafkaTyped.Registration.g.cs</c>: the assembly's public registration module (marked by
/// <c>[assembly: KafkaTypedModule]</c>, so that applications referencing the assembly compose it) and the assembly's
/// internal <c>AddKafkaTyped</c>, which composes the modules of every referenced assembly and its own.
/// </summary>
internal static class RegistrationEmitter
{
    public const string HintName = "KafkaTyped.Registration.g.cs";

    private const string Reg = "global::Kafka.Typed.KafkaTypedRegistration";

    public static string Emit(RegistrationSpec spec)
    {
        var w = new SourceWriter();
        Common.Header(w);
        if (spec.Module is { } module)
        {
            w.Line("[assembly: global::Kafka.Typed.KafkaTypedModuleAttribute(typeof(" + module.FullyQualifiedName + "))]");
            w.Line();
            EmitModule(w, module);
        }

        if (spec.Application is { } application)
        {
            if (spec.Module is not null)
            {
                w.Line();
            }

            EmitApplication(w, application);
        }

        return w.ToString();
    }

    private static void EmitModule(SourceWriter w, ModuleSpec module)
    {
        w.Open("namespace Kafka.Typed.Generated");
        w.Line("/// <summary>");
        w.Line("/// The Kafka.Typed registrations of assembly <c>" + Common.Xml(module.AssemblyName) + "</c>: its typed producers and <c>[KafkaConsumer]</c> handlers.");
        w.Line("/// Applications do not call it: the <c>AddKafkaTyped</c> generated in each application that references this assembly does.");
        w.Line("/// </summary>");
        w.Line(Common.GeneratedCode);
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open("public static class " + module.ClassName);
        w.Line("/// <summary>Registers this assembly's producers and consumers, once per service collection however often it is reached.</summary>");
        w.Line("/// <param name=\"services\">The services.</param>");
        w.Open("public static void Register(global::Microsoft.Extensions.DependencyInjection.IServiceCollection services)");
        w.Open("if (!" + Reg + ".TryAddModule(services, " + Common.Literal(module.AssemblyName) + "))");
        w.Line("return;");
        w.Close();
        w.Line();
        foreach (var producer in module.Producers)
        {
            w.Line(Reg + ".AddProducer<" + producer.MessageFullyQualifiedName + ", " + producer.ProducerFullyQualifiedName + ">(services, static host => new " + producer.ProducerFullyQualifiedName + "(host));");
            if (producer.IsKeyless)
            {
                w.Line(Reg + ".AddExplicitKeyProducer<" + producer.MessageFullyQualifiedName + ", " + producer.ProducerFullyQualifiedName + ">(services);");
            }

            if (producer.IsAvro)
            {
                w.Line(Reg + ".AddAvroMessage<" + producer.MessageFullyQualifiedName + ">(services);");
            }
        }

        foreach (var handler in module.Handlers)
        {
            EmitConsumer(w, handler);
        }

        w.Close();
        w.Close();
        w.Close();
    }

    private static void EmitApplication(SourceWriter w, ApplicationSpec application)
    {
        w.Open("namespace Microsoft.Extensions.DependencyInjection");
        w.Line("/// <summary>Registers the Kafka.Typed producers and consumers this assembly sees: its own and those of every referenced assembly.</summary>");
        w.Line(Common.GeneratedCode);
        w.Open("internal static partial class " + application.ClassName);
        w.Line("/// <summary>");
        w.Line("/// Binds <see cref=\"global::Kafka.Typed.KafkaTypedOptions\"/> from <paramref name=\"configuration\"/> (validated when the host starts),");
        w.Line("/// registers every typed producer as a singleton and every <c>[KafkaConsumer]</c> handler as a hosted consumer group, of this");
        w.Line("/// assembly and of every referenced assembly with Kafka.Typed types. Calling it again, or another assembly's, registers nothing twice.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"services\">The services.</param>");
        w.Line("/// <param name=\"configuration\">The Kafka section, for example <c>builder.Configuration.GetSection(\"Kafka\")</c>.</param>");
        w.Line("/// <param name=\"configure\">Changes applied after binding, or <see langword=\"null\"/>.</param>");
        w.Line("/// <returns><paramref name=\"services\"/>.</returns>");
        if (application.MethodName != KnownNames.GeneratedRegistrationMethod)
        {
            w.Line("/// <remarks>Named after this assembly: another assembly's <c>AddKafkaTyped</c> is visible here (InternalsVisibleTo), and one name for both would make every call ambiguous (see KTG002).</remarks>");
        }

        w.Open("public static global::Microsoft.Extensions.DependencyInjection.IServiceCollection " + application.MethodName + "(this global::Microsoft.Extensions.DependencyInjection.IServiceCollection services, global::Microsoft.Extensions.Configuration.IConfiguration configuration, global::System.Action<global::Kafka.Typed.KafkaTypedOptions>? configure = null)");
        w.Line(Reg + ".AddCore(services, configuration, configure);");
        foreach (var module in application.Modules)
        {
            w.Line(module.TypeName + ".Register(services);");
        }

        w.Line("return services;");
        w.Close();
        w.Close();
        w.Close();
    }

    private static void EmitConsumer(SourceWriter w, HandlerSpec handler)
    {
        var definition = "new global::Kafka.Typed.KafkaConsumerDefinition(" + Common.Literal(handler.Topic) + ", " + Common.Literal(handler.HandlerDisplayName) + ", " + Common.Literal(handler.MessageDisplayName) + ")";
        var factory = Factory(handler);
        var head = Reg + (handler.IsBatch ? ".AddBatchConsumer<" : ".AddConsumer<") + handler.MessageFullyQualifiedName + ", " + handler.HandlerFullyQualifiedName + ">(services, " + factory + ", " + definition;
        var any = handler.GroupId is not null || handler.MaxRetries is not null || handler.RetryBackoffMilliseconds is not null
            || handler.MaxRetryBackoffMilliseconds is not null || handler.MaxDegreeOfParallelism is not null || handler.FailurePolicy is not null
            || handler.StartOffset is not null || handler.DeadLetterTopic is not null || handler.Factory is { Count: 0 }
            || handler.MaxBatchSize is not null || handler.MaxBatchWaitMilliseconds is not null
            || handler.Concurrency is not null || handler.MaxInFlightPerPartition is not null;
        if (!any)
        {
            w.Line(head + ");");
            return;
        }

        w.Line(head);
        w.Open();
        if (handler.GroupId is { } group)
        {
            w.Line("GroupId = " + Common.Literal(group) + ",");
        }

        if (handler.MaxRetries is { } retries)
        {
            w.Line("MaxRetries = " + Number(retries) + ",");
        }

        if (handler.RetryBackoffMilliseconds is { } backoff)
        {
            w.Line("RetryBackoff = global::System.TimeSpan.FromMilliseconds(" + Number(backoff) + "),");
        }

        if (handler.MaxRetryBackoffMilliseconds is { } maxBackoff)
        {
            w.Line("MaxRetryBackoff = global::System.TimeSpan.FromMilliseconds(" + Number(maxBackoff) + "),");
        }

        if (handler.MaxDegreeOfParallelism is { } parallelism)
        {
            w.Line("MaxDegreeOfParallelism = " + Number(parallelism) + ",");
        }

        if (handler.MaxBatchSize is { } batchSize)
        {
            w.Line("MaxBatchSize = " + Number(batchSize) + ",");
        }

        if (handler.MaxBatchWaitMilliseconds is { } batchWait)
        {
            w.Line("MaxBatchWait = global::System.TimeSpan.FromMilliseconds(" + Number(batchWait) + "),");
        }

        if (handler.FailurePolicy is { } policy)
        {
            w.Line("FailurePolicy = global::Kafka.Typed.FailurePolicy." + (policy == 1 ? "Skip" : "DeadLetter") + ",");
        }

        if (handler.StartOffset is { } start)
        {
            w.Line("StartOffset = global::Kafka.Typed.StartOffset." + (start == 1 ? "Newest" : "Oldest") + ",");
        }

        if (handler.DeadLetterTopic is { } dlq)
        {
            w.Line("DeadLetterTopic = " + Common.Literal(dlq) + ",");
        }

        if (handler.Concurrency is { } concurrency)
        {
            w.Line("Concurrency = global::Kafka.Typed.ConsumerConcurrency." + (concurrency == 1 ? "PerKey" : "InOrder") + ",");
        }

        if (handler.MaxInFlightPerPartition is { } inFlight)
        {
            w.Line("MaxInFlightPerPartition = " + Number(inFlight) + ",");
        }

        if (handler.Factory is { Count: 0 })
        {
            // The factory takes nothing from the provider: the runtime may create the handler without a scope per message.
            w.Line("HandlerHasNoDependencies = true,");
        }

        w.Close(");");
    }

    /// <summary>A static lambda that calls the handler's constructor, or <c>null</c> to let DI activate it.</summary>
    private static string Factory(HandlerSpec handler)
    {
        if (handler.Factory is not { } dependencies)
        {
            return "null";
        }

        const string sps = "global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions";
        var arguments = dependencies.Select(d => sps + (d.Optional ? ".GetService<" : ".GetRequiredService<") + d.TypeName + ">(sp)");
        return "static sp => new " + handler.HandlerFullyQualifiedName + "(" + string.Join(", ", arguments) + ")";
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
