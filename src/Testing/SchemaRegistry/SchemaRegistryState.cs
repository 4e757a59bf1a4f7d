using System.Text.Json.Nodes;
using AvroSchema = Avro.Schema;

namespace Kafka.Typed.Testing;

/// <summary>The registry's data: schemas by global id, subjects with their versions, compatibility levels. Thread-safe (one lock).</summary>
internal sealed class SchemaRegistryState
{
    public static readonly string[] Levels = ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _idsByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<int, StoredSchema> _schemas = [];
    private readonly Dictionary<string, List<SubjectVersion>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _subjectLevels = new(StringComparer.Ordinal);
    private int _nextId = 1;

    public SchemaRegistryState(string globalLevel) => GlobalLevel = globalLevel;

    public string GlobalLevel { get; set; }

    public sealed record StoredSchema(int Id, string SchemaType, string Text, AvroSchema? Avro);

    public sealed record SubjectVersion(int Version, int Id);

    /// <summary>Parses and keys a schema. Throws <see cref="RegistryError"/> 42201 for an invalid Avro schema.</summary>
    public static (string Key, string Text, AvroSchema? Avro) Prepare(string schemaType, string text, bool normalize)
    {
        if (schemaType != "AVRO")
        {
            return (schemaType + "\n" + text, text, null);
        }

        AvroSchema parsed;
        try
        {
            parsed = AvroSchema.Parse(text);
        }
        catch (Exception e)
        {
            throw new RegistryError(422, 42201, $"Invalid schema: {e.Message}");
        }

        // Confluent keys schemas by their canonical string (the parsed schema written back, so whitespace and property
        // order do not matter); with normalize the stored text is that canonical form too.
        var canonical = parsed.ToString();
        return ("AVRO\n" + canonical, normalize ? canonical : text, parsed);
    }

    public (int Id, int Version) Register(string subject, string schemaType, string text, bool normalize)
    {
        var (key, stored, avro) = Prepare(schemaType, text, normalize);
        lock (_gate)
        {
            var versions = _subjects.GetValueOrDefault(subject);
            if (_idsByKey.TryGetValue(key, out var existingId) && versions?.Find(v => v.Id == existingId) is { } same)
            {
                return (existingId, same.Version);
            }

            if (avro is not null && versions is { Count: > 0 })
            {
                var level = _subjectLevels.GetValueOrDefault(subject) ?? GlobalLevel;
                var previous = versions.Select(v => _schemas[v.Id]).Where(s => s.Avro is not null).Select(s => s.Avro!).ToList();
                if (!AvroCompatibility.IsCompatible(level, avro, previous))
                {
                    throw new RegistryError(409, 409, $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\" (compatibility {level})");
                }
            }

            if (!_idsByKey.TryGetValue(key, out var id))
            {
                id = _nextId++;
                _idsByKey[key] = id;
                _schemas[id] = new StoredSchema(id, schemaType, stored, avro);
            }

            if (versions is null)
            {
                versions = [];
                _subjects[subject] = versions;
            }

            var version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            versions.Add(new SubjectVersion(version, id));
            return (id, version);
        }
    }

    public (StoredSchema Schema, int Version) Lookup(string subject, string schemaType, string text, bool normalize)
    {
        var (key, _, _) = Prepare(schemaType, text, normalize);
        lock (_gate)
        {
            if (!_subjects.TryGetValue(subject, out var versions) || versions.Count == 0)
            {
                throw SubjectNotFound(subject);
            }

            if (_idsByKey.TryGetValue(key, out var id) && versions.Find(v => v.Id == id) is { } match)
            {
                return (_schemas[id], match.Version);
            }

            throw new RegistryError(404, 40403, "Schema not found");
        }
    }

    public StoredSchema GetById(int id)
    {
        lock (_gate)
        {
            return _schemas.TryGetValue(id, out var schema) ? schema : throw new RegistryError(404, 40403, "Schema " + id + " not found");
        }
    }

    public (StoredSchema Schema, int Version) GetVersion(string subject, string version)
    {
        lock (_gate)
        {
            if (!_subjects.TryGetValue(subject, out var versions) || versions.Count == 0)
            {
                throw SubjectNotFound(subject);
            }

            if (version is "latest" or "-1")
            {
                return (_schemas[versions[^1].Id], versions[^1].Version);
            }

            if (!int.TryParse(version, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                throw new RegistryError(422, 42202, "The specified version '" + version + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
            }

            var match = versions.Find(v => v.Version == n) ?? throw new RegistryError(404, 40402, "Version " + n + " not found.");
            return (_schemas[match.Id], match.Version);
        }
    }

    public IReadOnlyList<string> Subjects()
    {
        lock (_gate)
        {
            return _subjects.Where(s => s.Value.Count > 0).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<int> Versions(string subject)
    {
        lock (_gate)
        {
            return _subjects.TryGetValue(subject, out var versions) && versions.Count > 0 ? versions.Select(v => v.Version).ToList() : throw SubjectNotFound(subject);
        }
    }

    public IReadOnlyList<int> DeleteSubject(string subject)
    {
        lock (_gate)
        {
            if (!_subjects.Remove(subject, out var versions) || versions.Count == 0)
            {
                throw SubjectNotFound(subject);
            }

            _subjectLevels.Remove(subject);
            return versions.Select(v => v.Version).ToList();
        }
    }

    public string? GetSubjectLevel(string subject)
    {
        lock (_gate)
        {
            return _subjectLevels.GetValueOrDefault(subject);
        }
    }

    public void SetSubjectLevel(string subject, string level)
    {
        lock (_gate)
        {
            _subjectLevels[subject] = level;
        }
    }

    public bool TestCompatibility(string subject, string version, string schemaType, string text, bool normalize)
    {
        var (_, _, avro) = Prepare(schemaType, text, normalize);
        lock (_gate)
        {
            if (!_subjects.TryGetValue(subject, out var versions) || versions.Count == 0)
            {
                if (version is "latest" or "-1")
                {
                    return true;
                }

                throw SubjectNotFound(subject);
            }

            if (avro is null)
            {
                return true;
            }

            var level = _subjectLevels.GetValueOrDefault(subject) ?? GlobalLevel;
            List<AvroSchema> against;
            if (version is "latest" or "-1")
            {
                against = versions.Select(v => _schemas[v.Id].Avro).OfType<AvroSchema>().ToList();
            }
            else
            {
                var (schema, _) = GetVersion(subject, version);
                against = schema.Avro is null ? [] : [schema.Avro];
                level = level.Replace("_TRANSITIVE", "", StringComparison.Ordinal);
            }

            return AvroCompatibility.IsCompatible(level, avro, against);
        }
    }

    public static JsonObject Describe(string subject, StoredSchema schema, int version)
    {
        var body = new JsonObject { ["subject"] = subject, ["version"] = version, ["id"] = schema.Id };
        if (schema.SchemaType != "AVRO")
        {
            body["schemaType"] = schema.SchemaType;
        }

        body["schema"] = schema.Text;
        return body;
    }

    private static RegistryError SubjectNotFound(string subject) => new(404, 40401, "Subject '" + subject + "' not found.");
}

/// <summary>An error answer in Confluent's shape: HTTP status plus <c>{"error_code":…,"message":…}</c>.</summary>
internal sealed class RegistryError(int status, int errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;

    public int ErrorCode { get; } = errorCode;
}

/// <summary>Compatibility levels over Apache.Avro's schema resolution rules (<c>reader.CanRead(writer)</c>).</summary>
internal static class AvroCompatibility
{
    /// <summary>Whether <paramref name="candidate"/> may follow <paramref name="previous"/> (oldest first) at <paramref name="level"/>.</summary>
    public static bool IsCompatible(string level, AvroSchema candidate, IReadOnlyList<AvroSchema> previous)
    {
        if (previous.Count == 0 || level == "NONE")
        {
            return true;
        }

        var transitive = level.EndsWith("_TRANSITIVE", StringComparison.Ordinal);
        var against = transitive ? previous : [previous[^1]];
        var baseLevel = level.Replace("_TRANSITIVE", "", StringComparison.Ordinal);
        foreach (var old in against)
        {
            // BACKWARD: consumers on the new schema read old data; FORWARD: consumers on the old schema read new data.
            var backward = candidate.CanRead(old);
            var forward = old.CanRead(candidate);
            var ok = baseLevel switch
            {
                "BACKWARD" => backward,
                "FORWARD" => forward,
                "FULL" => backward && forward,
                _ => true,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
