using System;

namespace Kafka.Typed.Generators.Avro;

/// <summary>
/// Bad JSON or an invalid Avro schema. <see cref="Exception.Message"/> names the problem and where it is
/// (line and column in the JSON text, and for schemas the path of the offending type or field).
/// </summary>
internal sealed class AvroSchemaException : Exception
{
    public AvroSchemaException(string message, int line, int column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the offending JSON token, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 characters) of the offending JSON token, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The same problem with <paramref name="prefix"/> in front, e.g. to say which of two schemas is bad.</summary>
    public AvroSchemaException WithPrefix(string prefix) => new AvroSchemaException(prefix + Message, Line, Column);
}
