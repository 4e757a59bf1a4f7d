using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Kafka.Typed.Generators.Diagnostics;
using Kafka.Typed.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kafka.Typed.Generators.Parsing;

/// <summary>Turns one <c>[KafkaConsumer]</c> attribute into a <see cref="HandlerSpec"/>, reporting every problem to a sink.</summary>
internal static class HandlerParser
{
    private const int MaxBackoffMilliseconds = 3_600_000;
    private const int MaxBatchWaitMilliseconds = 600_000;

    /// <summary>Parses one attribute of <paramref name="handler"/>; returns <see langword="null"/> when an error was reported.</summary>
    public static HandlerSpec? Parse(INamedTypeSymbol handler, AttributeData attribute, LanguageVersion languageVersion, DiagnosticSink sink, CancellationToken cancellationToken)
    {
        var valid = languageVersion >= LanguageVersion.CSharp11;
        var handlerLocation = SymbolHelpers.IdentifierLocation(handler);
        if (handler.TypeKind != TypeKind.Class || handler.IsAbstract || handler.IsStatic)
        {
            sink.Report(DiagnosticDescriptors.InvalidHandlerType, handlerLocation, handler.Display(), handler.IsStatic ? "static" : handler.TypeKind == TypeKind.Class ? "abstract" : "not a class");
            valid = false;
        }
        else if (SymbolHelpers.IsOrInGeneric(handler))
        {
            sink.Report(DiagnosticDescriptors.InvalidHandlerType, handlerLocation, handler.Display(), "generic");
            valid = false;
        }

        if (SymbolHelpers.Inaccessibility(handler) is { } inaccessible)
        {
            sink.Report(DiagnosticDescriptors.InaccessibleType, handlerLocation, handler.Display(), inaccessible);
            valid = false;
        }

        var topic = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var topicLocation = SymbolHelpers.AttributeLocation(attribute, constructorArgument: 0);
        if (TopicRules.Check(topic) is { } topicProblem)
        {
            sink.Report(DiagnosticDescriptors.InvalidTopic, topicLocation, topic ?? string.Empty, topicProblem);
            valid = false;
        }

        cancellationToken.ThrowIfCancellationRequested();

        // The handled type: the IKafkaHandler<T> or IKafkaBatchHandler<T> whose T is written to the consumed topic.
        var single = handler.AllInterfaces.Where(i => SymbolHelpers.IsNamed(i, KnownNames.KafkaHandlerInterface)).Select(i => i.TypeArguments[0]).ToList();
        var batched = handler.AllInterfaces.Where(i => SymbolHelpers.IsNamed(i, KnownNames.KafkaBatchHandlerInterface)).Select(i => i.TypeArguments[0]).ToList();
        var handled = single.Concat(batched).Distinct<ITypeSymbol>(SymbolEqualityComparer.Default).ToList();
        ITypeSymbol? message = null;
        if (handled.Count == 0)
        {
            sink.Report(DiagnosticDescriptors.HandlerInterfaceMissing, SymbolHelpers.AttributeLocation(attribute), handler.Display());
            valid = false;
        }
        else if (handled.Count == 1)
        {
            message = handled[0];
        }
        else
        {
            var matching = handled.Where(t => TopicOf(t) == topic).ToList();
            if (matching.Count == 1)
            {
                message = matching[0];
            }
            else
            {
                sink.Report(DiagnosticDescriptors.AmbiguousHandler, SymbolHelpers.AttributeLocation(attribute), handler.Display(), topic ?? string.Empty);
                valid = false;
            }
        }

        var isBatch = message is not null && batched.Contains(message, SymbolEqualityComparer.Default);
        if (isBatch && single.Contains(message!, SymbolEqualityComparer.Default))
        {
            sink.Report(DiagnosticDescriptors.SingleAndBatchHandler, handlerLocation, handler.Display(), message!.Display());
            valid = false;
        }

        var external = false;
        if (message is not null)
        {
            var messageTopicAttribute = SymbolHelpers.FindAttribute(message, KnownNames.KafkaTopicAttribute);
            var implementsMessage = message.AllInterfaces.Any(i => SymbolHelpers.IsNamed(i, KnownNames.KafkaMessageInterface));
            external = message.DeclaringSyntaxReferences.Length == 0;
            if (messageTopicAttribute is null && !implementsMessage)
            {
                sink.Report(DiagnosticDescriptors.HandledTypeNotTopic, SymbolHelpers.AttributeLocation(attribute), handler.Display(), message.Display());
                valid = false;
            }
            else if (external && !implementsMessage)
            {
                // A [KafkaTopic] type of a referenced assembly that was compiled without the generator.
                sink.Report(DiagnosticDescriptors.HandledTypeNotTopic, SymbolHelpers.AttributeLocation(attribute), handler.Display(), message.Display());
                valid = false;
            }
            else if (TopicOf(message) is { } messageTopic && topic is not null && messageTopic != topic && TopicRules.Check(topic) is null)
            {
                sink.Report(DiagnosticDescriptors.TopicMismatch, topicLocation, handler.Display(), topic, message.Display(), messageTopic);
                valid = false;
            }
        }

        string? groupId = null;
        string? deadLetterTopic = null;
        int? maxRetries = null, backoff = null, maxBackoff = null, parallelism = null, failurePolicy = null, startOffset = null, batchSize = null, batchWait = null;
        Location? maxBackoffLocation = null;
        int? concurrency = null, maxInFlight = null;
        foreach (var named in attribute.NamedArguments)
        {
            var location = SymbolHelpers.AttributeLocation(attribute, named.Key);
            switch (named.Key)
            {
                case "GroupId":
                    groupId = named.Value.Value as string;
                    if (groupId is not null && groupId.Trim().Length == 0)
                    {
                        sink.Report(DiagnosticDescriptors.EmptyGroupId, location, handler.Display());
                        valid = false;
                    }

                    break;
                case "DeadLetterTopic":
                    deadLetterTopic = named.Value.Value as string;
                    if (deadLetterTopic is not null)
                    {
                        if (TopicRules.Check(deadLetterTopic) is { } problem)
                        {
                            sink.Report(DiagnosticDescriptors.InvalidTopic, location, deadLetterTopic, problem);
                            valid = false;
                        }
                        else if (deadLetterTopic == topic)
                        {
                            sink.Report(DiagnosticDescriptors.OptionOutOfRange, location, "DeadLetterTopic", Quote(deadLetterTopic), handler.Display(), "the dead-letter topic must differ from the topic consumed");
                            valid = false;
                        }
                    }

                    break;
                case "MaxRetries":
                    valid &= Range(named, 0, 1000, "must be from 0 to 1000", handler, location, sink, out maxRetries);
                    break;
                case "RetryBackoffMilliseconds":
                    valid &= Range(named, 0, MaxBackoffMilliseconds, "must be from 0 to 3,600,000 (one hour)", handler, location, sink, out backoff);
                    break;
                case "MaxRetryBackoffMilliseconds":
                    valid &= Range(named, 0, MaxBackoffMilliseconds, "must be from 0 to 3,600,000 (one hour)", handler, location, sink, out maxBackoff);
                    maxBackoffLocation = location;
                    break;
                case "MaxDegreeOfParallelism":
                    valid &= Range(named, 1, 1024, "must be from 1 to 1024", handler, location, sink, out parallelism);
                    break;
                case "FailurePolicy":
                    valid &= Range(named, 0, 1, "must be FailurePolicy.DeadLetter or FailurePolicy.Skip", handler, location, sink, out failurePolicy);
                    break;
                case "StartOffset":
                    valid &= Range(named, 0, 1, "must be StartOffset.Oldest or StartOffset.Newest", handler, location, sink, out startOffset);
                    break;
                case "MaxBatchSize":
                    valid &= Range(named, 1, 100_000, "must be from 1 to 100,000", handler, location, sink, out batchSize);
                    valid &= BatchOnly(named, isBatch, message, handler, location, sink);
                    break;
                case "MaxBatchWaitMilliseconds":
                    valid &= Range(named, 0, MaxBatchWaitMilliseconds, "must be from 0 to 600,000 (ten minutes)", handler, location, sink, out batchWait);
                    valid &= BatchOnly(named, isBatch, message, handler, location, sink);
                    break;
                case "Concurrency":
                    valid &= Range(named, 0, 1, "must be ConsumerConcurrency.InOrder or ConsumerConcurrency.PerKey", handler, location, sink, out concurrency);
                    break;
                case "MaxInFlightPerPartition":
                    valid &= Range(named, 1, 10_000, "must be from 1 to 10,000", handler, location, sink, out maxInFlight);
                    break;
            }
        }

        if (isBatch && concurrency == 1 && message is not null)
        {
            sink.Report(DiagnosticDescriptors.PerKeyBatchHandler, SymbolHelpers.AttributeLocation(attribute, "Concurrency"), handler.Display(), message.Display());
            valid = false;
        }

        // After every argument is read: the named arguments may come in any order.
        if (maxBackoff is { } max && backoff is { } initial && max < initial)
        {
            sink.Report(DiagnosticDescriptors.OptionOutOfRange, maxBackoffLocation, "MaxRetryBackoffMilliseconds", max.ToString(CultureInfo.InvariantCulture), handler.Display(), "must not be less than RetryBackoffMilliseconds (" + initial.ToString(CultureInfo.InvariantCulture) + ")");
            valid = false;
        }

        if (!valid || message is null || topic is null)
        {
            return null;
        }

        return new HandlerSpec(
            handler.Fqn(),
            handler.ToDisplayString(),
            message.Fqn(),
            message.ToDisplayString(),
            external,
            topic,
            groupId,
            maxRetries,
            backoff,
            maxBackoff,
            parallelism,
            failurePolicy,
            startOffset,
            deadLetterTopic,
            Factory(handler),
            isBatch,
            batchSize,
            batchWait)
        {
            Concurrency = concurrency,
            MaxInFlightPerPartition = maxInFlight,
        };
    }

    /// <summary>
    /// The dependencies of the handler's only public constructor when every parameter is a reference type without a
    /// default value (then the registration calls the constructor directly); otherwise <see langword="null"/> and DI
    /// activates the handler itself.
    /// </summary>
    private static ImmutableEquatableArray<HandlerDependency>? Factory(INamedTypeSymbol handler)
    {
        var constructors = handler.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        if (constructors.Count != 1)
        {
            return null;
        }

        // `new H(...)` would have to set the required members (CS9035); DI's activation does not.
        if (SymbolHelpers.FindAttribute(constructors[0], KnownNames.SetsRequiredMembersAttribute) is null && MessageParser.RequiredMembers(handler).Any())
        {
            return null;
        }

        var dependencies = new List<HandlerDependency>();
        foreach (var parameter in constructors[0].Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.IsParams || parameter.HasExplicitDefaultValue || !parameter.Type.IsReferenceType
                || parameter.Type is IArrayTypeSymbol || parameter.Type.TypeKind == TypeKind.Dynamic)
            {
                return null;
            }

            // The type's own annotation only picks GetService over GetRequiredService; its type arguments keep theirs
            // (IOptions<string?>), or passing the service to the parameter warns (CS8620).
            var type = parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolHelpers.FullyQualified);
            dependencies.Add(new HandlerDependency(type, parameter.Type.NullableAnnotation == NullableAnnotation.Annotated));
        }

        return dependencies.ToEquatableArray();
    }

    /// <summary>The <c>[KafkaTopic]</c> topic of <paramref name="type"/>, or <see langword="null"/>.</summary>
    public static string? TopicOf(ITypeSymbol type)
        => SymbolHelpers.FindAttribute(type, KnownNames.KafkaTopicAttribute) is { ConstructorArguments.Length: 1 } attribute
            ? attribute.ConstructorArguments[0].Value as string
            : null;

    private static bool Range(KeyValuePair<string, TypedConstant> named, int min, int max, string allowed, INamedTypeSymbol handler, Location? location, DiagnosticSink sink, out int? value)
    {
        value = null;
        if (named.Value.Value is not int number)
        {
            return true;
        }

        if (number == KnownNames.FromConfiguration)
        {
            return true;
        }

        if (number < min || number > max)
        {
            sink.Report(DiagnosticDescriptors.OptionOutOfRange, location, named.Key, number.ToString(CultureInfo.InvariantCulture), handler.Display(), allowed);
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>KTG210 when a batch option is set (not <c>FromConfiguration</c>) on a handler that takes its type one message at a time.</summary>
    private static bool BatchOnly(KeyValuePair<string, TypedConstant> named, bool isBatch, ITypeSymbol? message, INamedTypeSymbol handler, Location? location, DiagnosticSink sink)
    {
        if (isBatch || message is null || named.Value.Value is not int number || number == KnownNames.FromConfiguration)
        {
            return true;
        }

        sink.Report(DiagnosticDescriptors.BatchOptionOnSingleHandler, location, named.Key, handler.Display(), message.Display());
        return false;
    }

    private static string Quote(string text) => "'" + text + "'";
}
