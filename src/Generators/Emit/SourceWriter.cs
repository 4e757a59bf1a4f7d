using System.Text;

namespace Kafka.Typed.Generators.Emit;

/// <summary>A small indentation-aware text builder; lines end with <c>\n</c> on every platform.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new StringBuilder(4096);
    private int _indent;

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

    public override string ToString() => _text.ToString();
}
