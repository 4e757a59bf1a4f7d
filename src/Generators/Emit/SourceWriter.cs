using System.Collections.Generic;
using System.Text;

namespace Kafka.Typed.Generators.Emit;

/// <summary>
/// A small indentation-aware text builder; lines end with <c>\n</c> on every platform. Emitters write the fixed shape of
/// a file or member as a raw string template (<see cref="Block"/>, written at the current indentation) and the variable
/// parts line by line; argument lists that would make a long line go one per line (<see cref="Call"/>).
/// </summary>
internal sealed class SourceWriter
{
    /// <summary>The longest line <see cref="Call"/> writes on one line (indentation included) before it wraps.</summary>
    public const int PreferredWidth = 120;

    private readonly StringBuilder _text = new StringBuilder(4096);
    private int _indent;

    /// <summary>For a <see cref="Nested"/> writer: the levels its text will be indented by when spliced (counted by <see cref="Fits"/>).</summary>
    private int _outer;

    public SourceWriter()
    {
    }

    /// <summary>A writer whose lines start <paramref name="indent"/> levels deep: the variable part of a template, spliced in at column 0.</summary>
    public SourceWriter(int indent) => _indent = indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            _text.Append(text);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>
    /// Writes a multi-line template (typically a raw string literal, whose own indentation the compiler strips) at the
    /// current indentation: every line of <paramref name="text"/> on its own, blank lines kept blank (a template ending
    /// in an empty line ends with a blank line).
    /// </summary>
    public SourceWriter Block(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    /// <summary>
    /// Writes <c>{head}({arguments}){tail}</c>: on one line when it fits <see cref="PreferredWidth"/>, else as
    /// <c>{head}(</c> followed by one argument a line, one level deeper, the last one followed by <c>){tail}</c>
    /// (as dotnet/runtime's generators wrap long calls).
    /// </summary>
    public SourceWriter Call(string head, IReadOnlyList<string> arguments, string tail)
    {
        var oneLine = head + "(" + string.Join(", ", arguments) + ")" + tail;
        if (arguments.Count == 0 || Fits(oneLine))
        {
            return Line(oneLine);
        }

        Line(head + "(");
        _indent++;
        for (var i = 0; i < arguments.Count; i++)
        {
            Line(arguments[i] + (i < arguments.Count - 1 ? "," : ")" + tail));
        }

        _indent--;
        return this;
    }

    /// <summary>The longest line an emitter writes on purpose (a string constant holding schema or document text aside).</summary>
    public const int LongestLine = 140;

    /// <summary>Whether <paramref name="text"/> fits <see cref="PreferredWidth"/> (or <paramref name="width"/>) on a line at the current indentation.</summary>
    public bool Fits(string text, int width = PreferredWidth) => (_outer + _indent) * 4 + text.Length <= width;

    /// <summary>
    /// An expression-bodied member <c>{type} {name}({parameters}) => {body};</c> (<paramref name="parameters"/>
    /// <see langword="null"/>: a property): on one line when it fits, else with <c>=&gt; {body};</c> on the next line,
    /// else also with the name (a property) or each parameter (a method) on lines of their own.
    /// </summary>
    public SourceWriter Member(string type, string name, IReadOnlyList<string>? parameters, string body)
    {
        var signature = type + " " + name + (parameters is null ? string.Empty : "(" + string.Join(", ", parameters) + ")");
        if (Fits(signature + " => " + body + ";"))
        {
            return Line(signature + " => " + body + ";");
        }

        if (Fits(signature))
        {
            Line(signature);
        }
        else if (parameters is null || parameters.Count == 0)
        {
            Line(type);
            Indent().Line(name + (parameters is null ? string.Empty : "()")).Outdent();
        }
        else
        {
            Line(type + " " + name + "(");
            Indent();
            for (var i = 0; i < parameters.Count; i++)
            {
                Line(parameters[i] + (i < parameters.Count - 1 ? "," : ")"));
            }

            Outdent();
        }

        return Indent().Line("=> " + body + ";").Outdent();
    }

    /// <summary>
    /// Writes <c>{prefix}{expression}{suffix}</c>: on one line when it fits, else a call's arguments one per line, one level
    /// deeper (and so on for the calls among them).
    /// </summary>
    public SourceWriter Expression(string prefix, Expr expression, string suffix)
    {
        if (Fits(prefix + expression.Text + suffix) || expression.Arguments is not { Count: > 0 } arguments)
        {
            return Line(prefix + expression.Text + suffix);
        }

        Line(prefix + expression.Head + "(");
        Indent();
        for (var i = 0; i < arguments.Count; i++)
        {
            Expression(string.Empty, arguments[i], i < arguments.Count - 1 ? "," : ")" + expression.Tail + suffix);
        }

        return Outdent();
    }

    /// <summary>
    /// A method signature <c>{type} {name}({parameters})</c> without its body: on one line when it fits, else the
    /// parameters one per line, else also the name on a line of its own under the (long) return type.
    /// </summary>
    public SourceWriter Signature(string type, string name, IReadOnlyList<string> parameters)
    {
        var one = type + " " + name + "(" + string.Join(", ", parameters) + ")";
        if (Fits(one))
        {
            return Line(one);
        }

        if (Fits(type + " " + name + "("))
        {
            return Call(type + " " + name, parameters, string.Empty);
        }

        Line(type);
        return Indent().Call(name, parameters, string.Empty).Outdent();
    }

    /// <summary>
    /// A documentation comment <c>/// &lt;summary&gt;</c> with <paramref name="text"/> wrapped at spaces outside tags to
    /// <see cref="PreferredWidth"/>; on one line when it fits.
    /// </summary>
    public SourceWriter Summary(string text)
    {
        if (Fits("/// <summary>" + text + "</summary>"))
        {
            return Line("/// <summary>" + text + "</summary>");
        }

        Line("/// <summary>");
        Doc(text);
        return Line("/// </summary>");
    }

    /// <summary>Documentation text (no opening or closing tag of its own), wrapped at spaces outside tags.</summary>
    public SourceWriter Doc(string text)
    {
        var words = new List<string>();
        var start = 0;
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '<' ? 1 : text[i] == '>' ? -1 : 0;
            if (text[i] == ' ' && depth == 0)
            {
                words.Add(text.Substring(start, i - start));
                start = i + 1;
            }
        }

        words.Add(text.Substring(start));
        var line = new StringBuilder("///");
        foreach (var word in words)
        {
            if (line.Length > 3 && !Fits(line + " " + word))
            {
                Line(line.ToString());
                line.Clear().Append("///");
            }

            line.Append(' ').Append(word);
        }

        return Line(line.ToString());
    }

    /// <summary>A type declaration <c>{head} : {bases}</c>, the base list on a line of its own when the line would be long.</summary>
    public SourceWriter Declaration(string head, string? bases)
    {
        if (bases is null)
        {
            return Line(head);
        }

        return Fits(head + " : " + bases) ? Line(head + " : " + bases) : Line(head).Indent().Line(": " + bases).Outdent();
    }

    public SourceWriter Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Open()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    /// <summary>Writes the following lines one level deeper (a continuation), until <see cref="Outdent"/>.</summary>
    public SourceWriter Indent()
    {
        _indent++;
        return this;
    }

    public SourceWriter Outdent()
    {
        _indent--;
        return this;
    }

    public override string ToString() => _text.ToString();

    /// <summary>
    /// A writer for a hole of a template written at this writer's current indentation: its lines start
    /// <paramref name="levels"/> levels deep (relative to the template), and <see cref="Fits"/> counts the levels
    /// <see cref="Block"/> will add.
    /// </summary>
    public SourceWriter Nested(int levels) => new SourceWriter(levels) { _outer = _outer + _indent };

    /// <summary>The text without its last line break, to splice into a template as a hole of its own line.</summary>
    public string Inner() => _text.ToString().TrimEnd('\n');
}
