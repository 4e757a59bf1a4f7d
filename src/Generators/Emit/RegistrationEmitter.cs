using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Kafka.Typed.Generators.Model;
using Kafka.Typed.Generators.Parsing;
using G = Kafka.Typed.Generators.Emit.GlobalNames;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// Emits <c>KafkaTyped.Registration.g.cs</c>: the assembly's public registration module (marked by
/// <c>[assembly: KafkaTypedModule]</c>, so that applications referencing the assembly compose it) and the assembly's
/// internal <c>AddKafkaTyped</c>, which composes the modules of every referenced assembly and its own.
/// </summary>
internal static class RegistrationEmitter
{
    public const string HintName = "KafkaTyped.Registration.g.cs";


    public static string Emit(RegistrationSpec spec)
    {
        var w = new SourceWriter();
        Common.Header(w);
        if (spec.Module is { } module)
        {
            w.Line("[assembly: " + G.ModuleAttribute + "(typeof(" + module.FullyQualifiedName + "))]");
            w.Line();
            w.Block(Module(module));
        }

        if (spec.Application is { } application)
        {
            if (spec.Module is not null)
            {
                w.Line();
            }

            w.Block(Application(application));
        }

        return w.ToString();
    }

    private static string Module(ModuleSpec module)
    {
        // The handler factories resolve their dependencies as a hand-written one would: sp.GetRequiredService<T>().
        var usesServices = module.Handlers.Any(static h => h.Factory is { Count: > 0 });
        var usings = usesServices ? "    using " + G.DependencyInjection + ";\n\n" : string.Empty;
        var summary = new SourceWriter(indent: 1).Summary(Common.Prose($$"""
            The Kafka.Typed registrations of assembly <c>{{Common.Xml(module.AssemblyName)}}</c>: its typed producers and
            <c>[KafkaConsumer]</c> handlers. Applications do not call it: the <c>AddKafkaTyped</c> generated in each
            application that references this assembly does.
            """));
        var registrations = new SourceWriter(indent: 3);
        foreach (var producer in module.Producers)
        {
            string[] types = [producer.MessageFullyQualifiedName, producer.ProducerFullyQualifiedName];
            Register(registrations, "AddProducer", types, ["services", "static host => new " + producer.ProducerFullyQualifiedName + "(host)"]);
            if (producer.IsKeyless)
            {
                Register(registrations, "AddExplicitKeyProducer", types, ["services"]);
            }

            if (producer.IsAvro)
            {
                Register(registrations, "AddAvroMessage", [producer.MessageFullyQualifiedName], ["services"]);
            }
        }

        foreach (var handler in module.Handlers)
        {
            EmitConsumer(registrations, handler);
        }

        return $$"""
            namespace Kafka.Typed.Generated
            {
            {{usings}}{{summary.Inner()}}
                {{Common.GeneratedCode}}
                {{G.NeverBrowsableAttribute}}
                public static class {{module.ClassName}}
                {
                    /// <summary>Registers this assembly's producers and consumers, once per service collection however often it is reached.</summary>
                    /// <param name="services">The services.</param>
                    public static void Register({{G.ServiceCollection}} services)
                    {
                        if (!{{G.Registration}}.TryAddModule(services, {{Common.Literal(module.AssemblyName)}}))
                        {
                            return;
                        }

            {{registrations.Inner()}}
                    }
                }
            }
            """;
    }

    private static string Application(ApplicationSpec application)
    {
        var remarks = application.MethodName == KnownNames.GeneratedRegistrationMethod ? string.Empty : """
                    /// <remarks>
                    /// Named after this assembly: another assembly's <c>AddKafkaTyped</c> is visible here (InternalsVisibleTo), and
                    /// one name for both would make every call ambiguous (see KTG002).
                    /// </remarks>

            """;
        var modules = string.Join("\n", application.Modules.Select(static m => "            " + m.TypeName + ".Register(services);"));
        return $$"""
            namespace Microsoft.Extensions.DependencyInjection
            {
                /// <summary>
                /// Registers the Kafka.Typed producers and consumers this assembly sees: its own and those of every
                /// referenced assembly.
                /// </summary>
                {{Common.GeneratedCode}}
                internal static partial class {{application.ClassName}}
                {
                    /// <summary>
                    /// Binds <see cref="{{G.TypedOptions}}"/> from <paramref name="configuration"/> (validated when the
                    /// host starts), registers every typed producer as a singleton and every <c>[KafkaConsumer]</c> handler as a
                    /// hosted consumer group, of this assembly and of every referenced assembly with Kafka.Typed types. Calling
                    /// it again, or another assembly's, registers nothing twice.
                    /// </summary>
                    /// <param name="services">The services.</param>
                    /// <param name="configuration">The Kafka section, for example <c>builder.Configuration.GetSection("Kafka")</c>.</param>
                    /// <param name="configure">Changes applied after binding, or <see langword="null"/>.</param>
                    /// <returns><paramref name="services"/>.</returns>
            {{remarks}}        public static {{G.ServiceCollection}} {{application.MethodName}}(
                        this {{G.ServiceCollection}} services,
                        {{G.Configuration}} configuration,
                        {{G.Action}}<{{G.TypedOptions}}>? configure = null)
                    {
                        {{G.Registration}}.AddCore(services, configuration, configure);
            {{modules}}
                        return services;
                    }
                }
            }
            """;
    }

    /// <summary>
    /// <c>KafkaTypedRegistration.{method}&lt;{types}&gt;({arguments});</c>: on one line when it fits, else one argument a
    /// line (and one type argument a line when they make a long line).
    /// </summary>
    private static void Register(SourceWriter w, string method, string[] types, string[] arguments)
    {
        // A call with the services alone stays on one line up to the longest line the emitters write.
        var call = G.Registration + "." + method + "<" + string.Join(", ", types) + ">(" + string.Join(", ", arguments) + ");";
        if (w.Fits(call) || (arguments.Length == 1 && w.Fits(call, SourceWriter.LongestLine)))
        {
            w.Line(call);
            return;
        }

        Head(w, method, types);
        w.Indent();
        for (var i = 0; i < arguments.Length; i++)
        {
            w.Line(arguments[i] + (i < arguments.Length - 1 ? "," : ");"));
        }

        w.Outdent();
    }

    /// <summary><c>KafkaTypedRegistration.{method}&lt;{types}&gt;(</c>, the type arguments one a line when they make a long line.</summary>
    private static void Head(SourceWriter w, string method, string[] types)
    {
        var head = G.Registration + "." + method + "<" + string.Join(", ", types) + ">(";
        if (w.Fits(head))
        {
            w.Line(head);
            return;
        }

        w.Line(G.Registration + "." + method + "<");
        w.Indent();
        for (var i = 0; i < types.Length; i++)
        {
            w.Line(types[i] + (i < types.Length - 1 ? "," : ">("));
        }

        w.Outdent();
    }

    /// <summary>
    /// <c>AddConsumer&lt;TMessage, THandler&gt;(services, factory, definition)</c>: one argument a line, the definition
    /// with an initializer of the options the attribute sets.
    /// </summary>
    private static void EmitConsumer(SourceWriter w, HandlerSpec handler)
    {
        var options = Options(handler);
        var definition = "new " + G.ConsumerDefinition + "(" + Common.Literal(handler.Topic) + ", "
            + Common.Literal(handler.HandlerDisplayName) + ", " + Common.Literal(handler.MessageDisplayName) + ")";
        Head(w, handler.IsBatch ? "AddBatchConsumer" : "AddConsumer", [handler.MessageFullyQualifiedName, handler.HandlerFullyQualifiedName]);
        w.Indent();
        w.Line("services,");
        EmitFactory(w, handler);
        if (options.Count == 0)
        {
            w.Line(definition + ");");
        }
        else
        {
            w.Line(definition);
            w.Open();
            foreach (var option in options)
            {
                w.Line(option + ",");
            }

            w.Close(");");
        }

        w.Outdent();
    }

    /// <summary>The <c>KafkaConsumerDefinition</c> properties the handler's attribute sets, as <c>Name = value</c>.</summary>
    private static List<string> Options(HandlerSpec handler)
    {
        var options = new List<string>();
        if (handler.GroupId is { } group)
        {
            options.Add("GroupId = " + Common.Literal(group));
        }

        if (handler.MaxRetries is { } retries)
        {
            options.Add("MaxRetries = " + Number(retries));
        }

        if (handler.RetryBackoffMilliseconds is { } backoff)
        {
            options.Add("RetryBackoff = " + Milliseconds(backoff));
        }

        if (handler.MaxRetryBackoffMilliseconds is { } maxBackoff)
        {
            options.Add("MaxRetryBackoff = " + Milliseconds(maxBackoff));
        }

        if (handler.MaxDegreeOfParallelism is { } parallelism)
        {
            options.Add("MaxDegreeOfParallelism = " + Number(parallelism));
        }

        if (handler.MaxBatchSize is { } batchSize)
        {
            options.Add("MaxBatchSize = " + Number(batchSize));
        }

        if (handler.MaxBatchWaitMilliseconds is { } batchWait)
        {
            options.Add("MaxBatchWait = " + Milliseconds(batchWait));
        }

        if (handler.FailurePolicy is { } policy)
        {
            options.Add("FailurePolicy = " + G.FailurePolicy + "." + (policy == 1 ? "Skip" : "DeadLetter"));
        }

        if (handler.StartOffset is { } start)
        {
            options.Add("StartOffset = " + G.StartOffset + "." + (start == 1 ? "Newest" : "Oldest"));
        }

        if (handler.DeadLetterTopic is { } dlq)
        {
            options.Add("DeadLetterTopic = " + Common.Literal(dlq));
        }

        if (handler.Concurrency is { } concurrency)
        {
            options.Add("Concurrency = " + G.ConsumerConcurrency + "." + (concurrency == 1 ? "PerKey" : "InOrder"));
        }

        if (handler.MaxInFlightPerPartition is { } inFlight)
        {
            options.Add("MaxInFlightPerPartition = " + Number(inFlight));
        }

        if (handler.Factory is { Count: 0 })
        {
            // The factory takes nothing from the provider: the runtime may create the handler without a scope per message.
            options.Add("HandlerHasNoDependencies = true");
        }

        return options;
    }

    /// <summary>The factory argument: a static lambda that calls the handler's constructor, or <c>null</c> to let DI activate it.</summary>
    private static void EmitFactory(SourceWriter w, HandlerSpec handler)
    {
        if (handler.Factory is not { } dependencies)
        {
            w.Line("null,");
            return;
        }

        var arguments = dependencies
            .Select(static d => "sp." + (d.Optional ? "GetService<" : "GetRequiredService<") + d.TypeName + ">()")
            .ToList();
        w.Call("static sp => new " + handler.HandlerFullyQualifiedName, arguments, ",");
    }

    private static string Milliseconds(int value) => G.TimeSpan + ".FromMilliseconds(" + Number(value) + ")";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
