namespace Kafka.Typed.Avro;

/// <summary>Why an Avro payload could not be decoded (or a value could not be encoded).</summary>
public enum AvroErrorKind
{
    /// <summary>Byte 0 is not Confluent's magic byte 0: the payload is not in Confluent's wire format.</summary>
    WrongMagicByte,

    /// <summary>The payload is shorter than the 5-byte header (magic byte and schema id).</summary>
    TooShort,

    /// <summary>The schema registry does not know the writer's schema id.</summary>
    UnknownSchemaId,

    /// <summary>The Avro body ends before the value does.</summary>
    Truncated,

    /// <summary>The Avro body is malformed: a bad varint, union index, enum index, boolean, length, UTF-8 text or trailing bytes.</summary>
    Corrupt,

    /// <summary>A null where the type allows none.</summary>
    UnexpectedNull,

    /// <summary>The writer's schema cannot be resolved against the reader's (Avro schema resolution rules).</summary>
    IncompatibleSchema,

    /// <summary>A value cannot be represented in its Avro schema (for example a decimal with more digits than its scale).</summary>
    InvalidValue,

    /// <summary>The subject has no usable schema for this type (lookup-only or use-latest registration).</summary>
    SchemaNotRegistered,
}

/// <summary>
/// An Avro payload in Confluent's wire format could not be decoded (or a value could not be encoded). Retrying cannot
/// help, so it is a <see cref="NonRetriableMessageException"/>: the consumer applies its failure policy at once. The
/// message names the topic, partition and offset when they are known, and the reason.
/// </summary>
public class KafkaAvroException : NonRetriableMessageException
{
    /// <summary>Creates the exception without a record location (the readers and writers throw this form).</summary>
    /// <param name="kind">Why.</param>
    /// <param name="detail">What exactly is wrong, for example "needed 4 more bytes at byte 17".</param>
    /// <param name="inner">The cause.</param>
    public KafkaAvroException(AvroErrorKind kind, string detail, Exception? inner = null)
        : this(kind, detail, topic: null, partition: -1, offset: -1, schemaId: null, inner)
    {
    }

    /// <summary>Creates the exception for a record.</summary>
    /// <param name="kind">Why.</param>
    /// <param name="detail">What exactly is wrong.</param>
    /// <param name="topic">The record's topic, or <see langword="null"/> when unknown.</param>
    /// <param name="partition">The record's partition, or -1 when unknown.</param>
    /// <param name="offset">The record's offset, or -1 when unknown.</param>
    /// <param name="schemaId">The writer's schema id from the header, when it was read.</param>
    /// <param name="inner">The cause.</param>
    public KafkaAvroException(AvroErrorKind kind, string detail, string? topic, int partition, long offset, int? schemaId = null, Exception? inner = null)
        : base(Format(kind, detail, topic, partition, offset, schemaId), inner)
    {
        Kind = kind;
        Detail = detail;
        Topic = topic;
        Partition = partition;
        Offset = offset;
        SchemaId = schemaId;
    }

    /// <summary>Why.</summary>
    public AvroErrorKind Kind { get; }

    /// <summary>What exactly is wrong, without the location.</summary>
    public string Detail { get; }

    /// <summary>The record's topic, or <see langword="null"/> when unknown.</summary>
    public string? Topic { get; }

    /// <summary>The record's partition, or -1 when unknown.</summary>
    public int Partition { get; }

    /// <summary>The record's offset, or -1 when unknown.</summary>
    public long Offset { get; }

    /// <summary>The writer's schema id from the header, or <see langword="null"/> when it was not read.</summary>
    public int? SchemaId { get; }

    /// <summary>The same error with the record's location (and schema id) filled in.</summary>
    /// <param name="topic">The record's topic.</param>
    /// <param name="partition">The record's partition, or -1 when unknown.</param>
    /// <param name="offset">The record's offset, or -1 when unknown.</param>
    /// <param name="schemaId">The writer's schema id, when known.</param>
    public KafkaAvroException At(string? topic, int partition, long offset, int? schemaId)
        => new(Kind, Detail, topic ?? Topic, partition >= 0 ? partition : Partition, offset >= 0 ? offset : Offset, schemaId ?? SchemaId, this);

    private static string Format(AvroErrorKind kind, string detail, string? topic, int partition, long offset, int? schemaId)
    {
        var where = topic is null ? "the Avro payload" : $"the Avro record at topic '{topic}'";
        if (partition >= 0)
        {
            where += $", partition {partition}";
        }

        if (offset >= 0)
        {
            where += $", offset {offset}";
        }

        if (schemaId is { } id)
        {
            where += $" (writer schema id {id})";
        }

        var reason = kind switch
        {
            AvroErrorKind.WrongMagicByte => "wrong magic byte",
            AvroErrorKind.TooShort => "too short for the wire-format header",
            AvroErrorKind.UnknownSchemaId => "unknown schema id",
            AvroErrorKind.Truncated => "truncated payload",
            AvroErrorKind.Corrupt => "corrupt payload",
            AvroErrorKind.UnexpectedNull => "null where none is allowed",
            AvroErrorKind.IncompatibleSchema => "incompatible writer schema",
            AvroErrorKind.InvalidValue => "value not representable",
            AvroErrorKind.SchemaNotRegistered => "schema not registered",
            _ => kind.ToString(),
        };
        return $"Cannot process {where}: {reason}: {detail}";
    }
}
