using System.Diagnostics;
using Avro;
using Avro.Generic;
using Avro.IO;
using Kafka.Typed.Avro;
using Kafka.Typed.Integration.Tests.Avro;
using Xunit;
using Schema = Avro.Schema;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>Hostile input to generated codecs: always <see cref="KafkaAvroException"/>, never another exception, a hang, a wrong value or a stack overflow.</summary>
public sealed class GeneratedCorruptInputTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private static readonly AvroErrorKind[] BodyKinds = [AvroErrorKind.Truncated, AvroErrorKind.Corrupt, AvroErrorKind.InvalidValue];

    private void EveryTruncationFails<T>(IAvroCodec<T> codec, T value)
    {
        var topic = TestNames.Unique("gen-truncate-" + typeof(T).Name.ToLowerInvariant());
        using var serde = new AvroSerde<T>(codec, fixture.Client);
        var bytes = serde.Serialize(value, topic);
        Deep.Equal(value, serde.Deserialize(bytes, topic, 0, 0));
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes.AsSpan(0, length), topic, 0, length));
            Assert.True(length < 5 ? e.Kind == AvroErrorKind.TooShort : BodyKinds.Contains(e.Kind), $"{typeof(T).Name} length {length}/{bytes.Length}: {e.Kind} {e.Detail}");
        }
    }

    [Fact]
    public void Every_truncation_of_valid_messages_throws_KafkaAvroException()
    {
        EveryTruncationFails(AllScalars.AvroCodec.Instance, Samples.Scalars().First().Value);
        EveryTruncationFails(Nullables.AvroCodec.Instance, Samples.NullableValues().ElementAt(1).Value);
        EveryTruncationFails(Collections.AvroCodec.Instance, Samples.CollectionValues().ElementAt(1).Value);
        EveryTruncationFails(Customer.AvroCodec.Instance, Samples.Customer());
        EveryTruncationFails(Forest.AvroCodec.Instance, Samples.Forest(fanOut: 2, depth: 3));
    }

    /// <summary>
    /// Random bodies after a valid header and randomly mutated valid messages. A decode that succeeds must agree with
    /// Apache.Avro's generic reader on the same bytes (so a "success" is never a misread).
    /// </summary>
    private async Task RandomInputNeverEscapes<T>(IAvroCodec<T> codec, T valid, int seed, int iterations)
    {
        var topic = TestNames.Unique("gen-random-" + typeof(T).Name.ToLowerInvariant());
        var schema = (RecordSchema)Schema.Parse(codec.Schema);
        using var serde = new AvroSerde<T>(codec, fixture.Client);
        var validBytes = serde.Serialize(valid, topic);
        var random = new Random(seed);
        var decoded = 0;
        var failures = new Dictionary<AvroErrorKind, int>();
        var watch = Stopwatch.StartNew();
        await Task.Run(() =>
        {
            for (var i = 0; i < iterations; i++)
            {
                byte[] payload;
                if (i % 2 == 0)
                {
                    payload = new byte[5 + random.Next(0, 300)];
                    random.NextBytes(payload.AsSpan(5));
                    validBytes.AsSpan(0, 5).CopyTo(payload);
                }
                else
                {
                    payload = (byte[])validBytes.Clone();
                    for (var m = random.Next(1, 4); m > 0; m--)
                    {
                        payload[random.Next(5, payload.Length)] = (byte)random.Next(256);
                    }
                }

                T value;
                try
                {
                    value = serde.Deserialize(payload, topic, 0, i);
                }
                catch (KafkaAvroException e)
                {
                    Assert.True(BodyKinds.Contains(e.Kind), $"iteration {i}: unexpected kind {e.Kind}: {e.Detail}");
                    failures[e.Kind] = failures.GetValueOrDefault(e.Kind) + 1;
                    continue;
                }
                catch (Exception e)
                {
                    Assert.Fail($"iteration {i}: {e.GetType().Name} escaped instead of KafkaAvroException: {e.Message}\n{Convert.ToHexString(payload)}");
                    throw;
                }

                // Decoded: Apache.Avro must read the same body to the same value.
                decoded++;
                var reader = new GenericDatumReader<GenericRecord>(schema, schema);
                var theirs = reader.Read(null!, new BinaryDecoder(new MemoryStream(payload, 5, payload.Length - 5)));
                GenericOf.Equal(GenericOf.Record(value!, schema), theirs, $"iteration {i}");
            }
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"{iterations} decodes took {watch.Elapsed}");
        Assert.True(failures.Values.Sum() > iterations / 2, $"only {failures.Values.Sum()} of {iterations} failed ({decoded} decoded)");
    }

    [Fact]
    public Task Random_and_mutated_scalars_messages_only_ever_fail_as_KafkaAvroException()
        => RandomInputNeverEscapes(AllScalars.AvroCodec.Instance, Samples.Scalars().First().Value, 20261127, 3_000);

    [Fact]
    public Task Random_and_mutated_collections_messages_only_ever_fail_as_KafkaAvroException()
        => RandomInputNeverEscapes(Collections.AvroCodec.Instance, Samples.CollectionValues().ElementAt(1).Value, 4242, 3_000);

    [Fact]
    public Task Random_and_mutated_nullables_messages_only_ever_fail_as_KafkaAvroException()
        => RandomInputNeverEscapes(Nullables.AvroCodec.Instance, Samples.NullableValues().ElementAt(1).Value, 777, 2_000);

    /// <summary>Header of <typeparamref name="T"/>'s registered schema + a hand-crafted body.</summary>
    private (AvroSerde<T> Serde, string Topic, byte[] Header) Prepare<T>(IAvroCodec<T> codec, T sample)
    {
        var topic = TestNames.Unique("gen-deep-" + typeof(T).Name.ToLowerInvariant());
        var serde = new AvroSerde<T>(codec, fixture.Client);
        return (serde, topic, serde.Serialize(sample, topic)[..5]);
    }

    /// <summary>Forest body: Name "", then Root nested <paramref name="levels"/> deep through the nullable Origin, then Extra [].</summary>
    private static byte[] ForestThroughOrigin(byte[] header, int levels)
    {
        var body = new List<byte>(header) { 0x00 };
        for (var i = 0; i < levels; i++)
        {
            body.AddRange([0x00, 0x00, 0x02]); // Name "", Children [], Origin: union branch 1 (TreeNode)
        }

        body.AddRange([0x00, 0x00, 0x00]); // innermost: Name "", Children [], Origin null
        body.Add(0x00); // Extra []
        return [.. body];
    }

    /// <summary>Forest body: Root nested <paramref name="levels"/> deep through one-item Children arrays.</summary>
    private static byte[] ForestThroughChildren(byte[] header, int levels)
    {
        var body = new List<byte>(header) { 0x00 };
        for (var i = 0; i < levels; i++)
        {
            body.AddRange([0x00, 0x02]); // Name "", Children: a block of 1 item
        }

        body.AddRange([0x00, 0x00, 0x00]); // innermost: Name "", Children [], Origin null
        for (var i = 0; i < levels; i++)
        {
            body.AddRange([0x00, 0x00]); // end of the Children blocks, Origin null
        }

        body.Add(0x00); // Extra []
        return [.. body];
    }

    [Fact]
    public void Nesting_deeper_than_MaxDepth_in_a_nested_recursive_record_is_corrupt_not_a_stack_overflow()
    {
        var (serde, topic, header) = Prepare(Forest.AvroCodec.Instance, new Forest());
        using (serde)
        {
            // Within the limit it decodes (the hand-crafted bytes are right).
            var ok = serde.Deserialize(ForestThroughOrigin(header, AvroReader.MaxDepth - 2), topic, 0, 0);
            var depth = 0;
            for (var node = ok.Root; node.Origin is { } next; node = next)
            {
                depth++;
            }

            Assert.Equal(AvroReader.MaxDepth - 2, depth);
            Assert.Equal(AvroReader.MaxDepth - 2, CountChildrenDepth(serde.Deserialize(ForestThroughChildren(header, AvroReader.MaxDepth - 2), topic, 0, 0).Root));

            foreach (var levels in new[] { AvroReader.MaxDepth + 1, 1_000, 200_000 })
            {
                var viaOrigin = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(ForestThroughOrigin(header, levels), topic, 0, levels));
                Assert.Equal(AvroErrorKind.Corrupt, viaOrigin.Kind);
                Assert.Contains("deeper than", viaOrigin.Message, StringComparison.Ordinal);
                var viaChildren = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(ForestThroughChildren(header, levels), topic, 0, levels));
                Assert.Equal(AvroErrorKind.Corrupt, viaChildren.Kind);
            }
        }
    }

    private static int CountChildrenDepth(TreeNode node) => node.Children.Count == 0 ? 0 : 1 + CountChildrenDepth(node.Children[0]);

    /// <summary>
    /// Generator bug repro: when the message type itself is recursive (Category.Parent / Category.Subcategories), the root
    /// record's generated reader (R_R0_Category) never calls EnterRecord, so nesting is unbounded: 200 levels decode
    /// instead of failing as Corrupt, and a payload of a few hundred KB (200,000 levels) overflows the stack and kills
    /// the process. Only a safe depth is used here.
    /// </summary>
    [Fact]
    public void Nesting_deeper_than_MaxDepth_in_a_recursive_message_type_is_corrupt()
    {
        var (serde, topic, header) = Prepare(Category.AvroCodec.Instance, new Category());
        using (serde)
        {
            byte[] Body(int levels)
            {
                var body = new List<byte>(header);
                for (var i = 0; i < levels; i++)
                {
                    body.AddRange([0x00, 0x00, 0x02]); // Name "", Subcategories [], Parent: branch 1
                }

                body.AddRange([0x00, 0x00, 0x00]);
                return [.. body];
            }

            Assert.Equal("", serde.Deserialize(Body(3), topic, 0, 0).Parent!.Parent!.Parent!.Name);
            var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(Body(200), topic, 0, 1));
            Assert.Equal(AvroErrorKind.Corrupt, e.Kind);
        }
    }

    [Fact]
    public void Out_of_range_values_for_narrow_types_enum_and_logical_types_are_rejected()
    {
        var (serde, topic, header) = Prepare(AllScalars.AvroCodec.Instance, new AllScalars());
        using (serde)
        {
            var valid = Body.Of(AllScalars.AvroCodec.Instance, new AllScalars { Short = 1, Level = Level.Low });

            // Re-encode with one field replaced: find it by writing the same record with Apache.Avro's generic writer.
            var schema = (RecordSchema)Schema.Parse(AllScalars.AvroCodec.SchemaJson);
            byte[] With(string field, object? raw)
            {
                var record = GenericOf.Record(new AllScalars(), schema);
                var writerSchema = (RecordSchema)Schema.Parse(AllScalars.AvroCodec.SchemaJson.Replace(
                    field switch
                    {
                        "Short" => "{\"name\":\"Short\",\"type\":\"int\"}",
                        "UInt" => "{\"name\":\"UInt\",\"type\":\"long\"}",
                        "Day" => "{\"name\":\"Day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}}",
                        "Time" => "{\"name\":\"Time\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}}",
                        "Id" => "{\"name\":\"Id\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}}",
                        _ => throw new ArgumentException(field),
                    },
                    field switch
                    {
                        "Short" or "Day" => $"{{\"name\":\"{field}\",\"type\":\"int\"}}",
                        "UInt" or "Time" => $"{{\"name\":\"{field}\",\"type\":\"long\"}}",
                        _ => $"{{\"name\":\"{field}\",\"type\":\"string\"}}",
                    },
                    StringComparison.Ordinal));
                var plain = new GenericRecord(writerSchema);
                foreach (var f in schema.Fields)
                {
                    plain.Add(f.Name, f.Name == field ? raw : record[f.Name]);
                }

                using var stream = new MemoryStream();
                stream.Write(header);
                new GenericDatumWriter<GenericRecord>(writerSchema).Write(plain, new BinaryEncoder(stream));
                return stream.ToArray();
            }

            // Control: the crafted bytes decode when the raw value is in range.
            Assert.Equal(7, serde.Deserialize(With("Short", 7), topic, 0, 0).Short);
            Assert.Equal(uint.MaxValue, serde.Deserialize(With("UInt", (long)uint.MaxValue), topic, 0, 0).UInt);
            Assert.Equal(new TimeOnly(1, 0), serde.Deserialize(With("Time", 3_600_000_000L), topic, 0, 0).Time);

            foreach (var (field, raw) in new (string, object)[] { ("Short", 40_000), ("Short", -40_000), ("UInt", -1L), ("UInt", 1L << 32), ("Day", int.MaxValue), ("Time", -1L), ("Time", 86_400_000_000L), ("Id", "not-a-uuid") })
            {
                var e = Assert.Throws<KafkaAvroException>(() => serde.Deserialize(With(field, raw), topic, 0, 0));
                Assert.True(e.Kind is AvroErrorKind.InvalidValue or AvroErrorKind.Corrupt, $"{field}={raw}: {e.Kind}");
            }

            // Enum index past the last symbol (Level has 3): patch the Level byte of a valid body.
            var bytes = header.Concat(valid).ToArray();
            var levelAt = 5 + valid.Length - 2; // Level then Tint, each a one-byte index
            bytes[levelAt] = 0x06; // index 3
            Assert.Equal(AvroErrorKind.Corrupt, Assert.Throws<KafkaAvroException>(() => serde.Deserialize(bytes, topic, 0, 0)).Kind);
        }
    }
}
