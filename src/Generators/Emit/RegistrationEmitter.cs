using System.Globalization;
using System.Linq;
using Kafka.Typed.Generators.Model;

namespace Kafka.Typed.Generators.Emit
{
    /// <summary>Emits <c>KafkaTyped.Registration.g.cs</c>: the assembly's <c>AddKafkaTyped</c>.</summary>
    internal static class RegistrationEmitter
    {
        public const string HintName = "KafkaTyped.Registration.g.cs";

        public static string Emit(RegistrationSpec spec)
        {
            const string reg = "global::Kafka.Typed.KafkaTypedRegistration";
            var w = new SourceWriter();
            Common.Header(w);
            w.Open("namespace Microsoft.Extensions.DependencyInjection");
            w.Line("/// <summary>Registers the Kafka.Typed producers and consumers of this assembly.</summary>");
            w.Line(Common.GeneratedCode);
            w.Open("internal static partial class " + spec.ClassName);
            w.Line("/// <summary>");
            w.Line("/// Binds <see cref=\"global::Kafka.Typed.KafkaTypedOptions\"/> from <paramref name=\"configuration\"/> (validated when the host starts),");
            w.Line("/// registers every typed producer of this assembly as a singleton and every <c>[KafkaConsumer]</c> handler as a hosted consumer group.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"services\">The services.</param>");
            w.Line("/// <param name=\"configuration\">The Kafka section, for example <c>builder.Configuration.GetSection(\"Kafka\")</c>.</param>");
            w.Line("/// <param name=\"configure\">Changes applied after binding, or <see langword=\"null\"/>.</param>");
            w.Line("/// <returns><paramref name=\"services\"/>.</returns>");
            if (spec.MethodName != "AddKafkaTyped")
            {
                w.Line("/// <remarks>Named after this assembly: another assembly's <c>AddKafkaTyped</c> is visible here (InternalsVisibleTo), and one name for both would make every call ambiguous.</remarks>");
            }

            w.Open("public static global::Microsoft.Extensions.DependencyInjection.IServiceCollection " + spec.MethodName + "(this global::Microsoft.Extensions.DependencyInjection.IServiceCollection services, global::Microsoft.Extensions.Configuration.IConfiguration configuration, global::System.Action<global::Kafka.Typed.KafkaTypedOptions>? configure = null)");
            w.Line(reg + ".AddCore(services, configuration, configure);");
            foreach (var producer in spec.Producers)
            {
                w.Line(reg + ".AddProducer<" + producer.MessageFullyQualifiedName + ", " + producer.ProducerFullyQualifiedName + ">(services, static host => new " + producer.ProducerFullyQualifiedName + "(host));");
                if (producer.IsKeyless)
                {
                    w.Line(reg + ".AddExplicitKeyProducer<" + producer.MessageFullyQualifiedName + ", " + producer.ProducerFullyQualifiedName + ">(services);");
                }

                if (producer.IsAvro)
                {
                    w.Line(reg + ".AddAvroMessage<" + producer.MessageFullyQualifiedName + ">(services);");
                }
            }

            foreach (var handler in spec.Handlers)
            {
                var definition = "new global::Kafka.Typed.KafkaConsumerDefinition(" + Common.Literal(handler.Topic) + ", " + Common.Literal(handler.HandlerDisplayName) + ", " + Common.Literal(handler.MessageDisplayName) + ")";
                var factory = Factory(handler);
                var head = reg + ".AddConsumer<" + handler.MessageFullyQualifiedName + ", " + handler.HandlerFullyQualifiedName + ">(services, " + factory + ", " + definition;
                var any = handler.GroupId is not null || handler.MaxRetries is not null || handler.RetryBackoffMilliseconds is not null
                    || handler.MaxRetryBackoffMilliseconds is not null || handler.MaxDegreeOfParallelism is not null || handler.FailurePolicy is not null
                    || handler.StartOffset is not null || handler.DeadLetterTopic is not null;
                if (!any)
                {
                    w.Line(head + ");");
                    continue;
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

                w.Close(");");
            }

            w.Line("return services;");
            w.Close();
            w.Close();
            w.Close();
            return w.ToString();
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
}
