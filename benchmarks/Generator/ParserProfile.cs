using System.Diagnostics;
using Kafka.Typed.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kafka.Typed.Generator.Benchmarks;

/// <summary>Where the transform time goes (run with <c>--parsers</c>): symbol binding vs. the parsers.</summary>
internal static class ParserProfile
{
    public static void Run(Func<CSharpCompilation> newCompilation)
    {
        for (var round = 0; round < 15; round++)
        {
            var compilation = newCompilation();
            var bind = Stopwatch.StartNew();
            var targets = new List<(INamedTypeSymbol Type, AttributeData Attribute, bool IsMessage)>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                var model = compilation.GetSemanticModel(tree);
                foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
                {
                    var type = model.GetDeclaredSymbol(declaration)!;
                    foreach (var attribute in type.GetAttributes())
                    {
                        targets.Add((type, attribute, attribute.AttributeClass!.Name == "KafkaTopicAttribute"));
                    }
                }
            }

            bind.Stop();
            var members = Stopwatch.StartNew();
            foreach (var t in targets.Where(t => t.IsMessage))
            {
                foreach (var m in t.Type.GetMembers())
                {
                    _ = m is IPropertySymbol p ? p.Type : null;
                }
            }

            members.Stop();
            var attrs = Stopwatch.StartNew();
            foreach (var t in targets.Where(t => t.IsMessage))
            {
                foreach (var m in t.Type.GetMembers().OfType<IPropertySymbol>())
                {
                    _ = m.GetAttributes();
                }

                foreach (var c in t.Type.InstanceConstructors)
                {
                    _ = c.GetAttributes();
                    foreach (var prm in c.Parameters)
                    {
                        _ = prm.GetAttributes();
                    }
                }
            }

            attrs.Stop();
            var display = Stopwatch.StartNew();
            foreach (var t in targets.Where(t => t.IsMessage))
            {
                foreach (var m in t.Type.GetMembers().OfType<IPropertySymbol>())
                {
                    _ = m.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                }
            }

            display.Stop();
            Console.Write($"members {members.Elapsed.TotalMilliseconds:0.0} ms, attrs {attrs.Elapsed.TotalMilliseconds:0.0} ms, display {display.Elapsed.TotalMilliseconds:0.0} ms, ");
            var messages = Stopwatch.StartNew();
            foreach (var t in targets.Where(t => t.IsMessage))
            {
                MessageParser.Parse(t.Type, t.Attribute, LanguageVersion.CSharp13, compilation, DiagnosticSink.None, default);
            }

            messages.Stop();
            var handlers = Stopwatch.StartNew();
            foreach (var t in targets.Where(t => !t.IsMessage))
            {
                HandlerParser.Parse(t.Type, t.Attribute, LanguageVersion.CSharp13, DiagnosticSink.None, default);
            }

            handlers.Stop();
            Console.WriteLine($"bind {bind.Elapsed.TotalMilliseconds:0.0} ms, messages {messages.Elapsed.TotalMilliseconds:0.0} ms, handlers {handlers.Elapsed.TotalMilliseconds:0.0} ms");
        }
    }
}
