using System.Collections.Generic;
using System.Linq;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// An expression an emitter builds before it knows where the line will be: plain text, or a call whose arguments
/// <see cref="SourceWriter.Expression"/> writes one per line (nested calls too) when it would not fit on one.
/// </summary>
internal sealed class Expr
{
    private Expr(string text, string? head, IReadOnlyList<Expr>? arguments, string tail = "")
    {
        Text = text;
        Head = head;
        Arguments = arguments;
        Tail = tail;
    }

    /// <summary>The expression on one line.</summary>
    public string Text { get; }

    /// <summary>For a call: what comes before its <c>(</c>.</summary>
    public string? Head { get; }

    /// <summary>For a call: its arguments.</summary>
    public IReadOnlyList<Expr>? Arguments { get; }

    /// <summary>For a call: what follows its <c>)</c> (a member access such as <c>.ToArray()</c>).</summary>
    public string Tail { get; }

    public static implicit operator Expr(string text) => new Expr(text, null, null);

    public static Expr Call(string head, params Expr[] arguments)
        => new Expr(head + "(" + string.Join(", ", arguments.Select(static a => a.Text)) + ")", head, arguments);

    /// <summary>This expression followed by <paramref name="tail"/> (<c>.ToArray()</c>).</summary>
    public Expr Then(string tail) => new Expr(Text + tail, Head, Arguments, Tail + tail);

    public override string ToString() => Text;
}
