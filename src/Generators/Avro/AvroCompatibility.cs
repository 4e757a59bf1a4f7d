using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Kafka.Typed.Generators.Avro;

/// <summary>
/// Avro schema resolution (spec 1.11, "Schema Resolution") as a compatibility check: which problems stop a
/// reader with one schema from reading data written with another. Used at build time to compare the schema a
/// type produces now with the schema committed in a <c>.avsc</c> file.
/// </summary>
internal static class AvroCompatibility
{
    /// <summary>
    /// The problems that stop a reader using <paramref name="readerSchemaJson"/> from reading data written with
    /// <paramref name="writerSchemaJson"/>; empty when it can read all such data.
    /// </summary>
    /// <exception cref="AvroSchemaException">Either schema is bad JSON or an invalid schema (the message says which).</exception>
    public static IReadOnlyList<string> CanRead(string readerSchemaJson, string writerSchemaJson)
    {
        var reader = ParseOne(readerSchemaJson, "reader schema: ");
        var writer = ParseOne(writerSchemaJson, "writer schema: ");
        return CanRead(reader, writer);
    }

    /// <summary>The problems that stop <paramref name="reader"/> from reading data written with <paramref name="writer"/>.</summary>
    public static IReadOnlyList<string> CanRead(AvroSchema reader, AvroSchema writer) => new Resolver(Perspective.Generic).Run(reader, writer);

    /// <summary>
    /// Checks the schema a type has now against the committed one under a Schema Registry compatibility level:
    /// <c>BACKWARD</c> (readers on the current schema read data written with the committed one),
    /// <c>FORWARD</c> (readers on the committed schema read data written with the current one),
    /// <c>FULL</c> (both; problems start with "new readers: " or "old readers: ") or <c>NONE</c> (no check).
    /// The <c>_TRANSITIVE</c> levels are accepted and mean the same here, as there is one committed schema.
    /// </summary>
    /// <exception cref="AvroSchemaException">Either schema is bad JSON or an invalid schema (the message says which).</exception>
    /// <exception cref="ArgumentException"><paramref name="level"/> is not one of the levels above.</exception>
    public static IReadOnlyList<string> Check(string currentSchemaJson, string committedSchemaJson, string level)
    {
        var normalized = (level ?? string.Empty).Trim().ToUpperInvariant();
        if (normalized.EndsWith("_TRANSITIVE", StringComparison.Ordinal))
        {
            normalized = normalized.Substring(0, normalized.Length - "_TRANSITIVE".Length);
        }

        if (normalized != "BACKWARD" && normalized != "FORWARD" && normalized != "FULL" && normalized != "NONE")
        {
            throw new ArgumentException("unknown compatibility level '" + level + "'; expected BACKWARD, FORWARD, FULL or NONE", nameof(level));
        }

        var current = ParseOne(currentSchemaJson, "current schema: ");
        var committed = ParseOne(committedSchemaJson, "committed schema: ");
        switch (normalized)
        {
            case "BACKWARD":
                return new Resolver(Perspective.Backward).Run(current, committed);
            case "FORWARD":
                return new Resolver(Perspective.Forward).Run(committed, current);
            case "FULL":
                var problems = new List<string>();
                foreach (var problem in new Resolver(Perspective.Backward).Run(current, committed))
                {
                    problems.Add("new readers: " + problem);
                }

                foreach (var problem in new Resolver(Perspective.Forward).Run(committed, current))
                {
                    problems.Add("old readers: " + problem);
                }

                return problems;
            default:
                return Array.Empty<string>();
        }
    }

    private static AvroSchema ParseOne(string json, string which)
    {
        try
        {
            return AvroSchema.Parse(json);
        }
        catch (AvroSchemaException e)
        {
            throw e.WithPrefix(which);
        }
    }

    /// <summary>Who reads and who writes, which decides how problems are worded.</summary>
    private enum Perspective
    {
        /// <summary>Plain reader/writer.</summary>
        Generic,

        /// <summary>Reader = current schema, writer = committed schema.</summary>
        Backward,

        /// <summary>Reader = committed schema, writer = current schema.</summary>
        Forward,
    }

    /// <summary>Compares one reader/writer pair, collecting problems.</summary>
    private sealed class Resolver
    {
        private readonly Perspective _perspective;
        private readonly List<string> _problems = new List<string>();
        private readonly HashSet<string> _unique = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<Pair> _seen = new HashSet<Pair>();

        public Resolver(Perspective perspective)
        {
            _perspective = perspective;
        }

        public IReadOnlyList<string> Run(AvroSchema reader, AvroSchema writer)
        {
            Resolve(reader, writer, string.Empty);
            return _problems.ToArray();
        }

        private string WriterAdjective => _perspective == Perspective.Backward ? "committed" : _perspective == Perspective.Forward ? "current" : "writer's";

        private string ReaderAdjective => _perspective == Perspective.Backward ? "current" : _perspective == Perspective.Forward ? "committed" : "reader's";

        private void Resolve(AvroSchema reader, AvroSchema writer, string path)
        {
            if (writer is AvroUnionSchema writerUnion)
            {
                // Every branch the writer may have used must be readable.
                foreach (var branch in writerUnion.Branches)
                {
                    ResolveBranch(reader, branch, path);
                }

                return;
            }

            ResolveBranch(reader, writer, path);
        }

        /// <summary><paramref name="writer"/> is not a union.</summary>
        private void ResolveBranch(AvroSchema reader, AvroSchema writer, string path)
        {
            if (reader is AvroUnionSchema readerUnion)
            {
                var chosen = SelectBranch(readerUnion, writer);
                if (chosen is null)
                {
                    Mismatch(reader, writer, path);
                    return;
                }

                reader = chosen;
            }

            if (!Matches(reader, writer))
            {
                Mismatch(reader, writer, path);
                return;
            }

            if (reader.LogicalType is { } readerLogical && writer.LogicalType is { } writerLogical && readerLogical != writerLogical)
            {
                Add(Where(path) + ": the " + WriterAdjective + " type '" + writer.Describe() + "' cannot be read as '" + reader.Describe() + "': the logical type changed from " + writerLogical + " to " + readerLogical + ", so the stored numbers would mean something else");
            }
            else if (reader.LogicalType == "decimal" && writer.LogicalType == "decimal" && (reader.Precision != writer.Precision || reader.Scale != writer.Scale))
            {
                Add(Where(path) + ": the " + WriterAdjective + " type '" + writer.Describe() + "' cannot be read as '" + reader.Describe() + "': a different precision or scale changes what the stored digits mean");
            }

            switch (reader)
            {
                case AvroRecordSchema readerRecord:
                    ResolveRecord(readerRecord, (AvroRecordSchema)writer, path);
                    break;
                case AvroEnumSchema readerEnum:
                    ResolveEnum(readerEnum, (AvroEnumSchema)writer, path);
                    break;
                case AvroFixedSchema readerFixed:
                    var writerFixed = (AvroFixedSchema)writer;
                    if (readerFixed.Size != writerFixed.Size)
                    {
                        Add(Where(path) + ": the " + WriterAdjective + " type '" + writer.Describe() + "' cannot be read as '" + reader.Describe() + "': the sizes differ");
                    }

                    break;
                case AvroArraySchema readerArray:
                    Resolve(readerArray.Items, ((AvroArraySchema)writer).Items, Child(path, "[]"));
                    break;
                case AvroMapSchema readerMap:
                    Resolve(readerMap.Values, ((AvroMapSchema)writer).Values, Child(path, "{}"));
                    break;
            }
        }

        private void ResolveRecord(AvroRecordSchema reader, AvroRecordSchema writer, string path)
        {
            if (!_seen.Add(new Pair(reader, writer)))
            {
                return; // already compared (or being compared, for recursive records)
            }

            var recordPath = path.Length == 0 ? reader.Name : path;
            foreach (var field in reader.Fields)
            {
                var fieldPath = recordPath + "." + field.Name;
                var writerField = writer.GetField(field.Name);
                if (writerField is null)
                {
                    foreach (var alias in field.Aliases)
                    {
                        writerField = writer.GetField(alias);
                        if (writerField is not null)
                        {
                            break;
                        }
                    }
                }

                if (writerField is not null)
                {
                    Resolve(field.Type, writerField.Type, fieldPath);
                }
                else if (!field.HasDefault)
                {
                    switch (_perspective)
                    {
                        case Perspective.Backward:
                            Add("field '" + fieldPath + "' was added without a default");
                            break;
                        case Perspective.Forward:
                            Add("field '" + fieldPath + "' was removed but had no default (readers on the committed schema need one)");
                            break;
                        default:
                            Add("field '" + fieldPath + "' is not in the writer's schema and has no default");
                            break;
                    }
                }
            }
        }

        private void ResolveEnum(AvroEnumSchema reader, AvroEnumSchema writer, string path)
        {
            if (reader.Default is not null || !_seen.Add(new Pair(reader, writer)))
            {
                return; // symbols the reader does not know become its default
            }

            var known = new HashSet<string>(reader.Symbols, StringComparer.Ordinal);
            var missing = new List<string>();
            foreach (var symbol in writer.Symbols)
            {
                if (!known.Contains(symbol))
                {
                    missing.Add("'" + symbol + "'");
                }
            }

            if (missing.Count == 0)
            {
                return;
            }

            var symbols = (missing.Count == 1 ? "symbol " : "symbols ") + string.Join(", ", missing);
            switch (_perspective)
            {
                case Perspective.Backward:
                    Add(Where(path) + ": enum " + symbols + " of '" + writer.FullName + "' " + (missing.Count == 1 ? "was" : "were") + " removed but the enum has no default");
                    break;
                case Perspective.Forward:
                    Add(Where(path) + ": enum " + symbols + " of '" + writer.FullName + "' " + (missing.Count == 1 ? "was" : "were") + " added but the committed enum has no default (readers on the committed schema cannot read " + (missing.Count == 1 ? "it" : "them") + ")");
                    break;
                default:
                    Add(Where(path) + ": the writer's enum " + symbols + " of '" + writer.FullName + "' " + (missing.Count == 1 ? "is" : "are") + " not in the reader's enum, which has no default");
                    break;
            }
        }

        private void Mismatch(AvroSchema reader, AvroSchema writer, string path)
        {
            var detail = string.Empty;
            if (reader is AvroNamedSchema r && writer is AvroNamedSchema w && reader.Type == writer.Type && !NamesMatch(r, w))
            {
                detail = ": the names differ and '" + r.FullName + "' has no alias '" + w.FullName + "'";
            }

            Add(Where(path) + ": the " + WriterAdjective + " type '" + writer.Describe() + "' cannot be read as '" + reader.Describe() + "'" + detail);
        }

        private void Add(string problem)
        {
            if (_unique.Add(problem))
            {
                _problems.Add(problem);
            }
        }

        private static string Where(string path) => path.Length == 0 ? "the schema" : "field '" + path + "'";

        private static string Child(string path, string suffix) => path.Length == 0 ? suffix : path + suffix;

        /// <summary>
        /// The reader union's branch that data of the writer's (non-union) type resolves to: the first branch of
        /// the same type (and, for named types, the same name), else the first branch it can be read as
        /// (a promotion or a name matched through an alias).
        /// </summary>
        private static AvroSchema? SelectBranch(AvroUnionSchema reader, AvroSchema writer)
        {
            foreach (var branch in reader.Branches)
            {
                if (branch.Type == writer.Type && (branch is not AvroNamedSchema named || named.Name == ((AvroNamedSchema)writer).Name))
                {
                    return branch;
                }
            }

            foreach (var branch in reader.Branches)
            {
                if (Matches(branch, writer))
                {
                    return branch;
                }
            }

            return null;
        }

        /// <summary>Whether the top-level types fit (same type, a promotion, or named types whose names match); contents are checked later.</summary>
        private static bool Matches(AvroSchema reader, AvroSchema writer)
        {
            if (reader is AvroUnionSchema || writer is AvroUnionSchema)
            {
                return false;
            }

            if (reader.Type == writer.Type)
            {
                return reader is not AvroNamedSchema r || NamesMatch(r, (AvroNamedSchema)writer);
            }

            switch (writer.Type)
            {
                case AvroType.Int:
                    return reader.Type == AvroType.Long || reader.Type == AvroType.Float || reader.Type == AvroType.Double;
                case AvroType.Long:
                    return reader.Type == AvroType.Float || reader.Type == AvroType.Double;
                case AvroType.Float:
                    return reader.Type == AvroType.Double;
                case AvroType.String:
                    return reader.Type == AvroType.Bytes;
                case AvroType.Bytes:
                    return reader.Type == AvroType.String;
                default:
                    return false;
            }
        }

        /// <summary>Same unqualified name, or the writer's name is one of the reader's aliases (full or unqualified).</summary>
        private static bool NamesMatch(AvroNamedSchema reader, AvroNamedSchema writer)
        {
            if (reader.Name == writer.Name)
            {
                return true;
            }

            foreach (var alias in reader.Aliases)
            {
                if (alias == writer.FullName)
                {
                    return true;
                }

                var dot = alias.LastIndexOf('.');
                if (dot >= 0 && alias.Substring(dot + 1) == writer.Name)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A reader/writer pair of named types, compared by reference.</summary>
    private readonly struct Pair : IEquatable<Pair>
    {
        private readonly AvroSchema _reader;
        private readonly AvroSchema _writer;

        public Pair(AvroSchema reader, AvroSchema writer)
        {
            _reader = reader;
            _writer = writer;
        }

        public bool Equals(Pair other) => ReferenceEquals(_reader, other._reader) && ReferenceEquals(_writer, other._writer);

        public override bool Equals(object? obj) => obj is Pair other && Equals(other);

        public override int GetHashCode() => unchecked((RuntimeHelpers.GetHashCode(_reader) * 397) ^ RuntimeHelpers.GetHashCode(_writer));
    }
}
