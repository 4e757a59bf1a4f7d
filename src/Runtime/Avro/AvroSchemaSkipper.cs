using AvroSchema = Avro.Schema;

namespace Kafka.Typed.Avro;

/// <summary>
/// Walks an Avro body against a schema with the bounds-checked <see cref="AvroReader"/>, touching every value without
/// building it. <see cref="AvroSerde{T}"/> validates data written with a foreign schema this way before Apache.Avro's
/// resolving reader sees it, so truncated or corrupt input fails fast with <see cref="KafkaAvroException"/>.
/// </summary>
internal static class AvroSchemaSkipper
{
    private const int MaxDepth = 512;

    public static void Skip(ref AvroReader reader, AvroSchema schema, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new KafkaAvroException(AvroErrorKind.Corrupt, $"values nest deeper than {MaxDepth} levels");
        }

        switch (schema)
        {
            case global::Avro.LogicalSchema logical:
                Skip(ref reader, logical.BaseSchema, depth);
                return;
            case global::Avro.RecordSchema record:
                foreach (var field in record.Fields)
                {
                    Skip(ref reader, field.Schema, depth + 1);
                }

                return;
            case global::Avro.EnumSchema enumSchema:
                reader.ReadEnum(enumSchema.Count);
                return;
            case global::Avro.FixedSchema fixedSchema:
                reader.ReadFixedSpan(fixedSchema.Size);
                return;
            case global::Avro.ArraySchema array:
                {
                    var min = MinSize(array.ItemSchema);
                    for (var n = reader.ReadArrayStart(min); n != 0; n = reader.ReadArrayNext(min))
                    {
                        for (var i = 0; i < n; i++)
                        {
                            Skip(ref reader, array.ItemSchema, depth + 1);
                        }
                    }

                    return;
                }

            case global::Avro.MapSchema map:
                {
                    var min = MinSize(map.ValueSchema);
                    for (var n = reader.ReadMapStart(min); n != 0; n = reader.ReadMapNext(min))
                    {
                        for (var i = 0; i < n; i++)
                        {
                            reader.ReadBytesSpan();
                            Skip(ref reader, map.ValueSchema, depth + 1);
                        }
                    }

                    return;
                }

            case global::Avro.UnionSchema union:
                Skip(ref reader, union.Schemas[reader.ReadUnionIndex(union.Count)], depth + 1);
                return;
        }

        switch (schema.Tag)
        {
            case AvroSchema.Type.Null:
                return;
            case AvroSchema.Type.Boolean:
                reader.ReadBoolean();
                return;
            case AvroSchema.Type.Int:
                reader.ReadInt();
                return;
            case AvroSchema.Type.Long:
                reader.ReadLong();
                return;
            case AvroSchema.Type.Float:
                reader.ReadFloat();
                return;
            case AvroSchema.Type.Double:
                reader.ReadDouble();
                return;
            case AvroSchema.Type.Bytes:
                reader.ReadBytesSpan();
                return;
            case AvroSchema.Type.String:
                reader.ReadString();
                return;
            default:
                throw new KafkaAvroException(AvroErrorKind.IncompatibleSchema, $"schema type {schema.Tag} is not supported");
        }
    }

    /// <summary>The fewest bytes a value of <paramref name="schema"/> takes (0 or 1 is enough to cap block counts).</summary>
    private static int MinSize(AvroSchema schema) => schema switch
    {
        global::Avro.LogicalSchema logical => MinSize(logical.BaseSchema),
        global::Avro.RecordSchema => 0,
        global::Avro.FixedSchema f => Math.Min(f.Size, 1),
        _ => schema.Tag == AvroSchema.Type.Null ? 0 : 1,
    };
}
